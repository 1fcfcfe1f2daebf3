"""Listing dataset_source never leaves it: links out are skipped with a warning naming them, link
loops end, each real directory and file is read once; staging a local directory obeys the same."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import CSV, DatasetFormat
from analyzer.files import storage
from analyzer.files.listing import WARN_EACH, list_dataset
from analyzer.files.sources import list_files
from analyzer.jobs.job import run_job

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def source(tmp_path) -> Path:
    """A dataset with one file in a nested directory and one at the top."""
    root = tmp_path / "source"
    write(root / "day" / "hour" / "b.csv", "3,4\n")
    write(root / "a.csv", "1,2\n")
    return root


def test_a_link_out_of_the_source_is_skipped_with_a_warning(source, tmp_path, caplog):
    outside = write(tmp_path / "private" / "secret.csv", "9,9\n")
    (source / "secret.csv").symlink_to(outside)
    (source / "passwd.csv").symlink_to("/etc/passwd")
    (source / "day" / "private").symlink_to(outside.parent, target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.listing"):
        files = list_files(source)
    assert files == [source / "a.csv", source / "day" / "hour" / "b.csv"]
    assert f"{source / 'secret.csv'} is a link to {outside}, outside dataset_source" in caplog.text
    assert f"{source / 'passwd.csv'} is a link to /etc/passwd, outside dataset_source" in caplog.text
    assert f"{source / 'day' / 'private'} is a link to {outside.parent}, outside" in caplog.text
    assert "Listed 2 file(s) under" in caplog.text and "skipped 3 link(s)" in caplog.text


def test_links_inside_the_source_are_followed_each_file_read_once(source):
    (source / "alias.csv").symlink_to("a.csv")
    (source / "latest").symlink_to("day/hour", target_is_directory=True)
    (source / "day" / "hour" / "again").symlink_to("../../day", target_is_directory=True)
    listing = list_dataset(source)
    # Each real file once, under the first of its paths in name order.
    assert listing.files == [source / "a.csv", source / "day" / "hour" / "b.csv"]
    assert listing.repeated == 3 and listing.skipped == []


def test_a_directory_reached_only_through_a_link_is_read(tmp_path, source):
    real = write(source / "_store" / "c.csv", "5,6\n").parent  # hidden itself, read through the link
    (source / "current").symlink_to(real, target_is_directory=True)
    assert list_files(source) == [
        source / "a.csv",
        source / "current" / "c.csv",
        source / "day" / "hour" / "b.csv",
    ]


def test_two_links_to_a_parent_end_each_real_directory_listed_once(source):
    hour = source / "day" / "hour"
    (hour / "up").symlink_to("..", target_is_directory=True)
    (hour / "top").symlink_to("../..", target_is_directory=True)
    (source / "day" / "loop").symlink_to(".", target_is_directory=True)
    listing = list_dataset(source)
    assert listing.files == [source / "a.csv", hour / "b.csv"]
    assert listing.repeated == 3


def test_special_files_and_broken_links_are_skipped(source, caplog):
    os.mkfifo(source / "pipe.csv")  # reading it would wait forever
    (source / "gone.csv").symlink_to("nowhere.csv")
    (source / "zero.csv").symlink_to("/dev/zero")  # outside, and endless
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.listing"):
        listing = list_dataset(source)
    assert listing.files == [source / "a.csv", source / "day" / "hour" / "b.csv"]
    assert sorted(s.why for s in listing.skipped) == [
        "is a FIFO",
        "is a broken link to nowhere.csv",
        "is a link to /dev/zero, outside dataset_source",
    ]


def test_names_and_targets_with_control_characters_are_escaped_in_the_log(source, caplog):
    (source / "evil\n2024 INFO forged.csv").symlink_to("/etc/\x1b[2Jpasswd")
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.listing"):
        list_files(source)
    assert "evil\\n2024 INFO forged.csv is a link to /etc/\\x1b[2Jpasswd" in caplog.text
    assert "\x1b" not in caplog.text and "\nforged" not in caplog.text


def test_a_flood_of_planted_links_gives_a_bounded_log(source, caplog):
    for i in range(WARN_EACH + 30):
        (source / f"l{i:03d}.csv").symlink_to("/etc/hostname")
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.listing"):
        list_files(source)
    assert len(caplog.records) == WARN_EACH + 2  # one per link up to the bound, "N more", the summary
    assert "Not read: 30 more link(s)" in caplog.text


def test_a_job_does_not_read_a_link_out_of_the_source(source, tmp_path):
    (source / "secret.csv").symlink_to(write(tmp_path / "private" / "secret.csv", "7,8\n8,9\n"))
    job = JobConfig(dataset_source=source, dataset_format=DatasetFormat(CSV), output_path=tmp_path / "out")
    result = run_job(job, engine="local")
    assert result.statistics["dataset"]["item_count"] == 2


def test_validate_ends_on_a_link_loop_and_reports_links_out(source):
    hour = source / "day" / "hour"
    (hour / "up").symlink_to("..", target_is_directory=True)
    (hour / "top").symlink_to("../..", target_is_directory=True)
    (source / "passwd.csv").symlink_to("/etc/passwd")
    done = subprocess.run(
        [sys.executable, "-m", "analyzer.cli", "validate", "--dataset", str(source), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,  # a guard against the old endless walk, not a speed check
    )
    assert done.returncode == 1, done.stderr  # a warning was found
    report = json.loads(done.stdout)
    assert [f["path"] for f in report["files"]] == [str(source / "a.csv"), str(hour / "b.csv")]
    (finding,) = [f for f in report["findings"] if f["problem"].startswith("not read")]
    assert finding["severity"] == "warning" and finding["where"] == str(source / "passwd.csv")
    assert finding["problem"] == "not read: is a link to /etc/passwd, outside dataset_source"


def test_staging_a_local_directory_copies_what_the_job_would_list(source, tmp_path):
    (source / "passwd.csv").symlink_to("/etc/passwd")
    (source / "day" / "hour" / "up").symlink_to("../..", target_is_directory=True)
    write(source / "_helpers.py", "x = 1\n")  # staging copies hidden names (script inputs need them)
    target = tmp_path / "staged"
    assert storage.fetch(str(source), target).files == 3
    staged = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert staged == ["_helpers.py", "a.csv", "day/hour/b.csv"]
    assert not any(p.is_symlink() for p in target.rglob("*"))
