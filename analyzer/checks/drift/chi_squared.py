"""Pearson's chi-squared goodness-of-fit test of current category counts against the baseline's
(Deequ >= 2023-01, the prebuilt analyzer's ``ChiSquared``): its value is a p-value, small = drift."""

from __future__ import annotations

import math


def _regroup(sample: dict[str, float], expected: dict[str, float]) -> None:
    """Merge the smallest expected category into the next smallest until the chi-squared test is valid:
    for 2 categories every expected count >= 10 (Cochran), for more at most 20% below 5 (Yates)."""
    while len(expected) >= 2:
        if len(expected) > 2:
            limit, allowed = 5.0, int(0.2 * len(expected))
        else:
            limit, allowed = 10.0, 0
        if sum(1 for v in expected.values() if v < limit) <= allowed:
            return
        smallest = min(expected, key=expected.get)
        small_expected, small_sample = expected.pop(smallest), sample.pop(smallest, 0.0)
        second = min(expected, key=expected.get)
        expected[second] += small_expected
        sample[second] = sample.get(second, 0.0) + small_sample


def chi_squared(baseline: dict[str, float], current: dict[str, float]) -> tuple[float, float]:
    """(p-value, statistic) of current counts against baseline frequencies; NaN when untestable.

    As Deequ: only categories the baseline knows take part (L-infinity sees new ones), baseline counts
    are scaled to the current total, small categories are regrouped first.
    """
    sample = {k: float(v) for k, v in current.items()}
    sample_total = sum(v for k, v in sample.items() if k in baseline)
    expected_total = float(sum(baseline.values()))
    if sample_total <= 0 or expected_total <= 0:
        return math.nan, math.nan
    expected = {k: v / expected_total * sample_total for k, v in baseline.items()}
    _regroup(sample, expected)
    if len(expected) < 2:
        return math.nan, math.nan
    statistic = sum((sample.get(k, 0.0) - e) ** 2 / e for k, e in expected.items() if e > 0)
    return chi2_survival(statistic, len(expected) - 1), statistic


def chi2_survival(x: float, dof: int) -> float:
    """P(X >= x) for X ~ chi-squared(dof): the regularised upper incomplete gamma Q(dof/2, x/2)."""
    if x <= 0:
        return 1.0
    return _gamma_q(dof / 2.0, x / 2.0)


def _gamma_q(a: float, x: float) -> float:
    if x < a + 1.0:  # the series converges fast here
        term = total = 1.0 / a
        k = a
        for _ in range(10_000):
            k += 1.0
            term *= x / k
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    # Lentz's continued fraction for Q.
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h
