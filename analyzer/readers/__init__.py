"""Readers turn one split of the dataset into column batches, accounting for every record.

``read_batches`` is what a Spark task calls; the format decides which reader runs and whether the
user's ``preprocess_handler`` sees each record first.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator

from analyzer.batch import Batch
from analyzer.formats import CSV, JSON, PARQUET
from analyzer.ledger import Ledger
from analyzer.readers.plan import ReadPlan
from analyzer.sources import Split

# The csv module refuses fields over 128 KiB; pyarrow does not. Without this, a long value read by the
# line-by-line fallback (one bad byte elsewhere in the split) crashed the task.
csv.field_size_limit(sys.maxsize)


def read_batches(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
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


__all__ = ["ReadPlan", "read_batches"]
