"""Monitoring schedules in SageMaker that run our image: create, describe, delete (boto3).

A schedule is a job definition (data quality or model quality: image, baseline, input, output,
resources) plus a ``CreateMonitoringSchedule`` that names it with a cron expression. Inputs are an
endpoint (its data capture) or a batch transform job's capture destination.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from analyzer.common.errors import ConfigError

log = logging.getLogger("monitor_analyzer.schedule")

ENDPOINT_PATH = "/opt/ml/processing/input/endpoint"
BATCH_PATH = "/opt/ml/processing/input/batch"
OUTPUT_PATH = "/opt/ml/processing/output"


@dataclass(frozen=True)
class ScheduleDefinition:
    name: str
    image_uri: str
    role_arn: str
    output_s3_uri: str
    cron: str
    baseline_constraints: str
    baseline_statistics: str | None = None
    endpoint: str | None = None
    batch_capture_s3_uri: str | None = None
    batch_dataset_format: dict | None = None  # e.g. {"Csv": {"Header": True}}
    start_offset: str | None = None
    end_offset: str | None = None
    publish_cloudwatch: bool = True
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    volume_gb: int = 20
    max_runtime_seconds: int = 3600
    environment: tuple[tuple[str, str], ...] = ()
    # Model quality
    problem_type: str | None = None
    ground_truth_s3_uri: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None

    @property
    def model_quality(self) -> bool:
        return self.problem_type is not None

    @property
    def job_definition_name(self) -> str:
        return f"{self.name}-{'model' if self.model_quality else 'data'}-quality"

    def validate(self) -> ScheduleDefinition:
        if bool(self.endpoint) == bool(self.batch_capture_s3_uri):
            raise ConfigError(
                "A schedule monitors either an endpoint (--endpoint) or a batch transform capture (--batch-capture)"
            )
        if self.model_quality and not self.ground_truth_s3_uri:
            raise ConfigError("A model-quality schedule needs --ground-truth (the S3 prefix of the labels)")
        if self.batch_capture_s3_uri and not self.batch_dataset_format:
            raise ConfigError(
                "A batch transform input needs its dataset format (--batch-format csv|json|parquet)"
            )
        return self


def _input(d: ScheduleDefinition) -> dict:
    common = {"S3InputMode": "File", "S3DataDistributionType": "FullyReplicated"}
    if d.start_offset:
        common["StartTimeOffset"] = d.start_offset
    if d.end_offset:
        common["EndTimeOffset"] = d.end_offset
    if d.model_quality:
        for key, value in (
            ("InferenceAttribute", d.inference_attribute),
            ("ProbabilityAttribute", d.probability_attribute),
            ("ProbabilityThresholdAttribute", d.probability_threshold),
        ):
            if value is not None:
                common[key] = value
    if d.endpoint:
        return {"EndpointInput": {"EndpointName": d.endpoint, "LocalPath": ENDPOINT_PATH, **common}}
    return {
        "BatchTransformInput": {
            "DataCapturedDestinationS3Uri": d.batch_capture_s3_uri,
            "DatasetFormat": d.batch_dataset_format,
            "LocalPath": BATCH_PATH,
            **common,
        }
    }


def job_definition_request(d: ScheduleDefinition) -> tuple[str, dict]:
    """(operation, parameters) of the job definition."""
    environment = {
        "publish_cloudwatch_metrics": "Enabled" if d.publish_cloudwatch else "Disabled",
        **dict(d.environment),
    }
    app = {"ImageUri": d.image_uri, "Environment": environment}
    baseline = {"ConstraintsResource": {"S3Uri": d.baseline_constraints}}
    output = {
        "MonitoringOutputs": [
            {"S3Output": {"S3Uri": d.output_s3_uri, "LocalPath": OUTPUT_PATH, "S3UploadMode": "EndOfJob"}}
        ]
    }
    common = {
        "JobDefinitionName": d.job_definition_name,
        "JobResources": {
            "ClusterConfig": {
                "InstanceCount": d.instance_count,
                "InstanceType": d.instance_type,
                "VolumeSizeInGB": d.volume_gb,
            }
        },
        "RoleArn": d.role_arn,
        "StoppingCondition": {"MaxRuntimeInSeconds": d.max_runtime_seconds},
    }
    if d.model_quality:
        return "create_model_quality_job_definition", {
            **common,
            "ModelQualityAppSpecification": {**app, "ProblemType": d.problem_type},
            "ModelQualityBaselineConfig": baseline,
            "ModelQualityJobInput": {**_input(d), "GroundTruthS3Input": {"S3Uri": d.ground_truth_s3_uri}},
            "ModelQualityJobOutputConfig": output,
        }
    if d.baseline_statistics:
        baseline["StatisticsResource"] = {"S3Uri": d.baseline_statistics}
    return "create_data_quality_job_definition", {
        **common,
        "DataQualityAppSpecification": app,
        "DataQualityBaselineConfig": baseline,
        "DataQualityJobInput": _input(d),
        "DataQualityJobOutputConfig": output,
    }


def schedule_request(d: ScheduleDefinition) -> dict:
    return {
        "MonitoringScheduleName": d.name,
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": d.cron},
            "MonitoringJobDefinitionName": d.job_definition_name,
            "MonitoringType": "ModelQuality" if d.model_quality else "DataQuality",
        },
    }


def sagemaker_client():
    import boto3

    return boto3.client("sagemaker")  # honours AWS_ENDPOINT_URL and the standard credential chain


def create(d: ScheduleDefinition, client=None) -> dict:
    client = client or sagemaker_client()
    d.validate()
    operation, parameters = job_definition_request(d)
    getattr(client, operation)(**parameters)
    log.info("Created job definition %s (image %s)", d.job_definition_name, d.image_uri)
    response = client.create_monitoring_schedule(**schedule_request(d))
    log.info("Created monitoring schedule %s (%s)", d.name, d.cron)
    return response


def describe(name: str, client=None) -> dict:
    client = client or sagemaker_client()
    return client.describe_monitoring_schedule(MonitoringScheduleName=name)


def delete(name: str, client=None) -> None:
    """The schedule, then the job definition it named."""
    client = client or sagemaker_client()
    described = describe(name, client)
    config = described.get("MonitoringScheduleConfig", {})
    client.delete_monitoring_schedule(MonitoringScheduleName=name)
    definition = config.get("MonitoringJobDefinitionName")
    if definition:
        if config.get("MonitoringType") == "ModelQuality":
            client.delete_model_quality_job_definition(JobDefinitionName=definition)
        else:
            client.delete_data_quality_job_definition(JobDefinitionName=definition)
    log.info(
        "Deleted monitoring schedule %s%s", name, f" and job definition {definition}" if definition else ""
    )
