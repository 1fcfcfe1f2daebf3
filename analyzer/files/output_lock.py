"""One run per output directory: ``<output>/.monitor-analyzer.lock``, held while the run lasts.

Two runs on one output would each publish a report set and the last one wins, or worse, their sets
interleave. The second run fails at start instead, naming the first. The lock file is opened without
following links (a link planted at its name must not make us truncate the file it points to), holds
the owner's pid, and is removed at the end: SageMaker uploads the whole output directory, so nothing
but the reports may stay in it. A kill leaves the file, but not the lock: flock ends with its owner.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from analyzer.common.errors import AnalyzerError
from analyzer.files.lock_file import open_lock_file

LOCK_NAME = ".monitor-analyzer.lock"


class OutputInUse(AnalyzerError):
    """Another run holds the output directory."""


@dataclass
class OutputLock:
    path: Path
    fd: int

    def release(self) -> None:
        """Remove the file while still holding it, so the next run never takes a lock on a file that
        is about to go."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        os.close(self.fd)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() else "unknown"


def lock_output(output: Path) -> OutputLock:
    """Take the output's lock or raise OutputInUse naming the process holding it."""
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise AnalyzerError(f"Cannot create the output directory {output}: {e.strerror or e}") from e
    path = output / LOCK_NAME
    while True:
        fd = open_lock_file(path, 0o644, OutputInUse)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputInUse(
                f"Output {output} is in use by another monitor-analyzer run (pid {holder}, lock {path}): "
                "wait for it to end, or give another output"
            ) from None
        # The holder we waited on may have removed the file after we opened it: then the lock we hold
        # is on a name nobody else will open. Take the one at the path now.
        try:
            same = os.path.samestat(os.fstat(fd), os.lstat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return OutputLock(path, fd)
