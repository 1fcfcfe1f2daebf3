"""Lines too long to parse with their split: cut out and read on their own, so that one line costs
about twice its size.

The fast readers parse a split at once: pyarrow's parsers hold their input, their parsed block and
the built column (three copies of a long value), Python's json the line, its text and the value.
A line longer than ``long_line_bytes()`` is cut out of its split: the lines around it are read as
pieces of the split (in order, each a smaller split of its own) and the long line is read again
from the file only when its turn comes, by a path that holds it at most twice: CSV fields are views
of the line's bytes; a JSON or capture record is decoded and its bytes let go before it is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analyzer.common.log_text import printable
from analyzer.config.tuning import positive_int
from analyzer.files.file_stamp import FileStamp, InputChanged
from analyzer.files.sources import Split, is_compressed, open_planned, read_split_at
from analyzer.readers.ledger import Location

DEFAULT_LONG_LINE_BYTES = 4 << 20

_NON_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def long_line_bytes() -> int:
    """Lines longer than this take the long-line path: $MONITOR_ANALYZER_LONG_LINE_BYTES, else 4 MiB."""
    return positive_int("MONITOR_ANALYZER_LONG_LINE_BYTES", DEFAULT_LONG_LINE_BYTES)


@dataclass(eq=False)
class LongLine:
    """A line cut out of its split (without its line break): read from the file when taken."""

    path: str
    start: int  # offset of the line in the file (in the decompressed text for a .gz)
    length: int
    key: int  # the split start its line number counts from (see _piece)
    stamp: FileStamp | None = None
    # A .gz line cannot be read again cheaply: its bytes are held until taken, then gone.
    data: bytes | None = field(default=None, repr=False)

    @property
    def location(self) -> Location:
        return Location(self.path, self.key, 1)

    def __len__(self) -> int:
        return self.length

    def take(self) -> bytes:
        """The line's bytes; whoever takes them holds the only copy."""
        if self.data is not None:
            data, self.data = self.data, None
            return data
        if is_compressed(self.path):
            raise LookupError(f"a line of {self.path} was already read")
        with open_planned(self.path, self.stamp) as f:
            f.seek(self.start)
            data = f.read(self.length)
        if len(data) != self.length:  # only without a stamp: with one, open_planned saw the change
            raise InputChanged(f"input file {printable(self.path)} changed while the job read it (shorter)")
        return data

    def __bytes__(self) -> bytes:
        # A skipped line's raw bytes (quarantine): read once more, a .gz one is no longer there.
        return self.take()


def cut(split: Split, keep_first_line: bool = False) -> list[Split | LongLine]:
    """The split's lines in order: runs of ordinary lines as splits carrying their bytes, and
    LongLines. ``keep_first_line``: the first non-blank line of a file (a CSV header) stays with
    the lines around it, however long."""
    data, offset = read_split_at(split)
    limit = long_line_bytes()
    first = 0
    if keep_first_line and split.start == 0:
        found = _NON_BLANK.search(data)
        first = len(data) if found is None else _line_end(data, found.start()) + 1
    spans = long_spans(data, limit, first)
    if not spans:
        return [Split(split.path, split.start, split.end, split.size, split.stamp, data, checked=True)]
    view = memoryview(data)
    pieces: list[Split | LongLine] = []
    previous = 0
    for start, end in spans:
        if start > previous:
            pieces.append(_piece(split, offset, previous, bytes(view[previous:start]), not pieces))
        stop = end - 1 if end > start and data[end - 1] == 0x0D else end  # "\r" of CRLF
        if _NON_BLANK.search(data, start, stop) is None:
            # A blank line (spaces, say) is passed over as the readers pass over blank lines; it
            # still counts as a line.
            pieces.append(_piece(split, offset, start, b"\n", not pieces))
        else:
            key = split.start if not pieces else offset + start
            held = None  # read again from the file when its turn comes
            if split.data is not None or is_compressed(split.path):
                # A chunk that is the line (gzip_chunks cuts long lines so) is taken as it is.
                held = data if (start, stop) == (0, len(data)) else bytes(view[start:stop])
            pieces.append(LongLine(split.path, offset + start, stop - start, key, split.stamp, held))
        previous = end + 1
    if previous < len(data):
        pieces.append(_piece(split, offset, previous, bytes(view[previous:]), False))
    return pieces


def _piece(split: Split, offset: int, at: int, data: bytes, first: bool) -> Split:
    # The first piece keeps the split's own key (its line numbers count from there, as before);
    # the others start at a line start, so file:line of their records comes out right.
    start = split.start if first else offset + at
    return Split(split.path, start, start + len(data), split.size, split.stamp, data, checked=True)


def long_spans(data: bytes, limit: int, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of every line longer than ``limit`` bytes from ``start`` on; ``end`` is its line
    break (or the end of the data). A line that long fills a whole window of ``limit // 2`` bytes
    without a line break: only such windows are looked at, a few ``find`` calls for a split."""
    window = max(limit // 2, 1)
    spans: list[tuple[int, int]] = []
    at = start
    while at + window <= len(data):
        if data.find(b"\n", at, at + window) >= 0:
            at += window
            continue
        line_start = data.rfind(b"\n", start, at) + 1 if at > start else start
        line_start = max(line_start, start)
        line_end = _line_end(data, at)
        if line_end - line_start > limit:
            spans.append((line_start, line_end))
        at = line_end + 1
    return spans


def _line_end(data: bytes, at: int) -> int:
    end = data.find(b"\n", at)
    return len(data) if end < 0 else end
