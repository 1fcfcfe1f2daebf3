"""The ground-truth merge (analyzer/jobs/merge.py): capture records joined with labels uploaded hours later.

The datasets are built here with their expected join computed independently, in plain dicts: a
capture record's key is its inferenceId when it has one, else its eventId; a label uploaded twice
takes the later upload; corrupt lines on either side are counted with their file:line.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import MERGE, DatasetFormat
from analyzer.config.output_names import MERGE_SUMMARY_FILE as SUMMARY_FILE
from analyzer.config.window import TimeWindow
from analyzer.jobs.job import run_job
from analyzer.jobs.merge import run_merge
from tests.cli.test_entrypoint import FAILURE_EXIT, describe, message, run_cli, under, write_job_config
from tests.helpers.capture import capture_file, capture_record, event_id, iso, write_lines

ENDPOINT = "pricing-endpoint"
CAPTURE_HOURS = tuple(datetime(2021, 5, 6, h, tzinfo=UTC) for h in (20, 21, 22))
UPLOAD_HOURS = (datetime(2021, 5, 6, 23, tzinfo=UTC), datetime(2021, 5, 7, 1, tzinfo=UTC))
SHARED_INFERENCE_ID = "inf-shared"  # two capture records carry it: both get its label
SUMMARY_KEYS = {
    "capture_records",
    "merged",
    "captures_without_ground_truth",
    "captures_outside_window",
    "captures_skipped",
    "ground_truth_records",
    "ground_truth_unmatched",
    "ground_truth_duplicates",
    "ground_truth_skipped",
    "files_written",
}


@dataclass(frozen=True)
class Capture:
    relative: str  # the capture file, relative to the capture root
    key: str  # inferenceId, else eventId
    line: str
    prediction: str
    time: datetime


@dataclass
class Dataset:
    capture: Path
    ground_truth: Path
    captures: list[Capture] = field(default_factory=list)  # every valid capture record, in file order
    capture_lines: int = 0  # every line of the capture files, corrupt ones included
    capture_corrupt: list[str] = field(default_factory=list)  # "path:line"
    labels: dict[str, str] = field(default_factory=dict)  # ground-truth id -> label, the later upload's
    truth_lines: int = 0
    truth_valid_lines: int = 0
    truth_corrupt: list[str] = field(default_factory=list)


def with_inference_id(line: str, inference_id: str) -> str:
    document = json.loads(line)
    document["eventMetadata"]["inferenceId"] = inference_id
    return json.dumps(document, separators=(",", ":"))


def truth_line(key: str, label: str) -> str:
    document = {
        "groundTruthData": {"data": label, "encoding": "CSV"},
        "eventMetadata": {"eventId": key},
        "eventVersion": "0",
    }
    return json.dumps(document, separators=(",", ":"))


def build(capture: Path, ground_truth: Path, n: int, seed: int, files_per_hour: int = 3) -> Dataset:
    """``n`` capture records over the three CAPTURE_HOURS, labels in the later UPLOAD_HOURS folders.

    About a third of the records carry an inferenceId. Labels: none for ~5% of the keys, ~3% extra
    ids matching nothing (some of them the eventIds of records keyed by their inferenceId, a trap for
    a join on the wrong id), a few ids uploaded twice (23h then 01h, the later label differs), and
    corrupt lines on both sides."""
    rng = random.Random(seed)
    ds = Dataset(capture, ground_truth)
    trap_ids: list[str] = []
    per_hour = [n // 3, n // 3, n - 2 * (n // 3)]
    index = 0
    for hour, count in zip(CAPTURE_HOURS, per_hour, strict=True):
        offsets = [0] + sorted(rng.randrange(1, 3600 * 1000) for _ in range(count - 1))  # ms; one at hh:00:00
        for chunk in (offsets[i::files_per_hour] for i in range(files_per_hour)):
            created = hour + timedelta(milliseconds=chunk[0])
            path = capture_file(capture, ENDPOINT, hour, created, rng)
            relative = str(path.relative_to(capture))
            lines = []
            for offset in chunk:
                moment = (hour + timedelta(milliseconds=offset)).replace(microsecond=0)
                eid = event_id(rng)
                prediction = f"{rng.uniform(0, 100):.4f}"
                features = ",".join(str(rng.randrange(100)) for _ in range(3))
                line = capture_record(features, prediction, iso(moment), eid)
                key = eid
                if index in (0, n - 1):
                    key = SHARED_INFERENCE_ID
                elif rng.random() < 1 / 3:
                    key = f"inf-{index:06d}"
                    if len(trap_ids) < 10:
                        trap_ids.append(eid)
                if key != eid:
                    line = with_inference_id(line, key)
                lines.append(line)
                ds.captures.append(Capture(relative, key, line, prediction, moment))
                index += 1
            ds.capture_lines += len(lines)
            write_lines(path, lines)
    # Corrupt capture lines: not JSON, JSON without captureData, a record with no id at all.
    corrupt = [
        '{"captureData":{"endpointInput":{"data":"1,2',
        '{"eventMetadata":{"eventId":"no-capture-data"},"eventVersion":"0"}',
        capture_record("1,2,3", "4.0", iso(CAPTURE_HOURS[1] + timedelta(minutes=5)), "x").replace(
            '"eventId":"x"', '"invocationSource":"test"'
        ),
    ]
    files = sorted({c.relative for c in ds.captures})
    for text, (relative, position) in zip(
        corrupt, [(files[0], 4), (files[4], 0), (files[-1], None)], strict=True
    ):
        path = capture / relative
        lines = path.read_text(encoding="utf-8").splitlines()
        position = len(lines) if position is None else position
        lines.insert(position, text)
        write_lines(path, lines)
        ds.capture_lines += 1
        ds.capture_corrupt.append(f"{path}:{position + 1}")

    # Ground truth: one label per distinct key but ~5%, in random upload files.
    keys = sorted({c.key for c in ds.captures})
    rng.shuffle(keys)
    keys.remove(SHARED_INFERENCE_ID)
    keys.append(SHARED_INFERENCE_ID)  # never among the missing
    missing = max(len(keys) // 20, 1)
    records = [(k, f"{rng.uniform(0, 100):.3f}") for k in keys[missing:]]
    extras = [f"extra-{i:05d}" for i in range(max(n * 3 // 100 - len(trap_ids), 1))] + trap_ids
    records += [(k, f"{rng.uniform(0, 100):.3f}") for k in extras]
    rng.shuffle(records)
    later_uploads = [(k, f"{rng.uniform(100, 200):.3f}") for k, _ in records[:15]] + [(extras[0], "999.000")]
    truth_files: dict[Path, list[str]] = {}
    early = [
        ground_truth / UPLOAD_HOURS[0].strftime("%Y/%m/%d/%H") / f"{i:02d}-10-000-gt.jsonl" for i in range(3)
    ]
    late = [
        ground_truth / UPLOAD_HOURS[1].strftime("%Y/%m/%d/%H") / f"{i:02d}-20-000-gt.jsonl" for i in range(3)
    ]
    for i, (key, label) in enumerate(records):
        # the first duplicates' first uploads go early; everything else anywhere
        folder = early if i < 15 or rng.random() < 0.5 else late
        truth_files.setdefault(folder[rng.randrange(len(folder))], []).append(truth_line(key, label))
    for key, label in later_uploads:
        truth_files.setdefault(late[rng.randrange(len(late))], []).append(truth_line(key, label))
    truth_corrupt = [
        (early[1], "{not json"),
        (
            late[2],
            '{"groundTruthData":{"encoding":"CSV"},"eventMetadata":{"eventId":"no-data"},"eventVersion":"0"}',
        ),
    ]
    for path, text in truth_corrupt:
        lines = truth_files.setdefault(path, [])
        lines.insert(len(lines) // 2, text)
        ds.truth_corrupt.append(f"{path}:{lines.index(text) + 1}")
    for path in sorted(truth_files):  # upload order: the later file wins
        write_lines(path, truth_files[path])
        ds.truth_lines += len(truth_files[path])
        for line in truth_files[path]:
            try:
                document = json.loads(line)
                key, label = document["eventMetadata"]["eventId"], document["groundTruthData"]["data"]
            except (ValueError, KeyError):
                continue
            ds.truth_valid_lines += 1
            ds.labels[key] = label
    return ds


@dataclass
class Expected:
    outputs: dict[str, str]  # relative path -> the merged file's text
    pairs: Counter  # (key, label) -> count
    summary: dict[str, int]
    examples: list[tuple[str, str]]  # (label, prediction) of every merged record


def expect(ds: Dataset, start: datetime | None = None, end: datetime | None = None) -> Expected:
    outputs: dict[str, list[str]] = {}
    pairs: Counter = Counter()
    used: set[str] = set()
    examples: list[tuple[str, str]] = []
    outside = unmatched = 0
    for c in ds.captures:
        if (start and c.time < start) or (end and c.time >= end):
            outside += 1
            continue
        label = ds.labels.get(c.key)
        if label is None:
            unmatched += 1
            continue
        used.add(c.key)
        pairs[(c.key, label)] += 1
        examples.append((label, c.prediction))
        document = json.loads(c.line)
        document["groundTruthData"] = {"data": label, "encoding": "CSV"}
        outputs.setdefault(c.relative, []).append(json.dumps(document, separators=(",", ":")))
    merged = sum(pairs.values())
    summary = {
        "capture_records": ds.capture_lines,
        "merged": merged,
        "captures_without_ground_truth": unmatched,
        "captures_outside_window": outside,
        "captures_skipped": len(ds.capture_corrupt),
        "ground_truth_records": ds.truth_lines,
        "ground_truth_unmatched": len(ds.labels) - len(used),
        "ground_truth_duplicates": ds.truth_valid_lines - len(ds.labels),
        "ground_truth_skipped": len(ds.truth_corrupt),
        "files_written": len(outputs),
    }
    texts = {relative: "".join(line + "\n" for line in lines) for relative, lines in outputs.items()}
    return Expected(texts, pairs, summary, examples)


def output_files(out: Path) -> dict[str, bytes]:
    """Every merged file under ``out`` by relative path (the summary left out)."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != SUMMARY_FILE
    }


def output_pairs(out: Path) -> Counter:
    pairs: Counter = Counter()
    for text in output_files(out).values():
        for line in text.decode("utf-8").splitlines():
            record = json.loads(line)
            metadata = record["eventMetadata"]
            pairs[
                (metadata.get("inferenceId") or metadata["eventId"], record["groundTruthData"]["data"])
            ] += 1
    return pairs


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory) -> Dataset:
    root = tmp_path_factory.mktemp("acceptance")
    return build(root / "capture", root / "groundtruth", 10_000, seed=7, files_per_hour=4)


def test_acceptance_join_counts_and_paths(acceptance, tmp_path):
    ds = acceptance
    expected = expect(ds)
    # The dataset is what the case asks for.
    inference_keyed = sum(c.key.startswith("inf-") for c in ds.captures)
    assert 2_900 < inference_keyed < 3_800
    assert expected.summary["captures_without_ground_truth"] >= 400
    assert expected.summary["ground_truth_unmatched"] >= 250
    assert expected.summary["ground_truth_duplicates"] == 16

    out = tmp_path / "merged"
    summary, ledger = run_merge(ds.capture, ds.ground_truth, out, engine="local")

    got = output_files(out)
    assert sorted(got) == sorted(expected.outputs)  # same relative paths: endpoint/variant/yyyy/mm/dd/hh
    assert all(p.startswith(f"{ENDPOINT}/AllTraffic/2021/05/06/") for p in got)
    assert output_pairs(out) == expected.pairs
    assert expected.pairs[(SHARED_INFERENCE_ID, ds.labels[SHARED_INFERENCE_ID])] == 2
    for relative, text in expected.outputs.items():  # record order and content kept, label appended
        assert got[relative].decode("utf-8") == text, relative
    assert summary.to_dict() == expected.summary
    assert set(summary.to_dict()) == SUMMARY_KEYS
    assert ledger.records_read == ds.capture_lines
    assert ledger.records_read == (
        summary.merged
        + summary.captures_without_ground_truth
        + summary.captures_skipped
        + summary.captures_outside_window
    )
    examples = ledger.describe_examples()
    for location in ds.capture_corrupt + ds.truth_corrupt:
        assert any(e.startswith(f"{location}: ") for e in examples), (location, examples)


def test_window_merges_only_that_hour(acceptance, tmp_path):
    ds = acceptance
    start, end = CAPTURE_HOURS[1], CAPTURE_HOURS[2]
    expected = expect(ds, start, end)
    in_hour = [c for c in ds.captures if start <= c.time < end]
    assert expected.summary["captures_outside_window"] == len(ds.captures) - len(in_hour)
    # hh:00:00 exactly: the window's start is in it, its end is not.
    assert any(c.time == start for c in in_hour)
    assert any(c.time == end for c in ds.captures)

    out = tmp_path / "merged"
    job = JobConfig(
        dataset_source=ds.capture,
        dataset_format=DatasetFormat(MERGE),
        output_path=out,
        ground_truth_source=ds.ground_truth,
        start_time=iso(start),
        end_time=iso(end),
    )
    result = run_job(job, engine="local")

    assert result.statistics == expected.summary
    assert json.loads((out / SUMMARY_FILE).read_text()) == expected.summary
    assert result.message.startswith(f"Completed: merged {expected.summary['merged']} of {ds.capture_lines}")
    got = output_files(out)
    assert sorted(got) == sorted(expected.outputs)
    assert all("/2021/05/06/21/" in f"/{p}" for p in got)
    assert output_pairs(out) == expected.pairs
    window = TimeWindow.of(iso(start), iso(end))
    summary, _ = run_merge(ds.capture, ds.ground_truth, tmp_path / "again", window=window, engine="local")
    assert summary.to_dict() == expected.summary


def test_spark_merge_equals_local(spark, tmp_path, monkeypatch):
    ds = build(tmp_path / "capture", tmp_path / "groundtruth", 2_000, seed=11, files_per_hour=3)
    expected = expect(ds)
    local_summary, local_ledger = run_merge(ds.capture, ds.ground_truth, tmp_path / "local", engine="local")
    # Several Spark tasks, so the matched-label bitmaps of different tasks are combined.
    total = sum(p.stat().st_size for p in ds.capture.rglob("*.jsonl"))
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", str(total // 4))
    spark_summary, spark_ledger = run_merge(
        ds.capture, ds.ground_truth, tmp_path / "spark", spark=spark, engine="spark"
    )

    local_files, spark_files = output_files(tmp_path / "local"), output_files(tmp_path / "spark")
    assert len(local_files) == 9
    assert spark_files == local_files
    assert spark_summary.to_dict() == local_summary.to_dict() == expected.summary
    assert spark_ledger.records_read == local_ledger.records_read == ds.capture_lines
    assert sorted(spark_ledger.describe_examples()) == sorted(local_ledger.describe_examples())


def test_files_merged_in_several_splits_equal_whole_files(tmp_path, monkeypatch):
    """Large capture files are cut into splits merged apart and joined in order: the same bytes,
    counts and file:line reports as one split per file, and no part file left behind."""
    ds = build(tmp_path / "capture", tmp_path / "groundtruth", 2_000, seed=12, files_per_hour=2)
    whole, whole_ledger = run_merge(ds.capture, ds.ground_truth, tmp_path / "whole", engine="local")
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "20000")  # about 15 splits per file
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "50000")
    split, split_ledger = run_merge(ds.capture, ds.ground_truth, tmp_path / "split", engine="local")
    assert output_files(tmp_path / "split") == output_files(tmp_path / "whole")
    assert not [p for p in (tmp_path / "split").rglob("*") if p.name.startswith((".", "_"))]
    assert split.to_dict() == whole.to_dict() == expect(ds).summary
    assert sorted(split_ledger.describe_examples()) == sorted(whole_ledger.describe_examples())


def quality_on_merged(merged: Path, output: Path, expected: Expected) -> None:
    """A model-quality baseline of the merged records: item count and MAE from the expected pairs."""
    config = JobConfig(
        dataset_source=merged,
        dataset_format=DatasetFormat(MERGE, capture_index_names=("endpointOutput",)),
        output_path=output,
        analysis_type="MODEL_QUALITY",
        problem_type="Regression",
        inference_attribute="0",
    )
    result = run_job(config, engine="local")
    truth, predicted = np.array(expected.examples, dtype=float).T
    assert result.statistics["dataset"]["item_count"] == expected.summary["merged"]
    assert result.ledger.records_skipped == 0  # _merge_summary.json is not read as data
    mae = float(np.mean(np.abs(truth - predicted)))
    assert result.statistics["regression_metrics"]["mae"]["value"] == pytest.approx(mae, abs=1e-9)


def test_cli_merge_then_model_quality(tmp_path):
    ds = build(tmp_path / "capture", tmp_path / "groundtruth", 1_500, seed=3)
    expected = expect(ds)
    out = tmp_path / "merged"
    result = run_cli(
        "merge", "--capture", str(ds.capture), "--ground-truth", str(ds.ground_truth), "--output", str(out)
    )

    assert result.returncode == 0, describe(result)
    assert result.stdout.split() == [str(out / SUMMARY_FILE)]
    assert json.loads((out / SUMMARY_FILE).read_text()) == expected.summary
    assert output_pairs(out) == expected.pairs
    quality_on_merged(out, tmp_path / "quality", expected)


def test_processing_job_merge_then_model_quality(tmp_path):
    opt_ml = tmp_path / "opt_ml"
    environment = {
        "dataset_source": "/opt/ml/processing/input_data",
        "ground_truth_source": "/opt/ml/processing/groundtruth",
        "output_path": "/opt/ml/processing/output",
        "start_time": "2021-05-06T21:00:00Z",
        "end_time": "2021-05-06T23:00:00Z",
    }
    capture = under(opt_ml, environment["dataset_source"])
    ds = build(capture, under(opt_ml, environment["ground_truth_source"]), 1_500, seed=5)
    expected = expect(ds, CAPTURE_HOURS[1], CAPTURE_HOURS[1] + timedelta(hours=2))
    assert 0 < expected.summary["captures_outside_window"] < ds.capture_lines
    write_job_config(opt_ml, environment)
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)
    out = under(opt_ml, environment["output_path"])
    text = message(opt_ml)
    assert text.startswith("Completed: merged"), text
    assert f"merged {expected.summary['merged']} of {ds.capture_lines}" in text
    assert json.loads((out / SUMMARY_FILE).read_text()) == expected.summary
    assert sorted(output_files(out)) == sorted(expected.outputs)
    assert output_pairs(out) == expected.pairs
    quality_on_merged(out, tmp_path / "quality", expected)


def test_zero_matches_fails_naming_both_paths(tmp_path):
    rng = random.Random(1)
    capture, truth, out = tmp_path / "capture", tmp_path / "groundtruth", tmp_path / "merged"
    hour = CAPTURE_HOURS[0]
    write_lines(
        capture_file(capture, ENDPOINT, hour, hour, rng),
        [capture_record("1,2,3", "0.5", iso(hour), event_id(rng)) for _ in range(5)],
    )
    write_lines(truth / "2021/05/06/23/gt.jsonl", [truth_line(event_id(rng), "1") for _ in range(5)])
    result = run_cli("merge", "--capture", str(capture), "--ground-truth", str(truth), "--output", str(out))

    assert result.returncode == FAILURE_EXIT, describe(result)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, describe(result)
    assert str(capture) in errors[0] and str(truth) in errors[0], errors[0]
    assert result.stdout == ""
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


def test_records_without_an_id_or_a_label_are_skipped_with_their_reason(tmp_path):
    """A capture record with neither inferenceId nor eventId, and a ground-truth line without
    groundTruthData.data or without eventMetadata.eventId, are skipped at their file:line."""
    no_label = json.dumps({"groundTruthData": {"encoding": "CSV"}, "eventMetadata": {"eventId": "e2"}})
    no_event = json.dumps({"groundTruthData": {"data": "0", "encoding": "CSV"}, "eventMetadata": {}})
    truth = tmp_path / "gt" / "g.jsonl"
    write_lines(truth, [truth_line("e1", "1"), no_label, no_event])
    no_id = json.loads(capture_record("1", "0.5", "2021-05-06T21:31:00Z", ""))
    capture = tmp_path / "capture" / "a.jsonl"
    write_lines(capture, [capture_record("1", "0.5", "2021-05-06T21:30:00Z", "e1"), json.dumps(no_id)])
    summary, ledger = run_merge(tmp_path / "capture", tmp_path / "gt", tmp_path / "out", engine="local")
    assert (summary.merged, summary.captures_skipped, summary.ground_truth_skipped) == (1, 1, 2)
    assert ledger.skipped == Counter({"no event id": 1})
    assert ledger.describe_examples() == [
        f"{capture}:2: no event id: eventMetadata has neither inferenceId nor eventId",
        f"{truth}:2: not a ground-truth record: expected groundTruthData.data and eventMetadata.eventId",
        f"{truth}:3: not a ground-truth record: expected groundTruthData.data and eventMetadata.eventId",
    ]


@pytest.mark.parametrize("corrupt_line", [False, True], ids=["columnar", "line-by-line"])
def test_empty_ids_read_the_same_on_both_paths(tmp_path, corrupt_line):
    """An empty inferenceId falls back to the eventId; an empty eventId without one is skipped as
    having no id: whether or not a corrupt line elsewhere sends the file down the line-by-line path."""
    write_lines(tmp_path / "gt" / "g.jsonl", [truth_line("e1", "1"), truth_line("e2", "0")])
    empty_inference = json.loads(capture_record("1", "0.5", "2021-05-06T21:30:00Z", "e1"))
    empty_inference["eventMetadata"]["inferenceId"] = ""
    no_id = json.loads(capture_record("1", "0.5", "2021-05-06T21:31:00Z", ""))
    lines = [json.dumps(empty_inference), json.dumps(no_id)] + (["{corrupt"] if corrupt_line else [])
    write_lines(tmp_path / "capture" / "a.jsonl", lines)
    summary, _ = run_merge(tmp_path / "capture", tmp_path / "gt", tmp_path / "out", engine="local")
    assert summary.merged == 1
    assert summary.captures_without_ground_truth == 0
    assert summary.captures_skipped == 1 + corrupt_line
    merged = json.loads((tmp_path / "out" / "a.jsonl").read_text())
    assert merged["groundTruthData"] == {"data": "1", "encoding": "CSV"}
