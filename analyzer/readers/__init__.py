"""Readers turn one split of the dataset into column batches, accounting for every record.

``read_batches`` is what a Spark task calls; the format decides which reader runs and whether the
user's ``preprocess_handler`` sees each record first.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Iterator

from analyzer.batch import Batch
from analyzer.formats import CSV, JSON, PARQUET
from analyzer.ledger import Ledger
from analyzer.readers.plan import ReadPlan
from analyzer.sources import Split, gzip_chunks, is_compressed, split_bytes_setting

# The csv module refuses fields over 128 KiB; pyarrow does not. Without this, a long value read by the
# line-by-line fallback (one bad byte elsewhere in the split) crashed the task.
csv.field_size_limit(sys.maxsize)


def read_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    if is_compressed(split.path) and split.data is None and plan.dataset_format.kind != PARQUET:
        # Decompressed chunk by chunk, each read as a split of its own: memory stays that of a split.
        for chunk in gzip_chunks(split, split_bytes_setting()):
            yield from read_batches(chunk, plan, ledger)
        return
    if plan.split is not None:
        yield from segmented_batches(split, plan, ledger)
        return
    from analyzer.readers import capture_reader, csv_reader, json_reader, parquet_reader

    kind = plan.dataset_format.kind
    if kind == CSV:
        yield from csv_reader.read(split, plan, ledger)
    elif kind == JSON:
        yield from json_reader.read(split, plan, ledger)
    elif kind == PARQUET:
        yield from parquet_reader.read(split, plan, ledger)
    else:
        yield from capture_reader.read(split, plan, ledger)


def segmented_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """Split runs: when the file decides the segment (a variant's directory), every batch is tagged
    here and the readers read as usual; otherwise the capture readers tag each record's rows."""
    from analyzer.readers import capture_reader
    from analyzer.segments import split_constant

    segment = split_constant(plan.split, split.path)
    if segment is None:
        yield from capture_reader.read(split, plan, ledger)
        return
    analyzed = ledger.records_analyzed
    for batch in read_batches(split, dataclasses.replace(plan, split=None), ledger):
        batch.segments = segment
        yield batch
    ledger.segment_records[segment] += ledger.records_analyzed - analyzed


__all__ = ["ReadPlan", "read_batches"]
