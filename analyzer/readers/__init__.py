"""Readers turn one split of the dataset into column batches, accounting for every record.

``read_batches`` is what a Spark task calls; the format decides which reader runs and whether the
user's ``preprocess_handler`` sees each record first.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.batch import Batch
from analyzer.formats import CSV, JSON, PARQUET
from analyzer.ledger import Ledger
from analyzer.readers.plan import ReadPlan
from analyzer.sources import Split


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
