"""Reading a baseline (statistics.json + constraints.json), whoever wrote it.

Files from the prebuilt analyzer, from older images (fewer keys), from this analyzer, and hand-edited
ones (numbers as strings or in scientific notation, ``Simple``/``linf_robust``, any of the three
spellings of per-feature overrides: analyzer/baseline/overrides.py) all load; anything malformed fails with
the file and the key at fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.baseline.drift_keys import parse_feature_drift, parse_global_drift
from analyzer.baseline.json_reader import BaselineError, JsonReader, load_json
from analyzer.baseline.kind import DQ_CONSTRAINTS, DQ_STATISTICS, classify, expect_kind
from analyzer.baseline.overrides import feature_switches
from analyzer.config import defaults
from analyzer.config.drift_names import COMPARISON_METHODS, find_name
from analyzer.profiling.kll import DEFAULT_SHRINKING_FACTOR, DEFAULT_SKETCH_SIZE, KLLSketch

CUSTOM_CONSTRAINTS_KEY = "custom_constraints"  # analyzer/custom/reports.py: custom metrics' own checks


@dataclass(frozen=True)
class MonitoringConfig:
    evaluate_constraints: bool = True
    emit_metrics: bool = True
    datatype_check_threshold: float = defaults.DATATYPE_CHECK_THRESHOLD
    domain_content_threshold: float = defaults.DOMAIN_CONTENT_THRESHOLD
    perform_comparison: bool = True
    comparison_threshold: float = defaults.COMPARISON_THRESHOLD
    comparison_method: str = defaults.COMPARISON_METHOD
    categorical_comparison_threshold: float = defaults.CATEGORICAL_COMPARISON_THRESHOLD
    categorical_drift_method: str = defaults.CATEGORICAL_DRIFT_METHOD
    numerical_drift_method: str | None = None  # None: comparison_method (analyzer/checks/drift/selection.py)


@dataclass(frozen=True)
class FeatureConstraints:
    name: str
    inferred_type: str
    completeness: float | None = None
    is_non_negative: bool | None = None
    domains: tuple[str, ...] | None = None
    evaluate_constraints: bool = True
    emit_metrics: bool = True
    drift_method: str | None = None  # the feature's "drift" object (analyzer/baseline/drift_keys.py)
    drift_threshold: float | None = None


@dataclass(frozen=True)
class FeatureBaseline:
    """What drift needs from a baseline feature's statistics."""

    name: str
    inferred_type: str
    sketch: KLLSketch | None = None
    histogram: dict[str, float] | None = None


@dataclass
class Baseline:
    features: list[FeatureConstraints]
    config: MonitoringConfig
    statistics: dict[str, FeatureBaseline] = field(default_factory=dict)

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]


def parse_monitoring_config(document: dict, reader: JsonReader) -> MonitoringConfig:
    mc = reader.obj(document.get("monitoring_config"), "monitoring_config")
    dc = reader.obj(mc.get("distribution_constraints"), "monitoring_config.distribution_constraints")
    defaults = MonitoringConfig()
    prefix = "monitoring_config.distribution_constraints"
    method_text = dc.get("comparison_method", defaults.comparison_method)
    found = find_name(method_text)
    method = found.name if found is not None and found.name in COMPARISON_METHODS else None
    if method is None:
        raise reader.fail(
            f"{prefix}.comparison_method", f"must be Simple or Robust, got {json.dumps(method_text)}"
        )
    drift = parse_global_drift(dc, prefix, method, reader)
    threshold = reader.number(
        dc.get("comparison_threshold", drift.comparison_threshold_default), f"{prefix}.comparison_threshold"
    )
    return MonitoringConfig(
        evaluate_constraints=reader.switch(
            mc.get("evaluate_constraints", "Enabled"), "monitoring_config.evaluate_constraints"
        ),
        emit_metrics=reader.switch(mc.get("emit_metrics", "Enabled"), "monitoring_config.emit_metrics"),
        datatype_check_threshold=reader.number(
            mc.get("datatype_check_threshold", defaults.datatype_check_threshold),
            "monitoring_config.datatype_check_threshold",
        ),
        domain_content_threshold=reader.number(
            mc.get("domain_content_threshold", defaults.domain_content_threshold),
            "monitoring_config.domain_content_threshold",
        ),
        perform_comparison=reader.switch(
            dc.get("perform_comparison", "Enabled"), f"{prefix}.perform_comparison"
        ),
        comparison_threshold=threshold,
        comparison_method=method,
        # Documented default: the value of comparison_threshold (a new method: its own default).
        categorical_comparison_threshold=reader.number(
            dc.get("categorical_comparison_threshold", drift.categorical_threshold(dc, threshold)),
            f"{prefix}.categorical_comparison_threshold",
        ),
        categorical_drift_method=drift.categorical_drift_method,
        numerical_drift_method=drift.numerical_drift_method,
    )


def parse_feature_constraints(feature: Any, index: int, reader: JsonReader) -> FeatureConstraints:
    key = f"features[{index}]"
    feature = reader.obj(feature, key)
    name = feature.get("name")
    if not isinstance(name, str) or not name:
        raise reader.fail(f"{key}.name", "must be a non-empty string")
    inferred = feature.get("inferred_type")
    if inferred not in ("Integral", "Fractional", "String", "Unknown"):
        raise reader.fail(
            f"{key}.inferred_type",
            f"must be Integral, Fractional, String or Unknown, got {json.dumps(inferred)}",
        )
    completeness = feature.get("completeness")
    num = reader.obj(feature.get("num_constraints"), f"{key}.num_constraints")
    strings = reader.obj(feature.get("string_constraints"), f"{key}.string_constraints")
    domains = strings.get("domains")
    if domains is not None and not isinstance(domains, list):
        raise reader.fail(f"{key}.string_constraints.domains", "must be a list")
    switches = feature_switches(feature, key, reader)
    non_negative = num.get("is_non_negative")
    drift_method, drift_threshold = parse_feature_drift(feature, key, reader)
    return FeatureConstraints(
        name=name,
        inferred_type=inferred,
        completeness=None if completeness is None else reader.number(completeness, f"{key}.completeness"),
        is_non_negative=None
        if non_negative is None
        else reader.switch(non_negative, f"{key}.num_constraints.is_non_negative"),
        domains=None if domains is None else tuple(str(d) for d in domains),
        evaluate_constraints=switches.evaluate_constraints,
        emit_metrics=switches.emit_metrics,
        drift_method=drift_method,
        drift_threshold=drift_threshold,
    )


def parse_feature_statistics(feature: Any, index: int, reader: JsonReader) -> FeatureBaseline:
    key = f"features[{index}]"
    feature = reader.obj(feature, key)
    name = feature.get("name")
    if not isinstance(name, str):
        raise reader.fail(f"{key}.name", "must be a string")
    numeric = reader.obj(feature.get("numerical_statistics"), f"{key}.numerical_statistics")
    strings = reader.obj(feature.get("string_statistics"), f"{key}.string_statistics")
    sketch = None
    kll = reader.obj(
        reader.obj(numeric.get("distribution"), f"{key}.numerical_statistics.distribution").get("kll"),
        f"{key}.numerical_statistics.distribution.kll",  # the full key path, as every other error names
    )
    if kll.get("sketch") is not None:
        sketch_key = f"{key}.numerical_statistics.distribution.kll.sketch"
        raw = reader.obj(kll["sketch"], sketch_key)
        params = reader.obj(raw.get("parameters"), f"{sketch_key}.parameters")
        data = raw.get("data")
        if not isinstance(data, list) or not all(isinstance(level, list) for level in data):
            raise reader.fail(f"{sketch_key}.data", "must be a list of lists of numbers")
        levels = [[reader.number(v, f"{sketch_key}.data") for v in level] for level in data]
        sketch = KLLSketch.from_levels(
            levels,
            int(reader.number(params.get("k", DEFAULT_SKETCH_SIZE), f"{sketch_key}.parameters.k")),
            reader.number(params.get("c", DEFAULT_SHRINKING_FACTOR), f"{sketch_key}.parameters.c"),
        )
    histogram = None
    distribution = reader.obj(strings.get("distribution"), f"{key}.string_statistics.distribution")
    categorical = reader.obj(
        distribution.get("categorical"), f"{key}.string_statistics.distribution.categorical"
    )
    if categorical.get("buckets") is not None:
        buckets_key = f"{key}.string_statistics.distribution.categorical.buckets"
        if not isinstance(categorical["buckets"], list):
            # Without this a number raised a bare TypeError and a string was iterated by character.
            raise reader.fail(buckets_key, "must be a list of {value, count} objects")
        histogram = {}
        for i, bucket in enumerate(categorical["buckets"]):
            bucket = reader.obj(bucket, f"{buckets_key}[{i}]")
            value = bucket.get("value")
            histogram[str(value)] = histogram.get(str(value), 0.0) + reader.number(
                bucket.get("count"), f"{buckets_key}[{i}].count"
            )
    return FeatureBaseline(name, str(feature.get("inferred_type")), sketch, histogram)


def load_baseline(constraints_path: Path, statistics_path: Path | None = None) -> Baseline:
    reader = JsonReader(constraints_path)
    document = load_json(constraints_path, "constraints")
    expect_kind(document, constraints_path, DQ_CONSTRAINTS)
    features = document.get("features")
    if "features" not in document:
        raise BaselineError(
            f"baseline constraints file {constraints_path} has no 'features': a data-quality constraints.json "
            f"lists the features to check ({classify(document).evidence.replace('no key', 'it has no key')})"
        )
    if not isinstance(features, list):
        raise reader.fail("features", "must be a list of feature constraints")
    if not features and not document.get(CUSTOM_CONSTRAINTS_KEY):
        # A run against it would report "no violations" having checked nothing.
        raise reader.fail("features", "is empty: the baseline has no feature to check")
    baseline = Baseline(
        features=[parse_feature_constraints(f, i, reader) for i, f in enumerate(features)],
        config=parse_monitoring_config(document, reader),
    )
    if statistics_path is not None:
        stats_reader = JsonReader(statistics_path)
        stats = load_json(statistics_path, "statistics")
        expect_kind(stats, statistics_path, DQ_STATISTICS)
        stat_features = stats.get("features")
        if not isinstance(stat_features, list):
            raise stats_reader.fail("features", "must be a list of feature statistics")
        for i, feature in enumerate(stat_features):
            parsed = parse_feature_statistics(feature, i, stats_reader)
            baseline.statistics[parsed.name] = parsed
    return baseline
