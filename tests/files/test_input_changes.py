"""A file that changes size, is rewritten, replaced or deleted between planning and reading fails
the job naming it: on Spark tasks (one attempt, one line) and in this process."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import CSV, PARQUET, DatasetFormat
from analyzer.files.file_stamp import InputChanged
from analyzer.files.sources import plan_splits, read_split
from analyzer.jobs.job import run_job
from analyzer.readers import ReadPlan, parquet_reader
from analyzer.readers.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]
ROWS = 300


def csv_file(path: Path, rows: int = ROWS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{i},{i % 7}\n" for i in range(rows)))
    return path


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size * 2 // 3)


def grow(path: Path) -> None:
    with open(path, "a") as f:
        f.write("1,2\n")


def rewrite(path: Path) -> None:
    """Same size, other bytes, a later modification time."""
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b"1", b"2"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def replace(path: Path) -> None:
    fresh = path.with_name("fresh.tmp")
    fresh.write_bytes(path.read_bytes())
    os.replace(fresh, path)


CHANGES = {
    "truncate": (truncate, r"changed while the job read it \(size (\d+) -> (\d+)\)"),
    "grow": (grow, r"changed while the job read it \(size \d+ -> \d+\)"),
    "rewrite": (rewrite, r"changed while the job read it \(rewritten: same size, new modification time\)"),
    "replace": (replace, r"changed while the job read it \(replaced by another file\)"),
    "delete": (Path.unlink, r"disappeared while the job read it"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_file_changed_after_planning_fails_its_read(tmp_path, change, gz):
    path = csv_file(tmp_path / "a.csv")
    if gz:
        packed = tmp_path / "a.csv.gz"
        packed.write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
        path = packed
    splits = plan_splits([path], splittable=True, split_bytes=1000)
    assert read_split(splits[0])  # unchanged: read as planned
    act, message = CHANGES[change]
    act(path)
    with pytest.raises(InputChanged, match=f"^input file {path} {message}$"):
        read_split(splits[-1])


@pytest.mark.parametrize("change", ["truncate", "delete", "replace"])
def test_a_parquet_file_changed_after_planning_fails_its_read(tmp_path, change):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"x": list(range(ROWS))}), path)
    (split,) = plan_splits([path], splittable=False)
    act, message = CHANGES[change]
    act(path)
    with pytest.raises(InputChanged, match=f"^input file {path} {message}$"):
        list(parquet_reader.read(split, ReadPlan(DatasetFormat(PARQUET)), Ledger()))


def changing_preprocessor(tmp_path: Path, victim: Path, change: str, calls: Path) -> Path:
    """A preprocess_handler that changes ``victim`` on its first call: a.csv is read (and
    preprocessed) before b.csv in the same task, so b.csv changes after planning, before its read."""
    script = tmp_path / "change.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import os
            import pathlib

            victim = pathlib.Path({str(victim)!r})

            def preprocess_handler(record):
                calls = pathlib.Path({str(calls)!r})
                with calls.open("a") as f:
                    f.write("call\\n")
                if sum(1 for _ in calls.open()) == 1:
                    if {change!r} == "truncate":
                        os.truncate(victim, victim.stat().st_size * 2 // 3)
                    else:
                        victim.unlink()
                return record
            """
        )
    )
    return script


@pytest.mark.parametrize("engine", ["local", "spark"])
@pytest.mark.parametrize("change", ["truncate", "delete"])
def test_a_job_fails_naming_the_file_that_changed_under_it(spark, tmp_path, engine, change):
    data = tmp_path / "data"
    csv_file(data / "a.csv")
    victim = csv_file(data / "b.csv")
    calls = tmp_path / "calls.txt"
    config = JobConfig(
        dataset_source=data,
        dataset_format=DatasetFormat(CSV),
        output_path=tmp_path / "out",
        record_preprocessor_script=changing_preprocessor(tmp_path, victim, change, calls),
    )
    message = CHANGES[change][1]
    with pytest.raises(InputChanged, match=f"^input file {victim} {message}$"):
        run_job(config, spark=spark if engine == "spark" else None, engine=engine)
    # One attempt of the task: a.csv's records went through the handler once, b.csv was not read.
    assert len(calls.read_text().splitlines()) == ROWS
    assert not (tmp_path / "out" / "statistics.json").exists()


def test_the_cli_fails_in_one_line_naming_the_file(tmp_path):
    data = tmp_path / "data"
    csv_file(data / "a.csv")
    victim = csv_file(data / "b.csv")
    size = victim.stat().st_size
    script = changing_preprocessor(tmp_path, victim, "truncate", tmp_path / "calls.txt")
    done = subprocess.run(
        [
            sys.executable, "-m", "analyzer.cli", "baseline", "--dataset", str(data),
            "--output", str(tmp_path / "out"), "--preprocessor", str(script), "--engine", "local",
        ],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 255
    last = done.stderr.strip().splitlines()[-1]
    assert (
        last == f"error: input file {victim} changed while the job read it (size {size} -> {size * 2 // 3})"
    )
