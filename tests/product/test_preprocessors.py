"""The example scripts in preprocessors/, each end to end through a real baseline job."""

from __future__ import annotations

import base64
import json
import random
import uuid
import zlib

import pytest

from analyzer.config.formats import CAPTURE, CSV, JSON, DatasetFormat
from tests.conftest import ROOT, features_by_name
from tests.helpers.capture import capture_record

PREPROCESSORS = ROOT / "preprocessors"
FLATTEN = PREPROCESSORS / "flatten_array_output.py"
MINUS_ONE = PREPROCESSORS / "map_minus_one_to_missing.py"
SAMPLE = PREPROCESSORS / "sample_10_percent.py"
MODEL_QUALITY = PREPROCESSORS / "model_quality_json_output.py"
DROPPED = "dropped by preprocess_handler"


def capture_line(event_id: str, input_data: str | None, output: tuple[str, str, str] | None) -> str:
    data, encoding, content_type = output if output is not None else (None, "CSV", "text/csv")
    return (
        capture_record(
            input_data,
            data,
            "2024-01-02T03:04:05Z",
            event_id,
            output_encoding=encoding,
            output_content_type=content_type,
        )
        + "\n"
    )


def numeric(statistics: dict, name: str) -> dict:
    return features_by_name(statistics)[name]["numerical_statistics"]


def test_examples_are_documented():
    readme = (PREPROCESSORS / "README.md").read_text(encoding="utf-8")
    for script in (FLATTEN, MINUS_ONE, SAMPLE, MODEL_QUALITY):
        source = script.read_text(encoding="utf-8")
        assert source.startswith('"""') and "def preprocess_handler(" in source
        assert script.name in readme


# ---------------------------------------------------------------- flatten_array_output.py


def test_flatten_array_output(baseline, tmp_path):
    rng = random.Random(7)
    # (input rows, output rows) per record; every output row holds three class probabilities.
    records = []
    for i in range(8):
        features = [[round(rng.uniform(0, 10), 2) for _ in range(11)]]
        probs = [[0.1 * (i % 3 + 1), 0.5, round(0.4 - 0.1 * (i % 3), 10)]]
        records.append((features, probs))
    records.append(([[1.0] * 11, [2.0] * 11], [[0.3, 0.3, 0.4], [0.6, 0.2, 0.2]]))  # a 2-row payload
    records.append(([[5.0] * 5 + [None] + [5.0] * 5], [[1, 0, 0]]))  # an empty input field: missing

    def csv_text(rows):
        return "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)

    lines = []
    for i, (features, probs) in enumerate(records):
        if len(probs) > 1:
            output = (json.dumps({"predictions": probs}), "JSON", "application/json")
        elif i % 4 == 0:
            output = (json.dumps({"predictions": probs[0]}), "JSON", "application/json")
        elif i % 4 == 1:
            output = (json.dumps(probs[0]), "JSON", "application/json")  # a bare JSON list
        elif i % 4 == 2:
            output = (csv_text(probs) + "\n", "CSV", "text/csv")
        else:
            encoded = base64.b64encode(json.dumps({"predictions": probs[0]}).encode()).decode()
            output = (encoded, "BASE64", "application/json")
        lines.append(capture_line(f"ev-{i}", csv_text(features), output))
    data = tmp_path / "data"
    data.mkdir()
    (data / "capture.jsonl").write_text("".join(lines), encoding="utf-8")

    statistics, _, result = baseline(data, DatasetFormat(CAPTURE), record_preprocessor_script=FLATTEN)

    names = [f["name"] for f in statistics["features"]]
    assert names == [f"feature_{i:04d}" for i in range(11)] + [f"prediction_{i:03d}" for i in range(3)]
    feature_rows = [row for features, _ in records for row in features]
    output_rows = [row for _, probs in records for row in probs]
    assert statistics["dataset"]["item_count"] == len(feature_rows) == 11
    assert result.ledger.records_analyzed == len(records) == 10
    for j in range(11):
        column = [row[j] for row in feature_rows if row[j] is not None]
        stats = numeric(statistics, f"feature_{j:04d}")
        assert stats["sum"] == pytest.approx(sum(column))
        assert stats["common"]["num_missing"] == len(feature_rows) - len(column)
    for j in range(3):
        stats = numeric(statistics, f"prediction_{j:03d}")
        assert stats["sum"] == pytest.approx(sum(row[j] for row in output_rows))
        assert stats["max"] == pytest.approx(max(row[j] for row in output_rows))


def test_flatten_array_output_row_count_mismatch_names_the_record(baseline, tmp_path):
    from analyzer.common.errors import TooManySkipped

    data = tmp_path / "data"
    data.mkdir()
    path = data / "capture.jsonl"
    path.write_text(
        capture_line("ok", "1,2", ("[0.5]", "JSON", "application/json"))
        + capture_line("bad", "1,2\n3,4", ('{"predictions": [0.5, 0.5]}', "JSON", "application/json")),
        encoding="utf-8",
    )
    with pytest.raises(
        TooManySkipped, match=rf"ValueError: 2 input row\(s\) but 1 output row\(s\) \(record {path}:2\)"
    ):
        baseline(data, DatasetFormat(CAPTURE), record_preprocessor_script=FLATTEN)


# ---------------------------------------------------------------- map_minus_one_to_missing.py


def test_map_minus_one_to_missing_csv(baseline, tmp_path):
    rng = random.Random(11)
    width = 12  # more than 10 columns: _c010 must sort after _c009
    rows = []
    for _ in range(60):
        row = [str(rng.randint(0, 9)) for _ in range(width)]
        for j in range(width):
            if rng.random() < 0.08 * (j % 4):  # column j % 4 == 0 never has -1
                row[j] = rng.choice(["-1", "-1.0", "-1"])
        rows.append(row)
    rows[3][5] = ""  # an empty field is missing too
    header = ",".join(f"col{j}" for j in range(width))
    data = tmp_path / "data"
    data.mkdir()
    text = header + "\n" + "".join(",".join(r) + "\n" for r in rows)
    (data / "part.csv").write_text(text, encoding="utf-8")

    # The header line reaches the handler as a data line here (header=false) and is dropped by it.
    statistics, _, result = baseline(data, DatasetFormat(CSV), record_preprocessor_script=MINUS_ONE)

    assert [f["name"] for f in statistics["features"]] == [f"_c{j:03d}" for j in range(width)]
    assert statistics["dataset"]["item_count"] == len(rows)
    assert result.ledger.dropped == {DROPPED: 1}
    minus_ones = 0
    for j in range(width):
        present = [int(r[j]) for r in rows if r[j] not in ("", "-1", "-1.0")]
        stats = numeric(statistics, f"_c{j:03d}")
        assert stats["common"]["num_missing"] == len(rows) - len(present)
        assert stats["common"]["num_present"] == len(present)
        assert stats["sum"] == sum(present)
        assert stats["min"] >= 0
        minus_ones += sum(r[j] in ("-1", "-1.0") for r in rows)
    assert minus_ones > 10  # the data really exercises the mapping


def test_map_minus_one_to_missing_json(baseline, tmp_path):
    records = [
        {"age": 30, "score": -1, "name": "a", "ratio": 0.5},
        {"age": -1, "score": 7, "name": "b", "ratio": -1.0},
        {"age": 41, "score": "-1", "name": "c", "ratio": 0.25},
        {"age": 52, "score": 3, "name": "-1", "ratio": 0.75},
    ]
    data = tmp_path / "data"
    data.mkdir()
    (data / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    statistics, _, _ = baseline(data, DatasetFormat(JSON), record_preprocessor_script=MINUS_ONE)

    assert [f["name"] for f in statistics["features"]] == ["age", "name", "ratio", "score"]
    assert numeric(statistics, "age")["common"]["num_missing"] == 1
    assert numeric(statistics, "age")["sum"] == 30 + 41 + 52
    assert numeric(statistics, "score")["common"]["num_missing"] == 2
    assert numeric(statistics, "ratio")["common"]["num_missing"] == 1
    name = features_by_name(statistics)["name"]["string_statistics"]
    assert name["common"]["num_missing"] == 1  # "-1" text is a missing value too


# ---------------------------------------------------------------- sample_10_percent.py


def test_sample_10_percent_csv_keeps_exactly_the_hashed_lines(baseline, golden):
    dataset = golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv"
    lines = dataset.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if zlib.crc32(line.encode("utf-8")) % 10 == 0]
    assert 0 < len(kept) < len(lines) // 5

    statistics, _, result = baseline(dataset, DatasetFormat(CSV), record_preprocessor_script=SAMPLE)

    assert statistics["dataset"]["item_count"] == len(kept)
    assert result.ledger.dropped == {DROPPED: len(lines) - len(kept)}
    width = len(lines[0].split(","))
    assert [f["name"] for f in statistics["features"]] == [f"_c{j:03d}" for j in range(width)]
    for j in range(width):
        column = [float(line.split(",")[j]) for line in kept]
        stats = numeric(statistics, f"_c{j:03d}")
        assert stats["sum"] == pytest.approx(sum(column))
        assert (stats["min"], stats["max"]) == (min(column), max(column))


def test_sample_10_percent_capture_keeps_exactly_the_hashed_events(baseline, tmp_path):
    events = [(str(uuid.uuid5(uuid.NAMESPACE_URL, f"event/{i}")), i) for i in range(300)]
    data = tmp_path / "data" / "endpoint" / "AllTraffic" / "2024" / "01" / "02" / "03"
    data.mkdir(parents=True)
    half = len(events) // 2
    for name, chunk in (("00-00-000-a.jsonl", events[:half]), ("30-00-000-b.jsonl", events[half:])):
        (data / name).write_text(
            "".join(
                capture_line(event_id, f"{i},{i % 7}\n", (f"{i / 1000}", "CSV", "text/csv"))
                for event_id, i in chunk
            ),
            encoding="utf-8",
        )
    kept = [i for event_id, i in events if zlib.crc32(event_id.encode("utf-8")) % 10 == 0]
    assert 10 < len(kept) < 60

    statistics, _, result = baseline(
        tmp_path / "data", DatasetFormat(CAPTURE), record_preprocessor_script=SAMPLE
    )

    assert statistics["dataset"]["item_count"] == len(kept)
    assert result.ledger.dropped == {DROPPED: len(events) - len(kept)}
    # Output first, then the input fields: the analyzer's own START layout, zero-padded.
    assert [f["name"] for f in statistics["features"]] == ["_c000", "_c001", "_c002"]
    assert numeric(statistics, "_c000")["sum"] == pytest.approx(sum(i / 1000 for i in kept))
    assert numeric(statistics, "_c001")["sum"] == sum(kept)
    assert numeric(statistics, "_c002")["sum"] == sum(i % 7 for i in kept)


def test_sample_10_percent_is_a_pure_function_of_the_key():
    import importlib.util

    spec = importlib.util.spec_from_file_location("sample_10_percent_under_test", SAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    keys = [f"key-{i}" for i in range(1000)]
    chosen = [k for k in keys if module.keep(k)]
    assert chosen == [k for k in keys if zlib.crc32(k.encode()) % 10 == 0]
    assert 70 < len(chosen) < 130
    # JSON Lines records are hashed by their sorted-key serialisation: key order does not matter.
    record = {"b": 1, "a": [1, 2]}
    expected = record if zlib.crc32(json.dumps(record, sort_keys=True).encode()) % 10 == 0 else []
    assert module.preprocess_handler({"a": [1, 2], "b": 1}) == expected


# ---------------------------------------------------------------- model_quality_json_output.py


@pytest.mark.parametrize("truth_encoding", ["CSV", "JSON"])
def test_model_quality_json_output(tmp_path, truth_encoding):
    from sklearn import metrics

    from analyzer.config.contract import JobConfig
    from analyzer.jobs.job import run_job

    rng = random.Random(11)
    truths, scores, lines = [], [], []
    for i in range(300):
        truth = int(rng.random() < 0.4)
        score = round(min(1.0, max(0.0, rng.gauss(0.35 + 0.3 * truth, 0.2))), 4)
        record = json.loads(
            capture_line(
                str(uuid.UUID(int=rng.getrandbits(128))),
                "1,2",
                (json.dumps({"predictions": [{"score": score, "predicted_label": int(score >= 0.5)}]}),
                 "JSON", "application/json"),
            )
        )  # fmt: skip
        if i % 15 == 0:
            lines.append(json.dumps(record))  # not labelled: left out
            continue
        data = json.dumps({"label": truth}) if truth_encoding == "JSON" else str(truth)
        record["groundTruthData"] = {"data": data, "encoding": truth_encoding}
        lines.append(json.dumps(record))
        truths.append(truth)
        scores.append(score)
    (tmp_path / "merged").mkdir()
    (tmp_path / "merged" / "a.jsonl").write_text("\n".join(lines) + "\n")
    job = JobConfig(
        dataset_source=tmp_path / "merged",
        dataset_format=DatasetFormat("sagemakerMergeJson", capture_index_names=("endpointOutput",)),
        output_path=tmp_path / "out",
        record_preprocessor_script=MODEL_QUALITY,
        analysis_type="MODEL_QUALITY",
        problem_type="BinaryClassification",
        probability_attribute="score",
        ground_truth_attribute="label",
    )
    statistics = run_job(job, engine="local").statistics
    m = statistics["binary_classification_metrics"]
    assert statistics["dataset"]["item_count"] == len(truths) == 280
    assert m["auc"]["value"] == pytest.approx(metrics.roc_auc_score(truths, scores), rel=1e-9)
    predicted = [int(s >= 0.5) for s in scores]
    assert m["f1"]["value"] == pytest.approx(metrics.f1_score(truths, predicted), rel=1e-9)
