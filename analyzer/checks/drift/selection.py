"""Which drift method and threshold apply to a feature, from its constraints and the global config.

Numeric features: the feature's ``drift.method``, else ``numerical_drift_method``, else
``comparison_method`` (Simple/Robust, the prebuilt analyzer's only choice). Categorical features:
the feature's ``drift.method``, else ``categorical_drift_method``; ``LInfinity`` becomes Simple or
Robust by ``comparison_method``, as in the prebuilt analyzer. Threshold: the feature's
``drift.threshold``; else the global one for the kind (``comparison_threshold`` /
``categorical_comparison_threshold``) when the feature keeps the global method; else the chosen
method's default.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.baseline.baseline import FeatureConstraints, MonitoringConfig
from analyzer.checks.drift.registry import CATEGORICAL, LINFINITY, NUMERIC, DriftMethod, get_method
from analyzer.config.drift_names import feature_kind

__all__ = ["DriftRule", "drift_rule", "feature_kind", "global_method_name"]


@dataclass(frozen=True)
class DriftRule:
    kind: str
    method: DriftMethod
    threshold: float


def global_method_name(config: MonitoringConfig, kind: str) -> str:
    if kind == NUMERIC:
        return config.numerical_drift_method or config.comparison_method
    return config.categorical_drift_method


def _effective(name: str, kind: str, config: MonitoringConfig) -> DriftMethod:
    method = get_method(name)
    if kind == CATEGORICAL and method.name == LINFINITY:
        return get_method(config.comparison_method)
    return method


def drift_rule(feature: FeatureConstraints, config: MonitoringConfig) -> DriftRule | None:
    kind = feature_kind(feature.inferred_type)
    if kind is None:
        return None
    global_name = global_method_name(config, kind)
    name = feature.drift_method or global_name
    if feature.drift_threshold is not None:
        threshold = feature.drift_threshold
    elif get_method(name) is get_method(global_name):
        threshold = (
            config.comparison_threshold if kind == NUMERIC else config.categorical_comparison_threshold
        )
    else:
        threshold = get_method(name).default_threshold
    return DriftRule(kind, _effective(name, kind, config), threshold)
