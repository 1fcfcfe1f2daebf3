"""Two aligned probability vectors from what a baseline keeps: the input of the binned distances.

Numeric features: ``NUMERIC_BINS`` (10) bins cut at the baseline sketch's quantiles i/10 (the
smallest item whose cumulative weight reaches i/10 of the total), repeated edges merged; bins are
``(-inf, e1], (e1, e2], ..., (e_last, +inf)`` and each side's mass in a bin is the difference of its
sketch CDF (weight of items <= x over total weight) at the bin's edges. The open outer bins keep
current values beyond the baseline's range in the comparison. Categorical features: the union of
both sides' categories, each side's counts over its own total (a category one side lacks has mass 0).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from analyzer.profiling.kll import KLLSketch

NUMERIC_BINS = 10


def quantile_edges(sketch: KLLSketch, bins: int = NUMERIC_BINS) -> np.ndarray:
    values, weights = sketch.weighted_items()
    cumulative = np.cumsum(weights)
    # i * total / bins, not (i / bins) * total: 0.3 * 10 is 3.0000000000000004 and would skip an item.
    targets = np.arange(1, bins) * cumulative[-1] / bins
    index = np.minimum(np.searchsorted(cumulative, targets, side="left"), len(values) - 1)
    return np.unique(values[index])


def sketch_masses(sketch: KLLSketch, edges: np.ndarray) -> np.ndarray:
    values, weights = sketch.weighted_items()
    cumulative = np.concatenate([[0], np.cumsum(weights)])
    cdf = cumulative[np.searchsorted(values, edges, side="right")] / cumulative[-1]
    return np.diff(np.concatenate([[0.0], cdf, [1.0]]))


def numeric_masses(baseline: KLLSketch, current: KLLSketch) -> tuple[np.ndarray, np.ndarray]:
    edges = quantile_edges(baseline)
    return sketch_masses(baseline, edges), sketch_masses(current, edges)


def categorical_masses(
    baseline: Mapping[str, float], current: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    keys = list(baseline) + [k for k in current if k not in baseline]
    p = np.array([float(baseline.get(k, 0.0)) for k in keys])
    q = np.array([float(current.get(k, 0.0)) for k in keys])
    return p / p.sum(), q / q.sum()
