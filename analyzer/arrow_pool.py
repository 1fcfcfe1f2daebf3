"""Giving a task's freed memory back to the system: the Arrow pool it reads with, glibc's heap after.

pyarrow's default pool (mimalloc) keeps the pages it freed: a task reading a 32 MB split of 2,000
capture columns touches about 250 MB of Arrow buffers at its peak, frees most of them, and its worker
still held 400-450 MB afterwards, for as long as Spark reuses the worker. jemalloc (bundled with the
pyarrow wheels) returns them after a short decay, so a worker's resident memory follows what it holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging

import pyarrow as pa

log = logging.getLogger("monitor_analyzer.profile")

_chosen: bool = False


def use_returning_pool() -> None:
    """Make jemalloc the default pool of this process, once; where pyarrow lacks it, keep the default."""
    global _chosen
    if _chosen:
        return
    _chosen = True
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc: same results, more resident memory
        log.debug("pyarrow has no jemalloc pool; keeping %s", pa.default_memory_pool().backend_name)


def trim_heap() -> None:
    """Return glibc's free heap pages (the numpy arrays and pickles of a task's state) to the system:
    an idle reused worker otherwise kept them for the rest of the job. No-op without glibc."""
    name = ctypes.util.find_library("c")
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc (musl, macOS): no trim
        ctypes.CDLL(name).malloc_trim(0)
