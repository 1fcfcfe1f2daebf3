"""Faults on a real Spark job: a task whose Python worker dies is retried and the statistics come
out whole; a deterministic AnalyzerError is not retried; quarantine travels back from the tasks."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from analyzer.common.errors import InputError
from analyzer.config.contract import JobConfig
from analyzer.config.formats import JSON, DatasetFormat
from analyzer.jobs.job import run_job
from analyzer.readers.quarantine import quarantine_path
from analyzer.runtime.spark import with_retries
from tests.conftest import features_by_name

JSON_LINES = DatasetFormat(JSON)


def small_tasks(monkeypatch) -> None:
    """Several splits and tasks for a few hundred KB, so one failing task is not the whole job."""
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "20000")
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "20000")


def write_records(path: Path, values: list[float]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"x": v, "c": f"k{int(v) % 4}"}) + "\n" for v in values))
    return path


def test_local_masters_get_task_retries(spark):
    assert with_retries("local") == "local[1,4]"
    assert with_retries("local[*]") == "local[*,4]"
    assert with_retries("local[3]") == "local[3,4]"
    assert with_retries("local[3,2]") == "local[3,2]"
    assert with_retries("spark://host:7077") == "spark://host:7077"
    assert spark.master == "local[2,4]"  # the tests' context, made by get_context("local[2]")
    assert spark.getConf().get("spark.task.maxFailures") == "4"


def test_a_killed_python_worker_is_retried_and_the_statistics_are_whole(spark, tmp_path, monkeypatch):
    small_tasks(monkeypatch)
    values = np.random.default_rng(3).normal(10, 3, 6000).round(3).tolist()
    data = write_records(tmp_path / "data" / "part.jsonl", values)
    marker = tmp_path / "died-once"
    script = tmp_path / "pre.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            import pathlib

            def preprocess_handler(record):
                marker = pathlib.Path({str(marker)!r})
                if not marker.exists():  # only the very first call, in the first attempt of its task
                    marker.write_text("dying")
                    os._exit(1)
                return record
            """
        )
    )
    config = JobConfig(
        dataset_source=data.parent,
        dataset_format=JSON_LINES,
        output_path=tmp_path / "out",
        record_preprocessor_script=script,
    )
    result = run_job(config, spark=spark, engine="spark")
    assert marker.read_text() == "dying"  # a worker did die
    x = np.array(values)
    statistics = result.statistics
    assert statistics["dataset"] == {"item_count": 6000}
    stats = features_by_name(statistics)["x"]["numerical_statistics"]
    assert stats["sum"] == pytest.approx(x.sum(), rel=1e-12)
    assert stats["std_dev"] == pytest.approx(x.std(ddof=0), rel=1e-9)
    assert (stats["min"], stats["max"]) == (x.min(), x.max())
    local = run_job(dataclasses.replace(config, output_path=tmp_path / "local"), engine="local")
    assert local.statistics == statistics  # the retried task folded exactly the same records


def test_a_deterministic_analyzer_error_is_not_retried(spark, tmp_path):
    calls = tmp_path / "calls.txt"
    script = tmp_path / "count.py"
    script.write_text(
        f"def preprocess_handler(record):\n    with open({str(calls)!r}, 'a') as f:\n"
        "        f.write('call\\n')\n    return record\n"
    )
    data = tmp_path / "data" / "a.jsonl"
    data.parent.mkdir()
    rows = [{"label": float(i), "prediction": float(i) + 0.5} for i in range(50)]
    rows[30]["prediction"] = "abc"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = JobConfig(
        dataset_source=data.parent,
        dataset_format=JSON_LINES,
        output_path=tmp_path / "out",
        record_preprocessor_script=script,
        analysis_type="MODEL_QUALITY",
        problem_type="Regression",
        inference_attribute="prediction",
        ground_truth_attribute="label",
    )
    with pytest.raises(InputError, match=rf"'abc' is not a number \({data}:31\)"):
        run_job(config, spark=spark, engine="spark")
    assert len(calls.read_text().splitlines()) == 50  # one attempt: 4 would have called it 200 times


def test_quarantine_from_spark_tasks_equals_the_local_one(spark, tmp_path, monkeypatch):
    small_tasks(monkeypatch)
    lines = [json.dumps({"x": i, "c": "a"}).encode() for i in range(8000)]
    for i in range(7, 8000, 127):
        lines[i] = b'{"x": ' + str(i).encode() if i % 2 else b'{"c": "\xff"}'
    data = tmp_path / "data" / "a.jsonl"
    data.parent.mkdir()
    data.write_bytes(b"\n".join(lines) + b"\n")
    common = {"dataset_source": data.parent, "dataset_format": JSON_LINES, "quarantine": True}
    on_spark = run_job(JobConfig(output_path=tmp_path / "spark", **common), spark=spark, engine="spark")
    local = run_job(JobConfig(output_path=tmp_path / "local", **common), engine="local")
    text = quarantine_path(tmp_path / "spark").read_text()
    assert text == quarantine_path(tmp_path / "local").read_text()
    locations = [json.loads(line)["location"] for line in text.splitlines()]
    assert locations == [f"{data}:{i + 1}" for i in range(7, 8000, 127)]
    assert on_spark.statistics == local.statistics
    assert on_spark.statistics["dataset"]["skipped"]["count"] == len(locations)
