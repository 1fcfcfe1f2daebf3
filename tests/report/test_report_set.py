"""A run's report set is all-or-nothing: a kill at any step of the publish, a full disk, or a second
run on the same output never leaves files of two runs side by side."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzer.files.output_lock import LOCK_NAME, lock_output
from analyzer.report.publish import ReportSet, recover
from tests.cli.test_entrypoint import CLI
from tests.product.test_kill import files

OLD = {
    "statistics.json": b"old statistics\n",
    "constraints.json": b"old constraints\n",
    "constraint_violations.json": b"old violations\n",
    "report.html": b"old report\n",
    "notes.txt": b"the user's own file\n",
}
NEW = {
    "statistics.json": b"new statistics\n",
    "constraints.json": b"new constraints\n",
    "report.html": b"new report\n",
    "quarantine/skipped.jsonl": b"new quarantine\n",
}


def visible(output: Path) -> dict[str, bytes]:
    return {k: v for k, v in files(output).items() if not any(p.startswith(".") for p in Path(k).parts)}


def put(output: Path, contents: dict[str, bytes]) -> None:
    for name, data in contents.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_bytes(data)


def publish_and_die_at(output: Path, step: int) -> int:
    """In a child process: stage NEW and publish it, dying (as a SIGKILL would: no cleanup) at the
    ``step``-th file system change. The child's exit status (9: died there, 0: got through)."""
    pid = os.fork()
    if pid == 0:
        calls = [0]

        def dying(real):
            def call(*args, **kwargs):
                calls[0] += 1
                if calls[0] == step:
                    os._exit(9)
                return real(*args, **kwargs)

            return call

        try:
            os.replace, os.unlink, os.rmdir = (dying(f) for f in (os.replace, os.unlink, os.rmdir))
            reports = ReportSet.open(output)
            put(reports.staging, NEW)
            reports.publish()
            reports.close()
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_kill_at_any_step_of_a_publish_leaves_the_old_set_or_the_new_one(tmp_path):
    """Every file system change of a publish (the journal's commit, each rename, each removal) in turn
    is the last one before the kill; after the recovery any next run does first, the output holds the
    old set or the new one, whole, beside the user's file."""
    new_set = {**NEW, "notes.txt": OLD["notes.txt"]}
    outcomes = []
    for step in range(1, 40):
        output = tmp_path / f"step-{step}"
        output.mkdir()
        put(output, OLD)
        status = publish_and_die_at(output, step)
        lock_output(output).release()  # the killed run's lock died with it
        recover(output)
        seen = visible(output)
        assert seen in (OLD, new_set), (step, sorted(seen))
        assert not [p.name for p in output.iterdir() if p.name.startswith(".")]
        outcomes.append(seen == OLD)
        if status == 0:
            break
    assert status == 0, "the publish never got through"
    assert outcomes[0] and not outcomes[-1]  # killed early: the old set; late or not at all: the new


def golden_csv(golden: Path, path: Path, copies: int, short_rows: bool) -> Path:
    rows = (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().splitlines()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        f.write(",".join(f"f{i}" for i in range(len(rows[0].split(",")))) + "\n")
        for i in range(copies):
            f.write("\n".join(rows) + "\n")
            if short_rows and i == 0:
                f.write("1,short\n")
    return path


def baseline(dataset: Path, output: Path, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:  # Python ignores SIGXFSZ: a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [str(CLI), "baseline", "--dataset", str(dataset), "--format", "csv", "--header"]
        + ["--output", str(output), "--engine", "local", "--quarantine"],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit if fsize else None,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def two_sets(tmp_path, golden):
    """An output holding the set of a run on data A, and data B whose set differs in every file."""
    data_a = golden_csv(golden, tmp_path / "a" / "data.csv", 1, short_rows=False)
    data_b = golden_csv(golden, tmp_path / "b" / "data.csv", 3, short_rows=True)
    output = tmp_path / "output"
    assert baseline(data_a, output).returncode == 0
    reference = tmp_path / "reference"
    assert baseline(data_b, reference).returncode == 0
    return output, files(output), data_b, files(reference)


def test_a_full_disk_keeps_the_previous_set_and_fails_with_one_line(two_sets):
    output, old, data_b, new = two_sets
    assert sorted(old) == ["constraints.json", "report.html", "statistics.json"]
    # Every file of B's set fits, but report.html: the disk is full when the last one is written.
    fsize = len(new["report.html"]) - 1
    assert max(len(v) for k, v in new.items() if k != "report.html") <= fsize

    result = baseline(data_b, output, fsize=fsize)

    assert result.returncode == 255, result.stderr[-2000:]
    assert error_lines(result) == [
        f"error: Cannot write {output / 'report.html'}: File too large; the reports already in {output} "
        "are unchanged"
    ]
    assert files(output) == old  # not one file of B; no staging, no lock

    assert baseline(data_b, output).returncode == 0  # with room again, B's whole set
    assert files(output) == new


def test_a_second_run_on_an_output_in_use_fails_at_start_naming_the_first(two_sets):
    output, old, data_b, _ = two_sets
    held = lock_output(output)  # the first run, still running
    try:
        result = baseline(data_b, output)
    finally:
        held.release()
    assert result.returncode == 255
    assert error_lines(result) == [
        f"error: Output {output} is in use by another monitor-analyzer run (pid {os.getpid()}, lock "
        f"{output / LOCK_NAME}): wait for it to end, or give another output"
    ]
    assert files(output) == old  # nothing written, and the first run's lock file was not touched


def test_links_planted_in_the_output_are_never_followed(two_sets, tmp_path):
    output, old, data_b, _ = two_sets
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (output / LOCK_NAME).symlink_to(victim)  # opening it to write a pid must not truncate the target
    result = baseline(data_b, output)
    assert result.returncode == 255
    assert error_lines(result) == [
        f"error: Lock file {output / LOCK_NAME} is a symbolic link: refusing to use it; remove it"
    ]
    assert victim.read_text() == "precious"
    (output / LOCK_NAME).unlink()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (output / "quarantine").symlink_to(elsewhere)  # B's quarantine would be written through it
    result = baseline(data_b, output)
    assert result.returncode == 255
    assert error_lines(result) == [
        f"error: Cannot publish {output / 'quarantine' / 'skipped.jsonl'}: {output / 'quarantine'} is a "
        f"symbolic link; the reports already in {output} are unchanged"
    ]
    assert not list(elsewhere.iterdir())
    (output / "quarantine").unlink()
    assert files(output) == old


def test_a_run_failed_for_too_many_skipped_records_leaves_its_quarantine_alone(two_sets, golden, tmp_path):
    """Its quarantine is what whoever fixes the input needs; beside the previous run's statistics it
    would be a set of two runs, so the set is the quarantine alone."""
    output, _, _, _ = two_sets
    bad = golden_csv(golden, tmp_path / "bad" / "data.csv", 0, short_rows=False)
    bad.write_text(bad.read_text() + "1,short\n2,short\n")
    result = subprocess.run(
        [str(CLI), "baseline", "--dataset", str(bad), "--format", "csv", "--header", "--output", str(output)]
        + ["--engine", "local", "--quarantine"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 255
    assert sorted(files(output)) == ["quarantine/skipped.jsonl"]


def test_the_publish_is_undone_when_nothing_was_committed(tmp_path):
    output = tmp_path / "out"
    output.mkdir()
    put(output, OLD)
    reports = ReportSet.open(output)
    put(reports.staging, NEW)
    reports.close()  # a failed run: its staging goes, the old set stands, the lock file goes
    assert files(output) == OLD
    shutil.rmtree(output)
    reports = ReportSet.open(output)  # a run that creates its output and fails leaves none behind
    reports.close()
    assert not output.exists()
