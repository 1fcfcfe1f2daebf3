"""A model-quality schedule end to end, with the real requests SageMaker sent (golden job descriptions).

SageMaker runs three processing jobs for model quality: ``suggest_baseline`` once, then per hour a
ground-truth merge (its merger image) and the analyzer. Each request below is the verbatim one from
``processing_job_descriptions``; each job runs as its own container would: its own ``/opt/ml``
(``OPT_ML``), its inputs placed at the request's ``LocalPath``s, ``monitor-analyzer run`` as the
entrypoint. The merge step runs in our image too.
"""

from __future__ import annotations

import ast
import json
import math
import random
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_entrypoint import FAILURE_EXIT, describe, message, run_cli, under
from tests.helpers.capture import read_metrics, write_processing_job_config

DESCRIPTIONS = "processing_job_descriptions/model_quality_schedule_jobs_from_cloudwatch_logs.txt"
ENDPOINT = "abalone-prod-endpoint"
SCHEDULE = "abalone-monitoring-schedule-2021-05-06-2240"
METRICS = ("mae", "mse", "rmse", "r2")


def requests(golden: Path) -> dict[str, dict]:
    """The three logged requests, by job kind."""
    text = (golden / DESCRIPTIONS).read_text(encoding="utf-8")
    found = {}
    for section in text.split("\n## ")[1:]:
        request = ast.literal_eval(section.partition("\n")[2].strip())
        name = request["ProcessingJobName"]
        kind = "baseline" if "baseline" in name else "merge" if "merge" in name else "monitor"
        found[kind] = request
    assert set(found) == {"baseline", "merge", "monitor"}
    return found


def local_path(request: dict, input_name: str, opt_ml: Path) -> Path:
    (spec,) = [i for i in request["ProcessingInputs"] if i["InputName"] == input_name]
    return under(opt_ml, spec["S3Input"]["LocalPath"])


def abalone(rng: random.Random, noise: float) -> tuple[float, float]:
    """(rings, predicted rings)."""
    rings = rng.uniform(3, 20)
    return rings, rings + rng.gauss(0, noise)


def capture_line(prediction: float, event_id: str, when: str, inference_id: str | None = None) -> str:
    metadata = {"eventId": event_id, "inferenceTime": when}
    if inference_id:
        metadata["inferenceId"] = inference_id
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15",
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": "text/csv; charset=utf-8",
                    "mode": "OUTPUT",
                    "data": f"{prediction!r}\n",
                    "encoding": "CSV",
                },
            },
            "eventMetadata": metadata,
            "eventVersion": "0",
        }
    )


def ground_truth_line(label: float, event_id: str) -> str:
    return json.dumps(
        {
            "groundTruthData": {"data": repr(label), "encoding": "CSV"},
            "eventMetadata": {"eventId": event_id},
            "eventVersion": "0",
        }
    )


def run_job_of(request: dict, opt_ml: Path):
    write_processing_job_config(opt_ml, {k: v for k, v in request.items() if k != "ProcessingResources"})
    return run_cli("run", opt_ml=opt_ml)


@pytest.fixture(scope="module")
def schedule(golden, tmp_path_factory):
    """Baseline, merge and monitoring jobs run once; the tests read what they left behind."""
    root = tmp_path_factory.mktemp("mq_schedule")
    jobs = requests(golden)
    rng = random.Random(7)

    # 1. ModelQualityMonitor.suggest_baseline: a headered CSV with columns label and prediction.
    base = root / "baseline"
    rows = [abalone(rng, noise=1.0) for _ in range(500)]
    dataset = local_path(jobs["baseline"], "baseline_dataset_input", base) / "baseline.csv"
    dataset.parent.mkdir(parents=True)
    dataset.write_text("sex,length,label,prediction\n" + "".join(f"M,0.45,{y!r},{p!r}\n" for y, p in rows))
    baseline_run = run_job_of(jobs["baseline"], base)

    # 2. The merge job: an hour of capture (plus a minute before it) and labels uploaded an hour later.
    merge = root / "merge"
    captures = local_path(jobs["merge"], "endpoint_input_1", merge)
    labels = local_path(jobs["merge"], "groundtruth_input_1", merge)
    captures.mkdir(parents=True)
    labels.mkdir(parents=True)
    capture_lines, label_lines, expected = [], [], []
    for i in range(400):
        rings, predicted = abalone(rng, noise=2.5)  # the model got worse: errors grow
        event_id = str(uuid.UUID(int=rng.getrandbits(128)))
        inference_id = f"abalone-{i}" if i % 2 else None
        inside = i >= 10
        when = f"2021-05-06T22:{i % 60:02d}:{i % 53:02d}Z" if inside else f"2021-05-06T21:59:{i:02d}Z"
        capture_lines.append(capture_line(predicted, event_id, when, inference_id))
        if i % 20 == 3:
            continue  # no label for this one (yet)
        label_lines.append(ground_truth_line(rings, inference_id or event_id))
        if inside:
            expected.append((rings, predicted))
    (captures / "22-13-045-6a1cbb7e.jsonl").write_text("\n".join(capture_lines) + "\n")
    (labels / "labels-1620340422.jsonl").write_text("\n".join(label_lines) + "\n")
    merge_run = run_job_of(jobs["merge"], merge)

    # 3. The analyzer: the baseline's constraints, the merged hour (what SageMaker copies from .../merge).
    monitor = root / "monitor"
    constraints = local_path(jobs["monitor"], "constraints", monitor) / "constraints.json"
    constraints.parent.mkdir(parents=True)
    shutil.copy(under(base, "/opt/ml/processing/output") / "constraints.json", constraints)
    merged_hour = local_path(jobs["monitor"], "endpoint_input_1", monitor)
    merged_from = under(merge, "/opt/ml/processing/output") / ENDPOINT / "AllTraffic" / "2021/05/06/22"
    shutil.copytree(merged_from, merged_hour)
    monitor_run = run_job_of(jobs["monitor"], monitor)
    return {
        "root": root,
        "runs": {"baseline": baseline_run, "merge": merge_run, "monitor": monitor_run},
        "opt_ml": {"baseline": base, "merge": merge, "monitor": monitor},
        "baseline_rows": rows,
        "expected": expected,
    }


def regression_metrics(pairs) -> dict[str, float]:
    truth, predicted = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    errors = truth - predicted
    mse = float(np.mean(errors**2))
    return {
        "mae": float(np.mean(np.abs(errors))),
        "mse": mse,
        "rmse": math.sqrt(mse),
        "r2": 1 - float(np.sum(errors**2) / np.sum((truth - truth.mean()) ** 2)),
    }


def output_of(schedule, job: str) -> Path:
    return under(schedule["opt_ml"][job], "/opt/ml/processing/output")


def test_every_job_completes(schedule):
    for job, result in schedule["runs"].items():
        assert result.returncode == 0, f"{job}: {describe(result)}"
    assert message(schedule["opt_ml"]["baseline"]).startswith("Completed: Job completed successfully")
    assert message(schedule["opt_ml"]["merge"]).startswith("Completed: merged 380 of 400 capture records")
    assert message(schedule["opt_ml"]["monitor"]) == (
        "CompletedWithViolations: Job completed successfully with 4 violations."
    )


def test_baseline_statistics_and_constraints(schedule):
    statistics = json.loads((output_of(schedule, "baseline") / "statistics.json").read_text())
    constraints = json.loads((output_of(schedule, "baseline") / "constraints.json").read_text())
    assert statistics["dataset"]["item_count"] == 500
    reference = regression_metrics(schedule["baseline_rows"])
    for name in METRICS:
        metric = statistics["regression_metrics"][name]
        assert metric["value"] == pytest.approx(reference[name], rel=1e-9)
        assert isinstance(metric["standard_deviation"], float) and metric["standard_deviation"] > 0
        assert constraints["regression_constraints"][name]["threshold"] == metric["value"]
    assert not (output_of(schedule, "baseline") / "constraint_violations.json").exists()


def test_merge_writes_the_monitor_input_layout(schedule):
    merged = (
        output_of(schedule, "merge") / ENDPOINT / "AllTraffic" / "2021/05/06/22" / "22-13-045-6a1cbb7e.jsonl"
    )
    lines = [json.loads(line) for line in merged.read_text().splitlines()]
    # 400 captures, 20 without labels; the merge job has no window, so the minute before is merged too.
    assert len(lines) == 380
    assert all(line["groundTruthData"]["encoding"] == "CSV" for line in lines)
    summary = json.loads((output_of(schedule, "merge") / "_merge_summary.json").read_text())
    assert summary["merged"] == 380
    assert summary["captures_without_ground_truth"] == 20
    assert summary["ground_truth_unmatched"] == 0


def test_monitoring_metrics_match_numpy_on_the_window(schedule):
    statistics = json.loads((output_of(schedule, "monitor") / "statistics.json").read_text())
    expected = schedule["expected"]
    assert statistics["dataset"]["item_count"] == len(expected)  # the minute before 22:00 is left out
    reference = regression_metrics(expected)
    for name in METRICS:
        assert statistics["regression_metrics"][name]["value"] == pytest.approx(reference[name], rel=1e-9)


def test_monitoring_violations_name_each_metric(schedule):
    violations = json.loads((output_of(schedule, "monitor") / "constraint_violations.json").read_text())
    by_metric = {v["metric_name"]: v for v in violations["violations"]}
    assert set(by_metric) == set(METRICS)
    assert by_metric["r2"]["constraint_check_type"] == "LessThanThreshold"
    assert by_metric["mae"]["constraint_check_type"] == "GreaterThanThreshold"
    assert by_metric["mae"]["description"].startswith("Metric mae with ")


def test_monitoring_publishes_model_metrics(schedule):
    records = read_metrics(under(schedule["opt_ml"]["monitor"], "/opt/ml/output/metrics/cloudwatch"))
    statistics = json.loads((output_of(schedule, "monitor") / "statistics.json").read_text())
    assert {r["MetricName"] for r in records} == set(METRICS)
    for record in records:
        assert record["Timestamp"] == "2021-05-06T22:00:00Z"  # metric_time
        assert record["Dimensions"] == [
            {"Name": "Endpoint", "Value": ENDPOINT},
            {"Name": "MonitoringSchedule", "Value": SCHEDULE},
        ]
        assert record["Value"] == statistics["regression_metrics"][record["MetricName"]]["value"]


def test_monitoring_without_ground_truth_fails_clearly(schedule, golden, tmp_path):
    """The capture hour copied unmerged: the job must fail saying there is no ground truth."""
    request = requests(golden)["monitor"]
    opt_ml = tmp_path / "opt_ml"
    constraints = local_path(request, "constraints", opt_ml) / "constraints.json"
    constraints.parent.mkdir(parents=True)
    shutil.copy(output_of(schedule, "baseline") / "constraints.json", constraints)
    raw = under(schedule["opt_ml"]["merge"], "/opt/ml/processing/input_data")
    shutil.copytree(raw, under(opt_ml, "/opt/ml/processing/input_data"))
    result = run_job_of(request, opt_ml)
    assert result.returncode == FAILURE_EXIT, describe(result)
    assert message(opt_ml).startswith("No ground truth to evaluate: none of the 390 record(s) in the window")
