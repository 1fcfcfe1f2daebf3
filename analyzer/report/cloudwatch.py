"""CloudWatch metric records (JSON lines) for a monitoring run, as the BYOC contract describes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from analyzer.baseline.baseline import Baseline
from analyzer.config.output_names import METRICS_FILE
from analyzer.files.writers import write_atomic
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.datatypes import determine_type


def dimensions(endpoint: str | None, schedule: str | None) -> list[dict]:
    dims = []
    if endpoint:
        dims.append({"Name": "Endpoint", "Value": endpoint})
    if schedule:
        dims.append({"Name": "MonitoringSchedule", "Value": schedule})
    return dims


def metric_timestamp(metric_time: str | None, end_time: str | None) -> str:
    return metric_time or end_time or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_metrics(
    baseline: Baseline,
    profile: DatasetProfile,
    drift: dict[str, float],
    timestamp: str,
    dims: list[dict],
    excluded: set[str] = frozenset(),
) -> list[dict]:
    """Per feature (when emit_metrics is on globally and for the feature): completeness, the numeric
    summary as StatisticValues, and the drift distance when one was computed."""
    if not baseline.config.emit_metrics:
        return []
    records = []

    def record(name: str, **value) -> None:
        records.append({"MetricName": name, "Timestamp": timestamp, "Dimensions": dims, **value})

    for feature in baseline.features:
        column = profile.columns.get(feature.name)
        if not feature.emit_metrics or column is None or feature.name in excluded:
            continue
        if profile.item_count:
            record(f"feature_non_null_{feature.name}", Value=column.num_present / profile.item_count)
        current_type = determine_type(column.type_counts)
        if current_type.is_numeric and column.moments is not None and column.moments.n:
            m = column.moments
            record(
                f"feature_data_{feature.name}",
                StatisticValues={
                    "SampleCount": m.n,
                    "Sum": m.sum,
                    "Minimum": m.minimum,
                    "Maximum": m.maximum,
                },
            )
        if feature.name in drift and drift[feature.name] == drift[feature.name]:  # not NaN
            record(f"feature_baseline_drift_{feature.name}", Value=drift[feature.name])
    return records


def write_metrics(directory: Path, records: list[dict]) -> Path:
    # allow_nan=False: a non-finite value that got past publishable() fails here, never as bare NaN.
    text = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
    return write_atomic(directory / METRICS_FILE, text)
