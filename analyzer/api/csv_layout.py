"""Where each row of an in-memory table would lie in its CSV file, and so which batch it joins.

The command line reads a file in splits of ``split_bytes`` (a row belongs to the split its line
starts in), packs splits into tasks, folds each split's rows as one batch (a line longer than the
long-line limit as a batch of its own) and merges the task states in order. Sketches depend on that
cut, so the API cuts an in-memory table where the CLI would cut the same data written by
``to_csv``: the same statistics for any size, not only for tables that fit in one split.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _quoted_characters() -> str:
    """The characters that make ``to_csv``'s writer (Python's csv module, minimal quoting, "\\n" line
    ends) quote a value; whether a carriage return does depends on the Python version."""
    found = []
    for c, pattern in ((",", ","), ('"', '"'), ("\n", "\\n"), ("\r", "\\r")):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow([f"a{c}b", "x"])
        if out.getvalue().startswith('"'):
            found.append(pattern)
    return "[" + "".join(found) + "]"


_NEEDS_QUOTES = _quoted_characters()


@dataclass(frozen=True)
class Layout:
    """``tasks``: for each task, its batches as (first row, end row) in row order."""

    size: int
    tasks: list[list[tuple[int, int]]]


def field_bytes(text: pa.Array, only_column: bool) -> np.ndarray:
    """Bytes each value takes in the file: quoted when it holds a comma, quote or line break, its
    quotes doubled; in a one-column file a missing value is written ``""``."""
    lengths = pc.fill_null(pc.binary_length(text), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    if len(text) == text.null_count:
        quoted = np.zeros(len(text), dtype=bool)
        quotes = np.zeros(len(text), dtype=np.int64)
    else:
        quoted = pc.fill_null(pc.match_substring_regex(text, _NEEDS_QUOTES), False).to_numpy(
            zero_copy_only=False
        )
        quotes = pc.fill_null(pc.count_substring(text, '"'), 0).to_numpy(zero_copy_only=False)
    extra = np.where(quoted, 2 + quotes, 0)
    if only_column:
        extra = np.where(text.is_null().to_numpy(zero_copy_only=False), 2, extra)
    return lengths + extra


def line_bytes(names: list[str], columns: list[pa.Array], num_rows: int) -> tuple[int, np.ndarray]:
    """The header line's bytes and each row line's, line break included."""
    header = sum(field_bytes(pa.array([n], pa.string()), False)[0] for n in names) + len(names)
    lines = np.full(num_rows, len(columns), dtype=np.int64)  # the commas and the line break
    for text in columns:
        lines += field_bytes(text, len(columns) == 1)
    return int(header), lines


def plan_layout(names: list[str], columns: list[pa.Array], num_rows: int) -> Layout:
    from analyzer.files.sources import Split, group_splits, split_bytes_setting
    from analyzer.readers.long_lines import long_line_bytes
    from analyzer.runtime.tasks import task_count

    header, lines = line_bytes(names, columns, num_rows)
    starts = header + np.concatenate(([0], np.cumsum(lines)[:-1])) if num_rows else np.zeros(0, np.int64)
    size = header + int(lines.sum())
    split_bytes = split_bytes_setting()
    count = 1 if size <= split_bytes else math.ceil(size / split_bytes)
    splits = [Split("", k * split_bytes, min((k + 1) * split_bytes, size), size) for k in range(count)]
    split_of = np.zeros(num_rows, np.int64) if count == 1 else starts // split_bytes
    bounds = np.searchsorted(split_of, np.arange(count + 1))
    long_rows = np.flatnonzero(lines - 1 > long_line_bytes())
    groups = group_splits(splits, task_count(size))
    tasks, k = [], 0
    for group in groups:
        batches = []
        for _ in group:
            batches += _batches(int(bounds[k]), int(bounds[k + 1]), long_rows)
            k += 1
        tasks.append(batches)
    return Layout(size, tasks)


def _batches(first: int, end: int, long_rows: np.ndarray) -> list[tuple[int, int]]:
    """A split's rows as batches: runs of ordinary lines, each long line alone."""
    batches, at = [], first
    inside = long_rows[(long_rows >= first) & (long_rows < end)]
    for row in inside.tolist():
        if row > at:
            batches.append((at, row))
        batches.append((row, row + 1))
        at = row + 1
    if end > at:
        batches.append((at, end))
    return batches
