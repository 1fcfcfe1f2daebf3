"""Population stability index: sum over bins of (q - p) * ln(q / p), p the baseline's mass, q the
current one. An empty bin would make it infinite, so both masses are floored at ``PSI_EPSILON``
(1e-4, no renormalisation) first. Rule of thumb: < 0.1 stable, 0.1-0.25 moderate, > 0.25 shifted."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analyzer.checks.drift.bins import categorical_masses, numeric_masses
from analyzer.profiling.kll import KLLSketch

PSI_EPSILON = 1e-4


def psi(p: np.ndarray, q: np.ndarray) -> float:
    p, q = np.maximum(p, PSI_EPSILON), np.maximum(q, PSI_EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def numeric_psi(baseline: KLLSketch, current: KLLSketch) -> float:
    return psi(*numeric_masses(baseline, current))


def categorical_psi(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    return psi(*categorical_masses(baseline, current))
