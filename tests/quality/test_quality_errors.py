"""Model-quality jobs that cannot run end in one clear line: the exception type and the words a user
needs (which key, which file and line, which value, what to do instead)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer.baseline.baseline import BaselineError
from analyzer.common.errors import ConfigError, InputError
from analyzer.config.contract import JobConfig, job_config_from_env
from analyzer.config.formats import CAPTURE, MERGE, DatasetFormat
from analyzer.jobs.job import run_job
from tests.cli.test_entrypoint import FAILURE_EXIT, describe, run_cli
from tests.helpers.capture import capture_record, iso, write_lines

CSV_HEADER = DatasetFormat("csv", header=True)
OUTPUT_ONLY = ("endpointOutput",)


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    return write_lines(path, [",".join(header)] + [",".join(str(v) for v in row) for row in rows])


def quality(dataset: Path, output: Path, dataset_format: DatasetFormat = CSV_HEADER, **config):
    job = JobConfig(
        dataset_source=dataset,
        dataset_format=dataset_format,
        output_path=output,
        analysis_type="MODEL_QUALITY",
        **config,
    )
    return run_job(job, engine="local")


def one_line(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text, text
    return text


@pytest.fixture
def prices(tmp_path) -> Path:
    """A regression baseline: true_price, predicted_price, f1; 40 rows, errors 0.25 each."""
    rows = [(i % 5 + 0.5, i % 5 + 0.25, i) for i in range(40)]
    return write_csv(tmp_path / "data.csv", ["true_price", "predicted_price", "f1"], rows)


def write_constraints(path: Path, document: dict) -> Path:
    path.write_text(json.dumps({"version": 0.0, **document}), encoding="utf-8")
    return path


# ---------------------------------------------------------------- the job's configuration


def test_problem_type_missing(prices, tmp_path):
    with pytest.raises(ConfigError) as error:
        quality(
            prices,
            tmp_path / "out",
            inference_attribute="predicted_price",
            ground_truth_attribute="true_price",
        )
    text = one_line(error)
    assert "problem_type" in text
    assert "Regression" in text and "MulticlassClassification" in text
    assert not (tmp_path / "out" / "statistics.json").exists()


def test_problem_type_misspelt_in_the_environment(tmp_path):
    env = {
        "dataset_source": str(tmp_path / "data"),
        "dataset_format": '{"csv": {"header": true}}',
        "output_path": str(tmp_path / "out"),
        "analysis_type": "MODEL_QUALITY",
        "problem_type": "Regresion",
    }
    with pytest.raises(ConfigError) as error:
        job_config_from_env(env)
    text = one_line(error)
    assert "problem_type" in text and "'Regresion'" in text
    assert "Regression" in text.replace("'Regresion'", "")  # says what it should be
    # Any case of a valid name is accepted and canonicalised.
    assert job_config_from_env({**env, "problem_type": "regression"}).problem_type == "Regression"


def test_inference_attribute_not_a_column(prices, tmp_path):
    with pytest.raises(ConfigError) as error:
        quality(
            prices,
            tmp_path / "out",
            problem_type="Regression",
            inference_attribute="score",
            ground_truth_attribute="true_price",
        )
    text = one_line(error)
    assert "inference_attribute" in text and "'score'" in text
    assert "true_price, predicted_price, f1" in text  # the columns it could have named


def test_inference_attribute_index_beyond_the_columns(prices, tmp_path):
    with pytest.raises(ConfigError) as error:
        quality(
            prices,
            tmp_path / "out",
            problem_type="Regression",
            inference_attribute="7",
            ground_truth_attribute="true_price",
        )
    text = one_line(error)
    assert "inference_attribute" in text and "'7'" in text and "3 columns" in text
    # An index inside the columns is the column: predicted_price, errors of 0.25.
    result = quality(
        prices,
        tmp_path / "ok",
        problem_type="Regression",
        inference_attribute="1",
        ground_truth_attribute="0",
    )
    assert result.statistics["regression_metrics"]["mae"]["value"] == pytest.approx(0.25)


def test_ground_truth_attribute_missing_for_a_csv_baseline(prices, tmp_path):
    with pytest.raises(ConfigError) as error:
        quality(prices, tmp_path / "out", problem_type="Regression", inference_attribute="predicted_price")
    assert "ground_truth_attribute" in one_line(error)


def test_capture_data_needs_the_merge_first(tmp_path):
    hour = datetime(2021, 5, 6, 21, tzinfo=UTC)
    write_lines(
        tmp_path / "capture" / "a.jsonl",
        [capture_record("1,2", "0.5", iso(hour + timedelta(seconds=i)), f"e{i}") for i in range(5)],
    )
    with pytest.raises(ConfigError) as error:
        quality(
            tmp_path / "capture",
            tmp_path / "out",
            DatasetFormat(CAPTURE, capture_index_names=OUTPUT_ONLY),
            problem_type="Regression",
            inference_attribute="0",
        )
    text = one_line(error)
    assert "merge" in text.lower() and "sagemakerMergeJson" in text


# ---------------------------------------------------------------- values the metrics cannot use


def test_regression_label_not_a_number_names_file_line_attribute_value(tmp_path):
    rows = [(i % 5 + 0.5, i % 5 + 0.25, i) for i in range(40)]
    rows[15] = ("abc", 1.0, 15)  # data row 16: line 17, the header being line 1
    data = write_csv(tmp_path / "data.csv", ["true_price", "predicted_price", "f1"], rows)
    with pytest.raises(InputError) as error:
        quality(
            data,
            tmp_path / "out",
            problem_type="Regression",
            inference_attribute="predicted_price",
            ground_truth_attribute="true_price",
        )
    text = one_line(error)
    assert f"{data}:17" in text and "true_price" in text and "'abc'" in text
    # A blank line before it moves it to physical line 18; the message follows.
    lines = data.read_text().splitlines()
    lines.insert(4, "")
    write_lines(data, lines)
    with pytest.raises(InputError) as error:
        quality(
            data,
            tmp_path / "out",
            problem_type="Regression",
            inference_attribute="predicted_price",
            ground_truth_attribute="true_price",
        )
    assert f"{data}:18" in one_line(error)


def test_binary_probability_not_a_number_in_a_later_split(tmp_path, monkeypatch):
    rows = [(i % 2, f"{(i % 10) / 10:.1f}") for i in range(3_000)]
    rows[2_499] = (1, "high")  # line 2501
    data = write_csv(tmp_path / "scores.csv", ["label", "score"], rows)
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "4096")  # the file in several splits
    assert data.stat().st_size > 4 * 4096
    with pytest.raises(InputError) as error:
        quality(
            data,
            tmp_path / "out",
            problem_type="BinaryClassification",
            probability_attribute="score",
            ground_truth_attribute="label",
        )
    text = one_line(error)
    assert f"{data}:2501" in text and "probability_attribute" in text and "'score'" in text
    assert "'high'" in text


def test_binary_on_seven_labels_suggests_multiclass(tmp_path):
    data = write_csv(tmp_path / "seven.csv", ["label", "pred"], [(i % 7, (i + 1) % 7) for i in range(70)])
    with pytest.raises(InputError) as error:
        quality(
            data,
            tmp_path / "out",
            problem_type="BinaryClassification",
            inference_attribute="pred",
            ground_truth_attribute="label",
        )
    text = one_line(error)
    assert "7 distinct labels" in text and "MulticlassClassification" in text


def test_binary_text_labels_need_positive_label(tmp_path):
    rows = [("cat" if i % 3 else "dog", "dog" if i % 4 == 0 else "cat") for i in range(60)]
    data = write_csv(tmp_path / "pets.csv", ["label", "pred"], rows)
    config = {
        "problem_type": "BinaryClassification",
        "inference_attribute": "pred",
        "ground_truth_attribute": "label",
    }
    with pytest.raises(InputError) as error:
        quality(data, tmp_path / "out", **config)
    text = one_line(error)
    assert "positive_label" in text and "cat" in text and "dog" in text

    result = quality(data, tmp_path / "ok", positive_label="dog", **config)
    metrics = result.statistics["binary_classification_metrics"]
    tp = sum(t == "dog" and p == "dog" for t, p in rows)
    fn = sum(t == "dog" and p == "cat" for t, p in rows)
    fp = sum(t == "cat" and p == "dog" for t, p in rows)
    assert result.statistics["dataset"]["item_count"] == 60
    assert metrics["confusion_matrix"]["dog"]["dog"] == tp
    assert metrics["recall"]["value"] == pytest.approx(tp / (tp + fn))
    assert metrics["precision"]["value"] == pytest.approx(tp / (tp + fp))


def test_merged_data_without_ground_truth_in_the_window(tmp_path):
    start = datetime(2021, 5, 6, 21, tzinfo=UTC)
    merged = tmp_path / "merged" / "ep" / "AllTraffic" / "2021" / "05" / "06"
    labelled = []
    for i in range(5):  # the hour before the window: merged, with labels
        document = json.loads(capture_record("1,2", "0.5", iso(start - timedelta(minutes=30 - i)), f"b{i}"))
        document["groundTruthData"] = {"data": "1", "encoding": "CSV"}
        labelled.append(json.dumps(document))
    write_lines(merged / "20" / "a.jsonl", labelled)
    write_lines(  # the window's hour: capture records with no groundTruthData
        merged / "21" / "a.jsonl",
        [capture_record("1,2", "0.5", iso(start + timedelta(minutes=i)), f"w{i}") for i in range(6)],
    )
    config = {"problem_type": "Regression", "inference_attribute": "0"}
    fmt = DatasetFormat(MERGE, capture_index_names=OUTPUT_ONLY)
    with pytest.raises(InputError) as error:
        quality(
            tmp_path / "merged",
            tmp_path / "out",
            fmt,
            start_time=iso(start),
            end_time=iso(start + timedelta(hours=1)),
            **config,
        )
    text = one_line(error)
    assert "No ground truth" in text and "6 record(s)" in text and "groundTruthData" in text
    # Without the window the labelled hour is evaluated and the unlabelled records left out.
    result = quality(tmp_path / "merged", tmp_path / "ok", fmt, **config)
    assert result.statistics["dataset"]["item_count"] == 5
    assert result.statistics["regression_metrics"]["mae"]["value"] == pytest.approx(0.5)


# ---------------------------------------------------------------- baseline constraints


def check_against(data: Path, tmp_path: Path, constraints: dict, problem_type: str, **attributes):
    """A monitoring run of ``data`` against a constraints.json holding ``constraints``."""
    path = write_constraints(tmp_path / "constraints.json", constraints)
    return path, quality(
        data, tmp_path / "out", problem_type=problem_type, baseline_constraints=path, **attributes
    )


PRICE_ATTRIBUTES = {"inference_attribute": "predicted_price", "ground_truth_attribute": "true_price"}
MAE_ABOVE = {
    "regression_constraints": {"mae": {"threshold": 0.1, "comparison_operator": "GreaterThanThreshold"}}
}


def test_constraints_for_another_problem_type(prices, tmp_path):
    with pytest.raises(ConfigError) as error:
        check_against(prices, tmp_path, MAE_ABOVE, "BinaryClassification", **PRICE_ATTRIBUTES)
    text = one_line(error)
    assert "BinaryClassification" in text and "regression_constraints" in text
    assert str(tmp_path / "constraints.json") in text


def test_constraints_bad_operator_names_file_and_key(prices, tmp_path):
    bigger = {"regression_constraints": {"mae": {"threshold": 0.1, "comparison_operator": "Bigger"}}}
    with pytest.raises(BaselineError) as error:
        check_against(prices, tmp_path, bigger, "Regression", **PRICE_ATTRIBUTES)
    assert isinstance(error.value, ConfigError)
    text = one_line(error)
    assert str(tmp_path / "constraints.json") in text
    assert "regression_constraints.mae.comparison_operator" in text and "'Bigger'" in text
    assert "GreaterThanThreshold" in text


def test_constraints_threshold_as_a_string(prices, tmp_path):
    as_strings = {
        "regression_constraints": {
            "mae": {"threshold": "1e-1", "comparison_operator": "GreaterThanThreshold"},
            "rmse": {"threshold": "1", "comparison_operator": "GreaterThanThreshold"},
        }
    }
    _, result = check_against(prices, tmp_path, as_strings, "Regression", **PRICE_ATTRIBUTES)
    # mae 0.25 > 0.1 is a violation; rmse 0.25 > 1 is not.
    assert result.violations == [
        {
            "constraint_check_type": "GreaterThanThreshold",
            "description": "Metric mae with 0.25 was GreaterThanThreshold 0.1",
            "metric_name": "mae",
        }
    ]
    assert result.message.startswith("CompletedWithViolations") and "1 violations" in result.message
    written = json.loads((tmp_path / "out" / "constraint_violations.json").read_text())
    assert written == {"violations": result.violations}


def test_auc_constraint_without_probability_attribute(tmp_path):
    data = write_csv(tmp_path / "bin.csv", ["label", "pred"], [(i % 2, (i // 2) % 2) for i in range(40)])
    auc = {
        "binary_classification_constraints": {
            "auc": {"threshold": 0.8, "comparison_operator": "LessThanThreshold"}
        }
    }
    with pytest.raises(ConfigError) as error:
        check_against(
            data,
            tmp_path,
            auc,
            "BinaryClassification",
            inference_attribute="pred",
            ground_truth_attribute="label",
        )
    text = one_line(error)
    assert "auc" in text and "probability_attribute" in text


# ---------------------------------------------------------------- through the command line


def test_cli_unknown_inference_attribute(tmp_path):
    data = write_csv(tmp_path / "data.csv", ["label", "pred"], [(i, i + 0.5) for i in range(20)])
    out = tmp_path / "out"
    result = run_cli(
        "baseline",
        "--dataset", str(data),
        "--format", "csv",
        "--header",
        "--output", str(out),
        "--problem-type", "Regression",
        "--inference-attribute", "nope",
        "--ground-truth-attribute", "label",
    )  # fmt: skip

    assert result.returncode == FAILURE_EXIT, describe(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, describe(result)
    assert "'nope'" in errors[0] and "label, pred" in errors[0], errors[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (out / "statistics.json").exists()
