"""Do the data's columns line up with the baseline's features? Position by position, by type and by
distribution (the KS distance of the KLL sketches for numbers, L-infinity of the category
frequencies for strings), for the data as placed and shifted by a few columns.

A shift shows as data column i+k matching baseline feature i far better than column i does, from
some position p on (p = 0: the whole row, as when the output columns sit at the other end; p > 0: a
column dropped or added in the middle, as a preprocessor might).
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.baseline.baseline import Baseline, FeatureBaseline
from analyzer.checks.constraint_checks import type_match_ratio
from analyzer.checks.drift import categorical_linf, numeric_linf
from analyzer.profiling.column import ColumnState
from analyzer.profiling.datatypes import InferredType, determine_type

MAX_OFFSET = 3
MIN_MATCH = 0.75  # mean similarity of the shifted pairs for a shift to be claimed
MIN_GAIN = 0.3  # ... and how much better than the pairs as placed
# The other output_columns_position is one named hypothesis, not a search over offsets, and the data
# being validated may well have drifted (that is what monitoring is for): a majority of matching
# columns is enough evidence there, as long as the gain over the placement as given is clear.
MIN_PLACEMENT_MATCH = 0.5


@dataclass(frozen=True)
class Pair:
    feature: str  # the baseline feature
    column: str  # the data column compared with it
    similarity: float  # 0 (unrelated) .. 1 (same type and distribution)
    evidence: str


@dataclass(frozen=True)
class Shift:
    offset: int  # data column i + offset holds baseline feature i
    start: int  # from this baseline position on
    shifted: float  # mean similarity of the shifted pairs
    placed: float  # mean similarity of the same features as placed
    pairs: list[Pair]  # the shifted pairs, best evidence first

    def describe(self) -> str:
        return f"data column i{self.offset:+d} holds baseline feature i"


def kind(inferred: str) -> str:
    return "number" if inferred in (InferredType.INTEGRAL, InferredType.FRACTIONAL) else "string"


def similarity(
    feature: FeatureBaseline | None, expected: str, column: ColumnState, threshold: float
) -> Pair | None:
    """How alike a data column and a baseline feature are; None when one of them has no values."""
    actual = determine_type(column.type_counts)
    name = feature.name if feature else "?"
    if actual == InferredType.UNKNOWN or expected == InferredType.UNKNOWN:
        return None
    if kind(actual) != kind(expected):
        return Pair(name, column.name, 0.0, f"{column.name} is {actual}, {name} {expected}")
    ratio = type_match_ratio(column, expected)
    if ratio is not None and ratio < threshold:
        return Pair(name, column.name, 0.0, f"{column.name} is {actual}, {name} {expected}")
    if kind(expected) == "number":
        if feature is None or feature.sketch is None or column.kll is None or not column.kll.total_weight():
            return Pair(name, column.name, 1.0, f"both {expected}")
        distance = numeric_linf(feature.sketch, column.kll).value
        return Pair(name, column.name, 1.0 - distance, f"KS distance {distance:.2f}")
    if feature is None or not feature.histogram or not column.histogram:
        return Pair(name, column.name, 1.0, "both String")
    distance = categorical_linf(feature.histogram, dict(column.histogram)).value
    return Pair(name, column.name, 1.0 - distance, f"category L-inf distance {distance:.2f}")


def pairs_at(baseline: Baseline, columns: list[ColumnState], offset: int) -> list[Pair | None]:
    """Baseline feature i against data column i + offset (None where either is missing or empty)."""
    threshold = baseline.config.datatype_check_threshold
    result: list[Pair | None] = []
    for i, feature in enumerate(baseline.features):
        j = i + offset
        if 0 <= j < len(columns):
            stats = baseline.statistics.get(feature.name)
            result.append(similarity(stats, feature.inferred_type, columns[j], threshold))
        else:
            result.append(None)
    return result


def mean(pairs: list[Pair | None]) -> float | None:
    values = [p.similarity for p in pairs if p is not None]
    return sum(values) / len(values) if values else None


def alignment(baseline: Baseline, columns: list[ColumnState]) -> float | None:
    """Mean similarity of the columns as placed: 1 for data that looks like its baseline."""
    return mean(pairs_at(baseline, columns, 0))


def find_shift(baseline: Baseline, columns: list[ColumnState]) -> Shift | None:
    """The best shift (offset and start position) that explains the data much better than the
    columns as placed, or None."""
    placed = pairs_at(baseline, columns, 0)
    best: Shift | None = None
    for offset in [k for k in range(-MAX_OFFSET, MAX_OFFSET + 1) if k]:
        shifted = pairs_at(baseline, columns, offset)
        for start in range(len(baseline.features) - 1):
            region = [(s, p) for s, p in zip(shifted[start:], placed[start:], strict=True) if s is not None]
            if len(region) < 2:
                continue
            here = sum(s.similarity for s, _ in region) / len(region)
            before = [p.similarity for _, p in region if p is not None]
            was = sum(before) / len(before) if before else 0.0
            # Columns before ``start`` must still fit as placed, or the shift would start earlier.
            prefix = mean(placed[:start])
            if prefix is not None and prefix < MIN_MATCH:
                continue
            if here >= MIN_MATCH and here - was >= MIN_GAIN:
                score = (here - was) * len(region)
                if best is None or score > (best.shifted - best.placed) * len(best.pairs):
                    ranked = sorted((s for s, _ in region), key=lambda p: -p.similarity)
                    best = Shift(offset, start, here, was, ranked)
    return best


def type_mismatches(baseline: Baseline, by_name: dict[str, ColumnState]) -> list[tuple[str, str, str, float]]:
    """(feature, baseline type, data type, share of values of the baseline type) below the baseline's
    datatype_check_threshold: the data_type_check violations a monitoring run would raise."""
    threshold = baseline.config.datatype_check_threshold
    found = []
    for feature in baseline.features:
        column = by_name.get(feature.name)
        if column is None:
            continue
        ratio = type_match_ratio(column, feature.inferred_type)
        if ratio is not None and ratio < threshold:
            found.append(
                (feature.name, feature.inferred_type, determine_type(column.type_counts).value, ratio)
            )
    return found
