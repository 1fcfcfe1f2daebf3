"""Rows of a split run's record-by-record readers, buffered per segment.

Every batch holds one segment's rows only: a segment's profile then sees the columns its own
records have (records of other models may be wider, or JSON with other keys), in read order.
"""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.readers.batch import Batch
from analyzer.readers.rows import Row, RowBuffer


class SegmentRowBuffer:
    """One RowBuffer per segment; all are flushed once ``batch_rows`` rows wait in total, so memory
    stays bounded however many segments there are."""

    def __init__(self, batch_rows: int = 8192):
        self.batch_rows = batch_rows
        self._buffers: dict[str, RowBuffer] = {}
        self._waiting = 0

    def push(self, row: Row, location, segment: str) -> Iterator[Batch]:
        buffer = self._buffers.get(segment)
        if buffer is None:
            buffer = self._buffers[segment] = RowBuffer(self.batch_rows)
        buffer.add(row, location)
        self._waiting += 1
        if self._waiting >= self.batch_rows:
            yield from self.drain()

    def drain(self) -> Iterator[Batch]:
        for segment, buffer in self._buffers.items():
            batch = buffer.flush()
            if batch is not None:
                batch.segments = segment
                yield batch
        self._buffers.clear()
        self._waiting = 0
