"""Model quality on the input shapes users have: merged capture data with CSV or JSON payloads,
JSON ground truth, a preprocessor, Parquet, and both capture readers (columnar and line by line)."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job

MERGED = DatasetFormat("sagemakerMergeJson", capture_index_names=("endpointOutput",))


def merged_line(output: dict, truth: dict, i: int, inference_input: str = "1,2") -> str:
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": inference_input,
                                  "encoding": "CSV"},
                "endpointOutput": {"observedContentType": "application/json", "mode": "OUTPUT", **output},
            },
            "eventMetadata": {"eventId": f"id-{i}", "inferenceTime": f"2026-11-22T10:{i % 60:02d}:00Z"},
            "eventVersion": "0",
            "groundTruthData": truth,
        }
    )  # fmt: skip


def binary_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.clip(rng.normal(0.4 + 0.2 * y, 0.2), 0, 1).round(3)


def quality(tmp_path, dataset, dataset_format=MERGED, **config):
    job = JobConfig(
        dataset_source=dataset,
        dataset_format=dataset_format,
        output_path=tmp_path / "out",
        analysis_type="MODEL_QUALITY",
        **config,
    )
    return run_job(job, engine="local").statistics


def assert_binary_matches(statistics: dict, y: np.ndarray, p: np.ndarray) -> None:
    m = statistics["binary_classification_metrics"]
    assert statistics["dataset"]["item_count"] == len(y)
    assert m["auc"]["value"] == pytest.approx(metrics.roc_auc_score(y, p), rel=1e-9)
    assert m["f1"]["value"] == pytest.approx(metrics.f1_score(y, (p >= 0.5).astype(int)), rel=1e-9)


def test_json_payloads_addressed_by_jsonpath(tmp_path):
    y, p = binary_data(600, seed=1)
    data = tmp_path / "data"
    data.mkdir()
    lines = [
        merged_line(
            {
                "data": json.dumps({"predictions": [{"score": float(s), "label": int(s >= 0.5)}]}),
                "encoding": "JSON",
            },
            {"data": json.dumps({"label": int(t)}), "encoding": "JSON"},
            i,
        )
        for i, (t, s) in enumerate(zip(y, p, strict=True))
    ]
    (data / "merged.jsonl").write_text("\n".join(lines) + "\n")
    statistics = quality(
        tmp_path,
        data,
        problem_type="BinaryClassification",
        probability_attribute="$.predictions[0].score",
        ground_truth_attribute="$.label",
    )
    assert_binary_matches(statistics, y, p)


def test_columnar_and_line_by_line_readers_agree(tmp_path):
    """The same records in a clean file (columnar reader) and in a file with one corrupt line (read
    line by line, the corrupt line skipped): identical statistics."""
    y, p = binary_data(900, seed=2)
    lines = [
        merged_line({"data": f"{s}", "encoding": "CSV"}, {"data": f"{t}", "encoding": "CSV"}, i)
        for i, (t, s) in enumerate(zip(y, p, strict=True))
    ]
    clean, damaged = tmp_path / "clean", tmp_path / "damaged"
    clean.mkdir()
    damaged.mkdir()
    (clean / "a.jsonl").write_text("\n".join(lines) + "\n")
    (damaged / "a.jsonl").write_text(
        "\n".join(lines[:400] + ['{"captureData": truncated'] + lines[400:]) + "\n"
    )
    common = {"problem_type": "BinaryClassification", "probability_attribute": "0"}
    first = quality(tmp_path / "1", clean, **common)
    second = quality(tmp_path / "2", damaged, **common)
    assert second["dataset"].pop("skipped")["reasons"] == {"invalid JSON": 1}
    assert first == second
    assert_binary_matches(first, y, p)


def test_records_without_ground_truth_are_left_out(tmp_path):
    y, p = binary_data(300, seed=3)
    lines = []
    for i, (t, s) in enumerate(zip(y, p, strict=True)):
        record = json.loads(
            merged_line({"data": f"{s}", "encoding": "CSV"}, {"data": f"{t}", "encoding": "CSV"}, i)
        )
        if i % 10 == 0:
            del record["groundTruthData"]
        lines.append(json.dumps(record))
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text("\n".join(lines) + "\n")
    statistics = quality(tmp_path, data, problem_type="BinaryClassification", probability_attribute="0")
    keep = np.arange(len(y)) % 10 != 0
    assert_binary_matches(statistics, y[keep], p[keep])


def test_preprocessor_on_merged_data_returns_label_and_prediction(tmp_path):
    script = tmp_path / "pre.py"
    script.write_text(
        "import json\n"
        "def preprocess_handler(inference_record):\n"
        "    output = json.loads(inference_record.endpoint_output.data)\n"
        "    return {'score': output['score'], 'truth': inference_record.ground_truth.data}\n"
    )
    y, p = binary_data(400, seed=4)
    data = tmp_path / "data"
    data.mkdir()
    lines = [
        merged_line(
            {"data": json.dumps({"score": float(s)}), "encoding": "JSON"},
            {"data": f"{t}", "encoding": "CSV"},
            i,
        )
        for i, (t, s) in enumerate(zip(y, p, strict=True))
    ]
    (data / "a.jsonl").write_text("\n".join(lines) + "\n")
    statistics = quality(
        tmp_path,
        data,
        problem_type="BinaryClassification",
        probability_attribute="score",
        ground_truth_attribute="truth",
        record_preprocessor_script=script,
    )
    assert_binary_matches(statistics, y, p)


def test_parquet_with_typed_columns(tmp_path):
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 4, 800)
    predicted = np.where(rng.random(800) < 0.7, truth, rng.integers(0, 4, 800))
    pd.DataFrame({"truth": truth.astype(np.int64), "predicted": predicted.astype(float)}).to_parquet(
        tmp_path / "data.parquet"
    )
    statistics = quality(
        tmp_path,
        tmp_path / "data.parquet",
        DatasetFormat("parquet"),
        problem_type="MulticlassClassification",
        inference_attribute="predicted",
        ground_truth_attribute="truth",
    )
    m = statistics["multiclass_classification_metrics"]
    # 2.0 (a float column) and 2 (an integer column) are the same class.
    assert set(m["confusion_matrix"]) == {"0", "1", "2", "3"}
    assert m["accuracy"]["value"] == pytest.approx(metrics.accuracy_score(truth, predicted), rel=1e-9)
    assert m["weighted_f1"]["value"] == pytest.approx(
        metrics.f1_score(truth, predicted, average="weighted"), rel=1e-9
    )


def test_regression_on_merged_csv_with_the_window(tmp_path):
    rng = random.Random(6)
    pairs = [(rng.uniform(0, 10), rng.uniform(0, 10)) for _ in range(240)]
    lines = [
        merged_line({"data": f"{pred!r}", "encoding": "CSV"}, {"data": f"{truth!r}", "encoding": "CSV"}, i)
        for i, (truth, pred) in enumerate(pairs)
    ]
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text("\n".join(lines) + "\n")
    statistics = quality(
        tmp_path,
        data,
        problem_type="Regression",
        inference_attribute="0",
        start_time="2026-11-22T10:00:00Z",
        end_time="2026-11-22T10:30:00Z",
    )
    inside = [pair for i, pair in enumerate(pairs) if i % 60 < 30]
    truth, predicted = np.array(inside).T
    m = statistics["regression_metrics"]
    assert statistics["dataset"]["item_count"] == len(inside)
    assert m["mse"]["value"] == pytest.approx(metrics.mean_squared_error(truth, predicted), rel=1e-9)
    assert m["r2"]["value"] == pytest.approx(metrics.r2_score(truth, predicted), rel=1e-9)


def test_standard_deviations_do_not_depend_on_where_the_data_is(tmp_path):
    y, p = binary_data(500, seed=7)
    lines = [
        merged_line({"data": f"{s}", "encoding": "CSV"}, {"data": f"{t}", "encoding": "CSV"}, i)
        for i, (t, s) in enumerate(zip(y, p, strict=True))
    ]
    here, there = (
        tmp_path / "here" / "ep" / "AllTraffic",
        tmp_path / "elsewhere" / "deeper" / "ep" / "AllTraffic",
    )
    for directory in (here, there):
        directory.mkdir(parents=True)
        (directory / "a.jsonl").write_text("\n".join(lines) + "\n")
    common = {"problem_type": "BinaryClassification", "probability_attribute": "0"}
    first = quality(tmp_path / "1", tmp_path / "here", **common)
    second = quality(tmp_path / "2", tmp_path / "elsewhere" / "deeper", **common)
    assert first == second
    assert isinstance(first["binary_classification_metrics"]["auc"]["standard_deviation"], float)
