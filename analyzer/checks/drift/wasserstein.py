"""Wasserstein-1 (earth mover's) distance between two KLL sketches, in baseline standard deviations.

The sketches' weighted items are two weighted empirical distributions; W1 is the integral of
|CDF_baseline - CDF_current| over the union of their items, exactly what
``scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)`` computes. Divided by the baseline
sketch's (population) standard deviation, the distance is unit-free and one default threshold fits
every feature; a constant baseline (standard deviation 0) leaves the raw distance, in the feature's
units.
"""

from __future__ import annotations

import numpy as np

from analyzer.profiling.kll import KLLSketch


def _cdf(values: np.ndarray, weights: np.ndarray, at: np.ndarray) -> np.ndarray:
    cumulative = np.concatenate([[0], np.cumsum(weights)])
    return cumulative[np.searchsorted(values, at, side="right")] / cumulative[-1]


def wasserstein_raw(baseline: KLLSketch, current: KLLSketch) -> float:
    values_a, weights_a = baseline.weighted_items()
    values_b, weights_b = current.weighted_items()
    grid = np.union1d(values_a, values_b)
    gaps = np.diff(grid)
    difference = np.abs(_cdf(values_a, weights_a, grid[:-1]) - _cdf(values_b, weights_b, grid[:-1]))
    return float(np.sum(difference * gaps))


def sketch_std(sketch: KLLSketch) -> float:
    values, weights = sketch.weighted_items()
    mean = np.average(values, weights=weights)
    return float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))


def numeric_wasserstein(baseline: KLLSketch, current: KLLSketch) -> float:
    raw = wasserstein_raw(baseline, current)
    std = sketch_std(baseline)
    return raw / std if std > 0 else raw
