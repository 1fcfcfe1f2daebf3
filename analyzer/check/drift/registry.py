"""The drift methods by name: what each measures, on which feature kinds, and its default threshold.

A method measures numeric features from the two KLL sketches and/or categorical features from the
two category-count maps (baseline statistics.json buckets, current histogram). ``p_value`` methods
report drift when the value falls below the threshold, all others when it exceeds it. ``prebuilt``
marks the prebuilt analyzer's methods, whose violation descriptions stay exactly as they were.
Names match case-insensitively, as do the listed aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from analyzer.check.drift.chi_squared import chi_squared
from analyzer.check.drift.hellinger import categorical_hellinger, numeric_hellinger
from analyzer.check.drift.jensen_shannon import categorical_jensen_shannon, numeric_jensen_shannon
from analyzer.check.drift.linf import categorical_linf, numeric_linf, robust
from analyzer.check.drift.psi import categorical_psi, numeric_psi
from analyzer.check.drift.wasserstein import numeric_wasserstein
from analyzer.profile.kll import KLLSketch

NUMERIC, CATEGORICAL = "numeric", "categorical"
SIMPLE, ROBUST, LINFINITY, CHI_SQUARED = "Simple", "Robust", "LInfinity", "ChiSquared"
PSI, JENSEN_SHANNON, HELLINGER, WASSERSTEIN = "PSI", "JensenShannon", "Hellinger", "Wasserstein"

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


METHODS: tuple[DriftMethod, ...] = (
    DriftMethod(SIMPLE, 0.1, _numeric_simple, _categorical_simple, ("linf_simple",), prebuilt=True),
    DriftMethod(ROBUST, 0.1, _numeric_robust, _categorical_robust, ("linf_robust",), prebuilt=True),
    # The categorical name the prebuilt analyzer writes; selection applies comparison_method's
    # Simple/Robust to it (Deequ's rule), this plain unit only serves direct lookups.
    DriftMethod(LINFINITY, 0.1, None, _categorical_simple, ("linf",), prebuilt=True),
    DriftMethod(CHI_SQUARED, 0.1, None, _chi_squared_p_value, ("chi_squared",), p_value=True, prebuilt=True),
    DriftMethod(PSI, 0.2, numeric_psi, categorical_psi, ("population_stability_index",)),
    DriftMethod(
        JENSEN_SHANNON, 0.1, numeric_jensen_shannon, categorical_jensen_shannon, ("js", "jensen_shannon")
    ),
    DriftMethod(HELLINGER, 0.1, numeric_hellinger, categorical_hellinger),
    DriftMethod(WASSERSTEIN, 0.1, numeric_wasserstein, None, ("emd", "earth_movers")),
)
_BY_NAME = {n.lower(): m for m in METHODS for n in (m.name, *m.aliases)}


def method_names(kind: str | None = None) -> tuple[str, ...]:
    return tuple(m.name for m in METHODS if kind is None or m.supports(kind))


def find_method(name: object, kind: str | None = None) -> DriftMethod | None:
    """The method called ``name`` (any spelling), or None when unknown or unable to measure ``kind``."""
    method = _BY_NAME.get(str(name).strip().lower())
    if method is None or (kind is not None and not method.supports(kind)):
        return None
    return method


def get_method(name: str) -> DriftMethod:
    method = find_method(name)
    if method is None:
        raise KeyError(f"Unknown drift method {name!r}; known: {', '.join(method_names())}")
    return method
