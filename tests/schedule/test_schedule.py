"""Scheduled monitoring outside SageMaker, against a real HTTP emulator of AWS (moto on loopback):
hourly windows of capture data in S3, reports in SageMaker's layout, the execution history,
CloudWatch metrics, idempotent reruns and a run killed mid-window. Cron ticks with a controlled clock."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer.common.errors import ConfigError
from analyzer.schedule import sagemaker
from analyzer.schedule.cron import Cron, parse_duration
from analyzer.schedule.runner import ScheduleSpec, Window, backfill_ticks, latest_tick, run_forever
from tests.cli.test_entrypoint import CLI, describe, run_cli
from tests.helpers.aws import moto_server
from tests.helpers.capture import capture_record, event_id, iso

BUCKET = "monitoring"
ENDPOINT, SCHEDULE = "pricing", "pricing-hourly"
DAY = datetime(2026, 11, 22, tzinfo=UTC)


# ---------------------------------------------------------------- cron with a controlled clock


class FakeClock:
    def __init__(self, now: datetime):
        self.moment = now
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.moment += timedelta(seconds=seconds)


def spec_for(cron: str, **changes) -> ScheduleSpec:
    return ScheduleSpec(
        Cron.parse(cron),
        "s3://b/capture",
        "s3://b/reports",
        ENDPOINT,
        SCHEDULE,
        baseline_constraints="c",
        **changes,
    )


def test_hourly_sagemaker_cron_ticks_on_the_hour_with_a_controlled_clock():
    clock = FakeClock(DAY.replace(hour=10, minute=17, second=30))
    windows: list[Window] = []
    assert run_forever(spec_for("cron(0 * ? * * *)"), windows.append, clock, max_ticks=3) == 3
    assert [w.tick for w in windows] == [DAY.replace(hour=h) for h in (11, 12, 13)]
    assert [(w.start, w.end) for w in windows] == [
        (DAY.replace(hour=h - 1), DAY.replace(hour=h)) for h in (11, 12, 13)
    ]
    assert clock.now() == DAY.replace(hour=13)  # it slept until each tick, never past it
    assert max(clock.slept) <= 60


def test_offsets_daily_and_weekday_crons():
    clock = FakeClock(DAY.replace(hour=23, minute=59))
    windows: list[Window] = []
    spec = spec_for(
        "cron(30 2 ? * MON-FRI *)", start_offset=parse_duration("-PT3H"), end_offset=parse_duration("-PT1H")
    )
    run_forever(spec, windows.append, clock, max_ticks=2)
    # 2026-11-22 is a Sunday: the next weekday ticks are Monday and Tuesday at 02:30.
    assert [w.tick for w in windows] == [
        datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 2, 30, tzinfo=UTC),
    ]
    assert windows[0].start == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert windows[0].end == datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    assert Cron.parse("*/20 9 * * *").ticks(DAY, DAY + timedelta(days=1)) == [
        DAY.replace(hour=9, minute=m) for m in (0, 20, 40)
    ]


def test_now_runs_once_at_once_and_latest_and_backfill_pick_the_right_windows():
    clock = FakeClock(DAY.replace(hour=10, minute=5))
    windows: list[Window] = []
    assert run_forever(spec_for("NOW"), windows.append, clock) == 1
    assert windows[0].tick == DAY.replace(hour=10, minute=5) and not clock.slept
    assert latest_tick(Cron.parse("cron(0 * ? * * *)"), DAY.replace(hour=10, minute=5)) == DAY.replace(
        hour=10
    )
    ticks = backfill_ticks(spec_for("cron(0 * ? * * *)"), DAY.replace(hour=10), DAY.replace(hour=13))
    assert ticks == [DAY.replace(hour=h) for h in (11, 12, 13)]  # windows ending in (10:00, 13:00]


@pytest.mark.parametrize(
    "bad", ["cron(0 * ? * *)", "cron(61 * ? * * *)", "0 25 * * *", "every hour", "*/0 * * * *"]
)
def test_invalid_cron_expressions_are_explained(bad):
    with pytest.raises(ConfigError, match="cron"):
        Cron.parse(bad)


def test_durations():
    assert parse_duration("-PT1H") == timedelta(hours=-1)
    assert parse_duration("-PT0H") == timedelta(0)
    assert parse_duration("PT30M") == timedelta(minutes=30)
    assert parse_duration("-P1DT2H") == -timedelta(days=1, hours=2)
    with pytest.raises(ConfigError):
        parse_duration("1 hour")


# ---------------------------------------------------------------- hourly windows in the emulator's S3


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield url


def golden_backfill(tmp_path: Path, golden: Path, schedule: str, start: str, end: str, *more: str):
    """`schedule run --backfill` of tmp_path/capture into tmp_path/reports against the golden baseline."""
    source = golden / "sdk_pipeline_data_quality"
    return run_cli(
        "schedule", "run", "--cron", "0 * * * *", "--endpoint", ENDPOINT, "--schedule-name", schedule,
        "--capture", str(tmp_path / "capture"), "--output", str(tmp_path / "reports"),
        "--baseline-statistics", str(source / "statistics.json"),
        "--baseline-constraints", str(source / "constraints_good_cases.json"),
        "--backfill", start, end, *more,
    )  # fmt: skip


def golden_rows(golden: Path) -> list[list[str]]:
    return [
        line.split(",")
        for line in (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().splitlines()
    ]


def put_hour(s3, prefix: str, hour: datetime, rows: list[list[str]], seed: int) -> None:
    rng = random.Random(seed)
    lines = [
        capture_record(
            ",".join(r[1:]), r[0], iso(hour + timedelta(seconds=i * 3600 // len(rows))), event_id(rng)
        )
        for i, r in enumerate(rows)
    ]
    key = f"{prefix}/capture/{ENDPOINT}/AllTraffic/{hour:%Y/%m/%d/%H}/{hour:%M}-00-000-{seed}.jsonl"
    s3.put_object(Bucket=BUCKET, Key=key, Body=("\n".join(lines) + "\n").encode())


def prepare(s3, golden: Path, prefix: str, hours: int = 3, repeat: int = 1) -> dict:
    """Baseline in S3; capture for 10:00 (like the baseline), 11:00 (drifted), 12:00 (nothing)."""
    source = golden / "sdk_pipeline_data_quality"
    s3.upload_file(str(source / "statistics.json"), BUCKET, f"{prefix}/baseline/statistics.json")
    s3.upload_file(str(source / "constraints_good_cases.json"), BUCKET, f"{prefix}/baseline/constraints.json")
    rows = golden_rows(golden) * repeat
    put_hour(s3, prefix, DAY.replace(hour=10), rows, seed=1)
    drifted = [[r[0], str(float(r[1]) + 50), *r[2:5], f"level-{i % 3}"] for i, r in enumerate(rows)]
    if hours > 1:
        put_hour(s3, prefix, DAY.replace(hour=11), drifted, seed=2)
    return {
        "--capture": f"s3://{BUCKET}/{prefix}/capture",
        "--output": f"s3://{BUCKET}/{prefix}/reports",
        "--baseline-statistics": f"s3://{BUCKET}/{prefix}/baseline/statistics.json",
        "--baseline-constraints": f"s3://{BUCKET}/{prefix}/baseline/constraints.json",
    }


def schedule_args(locations: dict, *extra: str) -> list[str]:
    args = [
        "schedule",
        "run",
        "--cron",
        "cron(0 * ? * * *)",
        "--endpoint",
        ENDPOINT,
        "--schedule-name",
        SCHEDULE,
    ]
    for key, value in locations.items():
        args += [key, value]
    return [*args, *extra]


def objects(s3, prefix: str) -> dict[str, bytes]:
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
    return found


def test_backfill_three_hours_reports_history_metrics_and_a_no_op_rerun(aws, golden):
    import boto3

    s3 = boto3.client("s3")
    locations = prepare(s3, golden, "backfill")
    window = ("--backfill", "2026-11-22T10:00:00Z", "2026-11-22T13:00:00Z", "--publish-cloudwatch")
    first = run_cli(*schedule_args(locations, *window))
    # The 12:00-13:00 window has no data: Failed, so the backfill says so in its exit code.
    assert first.returncode == 255, describe(first)
    assert "3 window(s): 1 Completed, 1 CompletedWithViolations, 1 Failed" in first.stdout

    reports = f"backfill/reports/{ENDPOINT}/{SCHEDULE}"
    written = objects(s3, reports)
    report_keys = sorted(k for k in written if "/_executions/" not in k)
    assert report_keys == [
        f"{reports}/2026/11/22/{h}/{name}"
        for h in ("11", "12")
        for name in ("constraint_violations.json", "constraints.json", "report.html", "statistics.json")
    ]
    assert json.loads(written[f"{reports}/2026/11/22/11/constraint_violations.json"]) == {"violations": []}
    drifted = json.loads(written[f"{reports}/2026/11/22/12/constraint_violations.json"])["violations"]
    assert ("_c5", "data_type_check") in {(v["feature_name"], v["constraint_check_type"]) for v in drifted}

    listing = run_cli("schedule", "executions", "--output", locations["--output"], "--endpoint", ENDPOINT,
                      "--schedule-name", SCHEDULE, "--json")  # fmt: skip
    history = [json.loads(line) for line in listing.stdout.splitlines()]
    assert [(e["window_start"], e["window_end"], e["status"]) for e in history] == [
        ("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "Completed"),
        ("2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z", "CompletedWithViolations"),
        ("2026-11-22T12:00:00Z", "2026-11-22T13:00:00Z", "Failed"),
    ]
    assert history[0]["report"] == f"s3://{BUCKET}/{reports}/2026/11/22/11" and history[0]["records"] == 100
    assert history[1]["violations"] == len(drifted)
    assert "no data" in history[2]["failure_reason"] and history[2]["report"] is None

    cloudwatch = boto3.client("cloudwatch")
    names = {
        m["MetricName"]
        for m in cloudwatch.list_metrics(Namespace="aws/sagemaker/Endpoints/data-metrics")["Metrics"]
    }
    assert {"feature_baseline_drift__c1", "feature_non_null__c0", "feature_data__c2"} <= names
    drift = cloudwatch.get_metric_statistics(
        Namespace="aws/sagemaker/Endpoints/data-metrics",
        MetricName="feature_baseline_drift__c1",
        Dimensions=[
            {"Name": "Endpoint", "Value": ENDPOINT},
            {"Name": "MonitoringSchedule", "Value": SCHEDULE},
        ],
        StartTime=DAY,
        EndTime=DAY + timedelta(days=1),
        Period=3600,
        Statistics=["Maximum"],
    )["Datapoints"]
    by_hour = {p["Timestamp"].astimezone(UTC).hour: p["Maximum"] for p in drift}
    assert by_hour[10] == 0.0 and by_hour[11] > 0.5  # metric_time = the window's start

    secret = "Sup3r-Secret-Key-Value"  # the emulator takes any key; the logs must never show it
    again = run_cli("-v", *schedule_args(locations, *window), env={"AWS_SECRET_ACCESS_KEY": secret})
    assert again.returncode == 255, describe(again)  # the failed window is still failed
    assert "not run again" in again.stderr
    assert secret not in again.stderr + again.stdout
    assert objects(s3, reports) == written  # nothing rewritten
    forced = run_cli(
        *schedule_args(locations, "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "--force")
    )
    assert (
        forced.returncode == 0
        and "Window [2026-11-22T10:00:00Z, 2026-11-22T11:00:00Z) (scheduled" in forced.stderr
    )


def test_a_run_killed_mid_window_completes_it_once_on_restart(aws, golden, tmp_path):
    import boto3

    s3 = boto3.client("s3")
    locations = prepare(s3, golden, "killed", hours=1, repeat=400)  # 40,000 records: seconds of work
    args = schedule_args(locations, "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z")
    env = {k: v for k, v in os.environ.items() if k != "OPT_ML"}
    log = (tmp_path / "first.log").open("w+")
    process = subprocess.Popen([str(CLI), *args], stdout=subprocess.DEVNULL, stderr=log, env=env)
    deadline = time.monotonic() + 120
    while "starting" not in Path(log.name).read_text():
        assert process.poll() is None, Path(log.name).read_text()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    reports = f"killed/reports/{ENDPOINT}/{SCHEDULE}"
    left = objects(s3, reports)
    assert not [k for k in left if "/_executions/" not in k]  # no half-written report
    history = [json.loads(v) for k, v in left.items() if "/_executions/" in k]
    assert [e["status"] for e in history] in ([], ["InProgress"])

    restart = run_cli(*args)
    assert restart.returncode == 0, describe(restart)
    done = objects(s3, reports)
    history = [json.loads(v) for k, v in done.items() if "/_executions/" in k]
    assert [e["status"] for e in history] == ["Completed"] and history[0]["records"] == 40_000
    assert sorted(k.rsplit("/", 1)[1] for k in done if "/_executions/" not in k) == [
        "constraint_violations.json", "constraints.json", "report.html", "statistics.json"
    ]  # fmt: skip
    once_more = run_cli(*args)
    assert "not run again" in once_more.stderr


def test_local_directories_work_the_same(tmp_path, golden):
    """No S3 at all: capture and reports on disk."""
    capture = tmp_path / "capture" / ENDPOINT / "AllTraffic" / "2026" / "11" / "22" / "10"
    capture.mkdir(parents=True)
    rng = random.Random(4)
    lines = [
        capture_record(
            ",".join(r[1:]), r[0], iso(DAY.replace(hour=10) + timedelta(seconds=20 * i)), event_id(rng)
        )
        for i, r in enumerate(golden_rows(golden))
    ]
    (capture / "a.jsonl").write_text("\n".join(lines) + "\n")
    result = golden_backfill(tmp_path, golden, SCHEDULE, "2026-11-22T10:30:00Z", "2026-11-22T11:00:00Z")
    assert result.returncode == 0, describe(result)
    report = tmp_path / "reports" / ENDPOINT / SCHEDULE / "2026" / "11" / "22" / "11"
    assert json.loads((report / "constraint_violations.json").read_text()) == {"violations": []}
    assert "Completed" in result.stdout


def test_skip_policy_and_quarantine_reach_the_jobs(tmp_path, golden):
    """--max-skipped-fraction and --quarantine as on baseline/monitor: 2 damaged lines in 102 fail a
    window under the default 1% (the quarantine is published where the report would be) and pass
    under 0.05, the report then holding dataset.skipped and the quarantined lines."""
    capture = tmp_path / "capture" / ENDPOINT / "AllTraffic" / "2026" / "11" / "22" / "10"
    capture.mkdir(parents=True)
    rng = random.Random(5)
    lines = [
        capture_record(
            ",".join(r[1:]), r[0], iso(DAY.replace(hour=10) + timedelta(seconds=20 * i)), event_id(rng)
        )
        for i, r in enumerate(golden_rows(golden))
    ]
    lines[40:40] = ['{"captureData": {"endpointInput"']  # cut short: invalid JSON, line 41
    lines.append("not json at all")  # line 102
    (capture / "a.jsonl").write_text("\n".join(lines) + "\n")
    source = golden / "sdk_pipeline_data_quality"

    def schedule_run(name: str, *policy: str, exit_code: int = 0):
        result = golden_backfill(
            tmp_path,
            golden,
            name,
            "2026-11-22T10:30:00Z",
            "2026-11-22T11:00:00Z",
            "--engine",
            "local",
            *policy,
        )
        assert result.returncode == exit_code, describe(result)
        return result, tmp_path / "reports" / ENDPOINT / name / "2026" / "11" / "22" / "11"

    def quarantined(report: Path) -> list[tuple[str, str]]:
        text = (report / "quarantine" / "skipped.jsonl").read_text()
        return [(r["location"].rsplit("/", 1)[-1], r["record"]) for r in map(json.loads, text.splitlines())]

    expected = [("a.jsonl:41", lines[40]), ("a.jsonl:102", lines[101])]
    failed, report = schedule_run("strict", "--quarantine", exit_code=255)
    assert "Failed" in failed.stdout and "Skipped 2 of 102 records" in failed.stdout, describe(failed)
    assert not (report / "statistics.json").exists()
    assert quarantined(report) == expected

    passed, report = schedule_run("lenient", "--max-skipped-fraction", "0.05", "--quarantine")
    assert "Completed" in passed.stdout, describe(passed)
    skipped = json.loads((report / "statistics.json").read_text())["dataset"]["skipped"]
    assert (skipped["records_read"], skipped["count"]) == (102, 2)
    assert quarantined(report) == expected

    silent, report = schedule_run("no-quarantine", "--max-skipped-fraction", "0.05")
    assert "Completed" in silent.stdout, describe(silent)
    assert not (report / "quarantine").exists()

    wrong = run_cli("schedule", "run", "--cron", "NOW", "--endpoint", ENDPOINT, "--schedule-name", "x",
                    "--capture", str(tmp_path), "--output", str(tmp_path / "reports"),
                    "--baseline-constraints", str(source / "constraints_good_cases.json"),
                    "--max-skipped-fraction", "2")  # fmt: skip
    assert wrong.returncode == 255 and "max_skipped_fraction must be a number in [0, 1]" in wrong.stderr


# ---------------------------------------------------------------- SageMaker schedules (boto3)


def definition(**changes) -> sagemaker.ScheduleDefinition:
    base = dict(
        name="pricing-dq",
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/monitor-analyzer:latest",
        role_arn="arn:aws:iam::123456789012:role/SageMakerRole",
        output_s3_uri=f"s3://{BUCKET}/sm-reports",
        cron="cron(0 * ? * * *)",
        baseline_constraints=f"s3://{BUCKET}/baseline/constraints.json",
        baseline_statistics=f"s3://{BUCKET}/baseline/statistics.json",
        endpoint=ENDPOINT,
    )
    return sagemaker.ScheduleDefinition(**{**base, **changes})


CASES = {
    "data quality, endpoint": {},
    "data quality, batch transform": {
        "endpoint": None, "batch_capture_s3_uri": f"s3://{BUCKET}/batch-capture", "batch_dataset_format": {"Csv": {"Header": True}},
    },
    "model quality, endpoint": {
        "name": "pricing-mq", "baseline_statistics": None, "problem_type": "BinaryClassification",
        "ground_truth_s3_uri": f"s3://{BUCKET}/ground-truth", "probability_attribute": "0", "probability_threshold": 0.5,
        "start_offset": "-PT2H", "end_offset": "-PT1H",
    },
    "model quality, batch transform": {
        "name": "pricing-mq-batch", "baseline_statistics": None, "problem_type": "Regression", "endpoint": None,
        "batch_capture_s3_uri": f"s3://{BUCKET}/batch-capture", "batch_dataset_format": {"Json": {"Line": True}},
        "ground_truth_s3_uri": f"s3://{BUCKET}/ground-truth", "inference_attribute": "0",
    },
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_schedule_create_sends_requests_the_api_accepts(aws, case):
    """The job definition goes to the emulator (which implements job definitions); moto has no
    monitoring schedules, so CreateMonitoringSchedule is validated by botocore against the service
    model and answered at the client."""
    import boto3

    client = boto3.client("sagemaker")
    sent: list[dict] = []

    class Ok:
        status_code = 200

    client.meta.events.register(
        "provide-client-params.sagemaker.CreateMonitoringSchedule", lambda params, **_: sent.append(params)
    )
    client.meta.events.register(
        "before-call.sagemaker.CreateMonitoringSchedule",
        lambda **_: (Ok(), {"MonitoringScheduleArn": "arn:x"}),
    )
    d = definition(**CASES[case])
    definitions: list[dict] = []
    if case == "model quality, batch transform":
        # moto 5.2.5 fails (500, KeyError 'EndpointInput') on a model-quality job definition with a
        # batch transform input: here, too, botocore validates and the client answers.
        name = "CreateModelQualityJobDefinition"
        client.meta.events.register(
            f"provide-client-params.sagemaker.{name}", lambda params, **_: definitions.append(params)
        )
        client.meta.events.register(
            f"before-call.sagemaker.{name}", lambda **_: (Ok(), {"JobDefinitionArn": "arn:y"})
        )
    sagemaker.create(d, client)
    if definitions:
        assert definitions[0]["ModelQualityJobInput"]["BatchTransformInput"]["DatasetFormat"] == {
            "Json": {"Line": True}
        }
    else:
        operation = (
            "describe_model_quality_job_definition"
            if d.model_quality
            else "describe_data_quality_job_definition"
        )
        stored = getattr(client, operation)(JobDefinitionName=d.job_definition_name)
        app = stored["ModelQualityAppSpecification" if d.model_quality else "DataQualityAppSpecification"]
        assert app["ImageUri"] == d.image_uri
    (schedule,) = sent
    assert schedule["MonitoringScheduleConfig"]["MonitoringJobDefinitionName"] == d.job_definition_name
    assert schedule["MonitoringScheduleConfig"]["MonitoringType"] == (
        "ModelQuality" if d.model_quality else "DataQuality"
    )


def test_schedule_create_rejects_half_specified_inputs():
    with pytest.raises(ConfigError, match="either an endpoint"):
        definition(batch_capture_s3_uri="s3://x/y").validate()
    with pytest.raises(ConfigError, match="ground-truth"):
        definition(problem_type="Regression").validate()


def test_model_quality_schedule_merges_late_labels_and_checks_the_baseline(tmp_path):
    """Predictions of 10:00-11:00, labels uploaded at 11:xx: the 11:00 tick merges and evaluates them."""
    rng = random.Random(9)
    hour = tmp_path / "capture" / ENDPOINT / "AllTraffic" / "2026" / "11" / "22" / "10"
    labels_hour = tmp_path / "ground-truth" / "2026" / "11" / "22" / "11"
    hour.mkdir(parents=True)
    labels_hour.mkdir(parents=True)
    captures, labels = [], []
    for i in range(300):
        truth = int(rng.random() < 0.5)
        score = min(1.0, max(0.0, rng.gauss(0.5 + (0.05 if truth else -0.05), 0.25)))  # a weak model now
        ident = event_id(rng)
        captures.append(
            capture_record(
                "1,2", f"{score:.4f}", iso(DAY.replace(hour=10) + timedelta(seconds=11 * i)), ident
            )
        )
        labels.append(
            json.dumps(
                {
                    "groundTruthData": {"data": str(truth), "encoding": "CSV"},
                    "eventMetadata": {"eventId": ident},
                }
            )
        )
    (hour / "a.jsonl").write_text("\n".join(captures) + "\n")
    (labels_hour / "labels.jsonl").write_text("\n".join(labels) + "\n")
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps({"version": 0.0, "binary_classification_constraints": {
        "auc": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
        "accuracy": {"threshold": 0.5, "comparison_operator": "LessThanThreshold"},
    }}))  # fmt: skip
    result = run_cli(
        "schedule", "run", "--cron", "cron(0 * ? * * *)", "--endpoint", ENDPOINT, "--schedule-name", "quality",
        "--capture", str(tmp_path / "capture"), "--output", str(tmp_path / "reports"),
        "--baseline-constraints", str(constraints), "--model-quality", "--ground-truth", str(tmp_path / "ground-truth"),
        "--problem-type", "BinaryClassification", "--probability-attribute", "0",
        "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z",
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    report = tmp_path / "reports" / ENDPOINT / "quality" / "2026" / "11" / "22" / "11"
    statistics = json.loads((report / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 300
    violations = json.loads((report / "constraint_violations.json").read_text())["violations"]
    assert [v["metric_name"] for v in violations] == ["auc"]
    assert "CompletedWithViolations" in result.stdout
