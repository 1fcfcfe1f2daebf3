"""The model-quality problem types as the configuration names them, the statistics and constraints
keys of each, and the defaults of the probability threshold and the sampling seed."""

from __future__ import annotations

import math

from analyzer.common.errors import ConfigError

REGRESSION = "Regression"
BINARY = "BinaryClassification"
MULTICLASS = "MulticlassClassification"
PROBLEM_TYPES = (REGRESSION, BINARY, MULTICLASS)

METRICS_KEY = {
    REGRESSION: "regression_metrics",
    BINARY: "binary_classification_metrics",
    MULTICLASS: "multiclass_classification_metrics",
}
CONSTRAINTS_KEY = {
    REGRESSION: "regression_constraints",
    BINARY: "binary_classification_constraints",
    MULTICLASS: "multiclass_classification_constraints",
}
DEFAULT_THRESHOLD = 0.5
DEFAULT_SEED = 0


def problem_type_of(text: str | None) -> str | None:
    """The canonical spelling, accepting any case (``regression``, ``BINARYCLASSIFICATION``)."""
    if not text:
        return None
    for name in PROBLEM_TYPES:
        if text.strip().lower() == name.lower():
            return name
    raise ConfigError(f"problem_type must be one of {', '.join(PROBLEM_TYPES)}, got {text!r}")


def threshold_of(text: str | float | None) -> float:
    if text is None or (isinstance(text, str) and not text.strip()):
        return DEFAULT_THRESHOLD
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ConfigError(f"probability_threshold_attribute must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"probability_threshold_attribute must be a finite number, got {text!r}")
    return value
