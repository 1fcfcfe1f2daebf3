"""Jensen-Shannon distance: the square root of the Jensen-Shannon divergence with base-2
logarithms, so it lies in [0, 1] (0 identical, 1 disjoint), a metric, and defined for empty bins
(0 * log 0 = 0) without any epsilon. Same value as ``scipy.spatial.distance.jensenshannon(p, q, base=2)``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analyzer.checks.drift.bins import categorical_masses, numeric_masses
from analyzer.profiling.kll import KLLSketch


def _kl_to_mixture(p: np.ndarray, m: np.ndarray) -> float:
    inside = p > 0  # m >= p / 2 > 0 there
    return float(np.sum(p[inside] * np.log2(p[inside] / m[inside])))


def jensen_shannon(p: np.ndarray, q: np.ndarray) -> float:
    m = (p + q) / 2
    divergence = (_kl_to_mixture(p, m) + _kl_to_mixture(q, m)) / 2
    return float(np.sqrt(max(divergence, 0.0)))  # rounding can leave -1e-17 for identical inputs


def numeric_jensen_shannon(baseline: KLLSketch, current: KLLSketch) -> float:
    return jensen_shannon(*numeric_masses(baseline, current))


def categorical_jensen_shannon(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    return jensen_shannon(*categorical_masses(baseline, current))
