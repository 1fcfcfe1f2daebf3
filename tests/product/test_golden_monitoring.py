"""Monitoring the SDK's golden data against the prebuilt analyzer's own baseline files.

constraints_good_cases.json is what the prebuilt analyzer suggested for baseline_dataset.csv;
constraints_bad_cases.json is the same with _c5 edited to String (the SDK's integration test expects
that to fail). statistics.json is the prebuilt analyzer's profile of the same data.
"""

from __future__ import annotations

import json

import pytest

from analyzer.config.formats import DatasetFormat

HEADERLESS = DatasetFormat(kind="csv", header=False)
NAMES = [f"_c{i}" for i in range(6)]


@pytest.fixture(scope="module")
def golden_dir(golden):
    return golden / "sdk_pipeline_data_quality"


def monitor(baseline, golden_dir, constraints: str, tmp_path, with_statistics: bool = True, **config):
    out = tmp_path / f"out-{constraints}-{with_statistics}"
    _, _, result = baseline(
        golden_dir / "baseline_dataset.csv",
        HEADERLESS,
        output_path=out,
        baseline_constraints=golden_dir / constraints,
        baseline_statistics=golden_dir / "statistics.json" if with_statistics else None,
        **config,
    )
    written = json.loads((out / "constraint_violations.json").read_text(encoding="utf-8"))
    assert written == {"violations": result.violations}
    return result


def test_good_cases_have_no_violations(baseline, golden_dir, tmp_path):
    cw = tmp_path / "cw"
    result = monitor(
        baseline,
        golden_dir,
        "constraints_good_cases.json",
        tmp_path,
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=cw,
        endpoint_name="ep",
        schedule_name="sch",
        metric_time="2022-04-18T00:00:00Z",
    )
    assert result.violations == []
    assert result.message == "Completed: Job completed successfully with no violations."
    # The CloudWatch records agree with the prebuilt analyzer's statistics of the same data, and the
    # current sketches match the baseline's exactly (distance 0).
    gold = {
        f["name"]: f["numerical_statistics"]
        for f in json.loads((golden_dir / "statistics.json").read_text())["features"]
    }
    records = {
        r["MetricName"]: r
        for r in map(json.loads, (cw / "cloudwatch_metrics.jsonl").read_text().splitlines())
    }
    assert len(records) == 3 * len(NAMES)
    for name in NAMES:
        assert records[f"feature_non_null_{name}"]["Value"] == 1.0
        assert records[f"feature_data_{name}"]["StatisticValues"] == {
            "SampleCount": gold[name]["common"]["num_present"],
            "Sum": gold[name]["sum"],
            "Minimum": gold[name]["min"],
            "Maximum": gold[name]["max"],
        }
        assert records[f"feature_baseline_drift_{name}"]["Value"] == 0.0
        assert records[f"feature_baseline_drift_{name}"]["Dimensions"] == [
            {"Name": "Endpoint", "Value": "ep"},
            {"Name": "MonitoringSchedule", "Value": "sch"},
        ]


@pytest.mark.parametrize("with_statistics", [True, False])
def test_bad_cases_fail_only_the_string_type_check(baseline, golden_dir, tmp_path, with_statistics):
    result = monitor(baseline, golden_dir, "constraints_bad_cases.json", tmp_path, with_statistics)
    assert result.violations == [
        {
            "feature_name": "_c5",
            "constraint_check_type": "data_type_check",
            "description": "Data type match requirement is not met. Expected data type: String, "
            "Expected match: 100.0%. Observed: Only 0.0% of data is String.",
        }
    ]
    assert result.message == "CompletedWithViolations: Job completed successfully with 1 violations."


def test_good_cases_have_zero_simple_distance(baseline, golden_dir, tmp_path):
    # Robust distances floor at 0; with Simple and a zero threshold any difference between our sketches
    # and the prebuilt analyzer's would show up as drift.
    doc = json.loads((golden_dir / "constraints_good_cases.json").read_text(encoding="utf-8"))
    doc["monitoring_config"]["distribution_constraints"].update(
        comparison_method="Simple", comparison_threshold=0
    )
    edited = tmp_path / "constraints.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    _, _, result = baseline(
        golden_dir / "baseline_dataset.csv",
        HEADERLESS,
        output_path=tmp_path / "out",
        baseline_constraints=edited,
        baseline_statistics=golden_dir / "statistics.json",
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=tmp_path / "cw",
    )
    assert result.violations == []
    drift = [r["Value"] for r in result.metrics if r["MetricName"].startswith("feature_baseline_drift_")]
    assert drift == [0.0] * len(NAMES)
