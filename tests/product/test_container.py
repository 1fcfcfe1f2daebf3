"""The image: every job shape through `docker run`, byte for byte the in-process result.

Needs a Docker engine and the image (`make image`); `make test` builds it first and runs these
tests in their own pytest run (marker ``container``). Each test starts containers, so each checks
a lot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_entrypoint import (
    COMPLETED,
    FAILURE_EXIT,
    SDK_ENV,
    describe,
    headered_golden_csv,
    message,
    run_cli,
    under,
    write_job_config,
)
from tests.schedule.test_scheduled_entrypoint import prepare

pytestmark = pytest.mark.container

IMAGE = os.environ.get("MONITOR_ANALYZER_IMAGE", "monitor-analyzer:latest")
OUTPUT = "/opt/ml/processing/output"


@pytest.fixture(scope="module", autouse=True)
def image():
    probe = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, text=True)
    assert probe.returncode == 0, (
        f"image {IMAGE} not found: build it with `make image` ({probe.stderr.strip()})"
    )
    return IMAGE


def docker_run(opt_ml: Path, *options: str, env: dict[str, str] | None = None, timeout: float = 300):
    args = ["docker", "run", "--rm", "-v", f"{opt_ml}:/opt/ml", *options]
    for key, value in (env or {}).items():
        args += ["-e", f"{key}={value}"]
    return subprocess.run([*args, IMAGE], capture_output=True, text=True, timeout=timeout)


def outputs(opt_ml: Path) -> dict[str, bytes]:
    """Every file the job wrote: reports, message, metrics (relative path -> bytes)."""
    found = {}
    for root in (under(opt_ml, OUTPUT), opt_ml / "output"):
        for path in sorted(root.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(opt_ml))] = path.read_bytes()
    return found


def twin(tmp_path: Path, build) -> tuple[Path, Path]:
    """The same job prepared twice: one for the container, one for this process."""
    first, second = tmp_path / "in-docker", tmp_path / "in-process"
    build(first)
    build(second)
    return first, second


def baseline_job(opt_ml: Path, golden: Path) -> None:
    headered_golden_csv(golden, under(opt_ml, SDK_ENV["dataset_source"]))
    write_job_config(opt_ml, SDK_ENV)


def test_baseline_job_in_the_image_equals_the_in_process_run(tmp_path, golden):
    in_docker, in_process = twin(tmp_path, lambda d: baseline_job(d, golden))
    container = docker_run(in_docker)
    local = run_cli("run", opt_ml=in_process)
    assert container.returncode == 0, describe(container)
    assert local.returncode == 0, describe(local)
    assert message(in_docker) == COMPLETED
    produced = outputs(in_docker)
    assert sorted(produced) == [
        "output/message",
        "processing/output/constraints.json",
        "processing/output/report.html",
        "processing/output/statistics.json",
    ]
    assert produced == outputs(in_process)
    # Started as root, the job ran as the image's analyzer user (uid 1000) and left readable reports.
    report = under(in_docker, OUTPUT) / "statistics.json"
    assert report.stat().st_uid == 1000 and report.stat().st_mode & 0o444 == 0o444


def drifted(i: int, fields: list[str]) -> list[str]:
    """A monitoring hour in which _c5 turned into text and _c1 shifted: violations."""
    fields[5] = f"level-{i % 3}"
    fields[1] = str(float(fields[1]) + 40)
    return fields


def test_monitoring_job_with_violations_in_the_image_equals_the_in_process_run(tmp_path, golden):
    in_docker, in_process = twin(tmp_path, lambda d: prepare(d, golden, drifted))
    container = docker_run(in_docker, "--cpus", "2", "--memory", "3g")
    local = run_cli("run", opt_ml=in_process)
    assert container.returncode == 0, describe(container)
    assert local.returncode == 0, describe(local)
    assert message(in_docker).startswith("CompletedWithViolations: Job completed successfully with ")
    produced = outputs(in_docker)
    assert "output/metrics/cloudwatch/cloudwatch_metrics.jsonl" in produced
    assert produced == outputs(in_process)
    violations = json.loads(produced["processing/output/constraint_violations.json"])["violations"]
    assert {(v["feature_name"], v["constraint_check_type"]) for v in violations} >= {
        ("_c5", "data_type_check"),
        ("_c1", "baseline_drift_check"),
    }
    # Sized from the container's limits, not the host's.
    assert "Container: 2 core(s), 3072 MB" in container.stderr


def test_spark_inside_the_image_gives_the_same_bytes(tmp_path, golden):
    """Small inputs run in the analyzer's process; Spark (as a named master asks) changes nothing."""
    in_docker, in_process = twin(tmp_path, lambda d: prepare(d, golden, drifted))
    container = docker_run(in_docker, env={"SPARK_MASTER": "local[2]"})
    local = run_cli("run", opt_ml=in_process)
    assert container.returncode == 0, describe(container)
    assert local.returncode == 0, describe(local)
    assert "of one Spark job" in container.stderr
    assert outputs(in_docker) == outputs(in_process)


def test_users_root_kept_and_any_uid(tmp_path, golden):
    as_root = tmp_path / "root"
    baseline_job(as_root, golden)
    kept = docker_run(as_root, env={"MONITOR_ANALYZER_KEEP_ROOT": "1"})
    assert kept.returncode == 0, describe(kept)
    assert (under(as_root, OUTPUT) / "statistics.json").stat().st_uid == 0

    other = tmp_path / "uid"
    baseline_job(other, golden)
    for path in [other, *other.rglob("*")]:
        os.chmod(path, 0o777 if path.is_dir() else 0o666)
    run = docker_run(other, "--user", "4321:4321")
    assert run.returncode == 0, describe(run)
    assert (under(other, OUTPUT) / "statistics.json").stat().st_uid == 4321


def test_a_failing_job_writes_its_message_and_exits_255(tmp_path):
    opt_ml = tmp_path / "opt_ml"
    write_job_config(
        opt_ml,
        {**SDK_ENV, "dataset_format": '{"csv": {"header": true, "output_columns_position": "MIDDLE"}}'},
    )
    result = docker_run(opt_ml)
    assert result.returncode == FAILURE_EXIT, describe(result)
    assert message(opt_ml) == "Invalid value for output_columns_position"


def test_links_planted_in_the_input_and_the_output_hand_nothing_over(tmp_path, golden):
    """Started as root, the entrypoint gives the output directories to the analyzer user: a link
    planted there (to a root-only file) is changed itself, its target keeps root; a link in the
    dataset to that file is not read as data (skipped with a warning)."""
    opt_ml = tmp_path / "opt_ml"
    baseline_job(opt_ml, golden)
    secret = opt_ml / "config" / "secret.csv"
    secret.write_text("f0,f1\nsecret,1\n")
    secret.chmod(0o600)
    output = under(opt_ml, OUTPUT)
    output.mkdir(parents=True)
    (output / "planted").symlink_to("/opt/ml/config/secret.csv")
    (under(opt_ml, SDK_ENV["dataset_source"]) / "planted.csv").symlink_to("/opt/ml/config/secret.csv")
    result = docker_run(opt_ml)
    assert result.returncode == 0, describe(result)
    assert secret.stat().st_uid == 0 and secret.stat().st_mode & 0o777 == 0o600
    assert os.lstat(output / "planted").st_uid == 1000
    assert "planted.csv is a link to /opt/ml/config/secret.csv, outside dataset_source" in result.stderr
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 100  # the golden rows, not the secret's


def test_an_output_inside_the_input_is_refused_in_the_image(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    headered_golden_csv(golden, under(opt_ml, SDK_ENV["dataset_source"]))
    inside = f"{SDK_ENV['dataset_source']}/reports"
    write_job_config(opt_ml, {**SDK_ENV, "output_path": inside})
    result = docker_run(opt_ml)
    assert result.returncode == FAILURE_EXIT, describe(result)
    assert message(opt_ml).startswith(f"output_path {inside} is inside dataset_source")
    assert sorted(p.name for p in under(opt_ml, SDK_ENV["dataset_source"]).iterdir()) == ["baseline.csv"]


# ---------------------------------------------------------------- local-job: the request as the SDK sends it


def processing_request(tmp_path: Path, golden: Path, instances: int) -> dict:
    data = tmp_path / "bucket" / "data"
    headered_golden_csv(golden, data)
    return {
        "ProcessingJobName": f"baseline-suggestion-job-{instances}",
        "ProcessingInputs": [
            {
                "InputName": "baseline_dataset_input",
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": f"file://{data}",
                    "LocalPath": SDK_ENV["dataset_source"],
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                },
            }
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "monitoring_output",
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": f"file://{tmp_path / 'results'}",
                        "LocalPath": OUTPUT,
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": instances,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 20,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "AppSpecification": {
            "ImageUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/monitor-analyzer:latest"
        },
        "Environment": {**SDK_ENV, "MONITOR_ANALYZER_LOCAL_MAX_BYTES": "0"},
        "RoleArn": "arn:aws:iam::111122223333:role/SageMakerRole",
    }


def local_job(tmp_path: Path, request: dict, *options: str) -> subprocess.CompletedProcess:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return run_cli("local-job", str(path), "--job-dir", str(tmp_path / "job"), *options, timeout=600)


def test_local_job_in_docker_and_in_process_deliver_the_same_results(tmp_path, golden):
    results = {}
    for mode, options in (("docker", ("--image", IMAGE)), ("process", ("--no-docker",))):
        workdir = tmp_path / mode
        workdir.mkdir()
        result = local_job(workdir, processing_request(workdir, golden, 1), *options)
        assert result.returncode == 0, describe(result)
        assert f"message: {COMPLETED}" in result.stdout
        results[mode] = {p.name: p.read_bytes() for p in (workdir / "results").iterdir()}
    assert sorted(results["docker"]) == ["constraints.json", "report.html", "statistics.json"]
    assert results["docker"] == results["process"]


def test_two_host_job_gives_the_one_host_statistics(tmp_path, golden):
    """Two containers on one Docker network, each with its own resourceconfig.json: one Spark
    application over both hosts' workers, the statistics of a one-host run."""
    runs = {}
    for instances in (1, 2):
        workdir = tmp_path / f"hosts-{instances}"
        workdir.mkdir()
        result = local_job(workdir, processing_request(workdir, golden, instances), "--image", IMAGE)
        assert result.returncode == 0, describe(result)
        runs[instances] = {p.name: p.read_bytes() for p in (workdir / "results").iterdir()}
        if instances == 2:
            config = json.loads(
                (workdir / "job" / "hosts" / "algo-2" / "config" / "resourceconfig.json").read_text()
            )
            assert config == {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]}
            assert not (workdir / "job" / "hosts" / "algo-2" / "output" / "message").exists()
    assert runs[2] == runs[1]
    shutil.rmtree(tmp_path, ignore_errors=True)
