"""Custom metrics in the reports: statistics.json ``custom``, constraints.json ``custom_constraints``,
their checks (``custom_metric_check`` violations) and their CloudWatch records.

Layouts (all optional and additive; absent unless a custom_metrics_script is given)::

    statistics.json   "custom": {"dataset": {"<metric>": value, ...},
                                 "features": {"<feature>": {"<metric>": value, ...}, ...}}
    constraints.json  "custom_constraints": [{"metric": "<metric>", "feature": "<feature>",
                                              "comparison_operator": "GreaterThanThreshold",
                                              "threshold": x}, ...]   ("feature" absent: dataset)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline.baseline import CUSTOM_CONSTRAINTS_KEY, JsonReader, load_json
from analyzer.custom.definitions import MetricDefinition
from analyzer.custom.state import Key
from analyzer.quality.constraints import OPERATORS, plain

CUSTOM_KEY = "custom"
CONSTRAINTS_KEY = CUSTOM_CONSTRAINTS_KEY
CHECK_TYPE = "custom_metric_check"
PREFIX = "custom_metric_"


@dataclass(frozen=True)
class CustomConstraint:
    metric: str
    feature: str | None
    comparison_operator: str
    threshold: float

    @property
    def key(self) -> Key:
        return (self.feature, self.metric)


def label(key: Key) -> str:
    feature, name = key
    return f"Custom metric {name}" + (f" of feature {feature}" if feature is not None else " (dataset)")


def statistics_section(
    definitions: tuple[MetricDefinition, ...], results: dict[Key, float], feature_order: list[str]
) -> dict:
    """Dataset metrics in definition order; features in the statistics' feature order, then the
    ones the data lacks, each with its metrics in definition order."""
    dataset = {d.name: results[d.key] for d in definitions if d.feature is None and d.key in results}
    features: dict[str, dict[str, float]] = {}
    rank = {name: i for i, name in enumerate(feature_order)}
    named = [d for d in definitions if d.feature is not None and d.key in results]
    for d in sorted(named, key=lambda d: (rank.get(d.feature, len(rank)), d.feature not in rank)):
        features.setdefault(d.feature, {})[d.name] = results[d.key]
    return {"dataset": dataset, "features": features}


def suggest_constraints(definitions: tuple[MetricDefinition, ...], results: dict[Key, float]) -> list[dict]:
    """One entry per metric whose ``suggest(value)`` returns ``(comparison_operator, threshold)``."""
    out = []
    for d in definitions:
        value = results.get(d.key)
        if d.suggest is None or value is None or not math.isfinite(value):
            continue
        suggested = d.call("suggest", value)
        if suggested is None:
            continue
        if not isinstance(suggested, tuple | list) or len(suggested) != 2:
            raise d.fail(
                "suggest", f"must return (comparison_operator, threshold) or None, got {suggested!r}"
            )
        op, threshold = suggested
        if op not in OPERATORS:
            raise d.fail("suggest", f"returned operator {op!r}; expected one of {', '.join(OPERATORS)}")
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)
        ):
            raise d.fail("suggest", f"returned threshold {threshold!r}; expected a finite number")
        entry: dict = {"metric": d.name}
        if d.feature is not None:
            entry["feature"] = d.feature
        entry.update(comparison_operator=op, threshold=float(threshold))
        out.append(entry)
    return out


def load_custom_constraints(path: Path) -> list[CustomConstraint]:
    """The ``custom_constraints`` of a baseline constraints.json (none when the key is absent)."""
    document = load_json(path, "constraints")
    if CONSTRAINTS_KEY not in document:
        return []
    reader = JsonReader(path)
    items = document[CONSTRAINTS_KEY]
    if not isinstance(items, list):
        raise reader.fail(
            CONSTRAINTS_KEY, "must be a list of {metric, feature, comparison_operator, threshold}"
        )
    constraints = []
    for i, item in enumerate(items):
        where = f"{CONSTRAINTS_KEY}[{i}]"
        item = reader.obj(item, where)
        metric = item.get("metric")
        if not isinstance(metric, str) or not metric:
            raise reader.fail(f"{where}.metric", "must be a non-empty string")
        feature = item.get("feature")
        if feature is not None and not isinstance(feature, str):
            raise reader.fail(
                f"{where}.feature", f"must be a column name or absent, got {json.dumps(feature)}"
            )
        op = item.get("comparison_operator")
        if op not in OPERATORS:
            raise reader.fail(
                f"{where}.comparison_operator", f"must be one of {', '.join(OPERATORS)}, got {json.dumps(op)}"
            )
        if "threshold" not in item:
            raise reader.fail(where, "has no threshold")
        threshold = reader.number(item["threshold"], f"{where}.threshold")
        constraints.append(CustomConstraint(metric, feature, op, threshold))
    return constraints


def check(
    constraints: list[CustomConstraint], results: dict[Key, float], script: str, excluded: set[str]
) -> list[dict]:
    """Violations in constraint order. A constraint on a metric the script does not define is a
    violation too: the alarm it stands for can no longer fire, and that must not pass unnoticed."""
    violations = []
    for c in constraints:
        if c.feature is not None and c.feature in excluded:
            continue
        value = results.get(c.key)
        if value is None:
            description = (
                f"{label(c.key)} has a baseline constraint ({c.comparison_operator} {plain(c.threshold)}) "
                f"but custom_metrics_script {Path(script).name} does not define it."
            )
        elif value == value and OPERATORS[c.comparison_operator](value, c.threshold):
            description = (
                f"{label(c.key)}: {plain(value)} is {c.comparison_operator} {plain(c.threshold)} "
                "(the baseline constraint)."
            )
        else:
            continue
        violation = {"feature_name": c.feature} if c.feature is not None else {}
        violation.update(constraint_check_type=CHECK_TYPE, description=description, metric_name=c.metric)
        violations.append(violation)
    return violations


def metric_name(key: Key) -> str:
    feature, name = key
    return f"{PREFIX}{feature}_{name}" if feature is not None else f"{PREFIX}{name}"


def cloudwatch_records(
    definitions: tuple[MetricDefinition, ...],
    results: dict[Key, float],
    timestamp: str,
    dims: list[dict],
    silenced: set[str],
) -> list[dict]:
    """One record per computed (not NaN) metric; ``silenced``: features whose emit_metrics is off."""
    records = []
    for d in definitions:
        value = results.get(d.key)
        if value is None or math.isnan(value) or (d.feature is not None and d.feature in silenced):
            continue
        records.append(
            {"MetricName": metric_name(d.key), "Timestamp": timestamp, "Dimensions": dims, "Value": value}
        )
    return records
