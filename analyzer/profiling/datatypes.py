"""Deequ's per-value data type classification and column type decision, vectorized with pyarrow.

Values are classified on their string form, exactly as Deequ's ``StatefulDataType`` does:
Fractional, then Integral, then Boolean regexes (whole-string matches), anything else is String,
null is Unknown. The column type follows ``DataTypeHistogram.determineType``.
"""

from __future__ import annotations

from enum import StrEnum

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
    is_frac = pc.fill_null(pc.match_substring_regex(values, FRACTIONAL_RE), False)
    is_int = pc.fill_null(pc.match_substring_regex(values, INTEGRAL_RE), False)
    nulls = values.null_count
    n_frac = pc.sum(is_frac).as_py() or 0
    n_int = pc.sum(is_int).as_py() or 0
    # BOOLEAN_RE is exactly these two words; set membership is cheaper than a regex pass.
    n_bool = pc.sum(pc.is_in(values, value_set=_BOOLEAN_WORDS)).as_py() or 0
    n_string = len(values) - nulls - n_frac - n_int - n_bool
    return is_frac, is_int, [nulls, n_frac, n_int, n_bool, n_string]


def classify_counted(counted: pa.StructArray, values: pa.Array) -> tuple[pa.Array, list[int]]:
    """``classify`` for data given as value counts (``pc.value_counts``) of ``values``: the per-row
    numeric mask and the class counts, with the regexes run once per distinct value."""
    distinct, freq = counted.field("values"), counted.field("counts")
    is_frac, is_int, _ = classify(distinct)

    def weight(mask: pa.Array) -> int:
        return pc.sum(pc.filter(freq, mask)).as_py() or 0

    n_frac, n_int = weight(is_frac), weight(is_int)
    n_bool = weight(pc.is_in(distinct, value_set=_BOOLEAN_WORDS))
    present = len(values) - values.null_count
    counts = [values.null_count, n_frac, n_int, n_bool, present - n_frac - n_int - n_bool]
    numeric_values = pc.filter(distinct, pc.or_(is_frac, is_int))
    is_number = pc.fill_null(pc.is_in(values, value_set=numeric_values), False)
    return is_number, counts


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
    cleaned = pc.replace_substring_regex(values, r"^([-+]?) ", r"\1")
    return pc.cast(cleaned, pa.float64())
