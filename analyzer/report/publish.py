"""A run's report set is published all at once, or not at all.

Each report file was atomic, the set was not: a kill between two renames, a full disk or a second run
on the same output left the statistics of one run beside the report of another. Now a run writes
every file into ``<output>/.monitor-analyzer-staging-<run>/`` (same file system: publishing is
renames), and publishes in three steps:

1. everything that can fail for want of space or a bad path is done first (the directories, the
   checks that no target's folder is a symbolic link);
2. the journal ``<output>/.monitor-analyzer-publish.json``, written atomically, lists the files to
   move in and the previous run's files to remove. Its rename is the commit point;
3. the moves and removals, then the journal and the staging directory go.

A run that starts on the output (under its lock) first finishes what a killed one left: with a
journal it rolls forward, without one it throws the staging away. So the set that anyone sees after
recovery, however the previous run ended, is entirely that run's or entirely the one before it. On
success nothing but the reports remains (SageMaker uploads the whole directory).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from analyzer.common.errors import AnalyzerError, OutputError
from analyzer.config.output_names import (
    ANALYSIS_FILES,
    MERGE_SUMMARY_FILE,
    QUARANTINE_DIR,
    QUARANTINE_FILE,
    SEGMENTS_FILE,
)
from analyzer.files.output_lock import OutputLock, lock_output
from analyzer.files.writers import remove_stale_temporaries, write_atomic
from analyzer.runtime import stop

log = logging.getLogger("monitor_analyzer.job")

STAGING_PREFIX = ".monitor-analyzer-staging-"


def published_path(path: Path) -> Path:
    """Where a staged path will be once the set is published: what log lines should name."""
    parts = Path(path).parts
    for i, part in enumerate(parts):
        if part.startswith(STAGING_PREFIX):
            return Path(*parts[:i], *parts[i + 1 :])
    return Path(path)


JOURNAL_NAME = ".monitor-analyzer-publish.json"
# What a run writes at the top of its output (a split run also its segment folders, which
# segments.json lists). Files of these names from an earlier run are part of its set and are removed
# when this run's set does not have them; any other file in the output is the user's and stays.
QUARANTINED = f"{QUARANTINE_DIR}/{QUARANTINE_FILE}"
REPORT_FILES = (*ANALYSIS_FILES, SEGMENTS_FILE, QUARANTINED, MERGE_SUMMARY_FILE)
SEGMENT_FILES = (*ANALYSIS_FILES, QUARANTINED)


@dataclass
class Journal:
    """What a committed publish does: ``install`` moves staging/<p> to output/<p>, ``remove`` unlinks
    output/<p>. Paths are relative; ``checked`` refuses anything that could point elsewhere."""

    staging: str
    install: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    def checked(self, where: Path) -> Journal:
        if not (self.staging.startswith(STAGING_PREFIX) and "/" not in self.staging):
            raise AnalyzerError(f"Publish journal {where} names a staging directory {self.staging!r}")
        for rel in [*self.install, *self.remove]:
            if not is_relative_inside(rel):
                raise AnalyzerError(f"Publish journal {where} names a path outside the output: {rel!r}")
        return self


def is_relative_inside(rel: object) -> bool:
    if not isinstance(rel, str) or not rel or "\0" in rel:
        return False
    parts = PurePosixPath(rel).parts
    return not PurePosixPath(rel).is_absolute() and all(p not in ("", ".", "..") for p in parts)


def previous_set(output: Path) -> list[str]:
    """The report files an earlier run left in ``output`` (links included: they are unlinked, never
    followed)."""
    from analyzer.report.stale_segments import listed_directories

    names = list(REPORT_FILES)
    for folder in listed_directories(output / SEGMENTS_FILE):
        if (output / folder).is_dir() and not (output / folder).is_symlink():
            names += [f"{folder}/{name}" for name in SEGMENT_FILES]
    return [n for n in names if _real_parents(output, n) and os.path.lexists(output / n)]


def _real_parents(output: Path, rel: str) -> bool:
    """Every folder between ``output`` and ``rel`` is a real directory (none is a link)."""
    folder = output
    for part in PurePosixPath(rel).parts[:-1]:
        folder = folder / part
        if not folder.is_dir() or folder.is_symlink():
            return False
    return True


def staged_files(staging: Path) -> list[str]:
    found = []
    for directory, folders, files in os.walk(staging):  # os.walk does not descend into links
        for name in files + [f for f in folders if os.path.islink(os.path.join(directory, f))]:
            found.append(str(PurePosixPath(Path(directory, name).relative_to(staging))))
    return sorted(found)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_folders(output: Path, rel: str) -> None:
    """Create the folders ``rel`` goes into, refusing any that is a link (a report written through it
    would land outside the output)."""
    folder = output
    for part in PurePosixPath(rel).parts[:-1]:
        folder = folder / part
        try:
            mode = os.lstat(folder).st_mode
        except FileNotFoundError:
            folder.mkdir()
            continue
        if stat.S_ISLNK(mode) or not stat.S_ISDIR(mode):
            raise OutputError(
                f"Cannot publish {output / rel}: {folder} is {'a symbolic link' if stat.S_ISLNK(mode) else 'not a directory'}"
                f"; the reports already in {output} are unchanged"
            )


def _remove_empty_parents(output: Path, rel: str) -> None:
    folder = (output / rel).parent
    while folder != output:
        try:
            folder.rmdir()
        except OSError:  # not empty: a file that is not ours, or one of this run's
            return
        folder = folder.parent


def apply(output: Path, journal: Journal) -> None:
    """Do a committed publish (again: each step is done or skipped, so a second pass is harmless)."""
    staging = output / journal.staging
    for rel in journal.install:
        source = staging / rel
        if os.path.lexists(source):
            _make_folders(output, rel)
            remove_stale_temporaries(output / rel)
            os.replace(source, output / rel)
    for rel in journal.remove:
        remove_stale_temporaries(output / rel)
        if _real_parents(output, rel):
            (output / rel).unlink(missing_ok=True)
            _remove_empty_parents(output, rel)
    for folder in {(output / rel).parent for rel in journal.install} | {output}:
        if folder.is_dir():
            _fsync_directory(folder)
    (output / JOURNAL_NAME).unlink(missing_ok=True)
    _remove_tree(staging)
    _fsync_directory(output)


def _remove_tree(path: Path) -> None:
    if path.is_symlink():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)  # fd-based: never follows a link inside


def recover(output: Path) -> None:
    """Finish the publish a killed run committed, discard what an uncommitted one staged."""
    journal_path = output / JOURNAL_NAME
    remove_stale_temporaries(journal_path)
    if journal_path.is_file() and not journal_path.is_symlink():
        try:
            journal = Journal(**json.loads(journal_path.read_text(encoding="utf-8"))).checked(journal_path)
        except (ValueError, TypeError) as e:
            raise AnalyzerError(f"Publish journal {journal_path} does not load ({e}): remove it") from e
        log.warning("Finishing the publish of the run that was killed in it (%s)", journal_path)
        apply(output, journal)
    elif os.path.lexists(journal_path):
        journal_path.unlink()
    for entry in output.iterdir():
        if entry.name.startswith(STAGING_PREFIX):
            log.info("Removing %s, left by a run that did not publish", entry)
            _remove_tree(entry)
    for rel in REPORT_FILES:
        if _real_parents(output, rel):
            remove_stale_temporaries(output / rel)


@dataclass
class ReportSet:
    """One run's staging directory in ``output`` and the lock that keeps other runs out."""

    output: Path
    staging: Path
    lock: OutputLock
    created_output: bool
    published: bool = False

    @classmethod
    def open(cls, output: Path) -> ReportSet:
        output = Path(output)
        created = not os.path.lexists(output)
        lock = lock_output(output)
        try:
            recover(output)
            staging = output / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
            staging.mkdir(mode=0o755)
        except BaseException:
            lock.release()
            raise
        return cls(output, staging, lock, created)

    def final(self, path: Path) -> Path:
        """Where a staged file is once published (other paths as they are)."""
        try:
            return self.output / Path(path).relative_to(self.staging)
        except ValueError:
            return Path(path)

    def publish(self) -> None:
        """Make the staged files the output's report set, in one committed step."""
        install = staged_files(self.staging)
        remove = [rel for rel in previous_set(self.output) if rel not in install]
        for rel in install:
            _make_folders(self.output, rel)
        for folder in {(self.staging / rel).parent for rel in install} | {self.staging}:
            _fsync_directory(folder)
        journal = Journal(self.staging.name, install, remove)
        with stop.deferred():
            # The last moment a stop can keep this run's reports out; past the commit, the set is
            # completed (a stop then ends the process once the renames are done).
            stop.raise_if_requested()
            write_atomic(self.output / JOURNAL_NAME, json.dumps(asdict(journal)))
            self.published = True
            apply(self.output, journal)
        log.info(
            "Published %d report file(s) to %s%s",
            len(install),
            self.output,
            f", removed {len(remove)} of the previous run's" if remove else "",
        )

    def close(self) -> None:
        """Discard what was staged and not published, release the output."""
        try:
            if not self.published:
                _remove_tree(self.staging)
        finally:
            self.lock.release()
            if self.created_output and not self.published:
                with contextlib.suppress(OSError):  # a failed run leaves no empty output behind
                    self.output.rmdir()

    def __enter__(self) -> ReportSet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
