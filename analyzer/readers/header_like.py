"""A header read as data: does a headerless CSV file (or a capture CSV payload) start with a header?

Read without ``header``, a header line is profiled as a record: each numeric column it names gets
one String value, types as String, and the job completes as if nothing were wrong. The driver opens
every CSV file anyway to read its first line; that same read takes the first ``HEAD_BYTES`` and the
first line is compared here with the lines after it. No other byte is read, no row leaves a task.

The rule, tuned to stay silent on data without a header:

* a column is *numeric* when at least ``MIN_VALUES`` of the sampled lines below the first (those as
  wide as the first) hold a value there, and at least ``NUMERIC_SHARE`` of those values are
  Integral or Fractional by the profile's own regexes;
* the first line *looks like a header* when it holds no number at all and at least one *name*
  above a numeric column: text with a letter, not a missing-value marker (``NA``, ``NaN``, ``null``,
  ...), and not a value the column holds again below (a recurring marker is data, a name is not).

So a data line with one bad or one missing value does not count (its other fields hold numbers), a
column of words never counts (it is not numeric), and a header that holds a number (the mangled
header of a pandas export, ``186,0.1,137.8``) is read as data, as Spark reads it. A header above
columns that are all text cannot be told from data and is not reported. A first line of numbers,
the common case, is decided without parsing the lines below it.

Capture data: each record is one request, so the first CSV line of a part's payload in a file's
first record is compared with the payload lines after it (of that record and the next ones; the
first line of each later payload of several lines is left out, as it may be a header again).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from analyzer.common.log_text import printable
from analyzer.common.number_text import FRACTIONAL_RE, INTEGRAL_RE
from analyzer.config.formats import CSV, DatasetFormat

log = logging.getLogger("monitor_analyzer.profile")

HEAD_BYTES = 16 * 1024  # read per file on the driver: about a hundred lines of a typical CSV
MAX_LINES = 100  # lines below the first that are compared with it
MIN_LINES = 20  # ... at least, however many files there are
LINE_BUDGET = 50_000  # lines compared in all files together (at MIN_LINES per file past 2,500 files)
MIN_VALUES = 2  # values below the first line a column needs to be judged at all
NUMERIC_SHARE = 0.9  # share of those values that must be numbers for the column to be numeric
MAX_NAMED = 5  # files named in the log; the rest are counted
MAX_EVIDENCE = 3  # columns quoted per file

CSV_FIX = 'read the data with --header (CLI) or "header": true in dataset_format (container)'
CAPTURE_FIX = (
    "send the requests without a header line, or drop it in a preprocess_handler (record_preprocessor_script)"
)

# Text that stands for a missing or non-finite number in exports (R, pandas, SQL dumps, Excel).
MISSING_MARKERS = frozenset(
    {"na", "n/a", "nan", "null", "none", "nil", "inf", "-inf", "+inf", "infinity", "-infinity", "#n/a"}
)
# ASCII: the profile's regexes run in RE2 (pyarrow), where \d is ASCII only, as in Java.
_NUMBER = re.compile(f"(?:{INTEGRAL_RE})|(?:{FRACTIONAL_RE})", re.ASCII)
_LETTER = re.compile(r"[^\W\d]")  # any letter (or underscore), in any script


@dataclass(frozen=True)
class HeaderLike:
    """A first line that looks like a header: where, and the names above numeric columns."""

    path: str
    line: int
    names: tuple[tuple[int, str], ...]  # (column position, the first line's text there)
    part: str | None = None  # capture data: the part whose payload starts with it

    def describe(self) -> str:
        # Capture columns are numbered across the joined parts: a payload's own fields count from 1.
        column = "_c{}" if self.part is None else "field {}"
        quoted = ", ".join(
            f'{column.format(i if self.part is None else i + 1)} "{text[:40]}"'
            for i, text in self.names[:MAX_EVIDENCE]
        )
        more = f" and {len(self.names) - MAX_EVIDENCE} more" if len(self.names) > MAX_EVIDENCE else ""
        where = f"{printable(self.path)}:{self.line}"
        if self.part is None:
            return (
                f"{where}: line {self.line} looks like a header (text above numeric columns: {quoted}{more})"
            )
        return (
            f"{where}: the {self.part} CSV payload starts with a line that looks like a header "
            f"(text above numeric columns: {quoted}{more})"
        )

    @property
    def fix(self) -> str:
        return CSV_FIX if self.part is None else CAPTURE_FIX

    @property
    def consequence(self) -> str:
        read = "the data is read without a header" if self.part is None else "capture payloads have no header"
        return f"{read}: the line is profiled as a row, so those columns type as String"


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def is_name(text: str | None) -> bool:
    return bool(
        text and _LETTER.search(text) and text.strip().lower() not in MISSING_MARKERS and not is_number(text)
    )


def header_names(first: Sequence[str | None], below: Iterable[Sequence[str | None]]) -> list[tuple[int, str]]:
    """The names the first line holds above numeric columns, if it looks like a header; else [].
    ``below`` is read only when the first line holds names and no number, so data costs nothing more."""
    if any(value and is_number(value) for value in first):
        return []  # a number: a data line (perhaps with a bad value elsewhere)
    named = [i for i, value in enumerate(first) if is_name(value)]
    if not named:
        return []
    present = dict.fromkeys(named, 0)
    numbers = dict.fromkeys(named, 0)
    seen: dict[int, set[str]] = {i: set() for i in named}
    for row in below:
        if len(row) != len(first):
            continue  # a line of another width is skipped by the reader; it says nothing here
        for i in named:
            if value := row[i]:
                present[i] += 1
                numbers[i] += is_number(value)
                seen[i].add(value)
    return [
        (i, first[i])
        for i in named
        if present[i] >= MIN_VALUES and numbers[i] >= NUMERIC_SHARE * present[i] and first[i] not in seen[i]
    ]


def csv_fields(line: str, dataset_format: DatasetFormat) -> list[str | None]:
    """A line's fields as the CSV readers split them (an empty field is missing); [] when unparsable."""
    from analyzer.readers.csv_reader import parse_line
    from analyzer.readers.plan import ReadPlan
    from analyzer.readers.records import SkipRecord

    try:
        return parse_line(line, ReadPlan(dataset_format))
    except SkipRecord:
        return []


def numbered_lines(head: bytes, limit: int = MAX_LINES) -> Iterator[tuple[int, str]]:
    """The head's first non-blank lines (the first and ``limit`` below it) with their numbers; the
    last line only when complete (a cut line would give a short row), unless it is the only one."""
    lines = head.split(b"\n")
    if not head.endswith(b"\n") and len(lines) > 1:
        lines.pop()
    taken = 0
    for n, line in enumerate(lines, start=1):
        if line.strip():
            yield n, line.decode("utf-8", errors="replace").removesuffix("\r")
            taken += 1
            if taken > limit:
                return


def check_csv(
    path: str, head: bytes, dataset_format: DatasetFormat, limit: int = MAX_LINES
) -> HeaderLike | None:
    """Does a headerless CSV file start with a header? ``head``: its first bytes, in whole lines."""
    lines = numbered_lines(head, limit)
    number, first = next(lines, (0, ""))
    below = (csv_fields(text, dataset_format) for _, text in lines)
    names = header_names(csv_fields(first, dataset_format), below)
    return HeaderLike(path, number, tuple(names)) if names else None


def check_capture(
    path: str, head: bytes, dataset_format: DatasetFormat, limit: int = MAX_LINES
) -> list[HeaderLike]:
    """Capture data: does a part's CSV payload in the file's first record start with a header?"""
    from analyzer.readers.capture import CapturedData
    from analyzer.readers.capture_reader import decode_payload
    from analyzer.readers.records import SkipRecord

    found = []
    for part in dataset_format.capture_index_names:
        first: tuple[int, list[str | None]] | None = None
        below: list[list[str | None]] = []
        for number, text in numbered_lines(head, limit):
            try:
                record = json.loads(text)
                event = CapturedData(record).part(part) if isinstance(record, dict) else None
                rows = decode_payload(part, event) if event is not None and is_csv(event) else []
            except (ValueError, SkipRecord):
                continue  # the reader skips such records; they say nothing here
            values = [[value for _, _, value in row] for row in rows]
            if first is None and values:
                first, below = (number, values[0]), values[1:]
            elif first is not None:
                below.extend(values[1:] if len(values) > 1 else values)
            if len(below) >= limit:
                break
        if first is not None and (names := header_names(first[1], below)):
            found.append(HeaderLike(path, first[0], tuple(names), part))
    return found


def is_csv(event) -> bool:
    encoding = (event.encoding or "").upper()
    content_type = event.observedContentType if isinstance(event.observedContentType, str) else ""
    return encoding in ("CSV", "") or (encoding == "BASE64" and "json" not in content_type.lower())


def lines_per_file(files: int) -> int:
    """Lines compared per file: MAX_LINES, fewer (down to MIN_LINES) when many files share LINE_BUDGET."""
    return max(MIN_LINES, min(MAX_LINES, LINE_BUDGET // max(files, 1)))


def check_head(
    path: str, head: bytes, dataset_format: DatasetFormat, limit: int = MAX_LINES
) -> list[HeaderLike]:
    """What ``head`` (a file's first bytes, whole lines) says about a header read as data."""
    if dataset_format.kind == CSV:
        if dataset_format.header:
            return []
        found = check_csv(path, head, dataset_format, limit)
        return [found] if found else []
    if dataset_format.is_capture:
        return check_capture(path, head, dataset_format, limit)
    return []


def warn(found: Sequence[HeaderLike]) -> None:
    """One WARNING per file, for the first MAX_NAMED files; then one with the count of the others."""
    for header in found[:MAX_NAMED]:
        log.warning("%s; %s. If it is a header, %s", header.describe(), header.consequence, header.fix)
    if len(found) > MAX_NAMED:
        log.warning(
            "... and %d more files start with a line that looks like a header", len(found) - MAX_NAMED
        )
