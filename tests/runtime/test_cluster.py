"""The same command on a Spark standalone cluster (a master and two workers started with the scripts
that ship with PySpark) writes byte-identical statistics to a local run."""

from __future__ import annotations

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyspark
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).with_name("monitor-analyzer")
SPARK_CLASS = Path(pyspark.__file__).parent / "bin" / "spark-class"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """spark://127.0.0.1:PORT with two one-core workers; stopped after the module."""
    logs = tmp_path_factory.mktemp("spark-logs")
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOG_DIR": str(logs),
    }
    port, ui = free_port(), free_port()
    stack = contextlib.ExitStack()
    processes = [
        subprocess.Popen(
            [
                str(SPARK_CLASS),
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(ui),
            ],
            env=env,
            stdout=stack.enter_context(open(logs / "master.log", "w")),  # noqa: SIM115 - closed by the stack
            stderr=subprocess.STDOUT,
        )
    ]
    wait_for_port(port)
    url = f"spark://127.0.0.1:{port}"
    for i in range(2):
        processes.append(
            subprocess.Popen(
                [
                    str(SPARK_CLASS),
                    "org.apache.spark.deploy.worker.Worker",
                    "--cores",
                    "1",
                    "--memory",
                    "1g",
                    "--webui-port",
                    str(free_port()),
                    "--work-dir",
                    str(logs / f"work{i}"),
                    url,
                ],
                env=env,
                stdout=stack.enter_context(open(logs / f"worker{i}.log", "w")),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
        )
    time.sleep(5)  # workers register with the master
    yield url
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)
    stack.close()


def write_dataset(path: Path, rows: int = 60_000) -> None:
    rng = random.Random(3)
    path.mkdir(parents=True)
    for part in range(3):  # several files and, with small splits, several tasks per file
        with open(path / f"part-{part}.csv", "w") as f:
            f.write("label,x,y,city\n")
            for _ in range(rows // 3):
                f.write(
                    f"{rng.randint(0, 1)},{rng.gauss(0, 1):.5f},{rng.randint(0, 500)},{rng.choice('abcdef')}\n"
                )


def run(dataset: Path, output: Path, *extra: str) -> None:
    # Small splits and tasks, so the data really is spread over many tasks and both workers.
    env = {
        **os.environ,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "MONITOR_ANALYZER_SPLIT_BYTES": "100000",
        "MONITOR_ANALYZER_TASK_BYTES": "200000",
    }
    result = subprocess.run(
        [
            str(CLI),
            "baseline",
            "--dataset",
            str(dataset),
            "--format",
            "csv",
            "--header",
            "--output",
            str(output),
            *extra,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_cluster_statistics_are_byte_identical_to_local(cluster, tmp_path):
    data = tmp_path / "data"
    write_dataset(data)
    run(data, tmp_path / "local", "--engine", "local")
    run(data, tmp_path / "spark-local", "--engine", "spark")
    run(data, tmp_path / "cluster", "--master", cluster)
    local = (tmp_path / "local" / "statistics.json").read_bytes()
    assert b'"item_count" : 60000' in local
    assert (tmp_path / "spark-local" / "statistics.json").read_bytes() == local
    assert (tmp_path / "cluster" / "statistics.json").read_bytes() == local
    assert (tmp_path / "cluster" / "constraints.json").read_bytes() == (
        tmp_path / "local" / "constraints.json"
    ).read_bytes()
