"""Where every line of a split's bytes starts and ends, found with numpy.

The columnar readers use it to set a few damaged lines aside (and hand them to the record reader
with their own line numbers) without a Python loop over the other lines. Lines are numbered as
``lines.split_lines`` numbers them: 1-based, blank ones included, the line break (LF, or the CR of
CRLF) not part of the line.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import numpy as np

_NEWLINE = ord("\n")
_CR = ord("\r")
_DECODE_WINDOW = 1 << 16
_SCAN_WINDOW = 1 << 22


@dataclass(frozen=True)
class LineIndex:
    data: bytes | memoryview
    starts: np.ndarray  # byte offset of each line
    ends: np.ndarray  # offset just past the line's last byte, its line break excluded
    nexts: np.ndarray  # offset of the next line (past the line break)

    @classmethod
    def of(cls, data: bytes | memoryview) -> LineIndex:
        raw = np.frombuffer(data, dtype=np.uint8)
        breaks = _positions(raw, _NEWLINE)
        nexts = breaks + 1
        if len(data) and (not len(breaks) or breaks[-1] != len(data) - 1):
            nexts = np.append(nexts, len(data))  # a last line without its line break
        nexts = nexts.astype(np.int64)
        starts = np.concatenate([[0], nexts[:-1]]).astype(np.int64)[: len(nexts)]
        ends = nexts.copy()
        if len(ends):
            ends -= raw[ends - 1] == _NEWLINE
            has_byte = ends > starts
            ends -= has_byte & (raw[np.maximum(ends - 1, 0)] == _CR)
        return cls(data, starts, ends, nexts)

    def __len__(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> bytes:
        return self.data[self.starts[index] : self.ends[index]]

    def empty(self) -> np.ndarray:
        """Lines without a byte (a whitespace-only line is not empty, though it is blank)."""
        return self.starts == self.ends

    def first_bytes(self) -> np.ndarray:
        """Each line's first byte (0 for an empty line)."""
        raw = np.frombuffer(self.data, dtype=np.uint8)
        if not len(raw):
            return np.zeros(len(self), dtype=np.uint8)
        return np.where(self.empty(), 0, raw[np.minimum(self.starts, len(raw) - 1)])

    def last_bytes(self) -> np.ndarray:
        """Each line's last byte before its line break (0 for an empty line)."""
        raw = np.frombuffer(self.data, dtype=np.uint8)
        if not len(raw):
            return np.zeros(len(self), dtype=np.uint8)
        return np.where(self.empty(), 0, raw[np.maximum(self.ends - 1, 0)])

    def not_utf8(self) -> np.ndarray:
        """Indices of the lines that are not valid UTF-8. The block is decoded once, a window of
        whole lines at a time (an error copies the rest of its input), resuming after each bad line:
        a line break is ASCII, so the first error after a line start lies in the first bad line."""
        if _is_ascii(self.data):
            return np.empty(0, dtype=np.int64)
        view, position, bad = memoryview(self.data), 0, []
        while position < len(self.data):
            last = min(int(np.searchsorted(self.nexts, position + _DECODE_WINDOW)), len(self) - 1)
            end = int(self.nexts[last])
            try:
                codecs.utf_8_decode(view[position:end], "strict", True)
            except UnicodeDecodeError as e:
                index = int(np.searchsorted(self.starts, position + e.start, side="right")) - 1
                bad.append(index)
                end = int(self.nexts[index])
            position = end
        return np.asarray(bad, dtype=np.int64)

    def bracket_heavy(self, brackets: int) -> np.ndarray:
        """Indices of the lines holding at least ``brackets`` opening brackets (``{`` or ``[``);
        only lines long enough to hold that many pairs are counted."""
        long = np.flatnonzero(self.ends - self.starts >= 2 * brackets)
        heavy = [i for i in long.tolist() if self._opening_brackets(i) >= brackets]
        return np.asarray(heavy, dtype=np.int64)

    def _opening_brackets(self, index: int) -> int:
        """Counted where the line lies (``self.line`` copies it: a 190 MB line, once more)."""
        start, end = int(self.starts[index]), int(self.ends[index])
        if isinstance(self.data, bytes):
            return self.data.count(b"{", start, end) + self.data.count(b"[", start, end)
        line = bytes(self.data[start:end])
        return line.count(b"{") + line.count(b"[")

    def span(self, first: int, stop: int) -> memoryview:
        """The bytes of lines [first, stop), line breaks included."""
        return memoryview(self.data)[self.starts[first] : self.nexts[stop - 1]]


def _positions(raw: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs, found a window at a time: ``raw == byte`` over the whole split is a
    mask as large as the split (190 MB more for a 190 MB line)."""
    found = [np.flatnonzero(raw[i : i + _SCAN_WINDOW] == byte) + i for i in range(0, len(raw), _SCAN_WINDOW)]
    return np.concatenate(found) if found else np.empty(0, dtype=np.intp)


def _is_ascii(data: bytes | memoryview) -> bool:
    if isinstance(data, bytes):
        return data.isascii()
    return all(bytes(data[i : i + _SCAN_WINDOW]).isascii() for i in range(0, len(data), _SCAN_WINDOW))
