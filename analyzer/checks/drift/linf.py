"""L-infinity distances (Deequ's ``Distance``): the prebuilt analyzer's ``Simple`` and ``Robust``.

Numeric features compare KLL sketches by the L-infinity distance of their CDFs (the two-sample
Kolmogorov-Smirnov statistic when the sketches are exact); ``Robust`` subtracts the KS critical
term ``1.8 * sqrt((n + m) / (n * m))`` (alpha ~ 0.003) and floors at 0. String features compare
category frequencies by L-infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analyzer.profiling.kll import KLLSketch

KS_CRITICAL = 1.8


@dataclass(frozen=True)
class Distance:
    value: float
    n: float
    m: float


def robust(simple: float, n: float, m: float) -> float:
    return max(0.0, simple - KS_CRITICAL * math.sqrt((n + m) / (n * m)))


def numeric_linf(baseline: KLLSketch, current: KLLSketch) -> Distance:
    """max over all sketch items x of |CDF_baseline(x) - CDF_current(x)|, CDF(x) = rank(<= x) / total."""
    values_a, weights_a = baseline.weighted_items()
    values_b, weights_b = current.weighted_items()
    cum_a = np.concatenate([[0], np.cumsum(weights_a)])
    cum_b = np.concatenate([[0], np.cumsum(weights_b)])
    n, m = float(cum_a[-1]), float(cum_b[-1])
    keys = np.union1d(values_a, values_b)
    cdf_a = cum_a[np.searchsorted(values_a, keys, side="right")] / n
    cdf_b = cum_b[np.searchsorted(values_b, keys, side="right")] / m
    return Distance(float(np.max(np.abs(cdf_a - cdf_b))), n, m)


def categorical_linf(baseline: dict[str, float], current: dict[str, float]) -> Distance:
    """max over categories of |p_baseline - p_current|, each side normalised by its own total."""
    n = float(sum(baseline.values()))
    m = float(sum(current.values()))
    keys = set(baseline) | set(current)
    value = max(abs(baseline.get(k, 0) / n - current.get(k, 0) / m) for k in keys)
    return Distance(value, n, m)
