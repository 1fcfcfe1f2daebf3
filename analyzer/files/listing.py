"""Listing dataset_source without ever leaving it.

Whoever can write the input can plant links: to /etc/passwd (read as data), to /dev/zero (read
without end), to a parent directory (a listing without end). Links that stay inside the source are
followed, as users lay data out with them; every real directory is listed once, and a file reached
by several paths is read once (by its real path), so nothing is counted twice. Links that resolve
outside the source, broken links and anything but regular files and directories are skipped, each
with a warning naming it and where it points.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.common.errors import InputError
from analyzer.common.log_text import printable
from analyzer.files.path_overlap import within

log = logging.getLogger("monitor_analyzer.listing")

# Skipped entries warned about one by one; past this, one line says how many more (a planted
# million links must not flood the log).
WARN_EACH = 20


def is_hidden(path: Path) -> bool:
    # Spark and Hadoop ignore files starting with "." or "_" (_SUCCESS, .crc, .ipynb_checkpoints).
    return path.name.startswith((".", "_"))


@dataclass(frozen=True)
class Skipped:
    path: Path
    why: str  # "points outside dataset_source to /etc/passwd", "is a FIFO", ...


@dataclass
class Listing:
    source: Path
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Directories and files reached a second time through links: listed once.
    repeated: int = 0


def special_kind(mode: int) -> str | None:
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def list_dataset(source: str | Path, hidden: bool = False) -> Listing:
    """Every data file under ``source`` (a directory read recursively, or a single file), sorted by
    path as reached; see the module's docstring for links. ``hidden``: names starting with "." or
    "_" too (staging a directory copies them; the job never reads them)."""
    root = Path(source)
    listing = Listing(root)
    if root.is_file():
        listing.files = [root]  # named by the job's creator, not found in the data: taken as given
        return listing
    if not root.is_dir():
        raise InputError(f"dataset_source {printable(str(root))} does not exist")
    real_root = os.path.realpath(root)
    seen_dirs: set[tuple[int, int]] = set()
    by_real: dict[str, Path] = {}
    # (path as reached, its real path): an explicit stack, as a planted deep tree must not
    # exhaust Python's recursion limit.
    stack: list[tuple[Path, str]] = [(root, real_root)]
    while stack:
        directory, real_dir = stack.pop()
        try:
            st = os.stat(directory)
        except OSError as e:
            raise listing_error(directory, e) from e
        if (st.st_dev, st.st_ino) in seen_dirs:
            listing.repeated += 1
            continue
        seen_dirs.add((st.st_dev, st.st_ino))
        subdirectories = []
        for entry in sorted_entries(directory):
            path = directory / entry.name
            if is_hidden(path) and not hidden:
                continue
            if entry.is_symlink():
                real = os.path.realpath(path)
                why = link_problem(path, real, real_root)
                if why:
                    listing.skipped.append(Skipped(path, why))
                elif os.path.isdir(real):
                    subdirectories.append((path, real))
                else:
                    add_file(listing, by_real, path, real)
                continue
            # The entry's type from the directory itself (no stat call per file on Linux).
            if entry.is_dir(follow_symlinks=False):
                subdirectories.append((path, os.path.join(real_dir, entry.name)))
            elif entry.is_file(follow_symlinks=False):
                add_file(listing, by_real, path, os.path.join(real_dir, entry.name))
            else:
                kind = special_kind(entry.stat(follow_symlinks=False).st_mode)
                listing.skipped.append(Skipped(path, f"is {kind}"))
        stack.extend(reversed(subdirectories))
    listing.files = sorted(by_real.values())
    return listing


def sorted_entries(directory: Path) -> list[os.DirEntry]:
    """A directory's entries by name. An unreadable directory fails the job: listing less than
    dataset_source holds and saying "Completed" would be the silent bug."""
    try:
        with os.scandir(directory) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as e:
        raise listing_error(directory, e) from e


def listing_error(directory: Path, error: OSError) -> InputError:
    return InputError(f"cannot list {printable(str(directory))} in dataset_source: {error.strerror or error}")


def link_problem(path: Path, real: str, real_root: str) -> str | None:
    """Why a link is not followed, or None."""
    target = printable(os.readlink(path))
    if not within(real, real_root):
        return f"is a link to {target}, outside dataset_source"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return f"is a broken link to {target}"
    kind = special_kind(mode)
    return f"is a link to {target}, {kind}" if kind else None


def add_file(listing: Listing, by_real: dict[str, Path], path: Path, real: str) -> None:
    kept = by_real.get(real)
    if kept is None:
        by_real[real] = path
        return
    listing.repeated += 1
    by_real[real] = min(kept, path)  # the same file whichever way the walk met it first


def log_listing(listing: Listing) -> None:
    """A warning per skipped entry (the first WARN_EACH), then the counts in one summary line."""
    for skipped in listing.skipped[:WARN_EACH]:
        log.warning("Not read: %s %s", printable(str(skipped.path)), skipped.why)
    if len(listing.skipped) > WARN_EACH:
        log.warning("Not read: %d more link(s) or special file(s)", len(listing.skipped) - WARN_EACH)
    if listing.skipped or listing.repeated:
        log.warning(
            "Listed %d file(s) under %s; skipped %d link(s) or special file(s) that cannot be read "
            "safely; %d directory or file path(s) reached twice through links, read once",
            len(listing.files),
            printable(str(listing.source)),
            len(listing.skipped),
            listing.repeated,
        )
