"""The suggestion rules, one small function each (Deequ's ``ConstraintSuggestionRunner.Rules``): a rule
reads one feature of statistics.json and returns the constraint keys it suggests (none: empty)."""

from __future__ import annotations

from collections.abc import Callable

from analyzer.config.settings import SuggestSettings
from analyzer.profiling.long_values import is_cut_key

Rule = Callable[[dict, int, SuggestSettings], dict]


def completeness_rule(feature: dict, item_count: int, settings: SuggestSettings) -> dict:
    """Deequ's CompleteIfCompleteRule/RetainCompletenessRule: the share of present values."""
    stats = feature.get("numerical_statistics") or feature.get("string_statistics")
    present = stats["common"]["num_present"] if stats else 0
    return {"completeness": present / item_count if item_count else 0.0}


def non_negative_rule(feature: dict, item_count: int, settings: SuggestSettings) -> dict:
    """Deequ's NonNegativeNumbersRule, for numeric features."""
    if "numerical_statistics" not in feature:
        return {}
    return {"num_constraints": {"is_non_negative": feature["numerical_statistics"]["min"] >= 0}}


def categorical_range_rule(feature: dict, item_count: int, settings: SuggestSettings) -> dict:
    """Deequ's CategoricalRangeRule, for String features with few distinct values."""
    if "numerical_statistics" in feature or "string_statistics" not in feature:
        return {}
    domains = suggest_domains(feature["string_statistics"], settings)
    return {} if domains is None else {"string_constraints": {"domains": domains}}


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


# In the order their keys appear in constraints.json.
RULES: tuple[Rule, ...] = (completeness_rule, non_negative_rule, categorical_range_rule)
