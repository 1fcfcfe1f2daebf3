"""Turning label, prediction and probability columns into numbers or canonical class labels.

Columns arrive as text (or typed, from Parquet). Class labels are canonicalised so that the same
class written two ways is one class: ``1``, ``1.0`` and ``01`` are ``1``; ``True`` is ``true``.
A present value that cannot be used raises RowError, which the profile job turns into file:line.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.common.errors import RowError

NUMBER = r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$"


def as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return values
    if pa.types.is_boolean(values.type):
        return pc.if_else(values, "true", "false")
    return pc.cast(values, pa.string())


def present_mask(values: pa.Array) -> np.ndarray:
    """Present means not null and not blank."""
    text = as_text(values)
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
    return np.asarray(pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(blank, True))), dtype=bool)


def numbers(values: pa.Array, what: str) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, present mask). Absent values are NaN and not present."""
    present = present_mask(values)
    if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
        floats = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
        floats = np.where(present, floats, np.nan)
    else:
        text = as_text(values)
        ok = np.asarray(pc.fill_null(pc.match_substring_regex(text, NUMBER), False), dtype=bool)
        bad = np.flatnonzero(present & ~ok)
        if len(bad):
            raise RowError(f"{what}: value {text[int(bad[0])].as_py()!r} is not a number", int(bad[0]))
        numeric = pc.if_else(pa.array(ok), pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
        floats = pc.cast(numeric, pa.float64()).to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(present & ~np.isfinite(floats))
    if len(bad):
        raise RowError(f"{what}: value {floats[bad[0]]!r} is not a finite number", int(bad[0]))
    return floats, present


def canonical_label(text: str) -> str:
    value = text.strip()
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number)


def label_codes(values: pa.Array) -> tuple[np.ndarray, list[str]]:
    """(per-row code into the returned label list, -1 where absent; canonical labels)."""
    present = present_mask(values)
    text = as_text(values)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    encoded = pc.dictionary_encode(text)
    labels: list[str] = []
    index: dict[str, int] = {}
    remap = []
    for raw in encoded.dictionary.to_pylist():
        label = canonical_label(raw)
        if label not in index:
            index[label] = len(labels)
            labels.append(label)
        remap.append(index[label])
    if not remap:
        return np.full(len(text), -1, dtype=np.int64), labels
    indices = pc.fill_null(encoded.indices, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(present, np.asarray(remap, dtype=np.int64)[indices], -1), labels


def sort_labels(labels) -> list[str]:
    """Numeric labels in numeric order, then the others as text."""

    def key(label: str):
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted(labels, key=key)
