"""Ending the processes this one started (the Spark JVM, PySpark's daemon and its Python workers, a
standalone master or worker) when a job is stopped, so none outlives it.

Read from /proc (the image has no psutil): every descendant, found before any is signalled, gets
SIGTERM (the JVM then runs its shutdown hooks and removes its temporary directories); what is still
there after ``grace`` seconds gets SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")


def _parent_and_state(pid: int) -> tuple[int, str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return int(fields[1]), fields[0]


def descendants(root: int | None = None) -> list[int]:
    """Process ids below ``root`` (default: this process), parents before their children."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            found = _parent_and_state(int(entry.name))
            if found is not None:
                children.setdefault(found[0], []).append(int(entry.name))
    order, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(0), []):
            order.append(child)
            queue.append(child)
    return order


def alive(pid: int) -> bool:
    found = _parent_and_state(pid)
    return found is not None and found[1] != "Z"  # a zombie has ended; only its parent's wait is due


def _reap() -> None:
    """Collect our own ended children, so none stays a zombie while this process finishes."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def end_children(grace: float = 4.0) -> list[int]:
    """SIGTERM every descendant, SIGKILL the ones left after ``grace`` seconds; the ids signalled."""
    pids = descendants()
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        _reap()
        time.sleep(0.05)
    for pid in [*pids, *descendants()]:  # a worker forked in the meantime goes too
        if alive(pid):
            _signal(pid, signal.SIGKILL)
    _reap()
    return pids


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signum)
