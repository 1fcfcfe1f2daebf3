"""Suggested constraints (constraints.json) from baseline statistics, with Deequ's suggestion rules."""

from __future__ import annotations

from analyzer.config import defaults
from analyzer.config.drift_names import name_of
from analyzer.config.settings import SuggestSettings
from analyzer.suggestions.rules import RULES, suggest_domains

__all__ = ["SuggestSettings", "default_monitoring_config", "suggest_constraints", "suggest_domains"]


def default_monitoring_config(
    categorical_drift_method: str = defaults.CATEGORICAL_DRIFT_METHOD,
    numerical_drift_method: str | None = None,
) -> dict:
    config = {
        "evaluate_constraints": "Enabled",
        "emit_metrics": "Enabled",
        "datatype_check_threshold": defaults.DATATYPE_CHECK_THRESHOLD,
        "domain_content_threshold": defaults.DOMAIN_CONTENT_THRESHOLD,
        "distribution_constraints": {
            "perform_comparison": "Enabled",
            "comparison_threshold": defaults.COMPARISON_THRESHOLD,
            "comparison_method": defaults.COMPARISON_METHOD,
            "categorical_comparison_threshold": defaults.CATEGORICAL_COMPARISON_THRESHOLD,
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
        method = name_of(numerical)
        if method.prebuilt:
            distribution["comparison_method"] = method.name
        else:
            distribution["numerical_drift_method"] = method.name
            distribution["comparison_threshold"] = method.default_threshold
    distribution["categorical_drift_method"] = name_of(categorical).name
    if not name_of(categorical).prebuilt:
        distribution["categorical_comparison_threshold"] = name_of(categorical).default_threshold


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
    for rule in RULES:
        out.update(rule(feature, item_count, settings))
    return out
