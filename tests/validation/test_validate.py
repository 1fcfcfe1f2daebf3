"""``monitor-analyzer validate``: a prepared capture set with a one-column shift, mixed encodings and
bad lines; each is found, located and given a fix. What validate reports about columns is checked
against a real baseline job on the same data, and skip counts against the job's own failure."""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import textwrap
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from analyzer.common.errors import TooManySkipped
from analyzer.config.contract import JobConfig
from analyzer.config.formats import CAPTURE, CSV, DatasetFormat
from analyzer.config.window import TimeWindow
from analyzer.jobs.job import run_job
from analyzer.validation.findings import ERROR, INFO, WARNING
from analyzer.validation.run import ValidateRequest, validate
from tests.conftest import ROOT
from tests.helpers.capture import capture_record

CLI = ROOT / ".venv" / "bin" / "monitor-analyzer"
TIME = "2026-11-22T10:{:02d}:{:02d}Z"


def feature_rows(n: int, seed: int) -> list[tuple[str, str]]:
    """(input CSV, output CSV) per record; five inputs of distinct types and ranges, so that a column
    in the wrong place is told by its type or its distribution."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        inputs = [
            f"{rng.normal(10, 1):.3f}",
            str(rng.integers(0, 5)),
            f"{rng.normal(1000, 50):.1f}",
            "abc"[rng.integers(0, 3)],
            str(rng.integers(100, 200)),
        ]
        rows.append((",".join(inputs), f"{rng.random():.4f}"))
    return rows


def base64_input(line: str) -> str:
    """The same record with its input payload BASE64-encoded, as some endpoints capture it."""
    event = json.loads(line)
    part = event["captureData"]["endpointInput"]
    part["data"] = base64.b64encode(part["data"].encode()).decode()
    part["encoding"] = "BASE64"
    return json.dumps(event, separators=(",", ":"))


def capture_lines(n: int, seed: int, base64_every: int = 0) -> list[str]:
    lines = []
    for i, (inputs, output) in enumerate(feature_rows(n, seed)):
        line = capture_record(inputs, output, TIME.format(i // 60 % 60, i % 60), f"e{seed}-{i}")
        lines.append(base64_input(line) if base64_every and i % base64_every == 1 else line)
    return lines


def write_capture(directory: Path, files: int, per_file: int, seed: int, base64_every: int = 0) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = capture_lines(per_file, seed + f, base64_every)
        (directory / f"part-{f}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def capture_format(position: str = "START") -> DatasetFormat:
    return DatasetFormat(CAPTURE, output_columns_position=position)


def build_baseline(tmp_path: Path, dataset: Path, dataset_format: DatasetFormat, preprocessor=None) -> Path:
    out = tmp_path / "baseline"
    run_job(
        JobConfig(
            dataset_source=dataset,
            dataset_format=dataset_format,
            output_path=out,
            record_preprocessor_script=preprocessor,
        ),
        engine="local",
    )
    return out


def check(dataset: Path, dataset_format: DatasetFormat, baseline: Path | None = None, **options):
    return validate(
        ValidateRequest(
            dataset=dataset,
            dataset_format=dataset_format,
            baseline_statistics=baseline / "statistics.json" if baseline else None,
            baseline_constraints=baseline / "constraints.json" if baseline else None,
            **options,
        )
    )


def findings(report, severity: str | None = None, containing: str = ""):
    return [
        f for f in report.findings if (severity is None or f.severity == severity) and containing in f.problem
    ]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CLI), "validate", *map(str, args)], capture_output=True, text=True, env=os.environ, timeout=120
    )


# -- (a) a one-column shift ------------------------------------------------------------------
@pytest.mark.parametrize(("built", "monitored"), [("START", "END"), ("END", "START")])
def test_output_placement_shift_is_found_with_its_fix(tmp_path, built, monitored):
    data = write_capture(tmp_path / "capture", files=2, per_file=400, seed=1)
    baseline = build_baseline(tmp_path, data, capture_format(built))
    report = check(data, capture_format(monitored), baseline)
    shifts = findings(report, ERROR, "column shift")
    assert len(shifts) == 1, report.findings
    assert f"output_columns_position={built}" in shifts[0].fix
    assert f"--output-columns-position {built}" in shifts[0].fix
    assert "1 output column" in shifts[0].problem
    # Read with the placement the baseline was built with, the same data is clean.
    assert check(data, capture_format(built), baseline).findings == []


PASS_ALL = """
    def preprocess_handler(record):
        fields = (record.endpoint_output.data + "," + record.endpoint_input.data).split(",")
        return {f"c{i:02d}": v for i, v in enumerate(fields)}
"""
# The same script after an edit that lost the third field: every later field moves left by one.
DROP_ONE = """
    def preprocess_handler(record):
        fields = (record.endpoint_output.data + "," + record.endpoint_input.data).split(",")
        del fields[2]
        return {f"c{i:02d}": v for i, v in enumerate(fields)}
"""


def test_a_preprocessor_that_drops_a_column_is_found(tmp_path):
    data = write_capture(tmp_path / "capture", files=2, per_file=400, seed=3)
    good, bad = tmp_path / "pass_all.py", tmp_path / "drop_one.py"
    good.write_text(textwrap.dedent(PASS_ALL))
    bad.write_text(textwrap.dedent(DROP_ONE))
    baseline = build_baseline(tmp_path, data, capture_format(), preprocessor=good)
    report = check(data, capture_format(), baseline, preprocessor=bad)
    shifts = findings(report, ERROR, "1 column shift from baseline feature c02")
    assert len(shifts) == 1, report.findings
    assert str(bad) in shifts[0].fix and "preprocessor" in shifts[0].fix
    assert findings(report, WARNING, "data has 5 columns, the baseline 6")
    assert findings(report, WARNING, "missing columns (missing_column_check violations): c05")
    assert check(data, capture_format(), baseline, preprocessor=good).findings == []


# -- (b) mixed encodings ---------------------------------------------------------------------
def test_mixed_encodings_are_found_per_file_and_across_files(tmp_path):
    data = write_capture(tmp_path / "capture", files=2, per_file=200, seed=5, base64_every=4)
    latin = capture_lines(50, seed=7)
    latin[9] = latin[9].replace('"abc"', '"abc"').replace(",a,", ",caf\u00e9,").replace(",b,", ",caf\u00e9,")
    latin = [line.replace(",c,", ",na\u00efve,") for line in latin]
    (data / "part-latin1.jsonl").write_bytes(("\n".join(latin) + "\n").encode("latin-1"))
    wide = "\n".join(capture_lines(20, seed=8)) + "\n"
    (data / "part-utf16.jsonl").write_bytes(wide.encode("utf-16"))  # with its byte order mark
    report = check(data, capture_format())

    by_path = {Path(f.path).name: f for f in report.files}
    assert by_path["part-0.jsonl"].encoding == "UTF-8"
    assert by_path["part-utf16.jsonl"].encoding == "UTF-16LE (BOM)"
    non_utf8 = [i + 1 for i, line in enumerate(latin) if any(ord(c) > 127 for c in line)]
    assert by_path["part-latin1.jsonl"].non_utf8_lines == len(non_utf8) > 0

    (wide_finding,) = findings(report, ERROR, "UTF-16LE text")
    assert (
        wide_finding.where.endswith("part-utf16.jsonl") and "iconv -f UTF-16LE -t UTF-8" in wide_finding.fix
    )
    (latin_finding,) = findings(report, WARNING, "mixed encodings within the file")
    assert f"part-latin1.jsonl:{non_utf8[0]}" in latin_finding.where
    assert "Latin-1" in latin_finding.problem and "iconv" in latin_finding.fix
    (across,) = findings(report, WARNING, "mixed encodings across files")
    assert "UTF-8 (2 files)" in across.problem and "UTF-16LE (1 file)" in across.problem
    (payloads,) = findings(report, INFO, "mixed payload encodings in endpointInput")
    # Every fourth record of the UTF-8 files is BASE64; the latin-1 file's readable lines are CSV.
    assert f"CSV {300 + 50 - len(non_utf8)}, BASE64 100" in payloads.problem
    assert "part-0.jsonl:2" in payloads.where  # the first BASE64 record
    # The latin-1 lines are what the reader skips as "not UTF-8", named with their lines.
    (skipped,) = findings(report, WARNING, "would be skipped: not UTF-8")
    assert f"part-latin1.jsonl:{non_utf8[0]}" in skipped.where
    assert report.records.skipped_by_reason == {"not UTF-8": len(non_utf8)}


# -- (c) bad lines ---------------------------------------------------------------------------
def test_bad_capture_lines_are_named_with_file_line_and_the_job_failure_predicted(tmp_path):
    data = write_capture(tmp_path / "capture", files=1, per_file=100, seed=9)
    path = data / "part-0.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4][:60]  # a truncated write
    lines[10] = lines[10].replace(b'"mode"', b'"m\xe9de"')  # not UTF-8
    narrow = json.loads(lines[20])
    narrow["captureData"]["endpointInput"]["data"] = "1.0,2,3.0"  # fewer fields than the others
    lines[20] = json.dumps(narrow).encode()
    path.write_bytes(b"\n".join(lines))
    report = check(data, capture_format())

    (truncated,) = findings(report, WARNING, "would be skipped: invalid JSON")
    assert truncated.where == f"{path}:5" and "truncated" in truncated.fix
    (encoding,) = findings(report, WARNING, "would be skipped: not UTF-8")
    assert encoding.where == f"{path}:11"
    (width,) = findings(report, WARNING, "endpointInput CSV payloads differ in width")
    assert f"3 fields: {path}:21" in width.where
    # 2 of 100 skipped is over the default 1%: the real job fails the same way.
    (fails,) = findings(report, ERROR, "the job would fail: 2 of 100 sampled records skipped")
    assert "max-skipped-fraction" in fails.fix
    with pytest.raises(TooManySkipped, match="Skipped 2 of 100 records"):
        run_job(JobConfig(dataset_source=data, dataset_format=capture_format(), output_path=tmp_path / "o"))
    assert not findings(check(data, capture_format(), max_skipped_fraction=0.05), ERROR)


def test_wrong_field_counts_in_csv_are_skips_with_their_lines(tmp_path):
    rows = [",".join(f.split(",")[:4]) for f, _ in feature_rows(150, seed=11)]
    rows[6] += ",extra"
    rows[90] = rows[90].rsplit(",", 1)[0]
    path = tmp_path / "data.csv"
    path.write_text("a,b,c,d\n" + "\n".join(rows) + "\n")
    report = check(path, DatasetFormat(CSV, header=True))
    (wrong,) = findings(report, WARNING, "2 records would be skipped: wrong number of fields")
    assert wrong.where == f"{path}:8, {path}:92"
    assert "as many fields as the header" in wrong.fix
    assert findings(report, ERROR, "the job would fail")  # 2 of 150 > 1%


# -- clean data, and what validate says about it -----------------------------------------------
def test_clean_data_reports_the_columns_and_types_of_a_real_baseline_run(tmp_path):
    data = write_capture(tmp_path / "capture", files=3, per_file=300, seed=13, base64_every=0)
    report = check(data, capture_format())
    assert report.findings == [] and report.exit_code == 0
    statistics = json.loads(
        (build_baseline(tmp_path, data, capture_format()) / "statistics.json").read_text()
    )
    expected = [
        (
            f["name"],
            f["inferred_type"],
            next(iter(s for k, s in f.items() if k.endswith("_statistics")))["common"],
        )
        for f in statistics["features"]
    ]
    seen = [
        (c.name, c.inferred_type, {"num_present": c.num_present, "num_missing": c.num_missing})
        for c in report.columns
    ]
    assert seen == expected
    assert report.records.read == report.records.analyzed == 900
    capture = report.capture
    assert capture.parts["endpointInput"].widths == {5: 900}
    assert capture.first_time == "2026-11-22T10:00:00Z" and capture.last_time == "2026-11-22T10:04:59Z"


def test_only_the_sample_is_read(tmp_path):
    data = write_capture(tmp_path / "capture", files=2, per_file=3000, seed=15)
    with gzip.open(data / "part-9.jsonl.gz", "wt") as f:
        f.write("\n".join(capture_lines(3000, seed=16)) + "\n")
    report = check(data, capture_format(), sample_bytes=300_000)  # 100 KB per file
    assert report.bytes_sampled <= 300_000 + 3 * 1000  # plus the line each split completes
    assert all(0 < f.lines_sampled < 3000 for f in report.files)
    (gz,) = [f for f in report.files if f.path.endswith(".gz")]
    assert gz.encoding == "UTF-8 (gzip)"
    assert report.records.read == sum(f.lines_sampled for f in report.files)
    assert report.findings == []


# -- the command -------------------------------------------------------------------------------
def test_cli_text_and_json(tmp_path):
    data = write_capture(tmp_path / "capture", files=2, per_file=300, seed=17)
    baseline = build_baseline(tmp_path, data, capture_format("START"))
    args = [
        "--dataset", data, "--format", "capture", "--output-columns-position", "END",
        "--baseline-statistics", baseline / "statistics.json",
        "--baseline-constraints", baseline / "constraints.json",
    ]  # fmt: skip
    text = run_cli(*args)
    assert text.returncode == 1, text.stderr
    assert "ERROR    likely column shift" in text.stdout
    assert "fix:   set output_columns_position=START" in text.stdout
    assert "columns (6)" in text.stdout
    as_json = run_cli(*args, "--json")
    assert as_json.returncode == 1, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["exit_code"] == 1
    assert document["findings"][0]["severity"] == ERROR
    assert set(document["findings"][0]) == {"severity", "problem", "where", "fix"}
    clean = run_cli("--dataset", data, "--format", "capture", "--json")
    assert clean.returncode == 0, clean.stdout
    assert json.loads(clean.stdout)["findings"] == []
    usage = run_cli("--dataset", tmp_path / "nowhere")
    assert usage.returncode == 255


def test_the_job_skips_latin1_capture_lines_instead_of_crashing(tmp_path):
    """pyarrow's JSON reader does not validate UTF-8; the columnar path must leave such splits to the
    record reader, which skips exactly the Latin-1 lines (validate predicts the same count)."""
    lines = [line.replace(",a,", ",caf\u00e9,") for line in capture_lines(60, seed=19)]
    data = tmp_path / "capture"
    data.mkdir()
    (data / "part.jsonl").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    bad = sum(any(ord(c) > 127 for c in line) for line in lines)
    result = run_job(
        JobConfig(dataset_source=data, dataset_format=capture_format(), output_path=tmp_path / "o",
                  max_skipped_fraction=1.0),
        engine="local",
    )  # fmt: skip
    assert result.ledger.skipped == {"not UTF-8": bad} and 0 < bad < 60
    assert check(data, capture_format()).records.skipped_by_reason == {"not UTF-8": bad}


def load_demo_generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_example_data", ROOT / "examples" / "make_example_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_placement_shift_is_found_in_drifted_traffic(tmp_path):
    """The demo's monitoring hour drifts on purpose (a type change, a shifted mean, text in a numeric
    column, a new category): read with the outputs at the wrong end, validate must still see that
    the other placement explains the columns far better, and that placement must not be flagged."""
    import random

    demo = load_demo_generator()
    rng = random.Random(7)
    train = demo.write_baseline(tmp_path, rng, 2000)
    demo.write_capture(tmp_path, rng, 500)
    baseline = build_baseline(tmp_path, train, DatasetFormat(CSV, header=True))
    capture = tmp_path / "capture"
    shifts = findings(check(capture, capture_format("END"), baseline), ERROR, "column shift")
    assert len(shifts) == 1 and "output_columns_position=START" in shifts[0].fix, shifts
    assert findings(check(capture, capture_format("START"), baseline), ERROR, "column shift") == []


# -- the time window of a monitoring run -----------------------------------------------------
def times_in(data: Path) -> list[datetime]:
    """Every record's inferenceTime, read straight from the lines (independent of the readers)."""
    return [
        datetime.fromisoformat(json.loads(line)["eventMetadata"]["inferenceTime"].replace("Z", "+00:00"))
        for path in sorted(data.iterdir())
        for line in path.read_text().splitlines()
    ]


def test_a_window_drops_what_a_windowed_monitoring_run_drops(tmp_path):
    # Each file's records run from 10:00:00 to 10:06:39; the window keeps 10:02:00 up to 10:04:00.
    data = write_capture(tmp_path / "capture", files=2, per_file=400, seed=23)
    baseline = build_baseline(tmp_path, data, capture_format())
    start, end = "2026-11-22T10:02:00Z", "2026-11-22T10:04:00Z"
    window = TimeWindow.of(start, end)
    inside = sum(window.start <= t < window.end for t in times_in(data))
    assert 0 < inside < 800
    report = check(data, capture_format(), baseline, window=window)
    assert (report.records.read, report.records.analyzed, report.records.dropped) == (
        800,
        inside,
        800 - inside,
    )
    reason = f"inferenceTime outside the window {window}"
    assert report.records.dropped_by_reason == {reason: 800 - inside}
    assert [(f.severity, f.problem) for f in report.findings] == [
        (INFO, f"{800 - inside} records left out on purpose: {reason}")
    ]
    assert report.exit_code == 0
    # The monitoring job over the same window analyzes the same records.
    out = tmp_path / "monitored"
    run_job(
        JobConfig(
            dataset_source=data,
            dataset_format=capture_format(),
            output_path=out,
            baseline_statistics=baseline / "statistics.json",
            baseline_constraints=baseline / "constraints.json",
            start_time=start,
            end_time=end,
        ),
        engine="local",
    )
    statistics = json.loads((out / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == report.records.analyzed
    # Without the window every record is analyzed.
    assert check(data, capture_format(), baseline).records.analyzed == 800


def test_a_window_that_holds_no_sampled_record_is_a_warning_with_the_capture_range(tmp_path):
    data = write_capture(tmp_path / "capture", files=2, per_file=400, seed=29)
    baseline = build_baseline(tmp_path, data, capture_format())
    times = times_in(data)
    window = TimeWindow.of("2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z")
    assert not any(window.contains(t) for t in times)
    report = check(data, capture_format(), baseline, window=window)
    assert report.records.analyzed == 0 and report.records.dropped == 800
    warnings = findings(report, WARNING, "no sampled record falls in the window")
    assert len(warnings) == 1, report.findings
    span = f"{min(times):%Y-%m-%dT%H:%M:%SZ}..{max(times):%Y-%m-%dT%H:%M:%SZ}"
    assert span == "2026-11-22T10:00:00Z..2026-11-22T10:06:39Z"
    assert warnings[0].fix == f"check start_time/end_time against the capture's inferenceTime range {span}"
    assert "800 records outside it" in warnings[0].problem
    # A sample is not the whole capture: no predicted job failure, and no comparison of empty columns.
    assert findings(report, ERROR) == []
    assert report.exit_code == 1


def test_cli_window_flags(tmp_path):
    data = write_capture(tmp_path / "capture", files=1, per_file=300, seed=31)
    base = ["--dataset", data, "--format", "capture", "--json"]
    inside = run_cli(*base, "--start-time", "2026-11-22T10:01:00Z", "--end-time", "2026-11-22T10:03:00Z")
    assert inside.returncode == 0, inside.stderr
    assert json.loads(inside.stdout)["records"]["analyzed"] == 120
    outside = run_cli(*base, "--start-time", "2026-11-23T00:00:00Z")
    assert outside.returncode == 1, outside.stderr
    fixes = [f["fix"] for f in json.loads(outside.stdout)["findings"]]
    assert "check start_time/end_time against the capture's inferenceTime range " in fixes[0]
    reversed_window = run_cli(
        *base, "--start-time", "2026-11-22T11:00:00Z", "--end-time", "2026-11-22T10:00:00Z"
    )
    assert reversed_window.returncode == 255
    assert "must be before end_time" in reversed_window.stderr
