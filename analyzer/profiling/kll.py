"""Deequ's deterministic KLL quantile sketch (``QuantileNonSample``), re-expressed over numpy.

The layout is the one Deequ serialises and SageMaker writes into ``statistics.json``: a list of
compactor buffers, level 0 first, an item at level ``h`` weighing ``2**h``. Level 0 is the largest
level; a level's capacity is ``2 * (ceil(k * c**h / 2) + 1)``. Items are appended in input order
and a compaction sorts the even-sized prefix of one level, promotes every other item starting at an
offset that flips after every odd-numbered compaction, and keeps an odd leftover (the last, unsorted
item). Updating value by value and updating chunk by chunk give identical sketches: a chunk is cut
exactly where the per-item update would have condensed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analyzer.config import defaults

DEFAULT_SKETCH_SIZE = defaults.KLL_SKETCH_SIZE
DEFAULT_SHRINKING_FACTOR = defaults.KLL_SHRINKING_FACTOR

_EMPTY = np.empty(0, dtype=np.float64)


def level_capacity(sketch_size: int, shrinking_factor: float, height: int) -> int:
    return 2 * (math.ceil(sketch_size * shrinking_factor**height / 2) + 1)


@dataclass
class _Compactor:
    buffer: np.ndarray = field(default_factory=lambda: _EMPTY)
    num_compress: int = 0
    offset: int = 0

    def compact(self) -> np.ndarray:
        items = len(self.buffer)
        even = items - (items % 2)
        if self.num_compress % 2 == 1:
            self.offset = 1 - self.offset
        promoted = np.sort(self.buffer[:even])[self.offset : even : 2]
        self.buffer = self.buffer[even:].copy()  # the odd leftover stays, unsorted
        self.num_compress += 1
        return promoted


class KLLSketch:
    """Mergeable quantile sketch with Deequ's exact update, compaction and merge rules."""

    def __init__(
        self, sketch_size: int = DEFAULT_SKETCH_SIZE, shrinking_factor: float = DEFAULT_SHRINKING_FACTOR
    ):
        self.sketch_size = int(sketch_size)
        self.shrinking_factor = float(shrinking_factor)
        self._compactors: list[_Compactor] = []
        self._total_capacity = 0
        self._expand()

    # -- structure -------------------------------------------------------------------------------
    def _capacity(self, height: int) -> int:
        return level_capacity(self.sketch_size, self.shrinking_factor, height)

    def _expand(self) -> None:
        self._compactors.append(_Compactor())
        self._total_capacity = sum(self._capacity(h) for h in range(len(self._compactors)))

    def _size(self) -> int:
        return sum(len(c.buffer) for c in self._compactors)

    def _condense(self) -> None:
        for height, compactor in enumerate(self._compactors):
            if len(compactor.buffer) >= self._capacity(height):
                if height + 1 >= len(self._compactors):
                    self._expand()
                promoted = compactor.compact()
                above = self._compactors[height + 1]
                above.buffer = np.concatenate([above.buffer, promoted])
                return

    # -- updates ---------------------------------------------------------------------------------
    def update(self, values: np.ndarray) -> None:
        """Add values in order; same result as Deequ's item-by-item ``update``."""
        values = np.asarray(values, dtype=np.float64)
        start, n = 0, len(values)
        while start < n:
            size = self._size()
            # Deequ condenses as soon as the item count exceeds the total capacity.
            take = min(n - start, max(self._total_capacity - size + 1, 1))
            level0 = self._compactors[0]
            level0.buffer = np.concatenate([level0.buffer, values[start : start + take]])
            start += take
            if size + take > self._total_capacity:
                self._condense()

    def merge(self, other: KLLSketch) -> KLLSketch:
        """Deequ's merge: concatenate level by level, then condense while full. Mutates self."""
        while len(self._compactors) < len(other._compactors):
            self._expand()
        for mine, theirs in zip(self._compactors, other._compactors, strict=False):
            mine.buffer = np.concatenate([mine.buffer, theirs.buffer])
        while self._size() >= self._total_capacity:
            self._condense()
        return self

    # -- (de)serialisation in SageMaker's statistics.json layout --------------------------------
    def levels(self) -> list[list[float]]:
        return [c.buffer.tolist() for c in self._compactors]

    @classmethod
    def from_levels(
        cls,
        data: list[list[float]],
        sketch_size: int = DEFAULT_SKETCH_SIZE,
        shrinking_factor: float = DEFAULT_SHRINKING_FACTOR,
    ) -> KLLSketch:
        sketch = cls(sketch_size, shrinking_factor)
        while len(sketch._compactors) < max(len(data), 1):
            sketch._expand()
        for compactor, items in zip(sketch._compactors, data, strict=False):
            compactor.buffer = np.asarray(items, dtype=np.float64)
        return sketch

    # -- queries ---------------------------------------------------------------------------------
    def weighted_items(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted items and their weights (2**level)."""
        items = [c.buffer for c in self._compactors]
        weights = [np.full(len(c.buffer), 1 << h, dtype=np.int64) for h, c in enumerate(self._compactors)]
        if not items:
            return _EMPTY, np.empty(0, dtype=np.int64)
        values = np.concatenate(items)
        w = np.concatenate(weights)
        order = np.argsort(values, kind="stable")
        return values[order], w[order]

    def total_weight(self) -> int:
        return int(sum(len(c.buffer) << h for h, c in enumerate(self._compactors)))

    def rank(self, x: np.ndarray | float, inclusive: bool = True) -> np.ndarray:
        """Total weight of items <= x (inclusive) or < x (exclusive)."""
        return _rank(*self._cumulative(), x, inclusive)

    def _cumulative(self) -> tuple[np.ndarray, np.ndarray]:
        values, weights = self.weighted_items()
        return values, np.concatenate([[0], np.cumsum(weights)])

    def quantile(self, q: float) -> float:
        """Smallest item whose cumulative weight reaches q of the total."""
        values, weights = self.weighted_items()
        if len(values) == 0:
            return float("nan")
        cumulative = np.cumsum(weights)
        idx = int(np.searchsorted(cumulative, q * cumulative[-1], side="left"))
        return float(values[min(idx, len(values) - 1)])

    def equal_width_buckets(self, low: float, high: float, count: int) -> list[tuple[float, float, float]]:
        """Deequ's KLL buckets: equal width between min and max, sketch-weighted counts."""
        values, cumulative = self._cumulative()
        bound = bucket_bound if math.isfinite((high - low) * count) else wide_bucket_bound
        buckets = []
        for i in range(count):
            lower, upper = bound(low, high, i, count), bound(low, high, i + 1, count)
            # Deequ: rank(<upper) - rank(<lower); only the last bucket counts values equal to upper.
            below_upper = _rank(values, cumulative, upper, inclusive=i == count - 1)
            n = int(below_upper) - int(_rank(values, cumulative, lower, inclusive=False))
            buckets.append((lower, upper, float(n)))
        return buckets


def bucket_bound(low: float, high: float, i: int, count: int) -> float:
    """Deequ's bound, the same doubles as its plain arithmetic (golden files depend on them)."""
    return low + (high - low) * i / float(count)


def wide_bucket_bound(low: float, high: float, i: int, count: int) -> float:
    """A bound for ranges whose width overflows (min near -DBL_MAX, max near DBL_MAX), where Deequ's
    formula gives inf and NaN. Then low < 0 < high, so the two terms have opposite signs and cannot
    overflow; each is monotonic in i, so the bounds stay ordered, and i = 0 and i = count give low and
    high exactly."""
    t = i / count
    return low * (1.0 - t) + high * t


def _rank(values: np.ndarray, cumulative: np.ndarray, x, inclusive: bool):
    return cumulative[np.searchsorted(values, x, side="right" if inclusive else "left")]
