"""Model-quality constraints: suggesting them from a baseline and checking a run against them.

A suggested threshold is the baseline's own value: error metrics alert when they grow
(``GreaterThanThreshold``), quality metrics when they drop (``LessThanThreshold``). Equal is not a
violation, so a run on the baseline's data is clean.
"""

from __future__ import annotations

import logging
import math
import operator
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline.baseline import BaselineError, JsonReader, load_json
from analyzer.baseline.kind import MQ_CONSTRAINTS, expect_kind
from analyzer.common.errors import ConfigError
from analyzer.common.number_text import java_double
from analyzer.quality.spec import BINARY, CONSTRAINTS_KEY, MULTICLASS, REGRESSION

log = logging.getLogger("monitor_analyzer")

GREATER, LESS = "GreaterThanThreshold", "LessThanThreshold"
OPERATORS = {
    GREATER: operator.gt,
    LESS: operator.lt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanOrEqualToThreshold": operator.le,
}
SYMBOLS = {  # how report.html writes each operator
    GREATER: ">",
    LESS: "<",
    "GreaterThanOrEqualToThreshold": "≥",
    "LessThanOrEqualToThreshold": "≤",
}
ERROR_METRICS = frozenset({"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"})
# Which metrics get a suggested constraint. Best-constant-classifier values describe the data, not
# the model, and curves and the confusion matrix are not single numbers.
SUGGESTED = {
    REGRESSION: ("mae", "mse", "rmse", "r2"),
    BINARY: (
        "recall", "precision", "accuracy", "true_positive_rate", "true_negative_rate",
        "false_positive_rate", "false_negative_rate", "auc", "au_prc", "f0_5", "f1", "f2",
    ),
    MULTICLASS: (
        "accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class MetricConstraint:
    metric: str
    threshold: float
    comparison_operator: str


@dataclass(frozen=True)
class QualityConstraints:
    problem_type: str
    constraints: tuple[MetricConstraint, ...]


def suggest(problem_type: str, values: dict[str, float]) -> dict:
    chosen = {}
    for name in SUGGESTED[problem_type]:
        value = values.get(name)
        if value is None or value != value:  # absent (no scores) or NaN (one class only)
            continue
        if not math.isfinite(value):
            # Beyond a double (errors near DBL_MAX): as a threshold it would never fire, and baseline
            # files reject non-finite thresholds, so suggesting it would break the next monitoring run.
            log.warning("No %s constraint suggested: its baseline value is %s", name, plain(value))
            continue
        chosen[name] = {"threshold": value, "comparison_operator": GREATER if name in ERROR_METRICS else LESS}
    return {"version": 0.0, CONSTRAINTS_KEY[problem_type]: chosen}


def load_constraints(path: Path, problem_type: str | None) -> QualityConstraints:
    """Read constraints.json; its ``*_constraints`` key gives the problem type when the job has none."""
    document = load_json(path, "constraints")
    expect_kind(document, path, MQ_CONSTRAINTS)
    reader = JsonReader(path)
    present = [p for p, key in CONSTRAINTS_KEY.items() if key in document]
    if not present:
        raise BaselineError(
            f"{path} has no model-quality constraints: expected one of {', '.join(CONSTRAINTS_KEY.values())}"
        )
    if problem_type is None:
        if len(present) > 1:
            raise ConfigError(f"{path} has constraints for {', '.join(present)}: set problem_type")
        problem_type = present[0]
    elif problem_type not in present:
        raise ConfigError(
            f"problem_type is {problem_type}, but {path} holds {', '.join(CONSTRAINTS_KEY[p] for p in present)}"
        )
    key = CONSTRAINTS_KEY[problem_type]
    constraints = []
    for metric, body in reader.obj(document[key], key).items():
        where = f"{key}.{metric}"
        body = reader.obj(body, where)
        if "threshold" not in body:
            raise reader.fail(where, "has no threshold")
        op = body.get("comparison_operator")
        if op not in OPERATORS:
            raise reader.fail(
                f"{where}.comparison_operator", f"must be one of {', '.join(OPERATORS)}, got {op!r}"
            )
        threshold = reader.number(body["threshold"], f"{where}.threshold")
        constraints.append(MetricConstraint(metric, threshold, op))
    return QualityConstraints(problem_type, tuple(constraints))


def check(constraints: QualityConstraints, values: dict[str, float]) -> list[dict]:
    violations = []
    for c in constraints.constraints:
        if c.metric not in values:
            raise ConfigError(
                f"The baseline constraints set a threshold for {c.metric}, which this job does not compute"
                + (" (auc and au_prc need probability_attribute)" if c.metric in ("auc", "au_prc") else "")
            )
        value = values[c.metric]
        if value == value and OPERATORS[c.comparison_operator](value, c.threshold):
            violations.append(
                {
                    "constraint_check_type": c.comparison_operator,
                    "description": f"Metric {c.metric} with {plain(value)} was {c.comparison_operator} "
                    f"{plain(c.threshold)}",
                    "metric_name": c.metric,
                }
            )
    return violations


def plain(x: float) -> str:
    return java_double(x).strip('"')
