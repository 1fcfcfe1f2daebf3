"""Most frequent values of a high-cardinality column: a mergeable Misra-Gries summary of k counters.

Exact value counts stop at the categorical cardinality limit; past it a column keeps at most ``k``
counters. Adding a batch's exact counts and merging two summaries are the same step (Agarwal et al.,
"Mergeable summaries"): add the counters value by value, then subtract the (k+1)-th largest counter
from all and drop those left at zero or below. Every kept count is a lower bound at most ``error``
(the sum of all subtractions) below the true count, ``error <= (total - sum(counts)) / (k + 1)``, and
every value more frequent than ``total / (k + 1)`` is kept. Which values survive depends only on
counts, never on how ties are broken, so the result is deterministic given the merge order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _empty_values() -> pa.Array:
    return pa.array([], type=pa.string())


def _empty_counts() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass
class TopKSketch:
    k: int
    values: pa.Array = field(default_factory=_empty_values)
    counts: np.ndarray = field(default_factory=_empty_counts)
    error: int = 0  # no kept count is further than this below the true count
    total: int = 0  # how many values the summary has seen

    @classmethod
    def of_histogram(cls, k: int, histogram: dict[str, int]) -> TopKSketch:
        sketch = cls(k)
        sketch.add(pa.array(list(histogram), type=pa.string()), np.fromiter(histogram.values(), np.int64))
        return sketch

    def add(self, values: pa.Array, counts) -> None:
        """Fold exact counts of distinct values (one batch's ``value_counts``) into the summary."""
        counts = np.asarray(counts, dtype=np.int64)
        values = values.cast(pa.string()) if values.type != pa.string() else values
        self.total += int(counts.sum())
        if len(counts) > self.k + 1:
            # Values outside the summary whose batch count is below the batch's (k+1)-th largest can
            # only end at or under the threshold: dropping them first gives the same result, cheaper.
            floor = np.partition(counts, len(counts) - self.k - 1)[len(counts) - self.k - 1]
            keep = pc.or_(pa.array(counts >= floor), pc.is_in(values, value_set=self.values).fill_null(False))
            values, counts = values.filter(keep), counts[keep.to_numpy(zero_copy_only=False)]
        self._absorb(values, counts, 0)

    def merge(self, other: TopKSketch) -> TopKSketch:
        """A new summary of both parts; neither input changes."""
        merged = TopKSketch(self.k, self.values, self.counts, self.error, self.total + other.total)
        merged._absorb(other.values, other.counts, other.error)
        return merged

    def _absorb(self, values: pa.Array, counts: np.ndarray, error: int) -> None:
        table = pa.table(
            {
                "value": pa.concat_arrays([self.values, values]),
                "count": pa.array(np.concatenate([self.counts, counts]), type=pa.int64()),
            }
        ).group_by("value", use_threads=False)
        summed = table.aggregate([("count", "sum")])
        values = summed.column("value").combine_chunks()
        counts = summed.column("count_sum").to_numpy()
        self.error += error
        if len(counts) > self.k:
            threshold = int(np.partition(counts, len(counts) - self.k - 1)[len(counts) - self.k - 1])
            keep = counts > threshold
            values, counts = values.filter(pa.array(keep)), counts[keep] - threshold
            self.error += threshold
        self.values, self.counts = values, counts.astype(np.int64)

    def to_json(self, num_present: int) -> dict:
        """``string_statistics.top_k``. Values that reached the column before the summary existed
        (it starts when a String column passes the cardinality limit) widen the error bound."""
        error = self.error + max(num_present - self.total, 0)
        pairs = sorted(
            zip(self.values.to_pylist(), self.counts.tolist(), strict=True), key=lambda p: (-p[1], p[0])
        )
        return {"k": self.k, "error": error, "buckets": [{"value": v, "count": n} for v, n in pairs]}
