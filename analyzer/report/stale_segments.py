"""Segment folders an earlier split run into the same output_path left behind.

A model that got no traffic in this run (or was retired) keeps the folder an earlier run wrote for
it, and a later monitoring run would take that folder for a baseline of its own. Only what the
earlier run's segments.json names is ours to remove, and in it only the report files a split run
writes: a folder it never listed, or a file a user put beside the reports, is left alone.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from analyzer.config.output_names import ANALYSIS_FILES, QUARANTINE_DIR, QUARANTINE_FILE
from analyzer.config.segments import directory_name, is_shortened, segment_name
from analyzer.files.writers import remove_stale_temporaries

log = logging.getLogger("monitor_analyzer.job")

REPORT_FILES = ANALYSIS_FILES


def is_segment_directory(name: str) -> bool:
    """One folder right under output_path, spelled as directory_name spells a segment: never ``..``,
    a path with slashes, or an absolute path that a hand-edited segments.json could hold."""
    return name not in ("", ".", "..") and (directory_name(segment_name(name)) == name or is_shortened(name))


def load_index(index_file: Path) -> dict[str, str]:
    """Segment -> folder of every segment an earlier run's segments.json lists with a folder that
    is the one directory_name gives it (none when the file is absent or damaged: then nothing is
    known to be ours, and a hand-edited entry cannot point a segment at another's folder)."""
    try:
        document = json.loads(index_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        log.warning("%s does not load (%s): earlier segment folders are left as they are", index_file, e)
        return {}
    segments = document.get("segments") if isinstance(document, dict) else None
    if not isinstance(segments, dict):
        return {}
    found = {}
    for segment, entry in segments.items():
        path = entry.get("path") if isinstance(entry, dict) else None
        if isinstance(path, str) and is_segment_directory(path) and directory_name(segment) == path:
            found[segment] = path
    return found


def listed_directories(index_file: Path) -> list[str]:
    """The segment folders an earlier run's segments.json lists."""
    return sorted(set(load_index(index_file).values()))


def remove_file(path: Path) -> bool:
    remove_stale_temporaries(path)
    if path.is_file() or path.is_symlink():
        path.unlink(missing_ok=True)
        return True
    return False


def remove_if_empty(directory: Path) -> bool:
    try:
        directory.rmdir()
    except OSError:  # not empty (a file that is not ours), or already gone
        return False
    return True


def remove_stale_segments(output_path: Path, index_file: Path, produced: set[str]) -> list[Path]:
    """Remove the report files of every folder the earlier index lists and this run did not write,
    then the folder if that left it empty; the folders touched."""
    touched = []
    for name in listed_directories(index_file):
        folder = output_path / name
        if name in produced or folder.is_symlink() or not folder.is_dir():
            continue
        removed = [remove_file(folder / f) for f in REPORT_FILES]
        quarantine = folder / QUARANTINE_DIR
        if quarantine.is_dir() and not quarantine.is_symlink():
            removed.append(remove_file(quarantine / QUARANTINE_FILE))
            remove_if_empty(quarantine)
        gone = remove_if_empty(folder)
        if any(removed) or gone:
            touched.append(folder)
            log.info(
                "Removed the reports of an earlier run's segment folder %s%s",
                folder,
                "" if gone else " (other files are kept in it)",
            )
    return touched
