"""Running a SageMaker Processing job request here: ``monitor-analyzer local-job REQUEST.json``.

The request is what the SageMaker SDK sends to CreateProcessingJob (or what DescribeProcessingJob
returns). Inputs (``s3://`` through boto3, ``file://`` or plain paths) are staged at their
``LocalPath`` under a job directory that stands in for ``/opt/ml``; the image runs with that
directory mounted, as Processing would run it (one container per instance, on one Docker network
for multi-instance jobs), or the analyzer runs in this process (``--no-docker``); then every output
``LocalPath`` is copied to its destination.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.common.errors import ConfigError
from analyzer.files.safe_join import UnsafePath, safe_join
from analyzer.files.storage import Fetched, fetch, publish

log = logging.getLogger("monitor_analyzer.local_job")

OPT_ML = "/opt/ml"
DEFAULT_IMAGE = "monitor-analyzer:latest"


@dataclass(frozen=True)
class LocalJobResult:
    exit_code: int
    message: str
    job_dir: Path
    outputs: list[str]
    # S3 keys of the inputs that were not staged because their name would leave the job directory.
    skipped_keys: list[str] = field(default_factory=list)


def load_request(path: Path) -> dict:
    try:
        request = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError(f"Cannot read the processing job request {path}: {e}") from e
    if not isinstance(request, dict) or "AppSpecification" not in request:
        raise ConfigError(f"{path} is not a CreateProcessingJob request: it has no AppSpecification")
    return request


PROCESSING = OPT_ML + "/processing/"


def under_job(job_dir: Path, container_path: str) -> Path:
    """Where a LocalPath lives in the job directory. As the Processing API requires, it must be
    under /opt/ml/processing/ (``..`` resolved first: nothing may land outside the job)."""
    path = os.path.normpath(container_path)
    if not path.startswith(PROCESSING):
        raise ConfigError(f"LocalPath {container_path} is not under {PROCESSING}")
    try:
        return safe_join(job_dir, Path(path).relative_to(OPT_ML).as_posix())
    except UnsafePath as e:
        raise ConfigError(f"LocalPath {container_path} cannot be used: {e}") from e


# -- the job --------------------------------------------------------------------------------------


def stage(request: dict, job_dir: Path) -> Fetched:
    staged = Fetched(0)
    for item in request.get("ProcessingInputs") or []:
        s3 = item.get("S3Input")
        if not s3:
            raise ConfigError(
                f"Input {item.get('InputName')}: only S3Input (s3://, file://) inputs are supported"
            )
        if s3.get("S3DataType", "S3Prefix") != "S3Prefix":
            raise ConfigError(
                f"Input {item.get('InputName')}: S3DataType {s3['S3DataType']} is not supported"
            )
        target = under_job(job_dir, s3["LocalPath"])
        fetched = fetch(s3["S3Uri"], target)
        log.info(
            "Input %s: %d file(s) from %s at %s%s",
            item.get("InputName"),
            fetched.files,
            s3["S3Uri"],
            s3["LocalPath"],
            f", {len(fetched.skipped)} unsafe key(s) skipped" if fetched.skipped else "",
        )
        staged += fetched
    return staged


def hosts_of(request: dict) -> list[str]:
    count = int(
        ((request.get("ProcessingResources") or {}).get("ClusterConfig") or {}).get("InstanceCount") or 1
    )
    return [f"algo-{i}" for i in range(1, count + 1)]


def write_config(request: dict, config_dir: Path, host: str, hosts: list[str]) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    name = request.get("ProcessingJobName") or "local-job"
    document = {"ProcessingJobArn": f"arn:aws:sagemaker:local:000000000000:processing-job/{name}", **request}
    (config_dir / "processingjobconfig.json").write_text(
        json.dumps(document, indent=2, allow_nan=False), encoding="utf-8"
    )
    resources = {"current_host": host, "hosts": hosts}
    (config_dir / "resourceconfig.json").write_text(json.dumps(resources, allow_nan=False), encoding="utf-8")


def run_in_process(request: dict, job_dir: Path, entrypoint: Callable[[list[str]], int]) -> int:
    """The analyzer on this machine, with the job directory as /opt/ml (one host, this user):
    ``entrypoint`` is the container's (``analyzer.cli.entrypoint.main``)."""
    write_config(request, job_dir / "config", "algo-1", ["algo-1"])
    saved = dict(os.environ)
    os.environ.update(OPT_ML=str(job_dir), MONITOR_ANALYZER_KEEP_ROOT="1")
    try:
        return entrypoint((request.get("AppSpecification") or {}).get("ContainerArguments") or [])
    finally:  # the entrypoint sizes Spark through the environment: none of it outlives the job
        os.environ.clear()
        os.environ.update(saved)


def pick_image(request: dict, image: str | None) -> str:
    if image:
        return image
    uri = (request.get("AppSpecification") or {}).get("ImageUri")
    if uri and subprocess.run(["docker", "image", "inspect", uri], capture_output=True).returncode == 0:
        return uri
    log.info("Image %s is not here; running %s", uri, DEFAULT_IMAGE)
    return DEFAULT_IMAGE


def docker_run_args(
    request: dict, job_dir: Path, host: str, image: str, run_id: str, network: str | None
) -> list[str]:
    """One container as Processing starts it: the shared /opt/ml/processing, this host's own
    config and output, the job's Environment also as variables."""
    host_dir = job_dir / "hosts" / host
    args = ["docker", "run", "--rm", "--name", f"monitor-analyzer-{run_id}-{host}", "--hostname", host]
    if network:
        args += ["--network", network]
    args += [
        "-v", f"{job_dir / 'processing'}:{OPT_ML}/processing",
        "-v", f"{host_dir / 'config'}:{OPT_ML}/config",
        "-v", f"{host_dir / 'output'}:{OPT_ML}/output",
    ]  # fmt: skip
    for key, value in (request.get("Environment") or {}).items():
        args += ["-e", f"{key}={value}"]
    app = request.get("AppSpecification") or {}
    if app.get("ContainerEntrypoint"):
        args += ["--entrypoint", app["ContainerEntrypoint"][0]]
    args.append(image)
    args += list(app.get("ContainerEntrypoint") or [])[1:] + list(app.get("ContainerArguments") or [])
    return args


def run_in_docker(request: dict, job_dir: Path, image: str) -> int:
    hosts = hosts_of(request)
    (job_dir / "processing").mkdir(parents=True, exist_ok=True)
    for host in hosts:
        write_config(request, job_dir / "hosts" / host / "config", host, hosts)
        (job_dir / "hosts" / host / "output").mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    network = None
    if len(hosts) > 1:
        network = f"monitor-analyzer-{run_id}"
        subprocess.run(["docker", "network", "create", network], check=True, capture_output=True)
    try:
        processes = [
            subprocess.Popen(docker_run_args(request, job_dir, h, image, run_id, network)) for h in hosts
        ]
        codes = [p.wait() for p in processes]
    finally:
        if network:
            subprocess.run(["docker", "network", "rm", network], capture_output=True)
    # The message and metrics of the job are the first host's, as SageMaker reports them.
    message = job_dir / "hosts" / hosts[0] / "output" / "message"
    if message.exists():
        (job_dir / "output").mkdir(parents=True, exist_ok=True)
        shutil.copy2(message, job_dir / "output" / "message")
    return next((c for c in codes if c != 0), 0)


def run_local_job(
    request: dict,
    job_dir: Path,
    docker: bool = True,
    image: str | None = None,
    entrypoint: Callable[[list[str]], int] | None = None,
) -> LocalJobResult:
    """``entrypoint``: the container's, for a run in this process (``docker=False``)."""
    if not docker and entrypoint is None:
        raise ValueError("a local job in this process needs the container's entrypoint")
    job_dir.mkdir(parents=True, exist_ok=True)
    staged = stage(request, job_dir)
    log.info(
        "Running processing job %s %s",
        request.get("ProcessingJobName", ""),
        "in Docker" if docker else "here",
    )
    code = (
        run_in_docker(request, job_dir, pick_image(request, image))
        if docker
        else run_in_process(request, job_dir, entrypoint)
    )
    message_file = job_dir / "output" / "message"
    message = message_file.read_text(encoding="utf-8") if message_file.exists() else ""
    written = []
    if code == 0:
        for item in (request.get("ProcessingOutputConfig") or {}).get("Outputs") or []:
            s3 = item.get("S3Output")
            if s3:
                written += publish(under_job(job_dir, s3["LocalPath"]), s3["S3Uri"])
                log.info("Output %s: %s", item.get("OutputName"), s3["S3Uri"])
    return LocalJobResult(code, message, job_dir, written, list(staged.skipped))
