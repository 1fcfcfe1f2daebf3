"""The optional drift-method keys of constraints.json (files from the prebuilt analyzer lack them).

``monitoring_config.distribution_constraints``:
- ``numerical_drift_method`` (new): any method measuring numeric features; absent, numeric features
  use ``comparison_method`` as before.
- ``categorical_drift_method``: LInfinity and ChiSquared as before, or any method measuring
  categorical features.
Absent thresholds default to the chosen method's default, except that LInfinity/ChiSquared keep the
prebuilt rule "``categorical_comparison_threshold`` defaults to ``comparison_threshold``".

``features[i].drift`` (new): ``{"method": name, "threshold": number}``, both optional.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from analyzer.baseline.json_reader import JsonReader
from analyzer.config.drift_names import (
    CATEGORICAL,
    LINFINITY,
    NUMERIC,
    feature_kind,
    find_name,
    method_names,
    name_of,
)

FEATURE_DRIFT_KEYS = ("method", "threshold")


@dataclass(frozen=True)
class GlobalDrift:
    numerical_drift_method: str | None
    categorical_drift_method: str
    comparison_threshold_default: float
    categorical_threshold_default: float | None  # None: the prebuilt rule

    def categorical_threshold(self, dc: dict, comparison_threshold: float) -> float:
        if self.categorical_threshold_default is not None:
            return self.categorical_threshold_default
        # comparison_threshold's default may be a new numeric method's (PSI: 0.2); LInfinity and
        # ChiSquared take only a threshold the file gives, else their own.
        if "comparison_threshold" in dc:
            return comparison_threshold
        return name_of(self.categorical_drift_method).default_threshold


def method_name(value: Any, kind: str | None, key: str, reader: JsonReader) -> str:
    method = find_name(value, kind) if isinstance(value, str) else None
    if method is None:
        raise reader.fail(key, f"must be one of {', '.join(method_names(kind))}, got {json.dumps(value)}")
    return method.name


def parse_global_drift(dc: dict, prefix: str, comparison_method: str, reader: JsonReader) -> GlobalDrift:
    numerical = dc.get("numerical_drift_method")
    if numerical is not None:
        numerical = method_name(numerical, NUMERIC, f"{prefix}.numerical_drift_method", reader)
    categorical = method_name(
        dc.get("categorical_drift_method", LINFINITY),
        CATEGORICAL,
        f"{prefix}.categorical_drift_method",
        reader,
    )
    categorical_method = name_of(categorical)
    return GlobalDrift(
        numerical_drift_method=numerical,
        categorical_drift_method=categorical,
        comparison_threshold_default=name_of(numerical or comparison_method).default_threshold,
        categorical_threshold_default=None
        if categorical_method.prebuilt
        else categorical_method.default_threshold,
    )


def parse_feature_drift(feature: dict, key: str, reader: JsonReader) -> tuple[str | None, float | None]:
    """(method, threshold) of a feature's ``drift`` object; unknown keys fail: it is our key, a typo
    such as "treshold" must not silently fall back to the global threshold."""
    drift = reader.obj(feature.get("drift"), f"{key}.drift")
    unknown = sorted(set(drift) - set(FEATURE_DRIFT_KEYS))
    if unknown:
        raise reader.fail(
            f"{key}.drift.{unknown[0]}", f"is not a drift key (known: {', '.join(FEATURE_DRIFT_KEYS)})"
        )
    method = drift.get("method")
    if method is not None:
        method = method_name(
            method, feature_kind(str(feature.get("inferred_type"))), f"{key}.drift.method", reader
        )
    threshold = drift.get("threshold")
    if threshold is not None:
        threshold = reader.number(threshold, f"{key}.drift.threshold")
    return method, threshold
