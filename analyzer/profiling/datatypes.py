"""Deequ's per-value data type classification and column type decision, vectorized with pyarrow.

Values are classified on their string form, exactly as Deequ's ``StatefulDataType`` does:
Fractional, then Integral, then Boolean regexes (whole-string matches), anything else is String,
null is Unknown. The column type follows ``DataTypeHistogram.determineType``.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.common.number_text import FRACTIONAL_RE, INTEGRAL_RE

BOOLEAN_RE = r"^(true|false)$"


class InferredType(StrEnum):
    INTEGRAL = "Integral"
    FRACTIONAL = "Fractional"
    STRING = "String"
    UNKNOWN = "Unknown"

    @property
    def is_numeric(self) -> bool:
        return self in (InferredType.INTEGRAL, InferredType.FRACTIONAL)


_BOOLEAN_WORDS = pa.array(["true", "false"])

# Order of the counters in a type histogram.
NULL, FRACTIONAL, INTEGRAL, BOOLEAN, STRING = range(5)


def classify(values: pa.Array) -> tuple[pa.Array, pa.Array, list[int]]:
    """Classify a string array; returns (is_fractional, is_integral, counts per class)."""
    codes = class_codes(values)
    is_frac = pa.array(codes == FRACTIONAL)
    is_int = pa.array(codes == INTEGRAL)
    return is_frac, is_int, np.bincount(codes, minlength=5).tolist()


def class_codes(values: pa.Array) -> np.ndarray:
    """The class of every value (NULL, FRACTIONAL, ...), one int8 per row.

    The four classes are disjoint (Fractional needs a dot or an exponent, Integral has neither,
    the Boolean words have no digit), so each test runs only on the values no earlier one claimed,
    in the order that costs least: plain ASCII digit strings (Integral, without a regex), then the
    Fractional and Integral regexes, then the Boolean words."""
    n = len(values)
    codes = np.full(n, STRING, dtype=np.int8)
    if values.null_count:
        valid = values.is_valid().to_numpy(zero_copy_only=False)
        codes[~valid] = NULL
        positions = np.flatnonzero(valid)
        rest = values.filter(pa.array(valid))
    else:
        positions, rest = None, values
    for kind, test in _TESTS:
        if len(rest) == 0:
            break
        hit = test(rest).to_numpy(zero_copy_only=False)
        claimed = int(np.count_nonzero(hit))
        if claimed == 0:
            continue
        if positions is None:
            positions = np.arange(n)
        codes[positions[hit]] = kind
        if claimed == len(rest):
            break
        positions = positions[~hit]
        rest = rest.filter(pa.array(~hit))
    return codes


# BOOLEAN_RE is exactly these two words; set membership is cheaper than a regex pass.
_TESTS = (
    (INTEGRAL, pc.ascii_is_decimal),  # ^\d+$ with ASCII digits, as the Integral regex reads \d
    (FRACTIONAL, lambda v: pc.match_substring_regex(v, FRACTIONAL_RE)),
    (INTEGRAL, lambda v: pc.match_substring_regex(v, INTEGRAL_RE)),
    (BOOLEAN, lambda v: pc.is_in(v, value_set=_BOOLEAN_WORDS)),
)


def classify_counted(counted: pa.StructArray, values: pa.Array) -> tuple[pa.Array, list[int]]:
    """``classify`` for data given as value counts (``pc.value_counts``) of ``values``: the per-row
    numeric mask and the class counts, with the regexes run once per distinct value."""
    distinct, freq = counted.field("values"), counted.field("counts").to_numpy(zero_copy_only=False)
    codes = class_codes(distinct)
    n_frac, n_int, n_bool = (int(freq[codes == kind].sum()) for kind in (FRACTIONAL, INTEGRAL, BOOLEAN))
    present = len(values) - values.null_count
    counts = [values.null_count, n_frac, n_int, n_bool, present - n_frac - n_int - n_bool]
    numeric_values = distinct.filter(pa.array((codes == FRACTIONAL) | (codes == INTEGRAL)))
    is_number = pc.fill_null(pc.is_in(values, value_set=numeric_values), False)
    return is_number, counts


def numeric_mask(values: pa.Array) -> tuple[np.ndarray, list[int]]:
    """The rows that are numbers (Fractional or Integral) and the class counts."""
    codes = class_codes(values)
    return (codes == FRACTIONAL) | (codes == INTEGRAL), np.bincount(codes, minlength=5).tolist()


def classify_one(value: str | None) -> InferredType | str:
    """Scalar form, for checks and tests: 'Boolean' is reported as such."""
    if value is None:
        return InferredType.UNKNOWN
    arr = pa.array([value], type=pa.string())
    _, _, counts = classify(arr)
    for idx, kind in (
        (FRACTIONAL, InferredType.FRACTIONAL),
        (INTEGRAL, InferredType.INTEGRAL),
        (BOOLEAN, "Boolean"),
    ):
        if counts[idx]:
            return kind
    return InferredType.STRING


def determine_type(counts: list[int]) -> InferredType:
    """Deequ's column decision. Model Monitor has no Boolean type, so Boolean columns are String."""
    total = sum(counts)
    if counts[NULL] == total:
        return InferredType.UNKNOWN
    if counts[STRING] > 0 or counts[BOOLEAN] > 0:
        return InferredType.STRING
    if counts[FRACTIONAL] > 0:
        return InferredType.FRACTIONAL
    return InferredType.INTEGRAL


def to_double(values: pa.Array) -> pa.Array:
    """Numeric strings to float64. Deequ's regexes allow one space after the sign ("- 3")."""
    if _may_hold_space(values):  # rare: the regex rewrite is the costly part
        values = pc.replace_substring_regex(values, r"^([-+]?) ", r"\1")
    return pc.cast(values, pa.float64())


def _may_hold_space(values: pa.Array | pa.ChunkedArray) -> bool:
    """Whether a space is in the data buffers (a byte scan: match_substring is ten times slower)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is not None and (np.frombuffer(data, dtype=np.uint8) == ord(" ")).any():
            return True
    return False
