"""The unit readers hand to the profile: a block of rows as named string (or typed) columns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# An order key sorts columns the way Spark would lay them out:
#   (segment, 0, position)  positional columns (CSV fields), by position
#   (segment, 1, path)      named columns (JSON keys), by their path; object keys sorted by name,
#                           array elements by index -> path = ((1, "key"), (0, index), ...)
OrderKey = tuple

# Merged capture data (model quality): groundTruthData's fields become columns named
# ``groundTruthData._c{i}`` (CSV) or ``groundTruthData.<key>`` (JSON), in a segment after every
# capture part, so column indices keep counting the capture's own fields only.
GROUND_TRUTH = "groundTruthData"
GROUND_TRUTH_SEGMENT = 1000


@dataclass
class Column:
    name: str
    order: OrderKey
    values: pa.Array


@dataclass
class Batch:
    num_rows: int
    columns: list[Column] = field(default_factory=list)
    # Where each row came from (ledger Locations), when the reader went record by record: lets a
    # consumer that rejects a value name its file and line.
    locations: list | None = None
    # Split runs (split_by): the segment of every row (an array of names), or of the whole batch (one
    # name); None when the run is not split.
    segments: pa.Array | str | None = None


def positional(index: int, segment: int = 0) -> OrderKey:
    return (segment, 0, index)


def positional_name(index: int) -> str:
    return f"_c{index}"
