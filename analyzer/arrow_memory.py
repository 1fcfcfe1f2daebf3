"""Handing Arrow's freed memory back to the system.

pyarrow's default pool (mimalloc) keeps what a parse or a compute kernel freed for its next
allocations: after one 190 MB value was parsed, the process held about 200 MB it no longer used
while the next steps allocated afresh, so a long line cost its size several times over in RSS.
"""

from __future__ import annotations

import pyarrow as pa


def give_back() -> None:
    """Return the pool's unused memory to the system (a few milliseconds; called once a batch)."""
    pa.default_memory_pool().release_unused()


def one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The values as one array; a single chunk as it is (``combine_chunks`` copies even that one)."""
    if not isinstance(values, pa.ChunkedArray):
        return values
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
