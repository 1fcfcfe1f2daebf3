"""The unit readers hand to the profile: a block of rows as named string (or typed) columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# An order key sorts columns the way Spark would lay them out:
#   (segment, 0, position)  positional columns (CSV fields), by position
#   (segment, 1, path)      named columns (JSON keys), by their path; object keys sorted by name,
#                           array elements by index -> path = ((1, "key"), (0, index), ...)
OrderKey = tuple


@dataclass
class Column:
    name: str
    order: OrderKey
    values: pa.Array


@dataclass
class Batch:
    num_rows: int
    columns: list[Column] = field(default_factory=list)


def positional(index: int, segment: int = 0) -> OrderKey:
    return (segment, 0, index)


def positional_name(index: int) -> str:
    return f"_c{index}"
