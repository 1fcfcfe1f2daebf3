"""Parquet: typed columns go to the profile as they are (Deequ maps Spark types, no regexes)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.common.errors import InputError
from analyzer.common.log_text import printable
from analyzer.files.sources import Split, open_planned
from analyzer.readers.batch import Batch, Column, positional
from analyzer.readers.ledger import Ledger
from analyzer.readers.plan import ReadPlan


def _flat(table: pa.Table) -> pa.Table:
    while any(pa.types.is_struct(f.type) for f in table.schema):
        table = table.flatten()
    return table


def _column(values: pa.ChunkedArray) -> pa.Array:
    values = values.combine_chunks()
    kind = values.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        return pa.array(
            [None if v is None else json.dumps(v, default=str) for v in values.to_pylist()], pa.string()
        )
    if pa.types.is_dictionary(kind):
        return values.cast(kind.value_type)
    return values


def read(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    if split.size == 0:
        # Spark leaves zero-byte files out of a scan (an upload's placeholder object, say).
        ledger.split_lines[(split.path, split.start)] = 0
        return
    try:
        yield from _read(split, plan, ledger)
    except (pa.ArrowException, OSError) as e:
        # A damaged file's rows cannot be counted, so they cannot be skipped: the job fails naming it.
        raise InputError(
            f"{printable(split.path)} is not a readable Parquet file: {' '.join(str(e).split())}"
        ) from e


def _read(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    with open_planned(split.path, split.stamp) as f:
        parquet = pq.ParquetFile(f)
        ledger.split_lines[(split.path, split.start)] = parquet.metadata.num_rows
        yield from _batches(parquet, plan, ledger)


def _batches(parquet: pq.ParquetFile, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    for record_batch in parquet.iter_batches(batch_size=max(plan.batch_rows, 65536)):
        table = _flat(pa.Table.from_batches([record_batch]))
        ledger.records_read += table.num_rows
        ledger.records_analyzed += table.num_rows
        columns = [
            Column(name, positional(i), _column(table.column(i))) for i, name in enumerate(table.column_names)
        ]
        yield Batch(table.num_rows, columns)
