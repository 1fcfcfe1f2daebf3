"""What the driver saw of each input file when it planned the splits, checked again by the task
that reads it: a file truncated, grown, rewritten, replaced or deleted in between would otherwise
give a "Completed" job over records that were never all read (or read twice)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from analyzer.common.errors import InputError
from analyzer.common.log_text import printable


@dataclass(frozen=True)
class FileStamp:
    size: int
    mtime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, stat: os.stat_result) -> FileStamp:
        return cls(stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev)


class InputChanged(InputError):
    """An input file is not the one the job planned to read."""


def changed(path: str, planned: FileStamp, now: FileStamp) -> InputChanged | None:
    if (now.inode, now.device) != (planned.inode, planned.device):
        how = "replaced by another file"
    elif now.size != planned.size:
        how = f"size {planned.size} -> {now.size}"
    elif now.mtime_ns != planned.mtime_ns:
        how = "rewritten: same size, new modification time"
    else:
        return None
    return InputChanged(f"input file {printable(path)} changed while the job read it ({how})")


def disappeared(path: str) -> InputChanged:
    return InputChanged(f"input file {printable(path)} disappeared while the job read it")


def check_open(path: str, planned: FileStamp | None, fd: int) -> None:
    """At open, and again after the last byte is read: the open file is still the planned one."""
    if planned is not None and (error := changed(path, planned, FileStamp.of(os.fstat(fd)))):
        raise error


def check_path(path: str, planned: FileStamp | None) -> None:
    """After the read: the name still leads to the planned file (not deleted, not replaced)."""
    if planned is None:
        return
    try:
        now = FileStamp.of(os.stat(path))
    except FileNotFoundError:
        raise disappeared(path) from None
    if error := changed(path, planned, now):
        raise error


def stamp_of(path: str) -> FileStamp:
    return FileStamp.of(os.stat(path))
