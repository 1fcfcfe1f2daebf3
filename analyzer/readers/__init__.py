"""Readers turn one split of the dataset into column batches, accounting for every record.

``read_batches`` is what a Spark task calls; the format decides which reader runs and whether the
user's ``preprocess_handler`` sees each record first.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Iterator

from analyzer.config.formats import CSV, JSON, PARQUET
from analyzer.files.sources import Split, gzip_chunks, is_compressed, split_bytes_setting
from analyzer.readers import long_lines
from analyzer.readers.batch import Batch
from analyzer.readers.ledger import Ledger
from analyzer.readers.plan import ReadPlan

# The csv module refuses fields over 128 KiB; pyarrow does not. Without this, a long value read by the
# line-by-line fallback (one bad byte elsewhere in the split) crashed the task.
csv.field_size_limit(sys.maxsize)


def read_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    if plan.split is not None:
        yield from segmented_batches(split, plan, ledger)
        return
    kind = plan.dataset_format.kind
    if kind == PARQUET:
        from analyzer.readers import parquet_reader

        yield from parquet_reader.read(split, plan, ledger)
        return
    yield from text_batches(split, plan, ledger)


def text_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """CSV, JSON and capture text: a .gz decompressed chunk by chunk, each read as a split of its own
    (memory stays that of a split); long lines cut out of every split and read on their own."""
    keep_header = plan.dataset_format.kind == CSV and plan.dataset_format.header
    if is_compressed(split.path) and split.data is None:
        for chunk in gzip_chunks(split, split_bytes_setting(), long_lines.long_line_bytes()):
            pieces = long_lines.cut(chunk, keep_header)
            del chunk  # the pieces hold what is left of it
            yield from _pieces(pieces, plan, ledger)
        return
    yield from _pieces(long_lines.cut(split, keep_header), plan, ledger)


def _pieces(pieces: list, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    from analyzer.readers import capture_reader, csv_reader, json_reader

    # Split runs whose records decide their segment are capture data: the capture readers tag rows.
    kind = None if plan.split is not None else plan.dataset_format.kind
    while pieces:
        piece = pieces.pop(0)  # taken off the list: a long line read is held nowhere else
        if isinstance(piece, long_lines.LongLine):
            ledger.split_lines[(piece.path, piece.key)] = 1
            reader = {CSV: csv_reader.read_long, JSON: json_reader.read_long}.get(
                kind, capture_reader.read_long
            )
        else:
            reader = {CSV: csv_reader.read, JSON: json_reader.read}.get(kind, capture_reader.read)
        yield from reader(piece, plan, ledger)


def segmented_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """Split runs: when the file decides the segment (a variant's directory), every batch is tagged
    here and the readers read as usual; otherwise the capture readers tag each record's rows."""
    from analyzer.config.segments import split_constant

    segment = split_constant(plan.split, split.path)
    if segment is None:
        yield from text_batches(split, plan, ledger)
        return
    analyzed = ledger.records_analyzed
    for batch in read_batches(split, dataclasses.replace(plan, split=None), ledger):
        batch.segments = segment
        yield batch
    ledger.segment_records[segment] += ledger.records_analyzed - analyzed


__all__ = ["ReadPlan", "read_batches"]
