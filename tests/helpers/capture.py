"""Building endpoint data capture as SageMaker writes it (contract §2.1), for the monitoring tests.

Records are one JSON object per line with CSV-encoded ``endpointInput`` / ``endpointOutput``;
files live under ``<root>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-SSS-uuid>.jsonl``.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from pathlib import Path


def iso(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, the inferenceTime / start_time format."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def capture_record(
    input_csv: str | None,
    output_csv: str | None,
    inference_time: str | None,
    eid: str,
    *,
    output_encoding: str = "CSV",
    output_content_type: str = "text/csv; charset=utf-8",
    invocation_source: str | None = None,
    target_model: str | None = None,
    input_encoding: str = "CSV",
    input_content_type: str = "text/csv",
    **extra,
) -> str:
    """One capture line: the shape of the real example in §2.1 (compact JSON, content types included)."""
    capture = {}
    if input_csv is not None:
        capture["endpointInput"] = {
            "observedContentType": input_content_type,
            "mode": "INPUT",
            "data": input_csv,
            "encoding": input_encoding,
        }
    if output_csv is not None:
        capture["endpointOutput"] = {
            "observedContentType": output_content_type,
            "mode": "OUTPUT",
            "data": output_csv,
            "encoding": output_encoding,
        }
    metadata = {"eventId": eid}
    if inference_time is not None:
        metadata["inferenceTime"] = inference_time
    if invocation_source is not None:
        metadata["invocationSource"] = invocation_source
    if target_model is not None:  # where split_by target-model looks by default
        metadata["targetModel"] = target_model
    document = {"captureData": capture, "eventMetadata": metadata, "eventVersion": "0", **extra}
    return json.dumps(document, separators=(",", ":"))


def capture_file(
    root: Path,
    endpoint: str,
    hour: datetime,
    created: datetime,
    rng: random.Random,
    variant: str = "AllTraffic",
) -> Path:
    """Where the service puts a capture file: the hour directory, then ``mm-ss-SSS-<uuid>.jsonl``."""
    directory = root / endpoint / variant / hour.strftime("%Y/%m/%d/%H")
    name = f"{created.strftime('%M-%S')}-{created.microsecond // 1000:03d}-{event_id(rng)}.jsonl"
    return directory / name


def write_lines(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def monitoring_job_config(opt_ml: Path, environment: dict[str, str], endpoint: str, schedule: str) -> Path:
    """``$OPT_ML/config/processingjobconfig.json`` of a scheduled data-quality execution (§1.5.3)."""
    suffix = "202204180100-0123456789abcdef01234567"
    document = {
        "ProcessingJobArn": f"arn:aws:sagemaker:us-east-1:111122223333:processing-job/model-monitoring-{suffix}",
        "ProcessingJobName": f"model-monitoring-{suffix}",
        "Environment": environment,
        "AppSpecification": {
            "ImageUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/monitor-analyzer:latest",
            "ContainerEntrypoint": None,
            "ContainerArguments": None,
        },
        "ProcessingInputs": [
            {
                "InputName": "baseline",
                "S3Input": {
                    "LocalPath": "/opt/ml/processing/baseline/constraints",
                    "S3Uri": "s3://bucket/baselining/results/constraints.json",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            },
            {
                "InputName": "baseline_statistics",
                "S3Input": {
                    "LocalPath": "/opt/ml/processing/baseline/stats",
                    "S3Uri": "s3://bucket/baselining/results/statistics.json",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            },
            {
                "InputName": "endpoint_input_1",
                "S3Input": {
                    "LocalPath": f"/opt/ml/processing/input/endpoint/{endpoint}/AllTraffic/2022/04/18/00",
                    "S3Uri": f"s3://bucket/data-capture/{endpoint}/AllTraffic/2022/04/18/00",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            },
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "result",
                    "S3Output": {
                        "LocalPath": "/opt/ml/processing/output",
                        "S3Uri": f"s3://bucket/reports/{endpoint}/{schedule}/2022/04/18/01",
                        "S3UploadMode": "Continuous",
                    },
                }
            ]
        },
    }
    return write_processing_job_config(opt_ml, document)


def write_processing_job_config(opt_ml: Path, document: dict) -> Path:
    """``$OPT_ML/config/processingjobconfig.json``: the request plus the fields every job carries."""
    document = {
        **document,
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"}},
        "RoleArn": "arn:aws:iam::111122223333:role/SageMaker",
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    path = opt_ml / "config" / "processingjobconfig.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def read_metrics(directory: Path) -> list[dict]:
    """Every CloudWatch metric record (JSON lines) in the metrics directory."""
    records = []
    for path in sorted(directory.glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return records
