"""Count, sum, mean, M2, min and max of a numeric column as a mergeable state.

Batches are reduced with numpy and combined with Chan's parallel update, which is what Spark's
``CentralMomentAgg`` (behind Deequ's StandardDeviation) computes partition by partition.

Plain double arithmetic overflows on values near ±DBL_MAX (a sum of two of them, or the square of a
deviation above 1e154) although the mean and the standard deviation of finite values are always
finite. So when the plain sum, mean or M2 stops being finite, the state also carries them computed
over the values scaled by 2**-SCALE_EXPONENT, where nothing overflows: every value is then below
2**424, a squared deviation below 2**850, and 2**63 of them below 2**913. Scaling by a power of two
is exact for values of magnitude at least 2**-422; smaller ones lose bits, which changes the result by
less than 2**-474 per value (far below the precision of anything the scaled path is used for). Plain
results that are finite are kept as they are: ordinary data gives the same doubles as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SCALE_EXPONENT = 600
_DOWN = 2.0**-SCALE_EXPONENT


@dataclass(frozen=True)
class Scaled:
    """Sum, mean and M2 of the values times 2**-SCALE_EXPONENT (M2 is then scaled by its square)."""

    total: float
    mean: float
    m2: float

    @classmethod
    def of(cls, values: np.ndarray) -> Scaled:
        scaled = values * _DOWN
        total = float(np.sum(scaled))
        mean = total / len(values)
        return cls(total, mean, float(np.sum((scaled - mean) ** 2)))


@dataclass
class MomentsState:
    n: int = 0
    total: float = 0.0
    mean: float = 0.0
    m2: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    scaled: Scaled | None = None  # set only once the plain total, mean or m2 stopped being finite

    @classmethod
    def of(cls, values: np.ndarray) -> MomentsState:
        n = len(values)
        if n == 0:
            return cls()
        total = float(np.sum(values))
        mean = total / n
        m2 = float(np.sum((values - mean) ** 2))
        state = cls(n, total, mean, m2, float(np.min(values)), float(np.max(values)))
        if not state.plain_is_finite():
            state.scaled = Scaled.of(np.asarray(values, dtype=np.float64))
        return state

    def plain_is_finite(self) -> bool:
        return math.isfinite(self.total) and math.isfinite(self.mean) and math.isfinite(self.m2)

    def scaled_moments(self) -> Scaled:
        if self.scaled is not None:
            return self.scaled
        # Exact: the plain values are finite, and scaling a double by a power of two only moves its exponent.
        return Scaled(self.total * _DOWN, self.mean * _DOWN, self.m2 * _DOWN * _DOWN)

    def merge(self, other: MomentsState) -> MomentsState:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        merged = MomentsState(
            n=n,
            total=self.total + other.total,
            mean=self.mean + delta * other.n / n,
            m2=self.m2 + other.m2 + delta * delta * self.n * other.n / n,
            minimum=min(self.minimum, other.minimum),
            maximum=max(self.maximum, other.maximum),
        )
        if not merged.plain_is_finite() or self.scaled is not None or other.scaled is not None:
            a, b = self.scaled_moments(), other.scaled_moments()
            delta = b.mean - a.mean
            merged.scaled = Scaled(
                total=a.total + b.total,
                mean=a.mean + delta * other.n / n,
                m2=a.m2 + b.m2 + delta * delta * self.n * other.n / n,
            )
        return merged

    @property
    def average(self) -> float:
        """Deequ's Mean is sum / count, not the running mean."""
        if math.isfinite(self.total) or self.scaled is None:
            return self.total / self.n
        return self.scaled.total / self.n / _DOWN

    @property
    def sum(self) -> float:
        """The sum of the values: ±inf only when it is beyond the range of a double."""
        if math.isfinite(self.total) or self.scaled is None:
            return self.total
        return self.scaled.total / _DOWN

    @property
    def std_dev(self) -> float:
        """Population standard deviation, as Deequ's StandardDeviation."""
        if math.isfinite(self.m2) or self.scaled is None:
            return math.sqrt(self.m2 / self.n)
        # Never above half the range; the bound also keeps rounding from turning DBL_MAX into inf.
        return min(math.sqrt(self.scaled.m2 / self.n) / _DOWN, self.maximum / 2 - self.minimum / 2)
