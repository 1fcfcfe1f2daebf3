"""Constraint checks of current data against a baseline: the violations of constraint_violations.json.

Rules (contract §5.2; where the prebuilt analyzer's behaviour is unknown the choice is documented in
the README):
- data_type_check: share of the current non-missing values whose Deequ type fits the baseline type
  (Integral: Integral values; Fractional: Integral or Fractional values; String: every value while
  the column still types as String, else none) is below ``datatype_check_threshold``. Such a
  feature is not checked for drift.
- completeness_check: current non-missing share is below the baseline ``completeness``.
- baseline_drift_check: distance above ``comparison_threshold`` (numeric) or
  ``categorical_comparison_threshold`` (String, L-infinity); for ChiSquared, a p-value below it.
  Other methods and per-feature choices: analyzer/checks/drift/selection.py.
- categorical_values_check: share of current values inside the baseline ``domains`` is below
  ``domain_content_threshold``.
- missing_column_check / extra_column_check: a baseline feature absent from the data / a column the
  baseline does not know, one violation per column.

``evaluate_constraints`` Disabled in ``monitoring_config`` (no violations at all) or for a feature (in
any spelling: analyzer/baseline/overrides.py; none of the checks above for it) only silences violations:
drift is still measured, and whether its CloudWatch record is sent is ``emit_metrics``'s business.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from analyzer.baseline.baseline import Baseline, FeatureConstraints
from analyzer.checks.drift import NUMERIC, DriftRule, drift_rule
from analyzer.common.number_text import java_double
from analyzer.profiling.column import ColumnState
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.datatypes import BOOLEAN, FRACTIONAL, INTEGRAL, STRING, InferredType, determine_type

DATA_TYPE, COMPLETENESS, DRIFT = "data_type_check", "completeness_check", "baseline_drift_check"
MISSING_COLUMN, EXTRA_COLUMN, CATEGORICAL_VALUES = (
    "missing_column_check",
    "extra_column_check",
    "categorical_values_check",
)


@dataclass(frozen=True)
class Violation:
    feature_name: str
    constraint_check_type: str
    description: str

    def to_dict(self) -> dict:
        return {
            "feature_name": self.feature_name,
            "constraint_check_type": self.constraint_check_type,
            "description": self.description,
        }


@dataclass
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    drift: dict[str, float] = field(default_factory=dict)  # feature -> distance (or p-value)


def pct(ratio: float) -> str:
    return java_double(ratio * 100)


def type_match_ratio(column: ColumnState, expected: str) -> float | None:
    present = column.num_present
    if present == 0 or expected == InferredType.UNKNOWN:
        # An all-missing baseline column has no type to match: without this it fell through to the
        # String rule and numbers (not words) got "Only 0.0% of data is Unknown".
        return None
    counts = column.type_counts
    if expected == InferredType.INTEGRAL:
        return counts[INTEGRAL] / present
    if expected == InferredType.FRACTIONAL:
        # Whole numbers written without a decimal point are valid fractional values: identical data
        # must never fail its own baseline.
        return (counts[INTEGRAL] + counts[FRACTIONAL]) / present
    # String: a column that still types as String matches (text columns may hold number-like
    # values); one whose values all type as numbers does not (the prebuilt analyzer flags it too).
    if determine_type(counts) == InferredType.STRING:
        return 1.0
    return (counts[STRING] + counts[BOOLEAN]) / present


def check_data_type(feature: FeatureConstraints, column: ColumnState, threshold: float) -> Violation | None:
    ratio = type_match_ratio(column, feature.inferred_type)
    if ratio is None or ratio >= threshold:
        return None
    kind = feature.inferred_type
    return Violation(
        feature.name,
        DATA_TYPE,
        f"Data type match requirement is not met. Expected data type: {kind}, Expected match: {pct(threshold)}%. "
        f"Observed: Only {pct(ratio)}% of data is {kind}.",
    )


def check_completeness(
    feature: FeatureConstraints, column: ColumnState | None, item_count: int
) -> Violation | None:
    if feature.completeness is None or item_count == 0:
        return None
    observed = (column.num_present if column else 0) / item_count
    if observed >= feature.completeness:
        return None
    return Violation(
        feature.name,
        COMPLETENESS,
        f"Value: {java_double(observed)} does not meet the constraint requirement! "
        f"Completeness must be at least {java_double(feature.completeness)} (the baseline's).",
    )


def check_domain(feature: FeatureConstraints, column: ColumnState, threshold: float) -> Violation | None:
    if not feature.domains or column.num_present == 0 or column.in_domain is None:
        return None
    ratio = column.in_domain / column.num_present
    if ratio >= threshold:
        return None
    new_values = ""
    if column.histogram is not None:
        unknown = sorted(
            (v for v in column.histogram if v not in set(feature.domains)), key=lambda v: -column.histogram[v]
        )
        new_values = f" Values outside the baseline domain include: {', '.join(unknown[:5])}."
    return Violation(
        feature.name,
        CATEGORICAL_VALUES,
        f"Value: {java_double(ratio)} does not meet the constraint requirement! "
        f"At least {pct(threshold)}% of values must be in the baseline domain.{new_values}",
    )


def drift_distance(
    feature: FeatureConstraints, column: ColumnState, baseline: Baseline
) -> tuple[float, DriftRule] | None:
    """(metric, the feature's drift rule), or None when either side lacks what drift needs."""
    stats = baseline.statistics.get(feature.name)
    rule = drift_rule(feature, baseline.config)
    if stats is None or rule is None:
        return None
    if rule.kind == NUMERIC:
        if (
            stats.sketch is None
            or column.kll is None
            or stats.sketch.total_weight() == 0
            or column.kll.total_weight() == 0
        ):
            return None
        return rule.method.distance(rule.kind, stats.sketch, column.kll), rule
    if stats.histogram and column.histogram:
        return rule.method.distance(rule.kind, stats.histogram, column.histogram), rule
    return None


def check_drift(
    feature: FeatureConstraints, column: ColumnState, baseline: Baseline, result: CheckResult
) -> Violation | None:
    """Records the distance (a CloudWatch metric even where the feature is not judged); the
    violation when it crosses the threshold."""
    measured = drift_distance(feature, column, baseline)
    if measured is None:
        return None
    value, rule = measured
    threshold = rule.threshold
    result.drift[feature.name] = value
    if rule.method.p_value:
        # A p-value: drift is a small one (the distributions are unlikely to be the same).
        if not math.isnan(value) and value < threshold:
            return Violation(
                feature.name,
                DRIFT,
                f"Baseline drift distance: {java_double(value)} (ChiSquared p-value) is below threshold: "
                f"{java_double(threshold)}",
            )
    elif value > threshold:
        # A new method is named up front: "distance: (.+) exceeds threshold: (.+)" still parses.
        named = "" if rule.method.prebuilt else f"{rule.method.name}: "
        return Violation(
            feature.name,
            DRIFT,
            f"{named}Baseline drift distance: {java_double(value)} exceeds threshold: {java_double(threshold)}",
        )
    return None


def run_checks(baseline: Baseline, profile: DatasetProfile, excluded: set[str] = frozenset()) -> CheckResult:
    """Violations only where evaluate_constraints is on (globally and for the feature); drift
    distances wherever they can be measured, as emit_metrics alone decides whether they are sent."""
    result = CheckResult()
    config = baseline.config
    features = [f for f in baseline.features if f.name not in excluded]
    current = {name: c for name, c in profile.columns.items() if name not in excluded}
    known = {f.name for f in features}
    n_current, n_baseline = len(current), len(features)
    for feature in features:
        judged = config.evaluate_constraints and feature.evaluate_constraints
        found: list[Violation | None] = []
        column = current.get(feature.name)
        if column is None:
            found.append(
                Violation(
                    feature.name,
                    MISSING_COLUMN,
                    f"Baseline feature {feature.name} is missing from the current dataset. Number of columns in "
                    f"current dataset: {n_current}, Number of columns in baseline constraints: {n_baseline}",
                )
            )
        else:
            type_violation = check_data_type(feature, column, config.datatype_check_threshold)
            found += [
                type_violation,
                check_completeness(feature, column, profile.item_count),
                check_domain(feature, column, config.domain_content_threshold)
                if feature.inferred_type == "String"
                else None,
            ]
            # A type mismatch is not also compared (contract §5.2), judged or not: the same metric.
            if (
                config.perform_comparison
                and not type_violation
                and determine_type(column.type_counts) != "Unknown"
            ):
                found.append(check_drift(feature, column, baseline, result))
        if judged:
            result.violations += [v for v in found if v]
    if not config.evaluate_constraints:
        return result
    for name in sorted(current, key=lambda n: (current[n].order, n)):
        if name not in known:
            result.violations.append(
                Violation(
                    name,
                    EXTRA_COLUMN,
                    f"Column {name} of the current dataset is not in the baseline constraints. Number of columns "
                    f"in current dataset: {n_current}, Number of columns in baseline constraints: {n_baseline}",
                )
            )
    return result
