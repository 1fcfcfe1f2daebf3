"""Hellinger distance: sqrt(sum((sqrt(p) - sqrt(q))**2) / 2), in [0, 1], defined for empty bins.
Written as a sum of squares rather than sqrt(1 - sum(sqrt(p * q))) so that nearly identical
distributions do not lose their distance to cancellation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analyzer.checks.drift.bins import categorical_masses, numeric_masses
from analyzer.profiling.kll import KLLSketch


def hellinger(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))


def numeric_hellinger(baseline: KLLSketch, current: KLLSketch) -> float:
    return hellinger(*numeric_masses(baseline, current))


def categorical_hellinger(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    return hellinger(*categorical_masses(baseline, current))
