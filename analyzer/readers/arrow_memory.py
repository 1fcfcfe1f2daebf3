"""Handing memory a task freed back to the system: Arrow's pool and glibc's heap.

pyarrow's default pool (mimalloc) keeps the pages it freed for its next allocations: a task reading
a 32 MB split of 2,000 capture columns touches about 250 MB of Arrow buffers at its peak, and its
worker still held 400-450 MB afterwards for as long as Spark reused it; after one 190 MB value was
parsed the process held about 200 MB it no longer used, so a long line cost its size several times
over. Tasks read with jemalloc (bundled with the pyarrow wheels), which returns pages after a short
decay, and the pool's unused memory is released once a batch.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
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


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, looked up once (find_library may run ldconfig); None elsewhere."""
    with contextlib.suppress(OSError, AttributeError, TypeError):  # not glibc (musl, macOS): no trim
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    return None


def trim_heap() -> None:
    """Return glibc's free heap pages (the numpy arrays and pickles of a task's state) to the system:
    an idle reused worker otherwise kept them for the rest of the job. No-op without glibc."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def give_back() -> None:
    """Return the pool's unused memory to the system (a few milliseconds; called once a batch)."""
    pa.default_memory_pool().release_unused()


def one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The values as one array; a single chunk as it is (``combine_chunks`` copies even that one)."""
    if not isinstance(values, pa.ChunkedArray):
        return values
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
