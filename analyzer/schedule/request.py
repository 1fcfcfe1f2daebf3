"""The processing job of one monitoring-schedule execution, built as the SageMaker service builds it.

A schedule (``CreateMonitoringSchedule``, or a data-quality job definition) names the image, the
baseline, the endpoint and the output; for each window the service starts a processing job whose
inputs are the capture hours of the window and whose environment adds the keys of contract §1.5.3
(``dataset_source``, ``start_time``, ``sagemaker_monitoring_schedule_name``, ...). This module
writes that request, so that ``local-job`` (or a scheduler outside SageMaker) can run an execution
of a schedule with our image.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

BASELINE_CONSTRAINTS = "/opt/ml/processing/baseline/constraints"
BASELINE_STATISTICS = "/opt/ml/processing/baseline/stats"
CAPTURE_FORMAT = '{"sagemakerCaptureJson":{"captureIndexNames":["endpointInput","endpointOutput"]}}'


def utc(moment: datetime) -> datetime:
    """Capture prefixes and the times in the environment are UTC; naive times are taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def hour_prefixes(start: datetime, end: datetime) -> list[str]:
    """``yyyy/mm/dd/hh`` of every hour the window [start, end) touches."""
    start, end = utc(start), utc(end)
    hour = start.replace(minute=0, second=0, microsecond=0)
    prefixes = []
    while hour < end:
        prefixes.append(hour.strftime("%Y/%m/%d/%H"))
        hour += timedelta(hours=1)
    return prefixes


def _s3_input(name: str, uri: str, local_path: str) -> dict:
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }


def execution_request(
    schedule: dict,
    start: datetime,
    end: datetime,
    capture_uri: str,
    variant: str = "AllTraffic",
) -> dict:
    """The CreateProcessingJob request of the execution for [start, end) of a CreateMonitoringSchedule
    request (``MonitoringScheduleConfig.MonitoringJobDefinition``). ``capture_uri`` is the endpoint's
    data-capture destination (``s3://bucket/prefix``, holding ``<endpoint>/<variant>/yyyy/mm/dd/hh``)."""
    name = schedule["MonitoringScheduleName"]
    definition = schedule["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    (monitoring_input,) = definition["MonitoringInputs"]
    endpoint_input = monitoring_input["EndpointInput"]
    endpoint = endpoint_input["EndpointName"]
    local_root = endpoint_input.get("LocalPath") or "/opt/ml/processing/input/endpoint"
    (output,) = definition["MonitoringOutputConfig"]["MonitoringOutputs"]
    output_s3 = output["S3Output"]
    app = definition["MonitoringAppSpecification"]
    baseline = definition.get("BaselineConfig") or {}

    inputs, environment = [], dict(definition.get("Environment") or {})
    if baseline.get("ConstraintsResource", {}).get("S3Uri"):
        inputs.append(
            _s3_input("constraints", baseline["ConstraintsResource"]["S3Uri"], BASELINE_CONSTRAINTS)
        )
        environment["baseline_constraints"] = f"{BASELINE_CONSTRAINTS}/constraints.json"
    if baseline.get("StatisticsResource", {}).get("S3Uri"):
        inputs.append(_s3_input("baseline", baseline["StatisticsResource"]["S3Uri"], BASELINE_STATISTICS))
        environment["baseline_statistics"] = f"{BASELINE_STATISTICS}/statistics.json"
    for i, hour in enumerate(hour_prefixes(start, end), start=1):
        relative = f"{endpoint}/{variant}/{hour}"
        inputs.append(
            _s3_input(
                f"endpoint_input_{i}", f"{capture_uri.rstrip('/')}/{relative}", f"{local_root}/{relative}"
            )
        )
    # Where the service puts the scripts is not documented; AWS's own replica of a schedule uses these.
    for key, uri, folder in (
        ("record_preprocessor_script", app.get("RecordPreprocessorSourceUri"), "preprocessing"),
        ("post_analytics_processor_script", app.get("PostAnalyticsProcessorSourceUri"), "postprocessing"),
    ):
        if uri:
            directory = f"/opt/ml/processing/code/{folder}"
            inputs.append(_s3_input(key, uri, directory))
            environment[key] = f"{directory}/{uri.rstrip('/').rsplit('/', 1)[-1]}"
    environment.setdefault("publish_cloudwatch_metrics", "Enabled")
    environment.update(
        {
            "dataset_format": CAPTURE_FORMAT,
            "dataset_source": local_root,
            "output_path": output_s3["LocalPath"],
            "start_time": iso(start),
            "end_time": iso(end),
            "metric_time": iso(start),
            "sagemaker_endpoint_name": endpoint,
            "sagemaker_monitoring_schedule_name": name,
        }
    )
    report_hour = utc(end).strftime("%Y/%m/%d/%H")
    return {
        "ProcessingJobName": f"model-monitoring-{utc(end).strftime('%Y%m%d%H%M')}-{zlib.crc32(name.encode()):08x}",
        "ProcessingInputs": inputs,
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": output.get("OutputName", "result"),
                    "S3Output": {
                        "S3Uri": f"{output_s3['S3Uri'].rstrip('/')}/{endpoint}/{name}/{report_hour}",
                        "LocalPath": output_s3["LocalPath"],
                        "S3UploadMode": "Continuous",
                    },
                }
            ]
        },
        "ProcessingResources": definition.get("MonitoringResources") or {},
        "StoppingCondition": definition.get("StoppingCondition") or {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {
            "ImageUri": app["ImageUri"],
            **({"ContainerEntrypoint": app["ContainerEntrypoint"]} if app.get("ContainerEntrypoint") else {}),
            **({"ContainerArguments": app["ContainerArguments"]} if app.get("ContainerArguments") else {}),
        },
        "Environment": environment,
        "RoleArn": definition.get("RoleArn", ""),
    }
