"""Line-by-line access to a split, for readers that parse record by record."""

from __future__ import annotations

from collections.abc import Iterator

from analyzer.ledger import Ledger, Location
from analyzer.sources import Split, read_split


def split_lines(split: Split, ledger: Ledger, data: bytes | None = None) -> Iterator[tuple[Location, bytes]]:
    """(location, line without its line break) for every non-blank line; records the line count.
    ``data``: the split's bytes, when already read."""
    if data is None:
        data = read_split(split)
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    ledger.split_lines[(split.path, split.start)] = len(lines)
    for number, line in enumerate(lines, start=1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line.strip():
            yield Location(split.path, split.start, number), line


def decode(line: bytes, location: Location, ledger: Ledger) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as e:
        ledger.records_read += 1
        ledger.skip("not UTF-8", location, f"invalid byte at position {e.start}", line)
        return None
