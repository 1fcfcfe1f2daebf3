"""A scheduled DefaultModelMonitor execution through the container entrypoint (real subprocesses).

``monitor-analyzer run`` gets exactly the environment the service builds for an endpoint schedule
(contract §1.5.3), the prebuilt analyzer's golden baseline (statistics.json +
constraints_good_cases.json, six Fractional features ``_c0``..``_c5``) and an hour of capture in the
service's layout, with records outside [start_time, end_time) around it. Each job starts a JVM, so
there are three cases, each checking a lot.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.cli.test_entrypoint import COMPLETED, FAILURE_EXIT, describe, message, run_cli, under
from tests.helpers.capture import (
    capture_file,
    capture_record,
    event_id,
    iso,
    monitoring_job_config,
    read_metrics,
    write_lines,
)

ENDPOINT, SCHEDULE = "my-endpoint", "my-schedule"
# contract §1.5.3, byte for byte (the service-chosen script paths are absent: no scripts configured).
SCHEDULE_ENV = {
    "baseline_constraints": "/opt/ml/processing/baseline/constraints/constraints.json",
    "baseline_statistics": "/opt/ml/processing/baseline/stats/statistics.json",
    "dataset_format": '{"sagemakerCaptureJson":{"captureIndexNames":["endpointInput","endpointOutput"]}}',
    "dataset_source": "/opt/ml/processing/input/endpoint",
    "end_time": "2022-04-18T01:00:00Z",
    "metric_time": "2022-04-18T00:00:00Z",
    "output_path": "/opt/ml/processing/output",
    "publish_cloudwatch_metrics": "Enabled",
    "sagemaker_endpoint_name": ENDPOINT,
    "sagemaker_monitoring_schedule_name": SCHEDULE,
    "start_time": "2022-04-18T00:00:00Z",
}
START = datetime(2022, 4, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
FEATURES = [f"_c{i}" for i in range(6)]
DIMENSIONS = [{"Name": "Endpoint", "Value": ENDPOINT}, {"Name": "MonitoringSchedule", "Value": SCHEDULE}]
OUTPUTS = ["constraint_violations.json", "constraints.json", "report.html", "statistics.json"]
OUTSIDE = 9  # records around the window, all POISON: analyzing any of them changes the report
KS_CRITICAL = 1.8


def golden_rows(golden: Path) -> list[list[str]]:
    text = (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text(encoding="utf-8")
    return [line.split(",") for line in text.splitlines() if line]


def prepare(opt_ml: Path, golden: Path, change: Callable[[int, list[str]], list[str]] | None = None) -> None:
    """The job request, the baseline where the service mounts it, and the capture of the window: each
    golden row is a record whose output is _c0 and whose input is _c1.._c5 (START placement)."""
    monitoring_job_config(opt_ml, SCHEDULE_ENV, ENDPOINT, SCHEDULE)
    source = golden / "sdk_pipeline_data_quality"
    for name, key in (
        ("statistics.json", "baseline_statistics"),
        ("constraints_good_cases.json", "baseline_constraints"),
    ):
        target = under(opt_ml, SCHEDULE_ENV[key])
        target.parent.mkdir(parents=True)
        shutil.copyfile(source / name, target)
    rng = random.Random(418)
    poison = [
        capture_record("POISON,999,999,999,999", "POISON", iso(t), event_id(rng))
        for t in [START - timedelta(seconds=5)] * 2 + [END, END + timedelta(minutes=1)]
    ]
    inside = []
    for i, fields in enumerate(golden_rows(golden)):
        fields = change(i, list(fields)) if change else fields
        when = START + timedelta(seconds=30 * i + 7)
        inside.append(capture_record(",".join(fields[1:]), fields[0], iso(when), event_id(rng)))
    root = under(opt_ml, SCHEDULE_ENV["dataset_source"])
    half = len(inside) // 2
    write_lines(
        capture_file(root, ENDPOINT, START, START + timedelta(seconds=3), rng), poison[:2] + inside[:half]
    )
    write_lines(
        capture_file(root, ENDPOINT, START, START + timedelta(minutes=25), rng), inside[half:] + poison[2:3]
    )
    later = [
        capture_record("POISON,1,1,1,1", "0.5", iso(END + timedelta(minutes=k)), event_id(rng))
        for k in range(5)
    ]
    write_lines(capture_file(root, ENDPOINT, END, END + timedelta(seconds=1), rng), later + poison[3:])
    assert len(poison) + len(later) == OUTSIDE


def read_output(opt_ml: Path, name: str) -> dict:
    return json.loads((under(opt_ml, SCHEDULE_ENV["output_path"]) / name).read_text(encoding="utf-8"))


def metrics_by_name(opt_ml: Path) -> dict[str, dict]:
    """The CloudWatch records in the default directory; every one carries the schedule's identity."""
    directory = opt_ml / "output" / "metrics" / "cloudwatch"
    records = read_metrics(directory)
    assert records, f"no metric records in {directory}"
    for record in records:
        assert record["Timestamp"] == SCHEDULE_ENV["metric_time"]
        assert record["Dimensions"] == DIMENSIONS
    by_name = {r["MetricName"]: r for r in records}
    assert len(by_name) == len(records)
    return by_name


def check_outputs(opt_ml: Path, result) -> dict:
    output = under(opt_ml, SCHEDULE_ENV["output_path"])
    assert sorted(p.name for p in output.iterdir()) == OUTPUTS
    assert sorted(result.stdout.split()) == sorted(str(output / name) for name in OUTPUTS)
    statistics = read_output(opt_ml, "statistics.json")
    assert [f["name"] for f in statistics["features"]] == FEATURES
    assert statistics["dataset"]["item_count"] == 100  # the golden rows; the records outside are not
    assert "POISON" not in json.dumps(statistics)
    return statistics


def test_scheduled_execution_on_the_baseline_data_has_no_violations(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    prepare(opt_ml, golden)
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)
    assert message(opt_ml) == COMPLETED
    statistics = check_outputs(opt_ml, result)
    assert read_output(opt_ml, "constraint_violations.json") == {"violations": []}
    # Same 100 values as the prebuilt analyzer profiled: same numbers.
    golden_stats = json.loads((golden / "sdk_pipeline_data_quality" / "statistics.json").read_text())
    for ours, theirs in zip(statistics["features"], golden_stats["features"], strict=True):
        assert ours["inferred_type"] == theirs["inferred_type"] == "Fractional"
        mine, prebuilt = ours["numerical_statistics"], theirs["numerical_statistics"]
        assert mine["common"] == prebuilt["common"]
        for key in ("sum", "min", "max"):
            assert math.isclose(mine[key], prebuilt[key], rel_tol=1e-12), (ours["name"], key)
    metrics = metrics_by_name(opt_ml)
    assert set(metrics) == {
        f"feature_{kind}_{n}" for n in FEATURES for kind in ("non_null", "data", "baseline_drift")
    }
    sums = {f["name"]: f["numerical_statistics"]["sum"] for f in golden_stats["features"]}
    for name in FEATURES:
        assert metrics[f"feature_non_null_{name}"]["Value"] == 1.0
        assert metrics[f"feature_baseline_drift_{name}"]["Value"] == 0.0
        data = metrics[f"feature_data_{name}"]["StatisticValues"]
        assert data["SampleCount"] == 100
        assert math.isclose(data["Sum"], sums[name], rel_tol=1e-12)


def drift_and_strings(i: int, fields: list[str]) -> list[str]:
    """_c2 shifted up by 10 (beyond the baseline's maximum of 6); every 10th record sends text as _c4."""
    fields[2] = str(float(fields[2]) + 10)
    if i % 10 == 0:
        fields[4] = "n/a"
    return fields


def test_scheduled_execution_with_drift_and_bad_types_reports_the_violations(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    prepare(opt_ml, golden, drift_and_strings)
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)  # violations are a successful execution
    assert message(opt_ml) == "CompletedWithViolations: Job completed successfully with 2 violations."
    statistics = check_outputs(opt_ml, result)
    violations = read_output(opt_ml, "constraint_violations.json")["violations"]
    described = {(v["feature_name"], v["constraint_check_type"]): v["description"] for v in violations}
    assert len(violations) == 2
    assert set(described) == {("_c2", "baseline_drift_check"), ("_c4", "data_type_check")}
    assert described[("_c4", "data_type_check")] == (
        "Data type match requirement is not met. Expected data type: Fractional, Expected match: 100.0%. "
        "Observed: Only 90.0% of data is Fractional."
    )
    # Every shifted value lies above the baseline's maximum: the exact KS distance is 1, and both
    # sketches hold all 100 values, so Robust L-infinity is exactly 1 - 1.8 * sqrt(2 / 100).
    distance = 1 - KS_CRITICAL * math.sqrt((100 + 100) / (100 * 100))
    text = described[("_c2", "baseline_drift_check")]
    assert text.startswith("Baseline drift distance: ") and text.endswith(" exceeds threshold: 0.1")
    assert math.isclose(float(text.split("distance: ")[1].split(" exceeds")[0]), distance, rel_tol=1e-9)

    features = {f["name"]: f for f in statistics["features"]}
    assert features["_c4"]["inferred_type"] == "String"
    assert features["_c2"]["numerical_statistics"]["min"] == 10.0
    assert features["_c2"]["numerical_statistics"]["max"] == 16.0
    metrics = metrics_by_name(opt_ml)
    # _c4 fails its type check: no drift for it, and no numeric summary of a String column.
    assert set(metrics) == (
        {f"feature_non_null_{n}" for n in FEATURES}
        | {f"feature_{kind}_{n}" for n in FEATURES if n != "_c4" for kind in ("data", "baseline_drift")}
    )
    assert math.isclose(metrics["feature_baseline_drift__c2"]["Value"], distance, rel_tol=1e-9)
    assert {metrics[f"feature_baseline_drift_{n}"]["Value"] for n in ("_c0", "_c1", "_c3", "_c5")} == {0.0}
    assert all(metrics[f"feature_non_null_{n}"]["Value"] == 1.0 for n in FEATURES)


def test_scheduled_execution_without_records_in_the_window_fails(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    prepare(opt_ml, golden)
    config = opt_ml / "config" / "processingjobconfig.json"
    document = json.loads(config.read_text())
    later = {"start_time": "2022-04-18T05:00:00Z", "end_time": "2022-04-18T06:00:00Z"}
    document["Environment"].update(later, metric_time=later["start_time"])
    config.write_text(json.dumps(document))
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == FAILURE_EXIT, describe(result)
    text = message(opt_ml)
    root = under(opt_ml, SCHEDULE_ENV["dataset_source"])
    assert text.startswith(
        f"No records to analyze in the window [2022-04-18T05:00:00Z, 2022-04-18T06:00:00Z) under {root}"
    )
    assert f"read {100 + OUTSIDE}, dropped {100 + OUTSIDE}, skipped 0" in text
    assert f"error: {text}" in result.stderr
    assert not under(opt_ml, SCHEDULE_ENV["output_path"]).exists()
    assert not (opt_ml / "output" / "metrics").exists()
