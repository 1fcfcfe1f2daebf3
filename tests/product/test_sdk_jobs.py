"""The SageMaker Python SDK (v2) builds the jobs; our image runs them; the SDK reads the results.

A real HTTP emulator of AWS (moto in server mode, on loopback) stands in for S3 and SageMaker: the
SDK uploads its inputs there and sends CreateProcessingJob there. Each request is recorded as the SDK
sent it (botocore has validated it against the SageMaker service model by then), run with
``monitor-analyzer local-job`` against the image (inputs staged from and outputs uploaded to the
emulator's S3), and the SDK's own ``Statistics``, ``Constraints`` and ``ConstraintViolations``
classes read the reports back. moto has no monitoring schedules, so CreateMonitoringSchedule is
answered at the client after validation; its execution's processing job is built as the service
builds it (analyzer.schedule.request).
"""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer.schedule.request import execution_request
from tests.cli.test_entrypoint import describe, run_cli
from tests.helpers.aws import moto_server
from tests.helpers.capture import capture_record, event_id, iso
from tests.product.test_container import IMAGE

pytestmark = pytest.mark.container

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
OUR_IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/monitor-analyzer:latest"
BUCKET = "sdk-jobs"


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    """moto_server on loopback with the bucket the SDK uses."""
    with moto_server(tmp_path_factory.mktemp("moto"), SAGEMAKER_SUPPRESS_V2_WARNING="1") as url:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield url


@pytest.fixture
def session(aws):
    import boto3
    from sagemaker.session import Session

    return Session(boto_session=boto3.Session(region_name="us-east-1"), default_bucket=BUCKET)


def record(client, operation: str, answer: dict | None = None) -> list[dict]:
    """The parameters of every ``operation`` call, as the SDK passed them. With ``answer``, the call
    is answered here after botocore validated it (for operations the emulator lacks)."""
    calls: list[dict] = []
    client.meta.events.register(
        f"provide-client-params.sagemaker.{operation}",
        lambda params, **_: calls.append(copy.deepcopy(params)),
    )
    if answer is not None:

        class Ok:
            status_code = 200

        client.meta.events.register(f"before-call.sagemaker.{operation}", lambda **_: (Ok(), answer))
    return calls


def run_request(tmp_path: Path, request: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request, default=str))
    result = run_cli(
        "local-job", str(path), "--image", IMAGE, "--job-dir", str(tmp_path / "job"), timeout=600
    )
    assert result.returncode == 0, describe(result)
    return result


def churn_csv(path: Path, rows: int = 300) -> Path:
    import random

    rng = random.Random(5)
    lines = ["label,prediction,probability,age,plan"]
    for _ in range(rows):
        probability = rng.random()
        label = int(rng.random() < probability)
        lines.append(
            f"{label},{int(probability >= 0.5)},{probability:.4f},{rng.randint(18, 90)},{rng.choice('abc')}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_default_model_monitor_suggest_baseline(session, tmp_path):
    from sagemaker.model_monitor import DefaultModelMonitor
    from sagemaker.model_monitor.dataset_format import DatasetFormat

    calls = record(session.sagemaker_client, "CreateProcessingJob")
    monitor = DefaultModelMonitor(
        role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=session
    )
    monitor.image_uri = OUR_IMAGE_URI
    monitor.suggest_baseline(
        baseline_dataset=str(churn_csv(tmp_path / "train.csv")),
        dataset_format=DatasetFormat.csv(header=True),
        output_s3_uri=f"s3://{BUCKET}/dq-baseline",
        wait=False,
        logs=False,
    )
    (request,) = calls
    assert (
        request["Environment"]["dataset_format"]
        == '{"csv": {"header": true, "output_columns_position": "START"}}'
    )
    run_request(tmp_path, request)
    job = monitor.latest_baselining_job
    statistics = job.baseline_statistics().body_dict
    constraints = job.suggested_constraints().body_dict
    assert statistics["dataset"]["item_count"] == 300
    assert [f["name"] for f in statistics["features"]] == [
        "label",
        "prediction",
        "probability",
        "age",
        "plan",
    ]
    assert constraints["monitoring_config"]["evaluate_constraints"] == "Enabled"
    assert (
        constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"]
        == "LInfinity"
    )


def test_model_quality_monitor_suggest_baseline(session, tmp_path):
    from sagemaker.model_monitor import ModelQualityMonitor
    from sagemaker.model_monitor.dataset_format import DatasetFormat

    calls = record(session.sagemaker_client, "CreateProcessingJob")
    monitor = ModelQualityMonitor(
        role=ROLE, instance_count=1, instance_type="ml.m5.xlarge", sagemaker_session=session
    )
    monitor.image_uri = OUR_IMAGE_URI
    monitor.suggest_baseline(
        baseline_dataset=str(churn_csv(tmp_path / "validation.csv")),
        dataset_format=DatasetFormat.csv(header=True),
        problem_type="BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        probability_threshold_attribute="0.5",
        ground_truth_attribute="label",
        output_s3_uri=f"s3://{BUCKET}/mq-baseline",
        wait=False,
        logs=False,
    )
    (request,) = calls
    assert request["Environment"]["analysis_type"] == "MODEL_QUALITY"
    run_request(tmp_path, request)
    job = monitor.latest_baselining_job
    metrics = job.baseline_statistics().body_dict["binary_classification_metrics"]
    constraints = job.suggested_constraints().body_dict["binary_classification_constraints"]
    assert set(metrics["confusion_matrix"]) == {"0", "1"}
    assert 0.5 < metrics["accuracy"]["value"] <= 1
    assert isinstance(metrics["auc"]["standard_deviation"], float)  # 300 examples: five subsamples
    assert constraints["f1"] == {
        "threshold": metrics["f1"]["value"],
        "comparison_operator": "LessThanThreshold",
    }


def test_quality_check_step_processing_job(session, tmp_path):
    import boto3
    from sagemaker.model_monitor.dataset_format import DatasetFormat
    from sagemaker.model_monitor.model_monitoring import Constraints, Statistics
    from sagemaker.workflow.check_job_config import CheckJobConfig
    from sagemaker.workflow.pipeline_context import PipelineSession
    from sagemaker.workflow.quality_check_step import DataQualityCheckConfig, QualityCheckStep

    pipeline_session = PipelineSession(
        boto_session=boto3.Session(region_name="us-east-1"), default_bucket=BUCKET
    )
    data = churn_csv(tmp_path / "train.csv")
    uri = session.upload_data(str(data), bucket=BUCKET, key_prefix="pipeline/data")
    step = QualityCheckStep(
        name="DataQualityCheck",
        quality_check_config=DataQualityCheckConfig(
            baseline_dataset=uri,
            dataset_format=DatasetFormat.csv(header=True),
            output_s3_uri=f"s3://{BUCKET}/pipeline/check",
        ),
        check_job_config=CheckJobConfig(role=ROLE, sagemaker_session=pipeline_session),
        skip_check=True,
        register_new_baseline=True,
    )
    request = {"ProcessingJobName": "quality-check-step", **step.arguments}
    assert request["Environment"]["dataset_source"] == "/opt/ml/processing/input/baseline_dataset_input"
    run_request(tmp_path, request)
    statistics = Statistics.from_s3_uri(
        f"s3://{BUCKET}/pipeline/check/statistics.json", sagemaker_session=session
    )
    constraints = Constraints.from_s3_uri(
        f"s3://{BUCKET}/pipeline/check/constraints.json", sagemaker_session=session
    )
    assert statistics.body_dict["dataset"]["item_count"] == 300
    assert {f["name"] for f in constraints.body_dict["features"]} == {
        "label",
        "prediction",
        "probability",
        "age",
        "plan",
    }


def test_byoc_model_monitor_schedule_execution(session, tmp_path, golden):
    import boto3
    from sagemaker.model_monitor import CronExpressionGenerator, EndpointInput, ModelMonitor, MonitoringOutput
    from sagemaker.model_monitor.model_monitoring import ConstraintViolations

    schedules = record(
        session.sagemaker_client,
        "CreateMonitoringSchedule",
        answer={"MonitoringScheduleArn": "arn:aws:sagemaker:us-east-1:123456789012:monitoring-schedule/dq"},
    )
    monitor = ModelMonitor(
        role=ROLE,
        image_uri=OUR_IMAGE_URI,
        instance_count=1,
        instance_type="ml.m5.xlarge",
        env={"team": "pricing"},
        sagemaker_session=session,
    )
    baseline = golden / "sdk_pipeline_data_quality"
    s3 = boto3.client("s3")
    for source, name in (
        ("statistics.json", "statistics.json"),
        ("constraints_bad_cases.json", "constraints.json"),
    ):
        s3.upload_file(str(baseline / source), BUCKET, f"baseline/{name}")
    monitor.create_monitoring_schedule(
        endpoint_input=EndpointInput(
            endpoint_name="pricing", destination="/opt/ml/processing/input/endpoint"
        ),
        output=MonitoringOutput(source="/opt/ml/processing/output", destination=f"s3://{BUCKET}/reports"),
        statistics=f"s3://{BUCKET}/baseline/statistics.json",
        constraints=f"s3://{BUCKET}/baseline/constraints.json",
        monitor_schedule_name="pricing-dq",
        schedule_cron_expression=CronExpressionGenerator.hourly(),
    )
    (schedule,) = schedules
    assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 * ? * * *)"

    start = datetime(2026, 11, 22, 10, tzinfo=UTC)
    rows = (baseline / "baseline_dataset.csv").read_text().splitlines()
    rng = __import__("random").Random(3)
    lines = [
        capture_record(
            ",".join(r.split(",")[1:]), r.split(",")[0], iso(start + timedelta(seconds=30 * i)), event_id(rng)
        )
        for i, r in enumerate(rows)
    ]
    s3.put_object(
        Bucket=BUCKET,
        Key="capture/pricing/AllTraffic/2026/11/22/10/05-00-000-a.jsonl",
        Body=("\n".join(lines) + "\n").encode(),
    )
    request = execution_request(schedule, start, start + timedelta(hours=1), f"s3://{BUCKET}/capture")
    assert request["Environment"]["team"] == "pricing"
    run_request(tmp_path, request)
    report = f"s3://{BUCKET}/reports/pricing/pricing-dq/2026/11/22/11"
    violations = ConstraintViolations.from_s3_uri(
        f"{report}/constraint_violations.json", sagemaker_session=session
    )
    checks = {(v["feature_name"], v["constraint_check_type"]) for v in violations.body_dict["violations"]}
    assert ("_c5", "data_type_check") in checks  # the bad-cases baseline says _c5 is a String
    message = (tmp_path / "job" / "output" / "message").read_text()
    assert message.startswith("CompletedWithViolations")
