"""The prebuilt analyzer's model-quality golden pair (SDK pipeline test data), reproduced exactly.

The SDK's QualityCheckStep test ran a Regression baseline with ``inference_attribute=Label`` and
``ground_truth_attribute=Prediction`` (contract §3.2). ``constraints_good_cases.json`` carries the
statistics' own values as thresholds; ``constraints_bad_cases.json`` lowers the mse threshold an
order of magnitude, so a check of the same data must flag mse and nothing else.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job

GOLDEN_DIR = "sdk_pipeline_model_quality"
CSV_HEADER = DatasetFormat("csv", header=True)


def quality_job(golden: Path, output: Path, **config) -> JobConfig:
    return JobConfig(
        dataset_source=golden / GOLDEN_DIR / "baseline_dataset.csv",
        dataset_format=CSV_HEADER,
        output_path=output,
        analysis_type="MODEL_QUALITY",
        problem_type="Regression",
        inference_attribute="Label",
        ground_truth_attribute="Prediction",
        **config,
    )


@pytest.mark.parametrize("engine", ["local", "spark"])
def test_statistics_reproduce_byte_for_byte(golden, tmp_path, spark, engine):
    run_job(quality_job(golden, tmp_path), spark=spark, engine=engine)
    ours = (tmp_path / "statistics.json").read_text(encoding="utf-8")
    theirs = (golden / GOLDEN_DIR / "statistics.json").read_text(encoding="utf-8")
    # The golden file has no final newline; every other byte (layout, number spelling, "NaN") matches.
    assert ours.rstrip("\n") == theirs.rstrip("\n")


def test_suggested_constraints_are_the_good_cases(golden, tmp_path):
    run_job(quality_job(golden, tmp_path), engine="local")
    ours = json.loads((tmp_path / "constraints.json").read_text(encoding="utf-8"))
    good = json.loads((golden / GOLDEN_DIR / "constraints_good_cases.json").read_text(encoding="utf-8"))
    assert ours == good


def test_good_constraints_give_no_violation(golden, tmp_path):
    constraints = golden / GOLDEN_DIR / "constraints_good_cases.json"
    result = run_job(quality_job(golden, tmp_path, baseline_constraints=constraints), engine="local")
    assert result.violations == []
    assert json.loads((tmp_path / "constraint_violations.json").read_text()) == {"violations": []}
    assert result.message == "Completed: Job completed successfully with no violations."


def test_bad_constraints_flag_mse_only(golden, tmp_path):
    constraints = golden / GOLDEN_DIR / "constraints_bad_cases.json"
    result = run_job(quality_job(golden, tmp_path, baseline_constraints=constraints), engine="local")
    written = json.loads((tmp_path / "constraint_violations.json").read_text())["violations"]
    assert written == result.violations
    assert written == [
        {
            "constraint_check_type": "GreaterThanThreshold",
            "description": "Metric mse with 0.33364933609800973 was GreaterThanThreshold 0.03364933609800973",
            "metric_name": "mse",
        }
    ]
    assert result.message == "CompletedWithViolations: Job completed successfully with 1 violations."


def test_hand_edited_constraints_load_leniently(golden, tmp_path):
    """Thresholds written as strings in scientific notation (the docs warn users produce them)."""
    document = json.loads((golden / GOLDEN_DIR / "constraints_good_cases.json").read_text())
    document["regression_constraints"]["mae"]["threshold"] = "5.0e-1"  # below the observed 0.504...
    document["regression_constraints"]["r2"]["threshold"] = "-3.3E0"  # below the observed -3.2087...
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(document))
    shutil.rmtree(tmp_path / "out", ignore_errors=True)
    result = run_job(quality_job(golden, tmp_path / "out", baseline_constraints=edited), engine="local")
    assert [v["metric_name"] for v in result.violations] == ["mae"]
    assert result.violations[0]["description"].endswith("was GreaterThanThreshold 0.5")
