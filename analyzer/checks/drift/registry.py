"""The drift methods by name: the measure behind each name of ``analyzer/config/drift_names.py``.

A method measures numeric features from the two KLL sketches and/or categorical features from the
two category-count maps (baseline statistics.json buckets, current histogram). Names, aliases,
default thresholds and the ``p_value``/``prebuilt`` marks come from the names table; the kinds a
method measures are the measures it has, and must match the kinds the table declares.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analyzer.checks.drift.chi_squared import chi_squared
from analyzer.checks.drift.hellinger import categorical_hellinger, numeric_hellinger
from analyzer.checks.drift.jensen_shannon import categorical_jensen_shannon, numeric_jensen_shannon
from analyzer.checks.drift.linf import categorical_linf, numeric_linf, robust
from analyzer.checks.drift.psi import categorical_psi, numeric_psi
from analyzer.checks.drift.wasserstein import numeric_wasserstein
from analyzer.config.drift_names import (
    CATEGORICAL,
    CHI_SQUARED,
    HELLINGER,
    JENSEN_SHANNON,
    LINFINITY,
    NAMES,
    NUMERIC,
    PSI,
    ROBUST,
    SIMPLE,
    WASSERSTEIN,
    find_name,
    method_names,
)
from analyzer.profiling.kll import KLLSketch

__all__ = [
    "CATEGORICAL",
    "LINFINITY",
    "METHODS",
    "NUMERIC",
    "DriftMethod",
    "find_method",
    "get_method",
    "method_names",
]

NumericDistance = Callable[[KLLSketch, KLLSketch], float]
CategoricalDistance = Callable[[Mapping[str, float], Mapping[str, float]], float]


@dataclass(frozen=True)
class DriftMethod:
    name: str
    default_threshold: float
    numeric: NumericDistance | None = None
    categorical: CategoricalDistance | None = None
    aliases: tuple[str, ...] = ()
    p_value: bool = False
    prebuilt: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k, f in ((NUMERIC, self.numeric), (CATEGORICAL, self.categorical)) if f)

    def supports(self, kind: str) -> bool:
        return kind in self.kinds

    def distance(self, kind: str, baseline, current) -> float:
        function = self.numeric if kind == NUMERIC else self.categorical
        if function is None:
            raise ValueError(f"Drift method {self.name} does not measure {kind} features")
        return function(baseline, current)


def _numeric_simple(a: KLLSketch, b: KLLSketch) -> float:
    return numeric_linf(a, b).value


def _numeric_robust(a: KLLSketch, b: KLLSketch) -> float:
    d = numeric_linf(a, b)
    return robust(d.value, d.n, d.m)


def _categorical_simple(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return categorical_linf(a, b).value


def _categorical_robust(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    d = categorical_linf(a, b)
    return robust(d.value, d.n, d.m)


def _chi_squared_p_value(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    return chi_squared(a, b)[0]


_MEASURES: dict[str, tuple[NumericDistance | None, CategoricalDistance | None]] = {
    SIMPLE: (_numeric_simple, _categorical_simple),
    ROBUST: (_numeric_robust, _categorical_robust),
    # LInfinity: selection applies comparison_method's Simple/Robust to it (Deequ's rule); this
    # plain measure only serves direct lookups.
    LINFINITY: (None, _categorical_simple),
    CHI_SQUARED: (None, _chi_squared_p_value),
    PSI: (numeric_psi, categorical_psi),
    JENSEN_SHANNON: (numeric_jensen_shannon, categorical_jensen_shannon),
    HELLINGER: (numeric_hellinger, categorical_hellinger),
    WASSERSTEIN: (numeric_wasserstein, None),
}
METHODS: tuple[DriftMethod, ...] = tuple(
    DriftMethod(n.name, n.default_threshold, *_MEASURES[n.name], n.aliases, n.p_value, n.prebuilt)
    for n in NAMES
)
_BY_NAME = {m.name: m for m in METHODS}
_mismatched = [m.name for m, n in zip(METHODS, NAMES, strict=True) if m.kinds != n.kinds]
if _mismatched:
    raise ImportError(f"Drift methods measure other kinds than their names declare: {_mismatched}")


def find_method(name: object, kind: str | None = None) -> DriftMethod | None:
    """The method called ``name`` (any spelling), or None when unknown or unable to measure ``kind``."""
    found = find_name(name, kind)
    return None if found is None else _BY_NAME[found.name]


def get_method(name: str) -> DriftMethod:
    method = find_method(name)
    if method is None:
        raise KeyError(f"Unknown drift method {name!r}; known: {', '.join(method_names())}")
    return method
