"""Killing the analyzer at random points (SIGKILL, again and again) never leaves a partial report or
a set of two runs' files, and the next run writes the same files as an undisturbed one."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

from analyzer.report.publish import recover
from tests.cli.test_entrypoint import CLI, SDK_ENV, under, write_job_config

REPORTS = ("statistics.json", "constraints.json", "quarantine/skipped.jsonl", "report.html")


def job(opt_ml: Path, golden: Path, copies: int = 1500, name: str = "big.csv") -> Path:
    rows = (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().splitlines()
    data = under(opt_ml, SDK_ENV["dataset_source"])
    data.mkdir(parents=True, exist_ok=True)
    with (data / name).open("w") as f:
        f.write(",".join(f"f{i}" for i in range(len(rows[0].split(",")))) + "\n")
        for i in range(copies):  # 150,000 rows: a couple of seconds of work to interrupt
            f.write("\n".join(rows) + "\n")
            if i % 300 == 7:  # a few short rows, skipped and quarantined: that file is a report too
                f.write(f"{i},short\n")
    if not (opt_ml / "config").is_dir():
        write_job_config(opt_ml, {**SDK_ENV, "quarantine_skipped_records": "Enabled"})
    return under(opt_ml, SDK_ENV["output_path"])


def files(directory: Path) -> dict[str, bytes]:
    if not directory.is_dir():
        return {}
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def run(opt_ml: Path, wait: bool = True):
    """`monitor-analyzer run` as the container runs it (the engine it picks, no SPARK_MASTER)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OPT_ML", "SPARK_MASTER")}
    env["OPT_ML"] = str(opt_ml)
    process = subprocess.Popen(
        [str(CLI), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if wait:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, f"exit {process.returncode}: {err[-2000:]}"
    return process


def test_sigkill_at_random_points_never_leaves_a_partial_report(tmp_path, golden):
    reference_dir = tmp_path / "reference"
    reference_output = job(reference_dir, golden)
    started = time.monotonic()
    run(reference_dir)
    duration = time.monotonic() - started  # kill inside a run's lifetime, from start-up to the last write
    reference = files(reference_output)
    assert sorted(reference) == sorted(REPORTS)

    opt_ml = tmp_path / "killed"
    # The set of an earlier run on other data (no skipped record: no quarantine) is in the output.
    output = job(opt_ml, golden, copies=3, name="small.csv")
    run(opt_ml)
    earlier = files(output)
    assert sorted(earlier) == sorted(set(REPORTS) - {"quarantine/skipped.jsonl"})
    (under(opt_ml, SDK_ENV["dataset_source"]) / "small.csv").unlink()
    job(opt_ml, golden)
    # Skipped records are reported with their file:line, under this run's directory.
    reference = {k: v.replace(bytes(reference_dir), bytes(opt_ml)) for k, v in reference.items()}
    rng = random.Random(7)
    for _ in range(6):
        process = run(opt_ml, wait=False)
        time.sleep(rng.uniform(0.05, duration * 1.05))
        process.send_signal(signal.SIGKILL)
        process.communicate()
        visible = {name: data for name, data in files(output).items() if not Path(name).name.startswith(".")}
        for name, data in visible.items():  # a report file is whole, or absent
            assert name in REPORTS, name
            assert data in (reference[name], earlier.get(name))
            if name.endswith(".json"):
                json.loads(data)
        recover(output)  # what the next run does first: finish a committed publish, drop the staging
        visible = {name: data for name, data in files(output).items() if not Path(name).name.startswith(".")}
        assert visible in (earlier, reference)  # the set: all of one run, never files of both
        message = opt_ml / "output" / "message"
        assert (
            not message.exists() or message.read_text() == (reference_dir / "output" / "message").read_text()
        )

    # What a kill during a write leaves (the random kills may or may not have hit one): hidden halves.
    output.mkdir(parents=True, exist_ok=True)
    (opt_ml / "output").mkdir(parents=True, exist_ok=True)
    (output / ".statistics.json.k1ll3d").write_text('{"version" : 0.0, "data')
    (output / "quarantine").mkdir(exist_ok=True)
    (output / "quarantine" / ".skipped.jsonl.k1ll3d").write_text('{"location"')
    (opt_ml / "output" / ".message.k1ll3d").write_text("Compl")
    run(opt_ml)
    assert files(output) == reference  # the same bytes, and no temporary file of a killed run is left
    assert not [p for p in (opt_ml / "output").iterdir() if p.name.startswith(".")]
