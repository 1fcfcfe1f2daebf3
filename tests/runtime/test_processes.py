"""The worker-process engine: the same tasks as Spark and the one-process engine, the same bytes.

Every job kind that profiles (CSV, JSON Lines, capture, gzip, split by target model, model quality,
custom metrics) runs with many tasks in this process, in worker processes and on Spark; the reports
must be the same bytes. Then its faults: a worker that dies fails the job in one line, SIGTERM ends
the workers and the job within seconds with no report, and ``auto`` picks the engine it says.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import CSV, JSON, DatasetFormat
from analyzer.jobs.job import run_job
from analyzer.runtime import tasks
from analyzer.runtime.tasks import LOCAL, PROCESSES, SPARK, choose_engine
from tests.cli.test_entrypoint import CLI, SDK_ENV, run_cli, under
from tests.custom.test_custom_metrics import EXAMPLE
from tests.custom.test_custom_metrics import write_data as write_custom_data
from tests.jobs.test_split_by import CAPTURE, MODELS, interleave, model_rows, write_stream
from tests.product.test_kill import files
from tests.quality.test_quality_reference import BINARY, binary_data
from tests.runtime.test_stop import OLD_SET, STOPPED_MESSAGE, big_job, command_line, running

HEADERED = DatasetFormat(CSV, header=True)
REPORTS = ("statistics.json", "constraints.json", "segments.json")


def reports(directory: Path) -> dict[str, bytes]:
    """Every statistics, constraints and segments file under ``directory`` (segments included)."""
    found = {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.name in REPORTS}
    assert any(name.endswith("statistics.json") for name in found), sorted(found)
    return found


def csv_rows(rng: random.Random, count: int) -> list[str]:
    rows = []
    for i in range(count):
        amount = "" if i % 11 == 3 else f"{rng.gauss(100, 30):.3f}"
        rows.append(f"{i},{amount},{rng.randint(0, 400)},{rng.choice('abcdefg')}")
    return rows


def csv_job(root: Path) -> dict:
    rng = random.Random(1)
    for part in range(3):
        path = root / "data" / f"part-{part}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("id,amount,visits,city\n" + "\n".join(csv_rows(rng, 6000)) + "\n")
    return {"dataset_source": root / "data", "dataset_format": HEADERED}


def json_job(root: Path) -> dict:
    rng = random.Random(2)
    path = root / "data" / "rows.jsonl"
    path.parent.mkdir(parents=True)
    with path.open("w") as f:
        for i in range(15000):
            row = {"id": i, "score": round(rng.random(), 4), "tag": rng.choice(["x", "y", None])}
            f.write(json.dumps(row) + "\n")
    return {"dataset_source": path.parent, "dataset_format": DatasetFormat(JSON)}


def gz_job(root: Path) -> dict:
    rng = random.Random(3)
    for part in range(4):  # a .gz is one split: several files make several tasks
        path = root / "data" / f"part-{part}.csv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt") as f:
            f.write("id,amount,visits,city\n" + "\n".join(csv_rows(rng, 3000)) + "\n")
    return {"dataset_source": root / "data", "dataset_format": HEADERED}


def capture_job(root: Path, split_by: str = "none") -> dict:
    rng = random.Random(4)
    stream = interleave(rng, {m: model_rows(rng, m, monitored=False) for m in MODELS})
    write_stream(root / "capture", stream, rng)
    return {"dataset_source": root / "capture", "dataset_format": CAPTURE, "split_by": split_by}


def quality_job(root: Path) -> dict:
    y, score = binary_data(61, 9000)
    for part, rows in enumerate(np.array_split(np.arange(9000), 3)):
        path = root / "data" / f"part-{part}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = {"label": y[rows], "pred": np.where(score[rows] >= 0.5, 1, 0), "prob": score[rows]}
        pd.DataFrame(frame).to_csv(path, index=False)
    return {
        "dataset_source": root / "data",
        "dataset_format": HEADERED,
        "analysis_type": "MODEL_QUALITY",
        "problem_type": BINARY,
        "ground_truth_attribute": "label",
        "inference_attribute": "pred",
        "probability_attribute": "prob",
        "seed": 7,
    }


def custom_job(root: Path) -> dict:
    write_custom_data(root / "data" / "part.csv", 20000, seed=5, income_mean=100.0)
    return {"dataset_source": root / "data", "dataset_format": HEADERED, "custom_metrics_script": EXAMPLE}


JOBS = {
    "csv": csv_job,
    "json": json_job,
    "gz": gz_job,
    "capture": capture_job,
    "split-by-model": lambda root: capture_job(root, "target-model"),
    "quality": quality_job,
    "custom-metrics": custom_job,
}


@pytest.mark.parametrize("kind", list(JOBS))
def test_every_engine_writes_the_same_bytes(kind, spark, tmp_path, monkeypatch):
    keys = JOBS[kind](tmp_path)
    if kind != "gz":  # a .gz is one split; the size would set its chunks, and Spark's started workers
        # (the session's, from before this test) keep the environment they started with
        monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "40000")  # many splits, several per task
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "100000")
    monkeypatch.setenv("MONITOR_ANALYZER_WORKERS", "3")  # more workers than cores: arrivals out of order
    written = {}
    for engine in (LOCAL, PROCESSES, SPARK):
        out = tmp_path / engine
        run_job(JobConfig(output_path=out, **keys), spark=spark if engine == SPARK else None, engine=engine)
        written[engine] = reports(out)
    assert written[PROCESSES] == written[LOCAL]
    assert written[SPARK] == written[LOCAL]


def test_the_command_line_forks_workers_and_writes_what_one_process_writes(tmp_path):
    """The CLI runs no other thread, so its workers are forked (the path every scheduled job takes)."""
    keys = capture_job(tmp_path)
    env = {"MONITOR_ANALYZER_SPLIT_BYTES": "20000", "MONITOR_ANALYZER_TASK_BYTES": "50000"}
    common = ["baseline", "--dataset", str(keys["dataset_source"]), "--format", "capture"]
    one = run_cli(*common, "--output", str(tmp_path / "one"), "--engine", "local", env=env)
    assert one.returncode == 0, one.stderr[-3000:]
    env = {
        **env,
        "MONITOR_ANALYZER_LOCAL_MAX_BYTES": "1",
        "MONITOR_ANALYZER_WORKERS": "2",
        "SPARK_MASTER": "",
    }
    pool = run_cli(*common, "--output", str(tmp_path / "pool"), env=env)
    assert pool.returncode == 0, pool.stderr[-3000:]
    assert "task(s) in 2 worker process(es)" in pool.stderr, pool.stderr[-3000:]
    assert "spark" not in pool.stderr.lower()
    assert reports(tmp_path / "pool") == reports(tmp_path / "one")


KILLER = """
import os, signal

def preprocess_handler(inference_record):
    if inference_record.startswith("4999,"):
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies, as under the out-of-memory killer
    return {"a": inference_record.split(",")[0]}
"""


def test_a_worker_that_dies_fails_the_job_in_one_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text("".join(f"{i},{i % 7}\n" for i in range(20000)))
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER))
    out = tmp_path / "out"
    env = {"MONITOR_ANALYZER_SPLIT_BYTES": "20000", "MONITOR_ANALYZER_TASK_BYTES": "40000"}
    args = ["--dataset", str(data), "--format", "csv", "--output", str(out), "--preprocessor", str(script)]
    result = run_cli("baseline", *args, "--engine", "processes", env=env, timeout=120)
    assert result.returncode == 255, result.stderr[-3000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: A worker process ended unexpectedly (killed by SIGKILL"), last
    assert "Traceback" not in result.stderr
    assert not (out / "statistics.json").exists()


def test_sigterm_ends_the_workers_and_the_job_within_seconds(tmp_path, golden):
    opt_ml = tmp_path / "job"
    output = big_job(opt_ml, golden)
    output.mkdir(parents=True)
    for name, data in OLD_SET.items():
        (output / name).write_bytes(data)
    env = {k: v for k, v in os.environ.items() if k not in ("OPT_ML", "SPARK_MASTER")}
    # The container's way: `run`, engine auto; small tasks so the pool has work for a while.
    env.update(
        OPT_ML=str(opt_ml),
        MONITOR_ANALYZER_LOCAL_MAX_BYTES="1",
        MONITOR_ANALYZER_SPLIT_BYTES="500000",
        MONITOR_ANALYZER_TASK_BYTES="1000000",
    )
    process = subprocess.Popen(
        [str(CLI), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    tree: list[psutil.Process] = []
    while len(tree) < 2 and time.monotonic() < deadline:  # the workers are up
        assert process.poll() is None, process.stderr.read()
        tree = psutil.Process(process.pid).children(recursive=True)
        time.sleep(0.05)
    programs = [command_line(p).split(" ", 1)[0] for p in tree]  # "" for one ended since it was listed
    assert len(tree) >= 2 and not any(program.endswith("java") for program in programs), programs

    process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    _, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 10

    assert process.returncode == 143, err[-3000:]
    left = [p for p in tree if running(p)]
    assert not left, [command_line(p)[:200] for p in left]
    assert (opt_ml / "output" / "message").read_text() == STOPPED_MESSAGE
    assert err.strip().splitlines()[-1] == f"error: {STOPPED_MESSAGE}"
    assert files(output) == OLD_SET
    assert under(opt_ml, SDK_ENV["dataset_source"]).is_dir()


def test_auto_runs_on_spark_only_when_asked_and_small_inputs_in_this_process(spark, monkeypatch):
    monkeypatch.delenv("SPARK_MASTER", raising=False)
    monkeypatch.setenv("MONITOR_ANALYZER_WORKERS", "2")
    big = 10 * tasks.LOCAL_MAX_BYTES
    assert choose_engine(None, big, 10) == PROCESSES
    assert choose_engine(lambda: None, big, 10) == PROCESSES  # a factory is not a session: no JVM
    assert choose_engine(None, tasks.LOCAL_MAX_BYTES, 1) == LOCAL  # an hourly window: no pool to start
    assert choose_engine(None, big, 1) == LOCAL
    assert choose_engine(spark, big, 10) == SPARK  # a session handed in
    monkeypatch.setenv("MONITOR_ANALYZER_WORKERS", "1")
    assert choose_engine(None, big, 10) == LOCAL  # one core: a pool would only add its start
    monkeypatch.setenv("SPARK_MASTER", "spark://somewhere:7077")
    assert choose_engine(None, big, 10) == SPARK  # a cluster named
    assert choose_engine(None, big, 10, "processes") == PROCESSES  # asked for: as asked
    assert choose_engine(None, 1, 1, "local") == LOCAL
    with pytest.raises(ValueError, match="unknown engine"):
        choose_engine(None, 1, 1, "threads")
