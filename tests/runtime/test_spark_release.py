"""A job that started its own Spark ends the JVM and its Python workers once the one pass is over:
writing the reports must not happen beside an idle JVM holding a gigabyte (2,000 features peaked
above 2 GB that way, bench/memory_bench.py). A Spark the caller passed in is left running."""

from __future__ import annotations

import json
import subprocess
import sys

from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job
from tests.conftest import ROOT

# Runs in the job's own process after the reports are published: which processes does it still have?
POSTPROCESSOR = """
import json, os
from analyzer.runtime.children import descendants

def comm(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return "?"

def postprocess_handler():
    with open(os.environ["CHILDREN_FILE"], "w") as f:
        json.dump([comm(p) for p in descendants()], f)
"""


def test_a_job_ends_the_spark_it_started_before_writing_reports(tmp_path):
    data = tmp_path / "in" / "data.csv"
    data.parent.mkdir()
    data.write_text("".join(f"{i},{i % 7},w{i % 3}\n" for i in range(2_000)), encoding="utf-8")
    script = tmp_path / "post.py"
    script.write_text(POSTPROCESSOR, encoding="utf-8")
    children = tmp_path / "children.json"
    result = subprocess.run(
        [sys.executable, "-m", "analyzer.cli", "baseline", "--dataset", str(data), "--output",
         str(tmp_path / "out"), "--engine", "spark", "--postprocessor", str(script)],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CHILDREN_FILE": str(children)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "of one Spark job" in result.stderr  # the profile did run on Spark
    assert json.loads(children.read_text()) == []  # no JVM, no PySpark daemon or worker left
    statistics = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 2_000


def test_a_spark_passed_in_stays_running(spark, tmp_path):
    data = tmp_path / "in" / "data.csv"
    data.parent.mkdir()
    data.write_text("1,a\n2,b\n", encoding="utf-8")
    config = JobConfig(data.parent, DatasetFormat(kind="csv"), tmp_path / "out")
    run_job(config, spark=spark, engine="spark")
    assert spark.parallelize([1, 2, 3]).sum() == 6
