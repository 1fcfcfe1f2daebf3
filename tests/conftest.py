"""Shared fixtures: one real local Spark per test process, the golden data, a baseline runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT.parent / "shared" / "golden"


@pytest.fixture(scope="session")
def spark():
    from analyzer.runtime.spark import get_context

    context = get_context("local[2]")
    yield context
    context.stop()


@pytest.fixture(scope="session")
def golden() -> Path:
    assert GOLDEN.is_dir(), f"golden data not found at {GOLDEN} (CI has ../shared beside the project)"
    return GOLDEN


@pytest.fixture
def baseline(spark, tmp_path):
    """Run a baseline job on a dataset; returns (statistics, constraints, JobResult)."""

    def run(dataset: Path, dataset_format: DatasetFormat, **config) -> tuple[dict, dict, object]:
        output = config.pop("output_path", tmp_path / "out")
        settings = config.pop("settings", None)
        job = JobConfig(
            dataset_source=Path(dataset), dataset_format=dataset_format, output_path=output, **config
        )
        result = run_job(job, spark=spark, settings=settings)
        statistics = json.loads((output / "statistics.json").read_text(encoding="utf-8"))
        constraints = json.loads((output / "constraints.json").read_text(encoding="utf-8"))
        return statistics, constraints, result

    return run


def approx_count_distinct(values: list[str | None]) -> float:
    """Spark's own approx_count_distinct(col, 0.05) over string values: the reference for
    distinct_count (Deequ's ApproxCountDistinct), on the test process's Spark."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from analyzer.runtime.spark import get_context

    session = SparkSession(get_context("local[2]"))  # the `spark` fixture's context, or the same one
    frame = session.createDataFrame([(v,) for v in values], "v string")
    return float(frame.agg(F.approx_count_distinct("v", 0.05)).first()[0])


def features_by_name(statistics: dict) -> dict[str, dict]:
    return {f["name"]: f for f in statistics["features"]}
