"""Drift distances (analyzer/checks/drift.py) against independent references.

- numeric L-infinity on exact (one-level) KLL sketches is the two-sample KS statistic: scipy's
  ``ks_2samp``; on compacted sketches it stays close to it;
- robust = max(0, KS - 1.8 * sqrt((n + m) / (n * m))) (Deequ's default c(alpha));
- categorical L-infinity: a direct numpy computation;
- chi-squared: ``scipy.stats.chisquare`` where no regrouping happens, hand-regrouped tables otherwise;
  ``chi2_survival``: ``scipy.stats.chi2.sf``;
- Deequ's golden vectors (KLLDistanceTest.scala, deequ-and-peers.md §D.6).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analyzer.checks.drift import (
    KS_CRITICAL,
    categorical_linf,
    chi2_survival,
    chi_squared,
    numeric_linf,
    robust,
)
from analyzer.profiling.kll import KLLSketch

REL = 1e-12


def sketch(values) -> KLLSketch:
    s = KLLSketch()
    s.update(np.asarray(values, dtype=np.float64))
    return s


def expected_robust(ks: float, n: int, m: int) -> float:
    return max(0.0, ks - 1.8 * math.sqrt((n + m) / (n * m)))


# -- numeric: exact sketches are the KS statistic ----------------------------------------------------
def _samples():
    rng = np.random.default_rng(20240501)
    cases = [
        ("floats same dist", rng.normal(0, 1, 500), rng.normal(0, 1, 700)),
        ("floats shifted", rng.normal(0, 1, 2048), rng.normal(0.3, 1.2, 2048)),
        ("floats tiny", rng.uniform(size=3), rng.uniform(size=5)),
        ("integers with ties", rng.integers(0, 10, 1000), rng.integers(0, 12, 300)),
        ("heavy ties", rng.integers(0, 3, 2000), rng.integers(1, 3, 50)),
        ("disjoint", rng.uniform(0, 1, 100), rng.uniform(2, 3, 200)),
        ("one value each", [5.0], [5.0]),
        ("single vs many", [1.0], rng.normal(1, 1, 400)),
        ("negative and mixed", rng.normal(-50, 30, 1500), rng.integers(-100, 0, 1999)),
        ("identical", np.arange(100.0), np.arange(100.0)),
    ]
    return cases


@pytest.mark.parametrize(("label", "a", "b"), _samples(), ids=[c[0] for c in _samples()])
def test_exact_sketch_distance_is_ks_statistic(label, a, b):
    sa, sb = sketch(a), sketch(b)
    # Sanity: the sketches really are exact (one level, every value kept).
    assert len(sa.levels()) == 1 and len(sa.levels()[0]) == len(a)
    assert len(sb.levels()) == 1 and len(sb.levels()[0]) == len(b)
    d = numeric_linf(sa, sb)
    ks = stats.ks_2samp(np.asarray(a, float), np.asarray(b, float)).statistic
    assert d.value == pytest.approx(ks, rel=REL, abs=1e-15), label
    assert (d.n, d.m) == (len(a), len(b))
    # Symmetric.
    assert numeric_linf(sb, sa).value == pytest.approx(d.value, rel=REL, abs=1e-15)
    # Robust: the KS critical term subtracted, floored at zero.
    assert robust(d.value, d.n, d.m) == pytest.approx(expected_robust(ks, len(a), len(b)), rel=REL, abs=1e-15)


def test_robust_formula_and_floor():
    assert KS_CRITICAL == 1.8
    # 0.9 - 1.8 * sqrt(2 / 100) = 0.9 - 0.2545584412271571
    assert robust(0.9, 100, 100) == pytest.approx(0.9 - 1.8 * math.sqrt(0.02), rel=REL)
    assert robust(0.1, 100, 100) == 0.0
    assert robust(0.0, 5, 5) == 0.0
    # Large samples: the correction vanishes.
    assert robust(0.3, 1e12, 1e12) == pytest.approx(0.3, abs=1e-5)


def test_identical_sketches_have_zero_distance():
    values = np.random.default_rng(1).normal(size=1000)
    assert numeric_linf(sketch(values), sketch(values)).value == 0.0


@pytest.mark.parametrize("shift", [0.0, 0.1, 0.5])
def test_compacted_sketch_distance_close_to_exact_ks(shift):
    rng = np.random.default_rng(7 + int(shift * 10))
    a = rng.normal(0, 1, 100_000)
    b = rng.normal(shift, 1, 60_000)
    sa, sb = sketch(a), sketch(b)
    assert len(sa.levels()) > 1 and len(sb.levels()) > 1  # really compacted
    assert sa.total_weight() == pytest.approx(len(a), rel=0.01)
    d = numeric_linf(sa, sb)
    ks = stats.ks_2samp(a, b).statistic
    assert abs(d.value - ks) < 0.005, (d.value, ks)
    assert d.n == sa.total_weight() and d.m == sb.total_weight()


def test_compacted_integer_sketch_close_to_exact_ks():
    rng = np.random.default_rng(99)
    a = rng.integers(0, 50, 100_000).astype(float)
    b = rng.integers(5, 55, 100_000).astype(float)
    d = numeric_linf(sketch(a), sketch(b))
    ks = stats.ks_2samp(a, b).statistic
    assert ks > 0.05
    assert abs(d.value - ks) < 0.005, (d.value, ks)


# -- Deequ golden vectors ----------------------------------------------------------------------------
def test_deequ_numeric_golden_vector():
    for make in (sketch, lambda v: KLLSketch.from_levels([list(map(float, v))])):
        d = numeric_linf(make([1, 2, 3, 4]), make([2, 3, 4, 5]))
        assert d.value == 0.25
        assert robust(d.value, d.n, d.m) == 0.0


def test_deequ_categorical_golden_vectors():
    a = {"a": 10, "b": 20, "c": 25, "d": 10, "e": 5}
    b = {"a": 11, "b": 20, "c": 25, "d": 10, "e": 10}
    d = categorical_linf(a, b)
    assert d.value == 0.06015037593984962
    assert (d.n, d.m) == (70, 76)
    assert robust(d.value, d.n, d.m) == 0.0
    b_f = {"a": 11, "f": 20, "c": 25, "d": 10, "e": 10}
    assert categorical_linf(a, b_f).value == 0.2857142857142857


# -- categorical L-infinity ----------------------------------------------------------------------------
def _numpy_linf(a: dict, b: dict) -> float:
    keys = sorted(set(a) | set(b))
    pa_ = np.array([a.get(k, 0) for k in keys], float)
    pb_ = np.array([b.get(k, 0) for k in keys], float)
    return float(np.max(np.abs(pa_ / pa_.sum() - pb_ / pb_.sum())))


@pytest.mark.parametrize("seed", range(8))
def test_categorical_linf_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    universe = [f"v{i}" for i in range(12)]
    a = {k: int(rng.integers(1, 100)) for k in rng.choice(universe, 7, replace=False)}
    b = {k: int(rng.integers(1, 100)) for k in rng.choice(universe, 9, replace=False)}
    d = categorical_linf(a, b)
    assert d.value == pytest.approx(_numpy_linf(a, b), rel=REL, abs=1e-15)
    assert (d.n, d.m) == (sum(a.values()), sum(b.values()))


def test_categorical_linf_edge_cases():
    assert categorical_linf({"x": 3}, {"x": 7}).value == 0.0
    assert categorical_linf({"x": 3}, {"y": 7}).value == 1.0
    assert categorical_linf({"x": 1, "y": 1}, {"x": 2, "y": 2}).value == 0.0
    # Float counts (as read back from a statistics.json) behave like ints.
    assert categorical_linf({"x": 1.0, "y": 3.0}, {"x": 1, "y": 1}).value == pytest.approx(0.25)


# -- chi-squared ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("baseline", "current"),
    [
        ({"a": 20, "b": 30, "c": 50}, {"a": 50, "b": 50, "c": 100}),
        ({"a": 20, "b": 30, "c": 50}, {"a": 20, "b": 30, "c": 50}),
        ({"a": 10, "b": 10, "c": 10, "d": 10}, {"a": 30, "b": 5, "c": 5, "d": 0}),
        ({"x": 400, "y": 350, "z": 150, "w": 100}, {"x": 90, "y": 80, "z": 20, "w": 10}),
        ({"a": 1, "b": 1, "c": 1}, {"a": 6, "b": 6, "c": 7}),
    ],
)
def test_chi_squared_matches_scipy_without_regrouping(baseline, current):
    keys = list(baseline)
    total = sum(current.get(k, 0) for k in keys)
    expected = np.array([baseline[k] for k in keys], float)
    expected = expected / expected.sum() * total
    assert (expected >= 5).all() and len(keys) > 2  # the case really needs no regrouping
    observed = np.array([current.get(k, 0) for k in keys], float)
    ref = stats.chisquare(observed, f_exp=expected)
    p_value, statistic = chi_squared(baseline, current)
    assert statistic == pytest.approx(ref.statistic, rel=1e-12, abs=1e-12)
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


def test_chi_squared_ignores_categories_new_to_the_baseline():
    baseline = {"a": 20, "b": 30, "c": 50}
    current = {"a": 50, "b": 50, "c": 100, "brand-new": 1000}
    ref = stats.chisquare([50, 50, 100], f_exp=[40, 60, 100])
    p_value, statistic = chi_squared(baseline, current)
    assert statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_chi_squared_regroups_smallest_into_second_smallest():
    # Scaled expected (sample total 100): 45, 30, 18, 4, 3. Five categories allow int(0.2*5) = 1 below 5;
    # two are, so e (3) merges into d (4) -> 7. Four categories allow 0 below 5: none left. dof 3.
    baseline = {"a": 45, "b": 30, "c": 18, "d": 4, "e": 3}
    current = {"a": 40, "b": 30, "c": 20, "d": 2, "e": 8}
    ref = stats.chisquare([40, 30, 20, 10], f_exp=[45, 30, 18, 7])
    p_value, statistic = chi_squared(baseline, current)
    assert statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9)
    # Without the merge the value would differ: make sure the check can tell.
    unmerged = stats.chisquare([40, 30, 20, 2, 8], f_exp=[45, 30, 18, 4, 3])
    assert statistic != pytest.approx(unmerged.statistic, rel=1e-6)


def test_chi_squared_one_small_category_of_five_is_tolerated():
    # Expected 40, 30, 20, 6, 4: one below 5 <= int(0.2 * 5) -> no regrouping, dof 4.
    baseline = {"a": 40, "b": 30, "c": 20, "d": 6, "e": 4}
    current = {"a": 38, "b": 33, "c": 17, "d": 8, "e": 4}
    ref = stats.chisquare([38, 33, 17, 8, 4], f_exp=[40, 30, 20, 6, 4])
    p_value, statistic = chi_squared(baseline, current)
    assert statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_chi_squared_three_down_to_two_categories():
    # Expected 90, 6, 4: three categories allow 0 below 5 -> c into b (10). Two categories need >= 10: ok.
    baseline = {"a": 90, "b": 6, "c": 4}
    current = {"a": 80, "b": 12, "c": 8}
    ref = stats.chisquare([80, 20], f_exp=[90, 10])
    p_value, statistic = chi_squared(baseline, current)
    assert statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert statistic == pytest.approx(100 / 90 + 100 / 10, rel=1e-12)  # by hand
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_chi_squared_two_categories():
    ref = stats.chisquare([85, 15], f_exp=[90, 10])
    p_value, statistic = chi_squared({"a": 90, "b": 10}, {"a": 85, "b": 15})
    assert statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize(
    ("baseline", "current"),
    [
        ({"a": 92, "b": 8}, {"a": 50, "b": 50}),  # 2 categories, 8 < 10 -> one left
        ({"a": 91, "b": 5, "c": 4}, {"a": 91, "b": 5, "c": 4}),  # c into b (9) < 10 -> b into a
        ({"a": 10}, {"a": 10}),  # a single category
        ({"a": 10, "b": 10}, {"z": 10}),  # nothing in common
        ({"a": 10, "b": 10}, {}),
    ],
)
def test_chi_squared_untestable_is_nan(baseline, current):
    p_value, statistic = chi_squared(baseline, current)
    assert math.isnan(p_value) and math.isnan(statistic)


def test_chi_squared_does_not_mutate_inputs():
    baseline = {"a": 45, "b": 30, "c": 18, "d": 4, "e": 3}
    current = {"a": 40, "b": 30, "c": 20, "d": 2, "e": 8}
    before = (dict(baseline), dict(current))
    chi_squared(baseline, current)
    assert (baseline, current) == before


# -- chi-squared survival function ---------------------------------------------------------------------
X_GRID = [1e-8, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.5, 7.0, 10.0, 25.0, 50.0, 99.5, 150.0, 200.0, 400.0, 1000.0]
DOF_GRID = [1, 2, 3, 4, 5, 7, 10, 17, 30, 50, 99, 100, 150, 199, 200]


@pytest.mark.parametrize("dof", DOF_GRID)
def test_chi2_survival_matches_scipy(dof):
    for x in X_GRID + [dof - 1.0, dof + 0.5, dof + 1.0, 2.0 * dof]:
        if x <= 0:
            continue
        ref = stats.chi2.sf(x, dof)
        ours = chi2_survival(x, dof)
        assert ours == pytest.approx(ref, rel=1e-9, abs=1e-300), (x, dof, ours, ref)


def test_chi2_survival_dense_dof_range():
    for dof in range(1, 201):
        for x in (0.25 * dof, float(dof), 1.7 * dof + 3):
            assert chi2_survival(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-9, abs=1e-300)


def test_chi2_survival_edges():
    assert chi2_survival(0.0, 3) == 1.0
    assert chi2_survival(-1.0, 3) == 1.0
    assert 0.0 <= chi2_survival(5000.0, 1) < 1e-300
    # Known values: the 95% quantiles.
    assert chi2_survival(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert chi2_survival(124.34211340400407, 100) == pytest.approx(0.05, rel=1e-9)
