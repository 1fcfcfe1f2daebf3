"""Opening a lock file safely: never through a link planted at its name, never truncating on open,
and only ever a regular file. Shared by the output lock and the scheduler's locks."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from analyzer.common.errors import AnalyzerError


def open_lock_file(path: Path, mode: int, error: type[AnalyzerError]) -> int:
    """A descriptor on ``path`` (created with ``mode`` if missing); ``error`` names what went wrong."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise error(f"Lock file {path} is a symbolic link: refusing to use it; remove it") from e
        raise error(f"Cannot open the lock file {path}: {e.strerror}") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise error(f"Lock file {path} is not a regular file: remove it")
    return fd
