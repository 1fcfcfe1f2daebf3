"""Line-by-line access to a split, for readers that parse record by record."""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzer.files.sources import Split, line_count, read_split
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.long_lines import LongLine

_NON_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def split_lines(
    split: Split, ledger: Ledger, data: bytes | None = None
) -> Iterator[tuple[Location, memoryview]]:
    """(location, line without its line break) for every non-blank line; records the line count.
    ``data``: the split's bytes, when already read. Lines are views into the split's bytes: a list
    of copies (``data.split``) held every line a second time, a 190 MB one with them."""
    if data is None:
        data = read_split(split)
    ledger.split_lines[(split.path, split.start)] = line_count(data)
    view = memoryview(data)
    number, start = 0, 0
    while start < len(data):
        newline = data.find(b"\n", start)
        end = len(data) if newline < 0 else newline
        number += 1
        stop = end - 1 if end > start and data[end - 1] == 0x0D else end  # "\r"
        if _NON_BLANK.search(data, start, stop) is not None:
            yield Location(split.path, split.start, number), view[start:stop]
        start = end + 1


def decode(line: bytes | memoryview | LongLine, location: Location, ledger: Ledger) -> str | None:
    """The line's text; None when it is not UTF-8 (counted and skipped). A LongLine is read here and
    its bytes let go once decoded: the caller parses the text without them."""
    data = line.take() if isinstance(line, LongLine) else line
    try:
        return str(data, "utf-8")
    except UnicodeDecodeError as e:
        ledger.records_read += 1
        ledger.skip("not UTF-8", location, f"invalid byte at position {e.start}", data)
        return None
