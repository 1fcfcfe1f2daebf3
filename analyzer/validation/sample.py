"""The sample validate reads: the first bytes of each file (whole lines), as splits the readers take.

A plain file is sampled by a split over its first bytes (the reader completes the last line, as for
any split), so locations are the file's own lines. A gzip file cannot be cut like that: its first
bytes are decompressed into a temporary file, and locations are mapped back to the archive.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

from analyzer.files.sources import Split, is_compressed

MIN_FILE_BYTES = 64 * 1024  # below this a file's sample says little; past the budget fewer files are read


@dataclass(frozen=True)
class FileSample:
    path: Path  # the dataset's file
    split: Split  # what the readers read (a temporary file for gzip)
    data: bytes  # the sampled bytes, whole lines, decompressed
    error: str | None = None  # why the file cannot be read at all

    @property
    def read_path(self) -> str:
        return self.split.path


def choose_files(files: list[Path], budget: int) -> tuple[list[Path], int]:
    """The files to sample and the bytes per file: every file while the budget allows
    MIN_FILE_BYTES each, else an evenly spread subset (first and last included)."""
    if not files:
        return [], 0
    count = max(min(len(files), budget // MIN_FILE_BYTES), 1)
    if count < len(files):
        step = (len(files) - 1) / max(count - 1, 1)
        files = [files[round(i * step)] for i in range(count)] if count > 1 else files[:1]
    return files, max(budget // len(files), 1)


def head_lines(stream, limit: int) -> bytes:
    data = stream.read(limit)
    if len(data) == limit and not data.endswith(b"\n"):
        data += stream.readline()  # complete the last line, as a split does
    return data


def sample_file(path: Path, per_file: int, scratch: Path, index: int) -> FileSample:
    size = path.stat().st_size
    if not is_compressed(path):
        split = Split(str(path), 0, min(size, per_file), size)
        return FileSample(path, split, read_split_raw(split))
    target = scratch / f"{index:05d}-{path.name.removesuffix('.gz')}"
    try:
        with gzip.open(path, "rb") as f:
            data = head_lines(f, per_file)
    except (OSError, EOFError, zlib.error) as e:
        error = f"{path} is not a readable gzip file: {' '.join(str(e).split())}"
        return FileSample(path, Split(str(target), 0, 0, 0), b"", error)
    target.write_bytes(data)
    return FileSample(path, Split(str(target), 0, len(data), len(data)), data)


def read_split_raw(split: Split) -> bytes:
    """The split's bytes as the reader gets them, but with any byte order mark kept (to report it)."""
    if split.end == 0:
        return b""
    with open(split.path, "rb") as f:
        return head_lines(f, split.end) if split.end < split.size else f.read()


__all__ = ["FileSample", "choose_files", "sample_file"]
