"""Finding the dataset's files and cutting them into splits that Spark tasks read independently."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from analyzer.common.errors import InputError
from analyzer.common.log_text import printable
from analyzer.config.tuning import positive_int
from analyzer.files.file_stamp import FileStamp, check_open, check_path, disappeared, stamp_of
from analyzer.files.listing import list_dataset, log_listing

DEFAULT_SPLIT_BYTES = 32 * 1024 * 1024


def split_bytes_setting() -> int:
    """Split size: $MONITOR_ANALYZER_SPLIT_BYTES, else DEFAULT_SPLIT_BYTES (read at call time)."""
    return positive_int("MONITOR_ANALYZER_SPLIT_BYTES", DEFAULT_SPLIT_BYTES)


# Hadoop's LineRecordReader (so Spark's CSV and JSON readers) drops a UTF-8 BOM at the start of a
# file; kept, it would end up in the first header name or make the first JSON line invalid.
UTF8_BOM = b"\xef\xbb\xbf"
# UTF-16 (and UTF-32) byte order marks. Such text is ASCII interleaved with NUL bytes, which decodes
# as valid UTF-8: read on, every record would be silently wrong, so the file is refused instead.
WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@dataclass(frozen=True)
class Split:
    """Bytes [start, end) of a file: the lines that *start* in that range (Hadoop's rule)."""

    path: str
    start: int
    end: int
    size: int
    # The file as planned; the task that reads the split fails if it is no longer so. Not part of
    # a split's identity (tests and validate build splits without one: nothing is checked then).
    stamp: FileStamp | None = field(default=None, compare=False)
    # A chunk of a decompressed .gz file carries its bytes; start and end are offsets in the
    # decompressed text (so file:line comes out right).
    data: bytes | None = field(default=None, compare=False, repr=False)
    # ``data`` was read by ``read_split`` already (its byte order mark, if any, taken off): a piece of
    # a split cut around a long line (readers/long_lines.py) is not checked again.
    checked: bool = field(default=False, compare=False, repr=False)

    @property
    def whole_file(self) -> bool:
        return self.start == 0 and self.end >= self.size


def list_files(source: str | Path) -> list[Path]:
    """Every data file under ``source`` (a directory read recursively, or a single file), sorted;
    links that leave ``source`` are skipped with a warning (see analyzer.files.listing)."""
    listing = list_dataset(source)
    log_listing(listing)
    return listing.files


def is_compressed(path: str | Path) -> bool:
    return str(path).endswith(".gz")


def plan_splits(files: list[Path], splittable: bool, split_bytes: int = DEFAULT_SPLIT_BYTES) -> list[Split]:
    splits = []
    for path in files:
        try:
            stamp = stamp_of(str(path))
        except FileNotFoundError:
            raise disappeared(str(path)) from None
        size = stamp.size
        if not splittable or is_compressed(path) or size <= split_bytes:
            splits.append(Split(str(path), 0, size, size, stamp))
            continue
        for start in range(0, size, split_bytes):
            splits.append(Split(str(path), start, min(start + split_bytes, size), size, stamp))
    return splits


def group_splits(splits: list[Split], tasks: int) -> list[list[Split]]:
    """Pack consecutive splits into about ``tasks`` groups of similar byte size, keeping file order."""
    if not splits:
        return []
    total = sum(s.end - s.start for s in splits)
    target = max(total / max(tasks, 1), 1)
    groups: list[list[Split]] = [[]]
    filled = 0
    for split in splits:
        if groups[-1] and filled + (split.end - split.start) > target * 1.05:
            groups.append([])
            filled = 0
        groups[-1].append(split)
        filled += split.end - split.start
    return groups


def check_text_start(path: str | Path, start: bytes) -> bytes:
    """The first bytes of a text file without a UTF-8 BOM; a UTF-16/32 file is an InputError."""
    if start.startswith(WIDE_BOMS):
        raise InputError(
            f"{printable(str(path))} starts with a UTF-16 or UTF-32 byte order mark; the analyzer reads UTF-8 text, "
            "convert the file to UTF-8"
        )
    return start.removeprefix(UTF8_BOM)


@contextmanager
def open_planned(path: str, stamp: FileStamp | None) -> Iterator[BinaryIO]:
    """The file opened for reading, checked against its planned stamp at open and once the caller
    has read what it needed; a deleted, replaced or resized file is an InputChanged naming it."""
    with _open(path, stamp) as f:
        check_open(path, stamp, f.fileno())
        yield f
        check_open(path, stamp, f.fileno())
    check_path(path, stamp)


def _open(path: str, stamp: FileStamp | None) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        if stamp is None:
            raise
        raise disappeared(path) from None


def gzip_chunks(split: Split, chunk_bytes: int, long_line: int | None = None) -> Iterator[Split]:
    """A .gz file's text in whole-line chunks of about ``chunk_bytes``, decompressed as they are read:
    a small archive may expand to gigabytes (a 1.6 MB file of 1 GiB of CSV), which must not be held
    at once. A line longer than ``long_line`` bytes that a chunk would end in comes as a chunk of its
    own (not copied onto the lines before it). A truncated or corrupt archive fails the job naming
    the file, as ``read_gzip`` does."""
    try:
        with open_planned(split.path, split.stamp) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as f:
            offset = 0
            while True:
                data = f.read(chunk_bytes)
                texts, brk = [data], 0
                if data and not data.endswith(b"\n"):  # the line in progress belongs to this chunk
                    begins = data.rfind(b"\n") + 1
                    line = _rest_of_line(f, bytearray(memoryview(data)[begins:]))
                    if long_line is not None and len(line) > long_line:
                        brk = _break_length(line)
                        del line[len(line) - brk :]  # the chunk is the line: its break is passed over
                        texts = ([data[:begins]] if begins else []) + [line]
                    else:
                        texts = [data[:begins] + line]
                    del line
                del data
                if not texts[0] and offset:
                    return
                while texts:
                    text = texts.pop(0)
                    size, box = len(text), [text]
                    del text
                    # Handed over, not kept in this frame while the caller reads it: the caller
                    # lets go of a long line in it as soon as it has cut it out.
                    yield Split(split.path, offset, offset + size, split.size, data=box.pop())
                    offset += size
                offset += brk
                if not size:
                    return  # an empty archive: one empty chunk, as the whole file was read before
    except (OSError, EOFError, zlib.error) as e:
        raise gzip_error(split.path, e) from e


def _rest_of_line(f: BinaryIO, line: bytearray) -> bytearray:
    """``line`` completed from ``f``, a megabyte at a time: a long line is held once as it grows
    (``readline()`` held its pieces and then their join, and the chunk's start was copied onto it)."""
    while piece := f.readline(1 << 20):
        line += piece
        if piece.endswith(b"\n"):
            break
    return line


def _break_length(line: bytearray) -> int:
    return 2 if line.endswith(b"\r\n") else 1 if line.endswith(b"\n") else 0


def read_gzip(path: str | Path, stamp: FileStamp | None = None) -> bytes:
    """A gzip file's text. A truncated or corrupt archive fails the job naming the file: the records
    it held cannot be counted, so skipping them would lose them silently."""
    try:
        with open_planned(str(path), stamp) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise gzip_error(path, e) from e


def gzip_error(path: str | Path, error: Exception) -> InputError:
    return InputError(f"{printable(str(path))} is not a readable gzip file: {' '.join(str(error).split())}")


def read_split(split: Split) -> bytes:
    """The bytes of the lines that start in the split, with the last one completed."""
    return read_split_at(split)[0]


def read_split_at(split: Split) -> tuple[bytes, int]:
    """``read_split`` and where its first byte lies: an offset in the file (in the decompressed
    text for a .gz), past a byte order mark taken off."""
    if split.data is not None:
        if split.start > 0 or split.checked:
            return split.data, split.start
        return _text_start_at(split.path, split.data, split.start)
    if is_compressed(split.path):
        return _text_start_at(split.path, read_gzip(split.path, split.stamp), 0)
    with open_planned(split.path, split.stamp) as f:
        # The line in progress at the start belongs to the previous split, the one in progress at
        # the end to this one. Both ends are found first and the bytes read once: a readline() to
        # skip or to complete a 190 MB line, then ``data + line``, held the line three times.
        pos = _line_end(f, split.start - 1) if split.start > 0 else 0
        if pos >= split.end:
            return b"", pos
        end = _line_end(f, split.end - 1) if split.end < split.size else split.end
        f.seek(pos)
        data = f.read(end - pos)
        return _text_start_at(split.path, data, 0) if split.start == 0 else (data, pos)


def _text_start_at(path: str, data: bytes, offset: int) -> tuple[bytes, int]:
    text = check_text_start(path, data)
    return text, offset + len(data) - len(text)


_SCAN_BYTES = 1 << 20


def _line_end(f: BinaryIO, pos: int) -> int:
    """The offset just past the first line break at or after ``pos`` (the file's end if none),
    scanning a chunk at a time so that a long line is never held."""
    f.seek(pos)
    while chunk := f.read(_SCAN_BYTES):
        newline = chunk.find(b"\n")
        if newline >= 0:
            return pos + newline + 1
        pos += len(chunk)
    return pos


def line_count(data: bytes) -> int:
    """Lines in a block of text; a last line without its line break counts too."""
    return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))


def read_head(path: Path, limit: int) -> bytes:
    """About the first ``limit`` bytes of a text file, in whole lines and at least through its
    first non-blank line, without a UTF-8 byte order mark."""
    opener = gzip.open if is_compressed(path) else open
    try:
        with opener(path, "rb") as f:
            head = check_text_start(path, f.read(limit))
            if head and not head.endswith(b"\n"):
                head += f.readline()  # complete the line in progress (a header wider than limit)
            while not head.strip() and (line := f.readline()):
                head += line  # only blank lines so far
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise gzip_error(path, e) from e
    return head


def first_nonblank(head: bytes) -> bytes:
    """The first non-blank line of a block of text (lines end at LF only, as in ``first_line``)."""
    for line in head.split(b"\n"):
        if line.strip():
            return line + b"\n"
    return b""


def first_line(path: Path) -> bytes:
    """The first non-blank line of a text file."""
    opener = gzip.open if is_compressed(path) else open
    try:
        with opener(path, "rb") as f:
            for number, line in enumerate(f):
                if number == 0:
                    line = check_text_start(path, line)
                if line.strip():
                    return line
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise gzip_error(path, e) from e
    return b""


def count_lines_before(path: str, offset: int) -> int:
    """Lines in a file before a byte offset (only on error paths, to name the exact line)."""
    if offset <= 0:
        return 0
    if is_compressed(path):  # offsets of .gz chunks are in the decompressed text
        lines = 0
        with gzip.open(path, "rb") as f:
            while offset > 0 and (block := f.read(min(offset, 1 << 20))):
                lines += block.count(b"\n")
                offset -= len(block)
        return lines
    with open(path, "rb") as f:
        pos = offset - 1
        f.seek(pos)
        pos += len(f.readline())
        f.seek(0)
        return f.read(pos).count(b"\n")
