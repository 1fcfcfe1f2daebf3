"""Suggested constraints (constraints.json) from baseline statistics, with Deequ's suggestion rules."""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.check.drift.registry import get_method
from analyzer.profile.long_values import is_cut_key

LINFINITY, CHI_SQUARED = "LInfinity", "ChiSquared"
CATEGORICAL_DRIFT_METHODS = (LINFINITY, CHI_SQUARED)


@dataclass(frozen=True)
class SuggestSettings:
    categorical_drift_method: str = LINFINITY
    numerical_drift_method: str | None = None  # None: comparison_method Robust, as the prebuilt analyzer
    # Deequ's CategoricalRangeRule: a domain is suggested for columns with at most this many distinct
    # values (the profiler's cardinality threshold) of which at most this share occur only once.
    domain_max_values: int = 120
    domain_max_unique_ratio: float = 0.1


def default_monitoring_config(
    categorical_drift_method: str = LINFINITY, numerical_drift_method: str | None = None
) -> dict:
    config = {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Enabled",
        "datatype_check_threshold": 1.0,
        "domain_content_threshold": 1.0,
        "distribution_constraints": {
            "perform_comparison": "Enabled",
            "comparison_threshold": 0.1,
            "comparison_method": "Robust",
            "categorical_comparison_threshold": 0.1,
            "categorical_drift_method": categorical_drift_method,
        },
    }
    set_drift_methods(config["distribution_constraints"], categorical_drift_method, numerical_drift_method)
    return config


def set_drift_methods(distribution: dict, categorical: str, numerical: str | None) -> None:
    """Simple/Robust stay the prebuilt comparison_method (the file stays prebuilt-readable); a new
    method gets the numerical_drift_method key and, like a new categorical method, its own default
    threshold."""
    if numerical is not None:
        method = get_method(numerical)
        if method.prebuilt:
            distribution["comparison_method"] = method.name
        else:
            distribution["numerical_drift_method"] = method.name
            distribution["comparison_threshold"] = method.default_threshold
    distribution["categorical_drift_method"] = get_method(categorical).name
    if not get_method(categorical).prebuilt:
        distribution["categorical_comparison_threshold"] = get_method(categorical).default_threshold


def suggest_constraints(statistics: dict, settings: SuggestSettings | None = None) -> dict:
    settings = settings or SuggestSettings()
    item_count = statistics["dataset"]["item_count"]
    return {
        "version": 0.0,
        "features": [feature_constraints(f, item_count, settings) for f in statistics["features"]],
        "monitoring_config": default_monitoring_config(
            settings.categorical_drift_method, settings.numerical_drift_method
        ),
    }


def feature_constraints(feature: dict, item_count: int, settings: SuggestSettings) -> dict:
    out = {"name": feature["name"], "inferred_type": feature["inferred_type"]}
    stats = feature.get("numerical_statistics") or feature.get("string_statistics")
    present = stats["common"]["num_present"] if stats else 0
    out["completeness"] = present / item_count if item_count else 0.0
    if "numerical_statistics" in feature:
        out["num_constraints"] = {"is_non_negative": feature["numerical_statistics"]["min"] >= 0}
    elif "string_statistics" in feature:
        domains = suggest_domains(feature["string_statistics"], settings)
        if domains is not None:
            out["string_constraints"] = {"domains": domains}
    return out


def suggest_domains(string_statistics: dict, settings: SuggestSettings) -> list[str] | None:
    buckets = string_statistics.get("distribution", {}).get("categorical", {}).get("buckets")
    if not buckets or len(buckets) > settings.domain_max_values:
        return None
    if any(is_cut_key(b["value"]) for b in buckets):
        # A cut key stands for a longer value: a domain of it would flag that value as outside.
        return None
    singletons = sum(1 for b in buckets if b["count"] == 1)
    if singletons / len(buckets) > settings.domain_max_unique_ratio:
        return None
    return [b["value"] for b in sorted(buckets, key=lambda b: -b["count"])]
