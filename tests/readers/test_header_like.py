"""A header read as data: the detector on its own, and its WARNING from every entry point (real
jobs: local Spark, the console script, the container entrypoint, local-job, schedule run)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer.cli import entrypoint
from analyzer.config.formats import DatasetFormat, parse_dataset_format
from analyzer.files.sources import read_head
from analyzer.readers import header_like
from analyzer.readers.header_like import CSV_FIX, check_head, warn
from analyzer.runtime import local_job
from analyzer.validation.findings import WARNING
from analyzer.validation.run import ValidateRequest, validate
from tests.conftest import ROOT
from tests.helpers.capture import capture_record, event_id, iso
from tests.runtime.test_container_units import baseline_request, in_process  # noqa: F401 - a fixture

NO_HEADER = DatasetFormat("csv")
WITH_HEADER = DatasetFormat("csv", header=True)
CAPTURE = parse_dataset_format(
    '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
)
TRAINING = "notebook_churn/training-dataset-with-header.csv"
TRAFFIC = "notebook_churn/test-dataset-input-cols.csv"
HOUR = datetime(2026, 11, 22, 10, tzinfo=UTC)


def detect(path: Path, dataset_format: DatasetFormat = NO_HEADER) -> list:
    return check_head(str(path), read_head(path, header_like.HEAD_BYTES), dataset_format)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def numeric_rows(rng: random.Random, rows: int, width: int) -> str:
    return "".join(
        ",".join(str(rng.randint(-50, 50)) if c % 2 else f"{rng.gauss(0, 10):.4f}" for c in range(width))
        + "\n"
        for _ in range(rows)
    )


def warnings_in(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "looks like a header" in r.getMessage()
    ]


# -------------------------------------------------------------------------------- the detector


def test_the_golden_training_file_read_without_header_starts_with_a_header(golden):
    (found,) = detect(golden / TRAINING)
    assert (found.path, found.line, found.part) == (str(golden / TRAINING), 1, None)
    assert found.names[:2] == ((0, "Churn"), (1, "Account Length"))
    assert len(found.names) == 70  # every column of the file is numeric below its name
    assert found.fix == CSV_FIX
    assert detect(golden / TRAINING, WITH_HEADER) == []


def test_the_golden_traffic_file_whose_mangled_header_is_numbers_is_data(golden):
    assert detect(golden / TRAFFIC) == []


@pytest.mark.parametrize("seed", range(5))
def test_random_numeric_csv_is_data_and_the_same_under_a_header_is_found(tmp_path, seed):
    rng = random.Random(seed)
    width = rng.randint(1, 12)
    rows = numeric_rows(rng, rng.randint(3, 400), width)
    assert detect(write(tmp_path / "plain.csv", rows)) == []
    header = ",".join(f"feature_{i}" for i in range(width)) + "\n"
    (found,) = detect(write(tmp_path / "headed.csv", header + rows))
    assert [name for _, name in found.names] == [f"feature_{i}" for i in range(width)]


def test_a_column_of_words_is_not_a_header(tmp_path):
    rng = random.Random(3)
    words = ["red", "green", "blue", "cyan"]
    rows = "".join(f"{rng.choice(words)},{rng.choice(words)}\n" for _ in range(200))
    assert detect(write(tmp_path / "words.csv", rows)) == []
    # Words beside numbers: the first line holds numbers, so it is a data line.
    mixed = "".join(f"{rng.choice(words)},{rng.random():.3f},{rng.randint(0, 9)}\n" for _ in range(200))
    assert detect(write(tmp_path / "mixed.csv", mixed)) == []
    # A first line of words only, above a word column and a numeric column whose value is missing.
    assert detect(write(tmp_path / "gap.csv", "red,,\n" + mixed)) == []


def test_a_first_line_with_a_missing_or_a_bad_value_is_data(tmp_path):
    rng = random.Random(4)
    rows = numeric_rows(rng, 100, 4)
    assert detect(write(tmp_path / "missing.csv", "1.5,,3,4\n" + rows)) == []
    assert detect(write(tmp_path / "bad.csv", "1.5,oops,3,4\n" + rows)) == []
    assert detect(write(tmp_path / "markers.csv", "NA,NaN,null,\n" + rows)) == []
    # A value the column repeats below is a marker of the data, not a name.
    repeated = "".join(("unknown" if i % 20 == 0 else str(i)) + "\n" for i in range(1, 200))
    assert detect(write(tmp_path / "repeated.csv", "unknown\n" + repeated)) == []


def test_the_header_is_the_first_non_blank_line_and_gzip_and_bom_are_read(tmp_path):
    rows = numeric_rows(random.Random(5), 50, 3)
    (found,) = detect(write(tmp_path / "blank.csv", "\n  \nx,y,z\n" + rows))
    assert found.line == 3
    (found,) = detect(
        write(tmp_path / "packed.csv.gz", gzip.compress(b"\xef\xbb\xbfx,y,z\n" + rows.encode()))
    )
    assert (found.line, found.names[0]) == (1, (0, "x"))


def test_a_capture_payload_that_starts_with_a_header(tmp_path):
    rng = random.Random(6)
    records = [capture_record("age,income", "score", iso(HOUR), event_id(rng))] + [
        capture_record(
            f"{rng.randint(18, 90)},{rng.random() * 1e5:.2f}", f"{rng.random():.3f}", iso(HOUR), event_id(rng)
        )
        for _ in range(30)
    ]
    path = write(tmp_path / "capture.jsonl", "\n".join(records) + "\n")
    found = detect(path, CAPTURE)
    assert [(f.part, f.line, f.names) for f in found] == [
        ("endpointInput", 1, ((0, "age"), (1, "income"))),
        ("endpointOutput", 1, ((0, "score"),)),
    ]
    assert "preprocess_handler" in found[0].fix
    assert detect(write(tmp_path / "clean.jsonl", "\n".join(records[1:]) + "\n"), CAPTURE) == []


def test_the_log_names_the_first_files_then_counts(caplog, tmp_path):
    rows = numeric_rows(random.Random(7), 20, 2)
    found = [detect(write(tmp_path / f"f{i}.csv", "a,b\n" + rows))[0] for i in range(7)]
    with caplog.at_level(logging.WARNING):
        warn(found)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == header_like.MAX_NAMED + 1
    assert messages[0].startswith(f"{tmp_path / 'f0.csv'}:1: line 1 looks like a header")
    assert CSV_FIX in messages[0]
    assert messages[-1] == "... and 2 more files start with a line that looks like a header"


# -------------------------------------------------------------------------------- validate


def test_validate_reports_it_with_the_fix(golden, tmp_path):
    report = validate(ValidateRequest(golden / TRAINING, NO_HEADER))
    (finding,) = [f for f in report.findings if "looks like a header" in f.problem]
    assert finding.severity == WARNING
    assert finding.where == f"{golden / TRAINING}:1"
    assert '--header (CLI) or "header": true in dataset_format (container)' in finding.fix
    assert report.exit_code == 1
    assert not [
        f for f in validate(ValidateRequest(golden / TRAINING, WITH_HEADER)).findings if "header" in f.problem
    ]
    assert validate(ValidateRequest(golden / TRAFFIC, NO_HEADER)).findings == []


def test_validate_blames_the_header_for_the_type_mismatches_against_a_baseline(baseline, golden, tmp_path):
    data = write(tmp_path / "data" / "train.csv", (golden / TRAINING).read_bytes().split(b"\n", 1)[1])
    baseline(data, NO_HEADER, output_path=tmp_path / "base")
    report = validate(
        ValidateRequest(
            golden / TRAINING,
            NO_HEADER,
            baseline_statistics=tmp_path / "base" / "statistics.json",
            baseline_constraints=tmp_path / "base" / "constraints.json",
        )
    )
    mismatches = [f for f in report.findings if f.problem.startswith("type mismatch")]
    assert mismatches
    assert all(f.fix == f"caused by the header line read as data (above): {CSV_FIX}" for f in mismatches)


# -------------------------------------------------------------------------------- every entry point


def test_run_job_on_spark_logs_it_and_with_header_does_not(baseline, golden, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        statistics, _, _ = baseline(golden / TRAINING, NO_HEADER, output_path=tmp_path / "no")
    (message,) = warnings_in(caplog)
    assert message.startswith(f"{golden / TRAINING}:1: line 1 looks like a header")
    assert CSV_FIX in message
    assert {f["inferred_type"] for f in statistics["features"]} == {"String"}  # read as asked, warned
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        baseline(golden / TRAINING, WITH_HEADER, output_path=tmp_path / "yes")
        baseline(golden / TRAFFIC, NO_HEADER, output_path=tmp_path / "traffic")
    assert warnings_in(caplog) == []


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m analyzer.cli`` from this checkout, profiling in its own process (no JVM)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("SPARK_MASTER", "dataset_source")}
    environment.update(PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "analyzer.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_baseline_and_monitor_log_it(golden, tmp_path):
    expected = f"WARNING monitor_analyzer.profile - {golden / TRAINING}:1: line 1 looks like a header"
    result = cli("baseline", "--dataset", str(golden / TRAINING), "--output", str(tmp_path / "base"))
    assert result.returncode == 0, result.stderr
    assert expected in result.stderr and CSV_FIX in result.stderr
    result = cli(
        "monitor", "--dataset", str(golden / TRAINING), "--output", str(tmp_path / "monitor"),
        "--baseline-statistics", str(tmp_path / "base" / "statistics.json"),
        "--baseline-constraints", str(tmp_path / "base" / "constraints.json"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert expected in result.stderr
    result = cli("baseline", "--dataset", str(golden / TRAINING), "--header", "--output", str(tmp_path / "h"))
    assert result.returncode == 0, result.stderr
    assert "looks like a header" not in result.stderr


def test_container_run_logs_it(golden, tmp_path):
    result = cli(
        "run",
        env={
            "OPT_ML": str(tmp_path / "opt_ml"),
            "dataset_source": str(golden / TRAINING),
            "dataset_format": '{"csv": {"header": false}}',
            "output_path": str(tmp_path / "out"),
        },
    )
    assert result.returncode == 0, result.stderr
    assert f"{golden / TRAINING}:1: line 1 looks like a header" in result.stderr
    assert CSV_FIX in result.stderr


def test_local_job_in_process_logs_it(tmp_path, in_process, caplog):  # noqa: F811 - the fixture
    request = baseline_request(tmp_path, '{"csv": {"header": false}}')
    with caplog.at_level(logging.WARNING):
        result = local_job.run_local_job(request, tmp_path / "job", docker=False, entrypoint=entrypoint.main)
    assert result.exit_code == 0, result.message
    (message,) = warnings_in(caplog)
    staged = tmp_path / "job" / "processing" / "input" / "baseline_dataset_input" / "part.csv"
    assert message.startswith(
        f'{staged}:1: line 1 looks like a header (text above numeric columns: _c0 "a", _c1 "b")'
    )


def test_schedule_run_logs_a_header_in_the_capture_payload(golden, tmp_path):
    capture = tmp_path / "capture" / "pricing" / "AllTraffic" / f"{HOUR:%Y/%m/%d/%H}"
    rng = random.Random(8)
    rows = [
        line.split(",")
        for line in (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().split()
    ]
    lines = [capture_record("f1,f2,f3,f4,f5", "label", iso(HOUR), event_id(rng))] + [
        capture_record(",".join(r[1:]), r[0], iso(HOUR + timedelta(seconds=20 * (i + 1))), event_id(rng))
        for i, r in enumerate(rows)
    ]
    path = write(capture / "a.jsonl", "\n".join(lines) + "\n")
    source = golden / "sdk_pipeline_data_quality"
    result = cli(
        "schedule", "run", "--cron", "0 * * * *", "--endpoint", "pricing", "--schedule-name", "hourly",
        "--capture", str(tmp_path / "capture"), "--output", str(tmp_path / "reports"),
        "--baseline-statistics", str(source / "statistics.json"),
        "--baseline-constraints", str(source / "constraints_good_cases.json"),
        "--backfill", "2026-11-22T10:30:00Z", "2026-11-22T11:00:00Z",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The window's files are staged into a scratch directory: the log names the staged copy.
    assert (
        f"/{path.name}:1: the endpointInput CSV payload starts with a line that looks like a header"
        in result.stderr
    )
    assert json.loads(next((tmp_path / "reports").rglob("statistics.json")).read_text())
