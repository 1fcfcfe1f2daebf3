"""SIGTERM (how SageMaker stops a job): the run stops within 10 s, ends Spark and its workers, says it
was stopped in the message file, exits 143, and the output holds no report of it. ``schedule run``
stopped so removes its staging copy and runs the window again next time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from tests.cli.test_entrypoint import CLI, SDK_ENV, under, write_job_config
from tests.helpers.aws import moto_server
from tests.product.test_kill import files
from tests.schedule.test_schedule import BUCKET, ENDPOINT, SCHEDULE, objects, prepare, schedule_args

STOPPED_MESSAGE = "Stopped: the job received SIGTERM before it completed; no report was written."
OLD_SET = {"statistics.json": b'{"old": 1}\n', "constraints.json": b'{"old": 2}\n'}


def big_job(opt_ml: Path, golden: Path, copies: int = 3000) -> Path:
    rows = (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().splitlines()
    data = under(opt_ml, SDK_ENV["dataset_source"])
    data.mkdir(parents=True)
    with (data / "big.csv").open("w") as f:
        f.write(",".join(f"f{i}" for i in range(len(rows[0].split(",")))) + "\n")
        for _ in range(copies):  # 300,000 rows: Spark works for several seconds
            f.write("\n".join(rows) + "\n")
    write_job_config(opt_ml, SDK_ENV)
    return under(opt_ml, SDK_ENV["output_path"])


def command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # ended (or a zombie) since it was listed
        return ""


def running(process: psutil.Process) -> bool:
    """Still there and not a zombie (one that ends between the two questions has ended)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_for_python_workers(process: subprocess.Popen, timeout: float = 180) -> list[psutil.Process]:
    """Until Spark runs tasks: PySpark's Python workers are up below the JVM."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        tree = psutil.Process(process.pid).children(recursive=True)
        if any("pyspark.daemon" in command_line(p) for p in tree):
            return tree
        time.sleep(0.1)
    raise AssertionError("Spark never started its Python workers")


def test_sigterm_ends_the_run_its_spark_processes_and_writes_no_report(tmp_path, golden):
    opt_ml = tmp_path / "job"
    output = big_job(opt_ml, golden)
    output.mkdir(parents=True)
    for name, data in OLD_SET.items():  # a previous run's set, which must be all the output holds after
        (output / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k != "OPT_ML"}
    env.update(OPT_ML=str(opt_ml), SPARK_MASTER="local[2]")
    process = subprocess.Popen(
        [str(CLI), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    tree = wait_for_python_workers(process)
    assert any(p.name() == "java" for p in tree)

    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)  # a hang guard; how fast it stops: bench/stop_bench.py

    assert process.returncode == 143, err[-3000:]
    left = [p for p in tree if running(p)]
    assert not left, [command_line(p)[:200] for p in left]  # no JVM, no pyspark daemon, no worker
    assert (opt_ml / "output" / "message").read_text() == STOPPED_MESSAGE
    assert err.strip().splitlines()[-1] == f"error: {STOPPED_MESSAGE}"
    assert files(output) == OLD_SET  # no report of this run, no staging, no lock


def test_schedule_run_stopped_removes_its_staging_and_runs_the_window_again(tmp_path, golden):
    (tmp_path / "moto").mkdir()
    with moto_server(tmp_path / "moto"):
        import boto3

        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        locations = prepare(s3, golden, "stopped", hours=1, repeat=1500)  # 150,000 records
        args = schedule_args(
            locations, "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "--engine", "spark"
        )
        staging_root = tmp_path / "tmp"
        staging_root.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "OPT_ML"}
        env["TMPDIR"] = str(staging_root)  # where the window's staging copy goes
        process = subprocess.Popen(
            [str(CLI), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        wait_for_python_workers(process)
        assert [p for p in staging_root.iterdir() if p.name.startswith("monitor-analyzer-window-")]
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)

        assert process.returncode == 143, err[-3000:]
        assert "error: Stopped: schedule run received SIGTERM" in err.strip().splitlines()[-1]
        assert not [p for p in staging_root.iterdir() if p.name.startswith("monitor-analyzer-window-")]
        reports = f"stopped/reports/{ENDPOINT}/{SCHEDULE}"
        left = objects(s3, reports)
        assert not [k for k in left if "/_executions/" not in k]  # no report of the stopped run
        history = [json.loads(v) for k, v in left.items() if "/_executions/" in k]
        assert [(e["status"], e["failure_reason"]) for e in history] == [("Stopped", "received SIGTERM")]

        again = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        history = [json.loads(v) for k, v in objects(s3, reports).items() if "/_executions/" in k]
        assert [e["status"] for e in history] == ["Completed"] and history[0]["records"] == 150_000
