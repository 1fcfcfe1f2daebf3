"""SIGTERM in the image (``docker stop``, as SageMaker stops a job): tini is PID 1 and forwards it, the
job ends its Spark processes, writes the Stopped message, exits 143 (not 137: docker did not need
SIGKILL), and the output holds no report. Needs the image (marker ``container``)."""

from __future__ import annotations

import subprocess
import time
import uuid

import pytest

from tests.product.test_container import IMAGE, image  # noqa: F401  (the fixture checks the image)
from tests.product.test_kill import files
from tests.runtime.test_stop import STOPPED_MESSAGE, big_job

pytestmark = pytest.mark.container


def test_docker_stop_ends_the_job_with_the_stopped_message_and_no_report(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    output = big_job(opt_ml, golden)
    name = f"monitor-analyzer-stop-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        ["docker", "run", "-d", "--name", name, "-v", f"{opt_ml}:/opt/ml"]
        + ["-e", "SPARK_MASTER=local[2]", IMAGE],
        check=True,
        capture_output=True,
    )
    try:
        deadline = time.monotonic() + 300
        while (
            "of one Spark job"
            not in subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr
        ):
            assert time.monotonic() < deadline, "the job never started Spark"
            time.sleep(0.5)
        pid1 = subprocess.run(["docker", "exec", name, "cat", "/proc/1/comm"], capture_output=True, text=True)
        assert pid1.stdout.strip() == "tini"
        subprocess.run(["docker", "stop", "-t", "60", name], check=True, capture_output=True)
        code = subprocess.run(["docker", "wait", name], capture_output=True, text=True).stdout.strip()
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    assert code == "143", logs[-3000:]
    assert (opt_ml / "output" / "message").read_text() == STOPPED_MESSAGE
    assert files(output) == {}  # no report, no staging, no lock
