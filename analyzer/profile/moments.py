"""Count, sum, mean, M2, min and max of a numeric column as a mergeable state.

Batches are reduced with numpy and combined with Chan's parallel update, which is what Spark's
``CentralMomentAgg`` (behind Deequ's StandardDeviation) computes partition by partition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class MomentsState:
    n: int = 0
    total: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf

    @classmethod
    def of(cls, values: np.ndarray) -> MomentsState:
        n = len(values)
        if n == 0:
            return cls()
        total = float(np.sum(values))
        mean = total / n
        m2 = float(np.sum((values - mean) ** 2))
        return cls(n, total, mean, m2, float(np.min(values)), float(np.max(values)))

    def merge(self, other: MomentsState) -> MomentsState:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        return MomentsState(
            n=n,
            total=self.total + other.total,
            mean=self.mean + delta * other.n / n,
            m2=self.m2 + other.m2 + delta * delta * self.n * other.n / n,
            minimum=min(self.minimum, other.minimum),
            maximum=max(self.maximum, other.maximum),
        )

    @property
    def average(self) -> float:
        """Deequ's Mean is sum / count, not the running mean."""
        return self.total / self.n

    @property
    def std_dev(self) -> float:
        """Population standard deviation, as Deequ's StandardDeviation."""
        return math.sqrt(self.m2 / self.n)
