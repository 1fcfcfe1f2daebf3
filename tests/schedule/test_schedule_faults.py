"""The scheduler under faults and hostile neighbours: its locks live in a private directory, are
never opened through a link, and are keyed by the canonical report root; a missing bucket is one
line naming the URI; a damaged history record is skipped with a warning; a backfill whose windows
failed exits non-zero after its summary line. S3 through a real emulator (moto on loopback)."""

from __future__ import annotations

import errno
import fcntl
import os
from datetime import UTC, datetime

import pytest

from analyzer.common.errors import ConfigError
from analyzer.files import storage
from analyzer.schedule.cron import Cron
from analyzer.schedule.locks import canonical_root, exclusive, lock_directory, lock_path
from analyzer.schedule.runner import ScheduleSpec, Window, executions, recorded
from tests.cli.test_entrypoint import FAILURE_EXIT, describe, run_cli
from tests.helpers.aws import moto_server
from tests.schedule.test_schedule import BUCKET, ENDPOINT, SCHEDULE, golden_backfill, prepare, schedule_args


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(run))
    return run


def spec(output: str) -> ScheduleSpec:
    return ScheduleSpec(
        Cron.parse("0 * * * *"), "capture", output, ENDPOINT, SCHEDULE, baseline_constraints="c"
    )


def test_a_link_planted_at_the_lock_path_is_refused_and_its_target_not_truncated(tmp_path, runtime):
    root = spec(str(tmp_path / "out")).root
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock_path(root).symlink_to(victim)
    with pytest.raises(ConfigError, match="is a symbolic link"), exclusive(root):
        pass
    assert victim.read_text() == "precious"


def test_spellings_of_one_output_contend_for_one_lock(tmp_path, runtime, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "out")
    spellings = ["out", str(tmp_path / "out"), "./out/", str(tmp_path / "alias")]
    with exclusive(spec("out").root):
        for output in spellings:
            fd = os.open(lock_path(spec(output).root), os.O_RDWR)
            try:
                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(fd)
    assert canonical_root("s3://b/p/") == canonical_root("s3://b//p") == "s3://b/p"
    assert lock_path(spec("s3://b/p/").root) == lock_path(spec("s3://b//p").root)
    assert lock_path(spec("s3://b/p").root) != lock_path(spec("s3://b/q").root)


def test_the_lock_directory_must_be_this_users_and_private(tmp_path, runtime):
    assert lock_directory() == runtime / "monitor-analyzer"
    assert (lock_directory().stat().st_mode & 0o777) == 0o700
    lock_directory().chmod(0o755)
    with pytest.raises(ConfigError, match="mode 0755"):
        lock_directory()
    (runtime / "monitor-analyzer").rmdir()
    (runtime / "monitor-analyzer").symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="not a directory"):
        lock_directory()


def test_a_damaged_history_record_is_skipped_with_a_warning(tmp_path, caplog):
    schedule = spec(str(tmp_path / "out"))
    window = Window.of(schedule, datetime(2026, 11, 22, 11, tzinfo=UTC))
    history = storage.local(schedule.root) / "_executions"
    history.mkdir(parents=True)
    good = '{"window_start": "a", "window_end": "b", "scheduled_time": "c", "status": "Completed", "new": 1}'
    (history / "good.json").write_text(good)
    (history / f"{window.key}.json").write_text('{"window_start": ')
    (history / "list.json").write_text("[1, 2]")
    (history / "binary.json").write_bytes(b"\xff\xfe")
    (history / "short.json").write_text('{"status": "Completed"}')
    assert [e.status for e in executions(str(tmp_path / "out"), ENDPOINT, SCHEDULE)] == ["Completed"]
    assert recorded(schedule, window) is None  # a damaged record is no evidence: the window runs again
    skipped = [r.getMessage() for r in caplog.records if "Execution record skipped" in r.getMessage()]
    for name in (f"{window.key}.json", "list.json", "binary.json", "short.json"):
        assert any(name in message for message in skipped), skipped
    listing = run_cli("schedule", "executions", "--output", str(tmp_path / "out"), "--endpoint", ENDPOINT,
                      "--schedule-name", SCHEDULE)  # fmt: skip
    assert listing.returncode == 0 and "Traceback" not in listing.stderr, describe(listing)
    assert "Completed" in listing.stdout and "Execution record skipped" in listing.stderr


def test_a_backfill_whose_windows_all_failed_exits_non_zero_after_a_summary_line(tmp_path, golden):
    (tmp_path / "capture").mkdir()
    result = golden_backfill(tmp_path, golden, SCHEDULE, "2026-11-22T10:00:00Z", "2026-11-22T12:00:00Z")
    assert result.returncode == FAILURE_EXIT, describe(result)
    assert result.stdout.splitlines()[-1] == "2 window(s): 2 Failed"
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: 2 of 2 window(s) failed; first: 2026-11-22T11:00:00Z: no data")


def test_a_missing_bucket_is_one_line_naming_the_uri(tmp_path, golden):
    with moto_server(tmp_path):
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        locations = prepare(boto3.client("s3"), golden, "missing", hours=1)
        window = ("--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z")
        runs = {
            "capture": {**locations, "--capture": "s3://no-such-capture-bucket/capture"},
            "output": {**locations, "--output": "s3://no-such-output-bucket/reports"},
        }
        for which, args in runs.items():
            result = run_cli(*schedule_args(args, *window))
            assert result.returncode == FAILURE_EXIT, describe(result)
            assert "Traceback" not in result.stderr, describe(result)
            error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            assert len(error) == 1 and f"NoSuchBucket for s3://no-such-{which}-bucket/" in error[0], describe(
                result
            )


def test_the_lock_is_never_opened_for_writing_through_a_link_even_if_the_check_races(tmp_path, runtime):
    # O_NOFOLLOW itself, not only the message: the open fails with ELOOP on a link.
    path = lock_path(spec(str(tmp_path / "out")).root)
    path.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ConfigError) as raised, exclusive(spec(str(tmp_path / "out")).root):
        pass
    assert raised.value.__cause__.errno == errno.ELOOP and not (tmp_path / "nowhere").exists()
