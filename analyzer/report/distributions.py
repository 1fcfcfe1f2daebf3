"""A feature's baseline and current distributions on one grid, from their statistics.json entries.

The two sides were bucketed over their own [min, max], so their KLL buckets never line up. Each side
is re-binned onto common edges spanning both ranges: from the KLL sketch's weighted items when the
sketch is there (an item at level h stands for 2**h values, so an unsaturated sketch is the exact
sample), else from the ten buckets with the mass spread evenly inside each one. A side that was
inferred as a string although the other side is numeric (a few non-numeric values in a numeric
column) contributes the numbers among its categorical values and counts the rest as non-numeric.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field

import numpy as np

NUMERIC_TYPES = ("Integral", "Fractional")
BINS = 24  # fractional features: equal-width bins over the common range
MAX_INTEGER_BINS = 40  # integral features: one bin per integer up to this many, else wider integer bins
TOP_CATEGORIES = 20  # categorical features: the most frequent values, the rest as one "other" bar
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def number(value) -> float | None:
    """A statistics.json number: floats, ints, and the quoted "NaN"/"Infinity" Jackson writes."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def section(value, *keys):
    """value[k1][k2]... where every step is a dict, else None (statistics from any writer)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@dataclass
class NumericSide:
    """One side's values: weighted points (sorted) or buckets, plus what could not be read as numbers."""

    points: np.ndarray | None = None
    weights: np.ndarray | None = None
    buckets: np.ndarray | None = None  # rows of (lower, upper, count)
    low: float = math.nan
    high: float = math.nan
    non_numeric: list[tuple[str, float]] = field(default_factory=list)  # from a string-typed side
    integral: bool = False

    @property
    def empty(self) -> bool:
        return (self.points is None or not len(self.points)) and (
            self.buckets is None or not len(self.buckets)
        )


@dataclass(frozen=True)
class NumericChart:
    edges: np.ndarray
    baseline: np.ndarray | None  # fraction of that side's drawn values in each bin
    current: np.ndarray | None
    integral: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CategoricalChart:
    labels: tuple[str, ...]
    baseline: tuple[float, ...] | None  # fraction of that side's counted values per label
    current: tuple[float, ...] | None
    new: tuple[bool, ...]  # in the current data but not in the baseline's histogram
    other: int  # how many values the last ("other") label stands for; 0 when there is no such label
    notes: tuple[str, ...] = ()


def is_numeric(feature: dict | None) -> bool:
    return isinstance(feature, dict) and isinstance(feature.get("numerical_statistics"), dict)


def numeric_side(feature: dict | None) -> NumericSide | None:
    if not isinstance(feature, dict):
        return None
    stats = feature.get("numerical_statistics")
    if isinstance(stats, dict):
        return numeric_from_kll(stats, feature.get("inferred_type") == "Integral")
    counts = categorical_counts(feature)
    if counts is None:
        return None
    return numeric_from_categories(counts)


def numeric_from_kll(stats: dict, integral: bool) -> NumericSide | None:
    kll = section(stats, "distribution", "kll")
    side = NumericSide(integral=integral)
    data = section(kll, "sketch", "data")
    if isinstance(data, list) and data and all(isinstance(level, list) for level in data):
        levels = [level_values(level) for level in data]
        values = np.concatenate(levels)
        weights = np.concatenate([np.full(len(level), 2.0**h) for h, level in enumerate(levels)])
        keep = np.isfinite(values)
        values, weights = values[keep], weights[keep]
        order = np.argsort(values, kind="stable")
        side.points, side.weights = values[order], weights[order]
    else:
        rows = []
        for bucket in section(kll, "buckets") or []:
            lo, hi = number(section(bucket, "lower_bound")), number(section(bucket, "upper_bound"))
            n = number(section(bucket, "count"))
            if None not in (lo, hi, n) and math.isfinite(lo) and math.isfinite(hi) and hi >= lo and n > 0:
                rows.append((lo, hi, n))
        side.buckets = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    if side.empty:
        return None
    lows, highs = [number(stats.get("min"))], [number(stats.get("max"))]
    if side.points is not None:
        lows.append(float(side.points[0]))
        highs.append(float(side.points[-1]))
    else:
        lows.append(float(side.buckets[:, 0].min()))
        highs.append(float(side.buckets[:, 1].max()))
    finite_lows = [x for x in lows if x is not None and math.isfinite(x)]
    finite_highs = [x for x in highs if x is not None and math.isfinite(x)]
    side.low, side.high = min(finite_lows), max(finite_highs)
    return side


def level_values(level: list) -> np.ndarray:
    """A sketch level as floats; items that are no number (hand-edited files) become NaN and drop out."""
    try:
        return np.asarray(level, dtype=np.float64)
    except (TypeError, ValueError):
        return np.asarray([number(v) if number(v) is not None else math.nan for v in level], dtype=np.float64)


def numeric_from_categories(counts: list[tuple[str, float]]) -> NumericSide:
    values, weights, other = [], [], []
    for value, count in counts:
        if _NUMBER.fullmatch(value) and math.isfinite(float(value)):
            values.append(float(value))
            weights.append(count)
        else:
            other.append((value, count))
    order = np.argsort(np.asarray(values, dtype=np.float64), kind="stable")
    side = NumericSide(
        points=np.asarray(values, dtype=np.float64)[order],
        weights=np.asarray(weights, dtype=np.float64)[order],
        non_numeric=other,
        integral=all(v.is_integer() for v in values),
    )
    if len(side.points):
        side.low, side.high = float(side.points[0]), float(side.points[-1])
    return side


def common_edges(sides: list[NumericSide]) -> np.ndarray | None:
    """Bin edges spanning every side's range; integer-centred bins when every side is integral."""
    drawn = [s for s in sides if not s.empty]
    if not drawn:
        return None
    low, high = min(s.low for s in drawn), max(s.high for s in drawn)
    if not (math.isfinite(low) and math.isfinite(high)):
        return None  # no grid of finite bins spans it
    integral = all(s.integral for s in drawn) and low.is_integer() and high.is_integer()
    if integral and max(abs(low), abs(high)) < 2**52:  # beyond, x ± 0.5 is no longer a distinct double
        count = int(high - low) + 1
        width = max(1, math.ceil(count / MAX_INTEGER_BINS))
        bins = math.ceil(count / width)
        return low - 0.5 + width * np.arange(bins + 1, dtype=np.float64)
    edges = fractional_edges(low, high)
    if high == low or not np.all(np.diff(edges) > 0):  # one value, or a range too narrow for 24 doubles
        middle = low / 2 + high / 2
        pad = abs(middle) * 0.05
        if middle + pad == middle:  # zero or subnormal: a unit-wide grid around it
            pad = 0.5
        edges = fractional_edges(
            max(middle - pad, -sys.float_info.max), min(middle + pad, sys.float_info.max)
        )
    return edges


def fractional_edges(low: float, high: float) -> np.ndarray:
    if math.isfinite((high - low) * BINS):
        return np.linspace(low, high, BINS + 1)
    # Across ±DBL_MAX the width overflows: weights of the two ends, which have opposite signs.
    t = np.arange(BINS + 1, dtype=np.float64) / BINS
    return low * (1.0 - t) + high * t


def bin_counts(side: NumericSide, edges: np.ndarray) -> np.ndarray:
    """Weight of the side's values in each bin [e_i, e_i+1); the last bin also holds e_n (numpy's rule)."""
    if side.points is not None:
        cumulative = np.concatenate([[0.0], np.cumsum(side.weights)])
        left = np.searchsorted(side.points, edges[:-1], side="left")
        right = np.searchsorted(side.points, edges[1:], side="left")
        right[-1] = np.searchsorted(side.points, edges[-1], side="right")
        return cumulative[right] - cumulative[left]
    counts = np.zeros(len(edges) - 1)
    for lo, hi, n in side.buckets:
        if hi == lo:  # all of the bucket's values are one number
            i = min(max(int(np.searchsorted(edges, lo, side="right")) - 1, 0), len(counts) - 1)
            counts[i] += n
            continue
        # Halved (exact for doubles): widths across ±DBL_MAX would overflow.
        overlap = np.clip(np.minimum(edges[1:], hi) / 2 - np.maximum(edges[:-1], lo) / 2, 0, None)
        counts += n * overlap / (hi / 2 - lo / 2)
    return counts


def fractions(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total > 0 else counts


def numeric_chart(baseline: dict | None, current: dict | None) -> NumericChart | None:
    base, cur = numeric_side(baseline), numeric_side(current)
    sides = [s for s in (base, cur) if s is not None]
    edges = common_edges(sides)
    if edges is None:
        return None
    notes = []
    for name, side, feature in (("baseline", base, baseline), ("current", cur, current)):
        if side is not None and side.non_numeric:
            total = sum(c for _, c in side.non_numeric)
            shown = ", ".join(f"{v} ×{c:g}" for v, c in side.non_numeric[:5])
            more = ", …" if len(side.non_numeric) > 5 else ""
            notes.append(f"{name}: {total:g} non-numeric value(s) not drawn ({shown}{more})")
        elif side is None and isinstance(feature, dict):
            notes.append(f"{name}: no distribution to draw for this side ({feature.get('inferred_type')})")
    return NumericChart(
        edges=edges,
        baseline=fractions(bin_counts(base, edges)) if base is not None and not base.empty else None,
        current=fractions(bin_counts(cur, edges)) if cur is not None and not cur.empty else None,
        integral=all(s.integral for s in sides if not s.empty),
        notes=tuple(notes),
    )


def categorical_counts(feature: dict | None) -> list[tuple[str, float]] | None:
    buckets = section(feature, "string_statistics", "distribution", "categorical", "buckets")
    if not isinstance(buckets, list):
        return None
    merged: dict[str, float] = {}
    for bucket in buckets:
        n = number(section(bucket, "count"))
        if n is not None and n > 0 and math.isfinite(n):
            value = str(section(bucket, "value"))
            merged[value] = merged.get(value, 0.0) + n
    return list(merged.items())


@dataclass(frozen=True)
class TopValues:
    """``string_statistics.top_k``: the most frequent values of a column past the cardinality limit,
    counts that are lower bounds at most ``error`` below the true ones."""

    counts: list[tuple[str, float]]
    k: int
    error: float
    present: float  # the side's values: the shares' denominator (the counters hold only some of them)


def top_values(feature: dict | None) -> TopValues | None:
    top = section(feature, "string_statistics", "top_k")
    counts = categorical_counts({"string_statistics": {"distribution": {"categorical": top}}})
    if not counts:
        return None
    present = number(section(feature, "string_statistics", "common", "num_present"))
    if present is None or not math.isfinite(present) or present < sum(c for _, c in counts):
        present = sum(c for _, c in counts)
    k, error = number(section(top, "k")), number(section(top, "error"))
    return TopValues(counts, int(k) if k else len(counts), error if error and error > 0 else 0.0, present)


def topk_note(name: str, top: TopValues, shown: int) -> str:
    bound = f"{fmt_count(top.error)} values ({top.error / top.present:.2%} of {fmt_count(top.present)})"
    return (
        f"{name}: the {shown} most frequent values kept by a top-k summary of {top.k} counters (more "
        f"distinct values than the cardinality limit); each share is a lower bound, at most {bound} "
        "below the true count"
    )


def fmt_count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"


def categorical_chart(baseline: dict | None, current: dict | None) -> CategoricalChart | None:
    base, cur = categorical_counts(baseline), categorical_counts(current)
    base_top = top_values(baseline) if base is None else None
    cur_top = top_values(current) if cur is None else None
    if base is None and cur is None and base_top is None and cur_top is None:
        return None
    base_freq = share(base) if base_top is None else share(base_top.counts, base_top.present)
    cur_freq = share(cur) if cur_top is None else share(cur_top.counts, cur_top.present)
    labels = set(base_freq) | set(cur_freq)
    if not labels:
        return None
    ranked = sorted(labels, key=lambda v: (-max(base_freq.get(v, 0.0), cur_freq.get(v, 0.0)), v))
    shown, rest = ranked[:TOP_CATEGORIES], ranked[TOP_CATEGORIES:]
    if len(rest) == 1 or base_top or cur_top:
        # An "other" bar for a single value hides it for nothing; beside a top-k summary it would sum
        # only the counters kept, not the values the summary let go.
        shown, rest = (ranked, []) if len(rest) == 1 else (shown, [])

    def series(freq: dict[str, float], present: bool) -> tuple[float, ...] | None:
        if not present:
            return None
        values = [freq.get(v, 0.0) for v in shown]
        if rest:
            values.append(sum(freq.get(v, 0.0) for v in rest))
        return tuple(values)

    notes = []
    sides = (("baseline", base, base_top, baseline), ("current", cur, cur_top, current))
    for name, counts, top, feature in sides:
        if top is not None:
            notes.append(topk_note(name, top, sum(v in dict(top.counts) for v in shown)))
        elif counts is None and isinstance(feature, dict):
            why = "too many distinct values for a histogram" if not is_numeric(feature) else "numeric"
            notes.append(f"{name}: no categorical distribution ({why})")
    # A value absent from a top-k summary may still be in the baseline: only an exact histogram says.
    new = tuple(base is not None and v not in base_freq for v in shown)
    return CategoricalChart(
        labels=tuple(shown) + ((f"other ({len(rest)} values)",) if rest else ()),
        baseline=series(base_freq, base is not None or base_top is not None),
        current=series(cur_freq, cur is not None or cur_top is not None),
        new=new + ((False,) if rest else ()),
        other=len(rest),
        notes=tuple(notes),
    )


def share(counts: list[tuple[str, float]] | None, total: float | None = None) -> dict[str, float]:
    """Each value's fraction of ``total`` (default: of the values counted)."""
    if not counts:
        return {}
    total = total or sum(c for _, c in counts)
    return {v: c / total for v, c in counts}
