"""The drift methods' names as the configuration spells them: kinds, aliases, default thresholds.

The measures themselves live with the checks (``analyzer/checks/drift/registry.py``); configuration,
baselines and suggestions only need the names, so the vocabulary is written once, here. ``p_value``
methods report drift when the value falls below the threshold, all others when it exceeds it.
``prebuilt`` marks the prebuilt analyzer's methods. Names match case-insensitively, as do the aliases.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.common.errors import ConfigError

NUMERIC, CATEGORICAL = "numeric", "categorical"
SIMPLE, ROBUST, LINFINITY, CHI_SQUARED = "Simple", "Robust", "LInfinity", "ChiSquared"
PSI, JENSEN_SHANNON, HELLINGER, WASSERSTEIN = "PSI", "JensenShannon", "Hellinger", "Wasserstein"
BOTH = (NUMERIC, CATEGORICAL)


@dataclass(frozen=True)
class MethodName:
    name: str
    kinds: tuple[str, ...]
    default_threshold: float
    aliases: tuple[str, ...] = ()
    p_value: bool = False
    prebuilt: bool = False

    def supports(self, kind: str) -> bool:
        return kind in self.kinds


NAMES: tuple[MethodName, ...] = (
    MethodName(SIMPLE, BOTH, 0.1, ("linf_simple",), prebuilt=True),
    MethodName(ROBUST, BOTH, 0.1, ("linf_robust",), prebuilt=True),
    # The categorical name the prebuilt analyzer writes; selection applies comparison_method's
    # Simple/Robust to it (Deequ's rule).
    MethodName(LINFINITY, (CATEGORICAL,), 0.1, ("linf",), prebuilt=True),
    MethodName(CHI_SQUARED, (CATEGORICAL,), 0.1, ("chi_squared",), p_value=True, prebuilt=True),
    MethodName(PSI, BOTH, 0.2, ("population_stability_index",)),
    MethodName(JENSEN_SHANNON, BOTH, 0.1, ("js", "jensen_shannon")),
    MethodName(HELLINGER, BOTH, 0.1),
    MethodName(WASSERSTEIN, (NUMERIC,), 0.1, ("emd", "earth_movers")),
)
_BY_NAME = {n.lower(): m for m in NAMES for n in (m.name, *m.aliases)}
COMPARISON_METHODS = (SIMPLE, ROBUST)  # monitoring_config.distribution_constraints.comparison_method


def method_names(kind: str | None = None) -> tuple[str, ...]:
    return tuple(m.name for m in NAMES if kind is None or m.supports(kind))


def find_name(name: object, kind: str | None = None) -> MethodName | None:
    """The method called ``name`` (any spelling), or None when unknown or unable to measure ``kind``."""
    method = _BY_NAME.get(str(name).strip().lower())
    if method is None or (kind is not None and not method.supports(kind)):
        return None
    return method


def name_of(name: str) -> MethodName:
    method = find_name(name)
    if method is None:
        raise KeyError(f"Unknown drift method {name!r}; known: {', '.join(method_names())}")
    return method


def feature_kind(inferred_type: str) -> str | None:
    if inferred_type in ("Integral", "Fractional"):
        return NUMERIC
    return CATEGORICAL if inferred_type == "String" else None


def drift_method_from_env(env: dict[str, str], key: str) -> str | None:
    """The environment keys categorical_drift_method / numerical_drift_method (the SDK sends only
    LInfinity or ChiSquared for the first; the container takes every name of the kind)."""
    value = (env.get(key) or "").strip()
    if not value:
        return None
    kind = NUMERIC if key == "numerical_drift_method" else CATEGORICAL
    method = find_name(value, kind)
    if method is None:
        raise ConfigError(f"{key} must be one of {', '.join(method_names(kind))}, got {value!r}")
    return method.name
