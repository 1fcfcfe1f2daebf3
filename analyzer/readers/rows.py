"""Turning Python records (dicts, lists, scalars) into named string columns.

Values keep the text a Spark reader would see: JSON numbers keep their source text (parsed with
``parse_float=str``), booleans become ``true``/``false``, null and non-finite floats are missing.
Nested objects flatten to dotted names (``a.b``) and arrays to indexed names (``a[0]``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from analyzer.readers.batch import Batch, Column, OrderKey, positional_name

# A flattened field: (name, path) where path is the sortable key of the field inside one payload.
Field = tuple[str, tuple, str | None]


def scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    return str(value)


def loads_keeping_numbers(text: str) -> Any:
    """JSON parse that keeps numbers as their source text, as Spark's primitivesAsString does."""
    return json.loads(text, parse_float=str, parse_int=str, parse_constant=lambda _: None)


def flatten(value: Any, name: str = "", path: tuple = ()) -> Iterator[Field]:
    if isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            yield from flatten(item, f"{name}.{key}" if name else key, (*path, (1, key)))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from flatten(item, f"{name}[{i}]" if name else f"[{i}]", (*path, (0, i)))
    else:
        yield name, path, scalar_text(value)


def is_scalar_list(value: Any) -> bool:
    return isinstance(value, list) and not any(isinstance(v, dict | list) for v in value)


# A row is a list of (name, order key, text); rows become a Batch.
Row = list[tuple[str, OrderKey, str | None]]


def named_row(value: Any, segment: int = 0) -> Row:
    """A JSON record: objects (and nested lists) by flattened name; scalars and flat lists by position."""
    if isinstance(value, dict) or (isinstance(value, list) and not is_scalar_list(value)):
        return [(n, (segment, 1, p), t) for n, p, t in flatten(value)]
    items = value if isinstance(value, list) else [value]
    return [(positional_name(i), (segment, 0, i), scalar_text(v)) for i, v in enumerate(items)]


class RowBuffer:
    """Collects rows and hands them out as column batches."""

    def __init__(self, batch_rows: int = 8192):
        self.batch_rows = batch_rows
        self._rows: list[Row] = []
        self._locations: list = []

    def add(self, row: Row, location=None) -> Batch | None:
        self._rows.append(row)
        self._locations.append(location)
        if len(self._rows) >= self.batch_rows:
            return self.flush()
        return None

    def flush(self) -> Batch | None:
        if not self._rows:
            return None
        batch = rows_to_batch(self._rows)
        if any(loc is not None for loc in self._locations):
            batch.locations = self._locations
        self._rows = []
        self._locations = []
        return batch


def rows_to_batch(rows: Iterable[Row]) -> Batch:
    rows = list(rows)
    orders: dict[str, OrderKey] = {}
    values: dict[str, list[str | None]] = {}
    for i, row in enumerate(rows):
        for name, order, text in row:
            column = values.get(name)
            if column is None:
                column = values[name] = [None] * len(rows)
                orders[name] = order
            column[i] = text
    columns = [Column(n, orders[n], pa.array(v, type=pa.string())) for n, v in values.items()]
    return Batch(len(rows), columns)
