"""CSV: pyarrow's parser for the common case, a record loop for preprocessing and damaged files.

All values are read as text (the profile types them with Deequ's regexes); an empty field is
missing, a quoted empty string ``""`` is an empty string, as in Spark's CSV reader.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analyzer.files.sources import UTF8_BOM, Split, line_count, read_split
from analyzer.readers.arrow_memory import one_array
from analyzer.readers.batch import Batch, Column, positional
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.line_index import LineIndex
from analyzer.readers.lines import decode, split_lines
from analyzer.readers.long_lines import LongLine
from analyzer.readers.plan import ReadPlan
from analyzer.readers.records import SkipRecord, run_records
from analyzer.readers.rows import Row


def column_names(path: str, plan: ReadPlan) -> list[str]:
    if plan.dataset_format.header:
        return plan.headers[path]
    return [plan.positional_name(i) for i in range(plan.csv_width)]


# A line of nothing but whitespace: blank for the line reader (and for Spark), a value for pyarrow.
_WHITESPACE_LINE = re.compile(rb"(?m)^[ \t\x0b\x0c]+\r?$")
# Searched in the split's bytes where they lie (``bytes.strip`` and friends would copy them).
_NON_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")
_LONE_CR = re.compile(rb"\r(?!\n)")


class _NotLineByLine(Exception):  # noqa: N818 - a signal to read the split line by line
    pass


def read(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    if plan.preprocessor or plan.exact_locations:
        yield from _read_records(split, plan, ledger)
        return
    try:
        batch = _read_fast(split, plan, ledger)
    except (pa.ArrowInvalid, UnicodeDecodeError, _NotLineByLine):
        # Damaged text (bad UTF-8, a quote left open, ...): go line by line so only the bad records
        # are skipped.
        yield from _read_records(split, plan, ledger)
        return
    if batch is not None:
        yield batch


def parse_line(text: str, plan: ReadPlan) -> list[str | None]:
    """The fields of one line; SkipRecord when the csv module cannot parse it."""
    fmt = plan.dataset_format
    reader = csv.reader(
        [text],
        delimiter=fmt.delimiter,
        quotechar=fmt.quote_character,
        escapechar=fmt.escape_character,
        doublequote=fmt.escape_character is None,
    )
    try:
        fields = next(reader, [])
    except csv.Error as e:
        problem = str(e)
        if "new-line character" in problem:
            problem = "a carriage return inside an unquoted field (line breaks must be LF or CRLF)"
        raise SkipRecord("malformed CSV", problem) from e
    # Python's csv module cannot tell "" from an empty field: both are missing on this path.
    return [f if f != "" else None for f in fields]


def _read_fast(split: Split, plan: ReadPlan, ledger: Ledger) -> Batch | None:
    whole = read_split(split)
    ledger.split_lines[(split.path, split.start)] = line_count(whole)
    lines_above, start = 0, 0  # the header and any blank lines above it, and where the data starts
    if plan.dataset_format.header and split.start == 0:
        # The header is the first non-blank line (as make_read_plan and Spark take it), not line 1.
        while start < len(whole):
            newline = whole.find(b"\n", start)
            end = len(whole) if newline < 0 else newline
            lines_above += 1
            blank = _NON_BLANK.search(whole, start, end) is None
            start = end + 1
            if not blank:
                break
    # A view, not a slice: ``whole[start:]`` copied the split (a 190 MB line with it) once more.
    data = memoryview(whole)[start:]
    del whole
    names = column_names(split.path, plan)
    if _NON_BLANK.search(data) is None or not names:
        return None
    bad: list[tuple[int, int, str]] = []

    def on_invalid(row) -> str:
        if row.text.strip():
            bad.append((row.number, row.actual_columns, row.text))
        return "skip"

    # Lines that are not UTF-8 are emptied (pyarrow passes over an empty line; the numbering stays)
    # and skipped below with the others. Left to pyarrow, a bad row's text fails to decode inside its
    # invalid-row callback, which prints an "Exception ignored" traceback into the job's log.
    data, not_utf8 = _without_bad_utf8(data)
    if _LONE_CR.search(data):
        raise _NotLineByLine("pyarrow would break lines at a lone carriage return")
    if data[: len(UTF8_BOM)] == UTF8_BOM:
        raise _NotLineByLine("pyarrow would drop a byte order mark that is data here (not at the file start)")
    if len(names) == 1 and _WHITESPACE_LINE.search(data):
        raise _NotLineByLine("pyarrow would read a whitespace-only line as a value; it is a blank line")
    fmt = plan.dataset_format
    keys = [f"f{i}" for i in range(len(names))]  # pyarrow needs unique names; ours may repeat
    # One block for the whole split: pyarrow refuses a line longer than its block ("straddling
    # object"), which sent a split holding one 190 MB line to the record loop at ten times its size.
    block = min(max(len(data) + 1, 1 << 26), (1 << 31) - 1)
    table = pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=keys, use_threads=False, block_size=block),
        parse_options=pacsv.ParseOptions(
            delimiter=fmt.delimiter,
            quote_char=fmt.quote_character or False,
            escape_char=fmt.escape_character or False,
            double_quote=fmt.escape_character is None,
            # Without this pyarrow turns a blank line into a row of nulls; Spark skips blank lines.
            ignore_empty_lines=True,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(keys, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    # A record is a line, as in Spark's CSV reader (multiLine off): a quoted value holding a line
    # break is a quote left open (or a multi-line value) that pyarrow would join with the lines
    # after it, so they would go uncounted.
    if any("\n" in text for _, _, text in bad) or any(
        pc.any(pc.match_substring(table.column(i), "\n")).as_py() for i in range(table.num_columns)
    ):
        raise _NotLineByLine("a quoted value spans lines")
    ledger.records_read += table.num_rows + len(bad)  # decode counts the lines it skips
    ledger.records_analyzed += table.num_rows
    skips = [(line, None, raw) for line, raw in not_utf8]
    if bad:
        # pyarrow numbers rows without the blank lines it ignored: map back to physical lines.
        physical = bytes(data).split(b"\n")
        nonblank = [i for i, line in enumerate(physical, start=1) if line not in (b"", b"\r")]
    for number, actual, text in bad:
        line = nonblank[min(number or 1, len(nonblank)) - 1]
        detail = f"expected {len(names)} fields, found {actual}: {text[:120]}"
        skips.append((line, detail, physical[line - 1].removesuffix(b"\r")))
    for line, detail, raw in sorted(skips, key=lambda skip: skip[0]):  # in line order, as read
        location = Location(split.path, split.start, lines_above + line)
        if detail is None:
            decode(raw, location, ledger)
        else:
            ledger.skip("wrong number of fields", location, detail, raw)
    if table.num_rows == 0:
        return None
    columns = [Column(n, positional(i), one_array(table.column(i))) for i, n in enumerate(names)]
    return Batch(table.num_rows, columns)


def _without_bad_utf8(data: memoryview) -> tuple[memoryview | bytes, list[tuple[int, bytes]]]:
    """The data with its lines that are not UTF-8 emptied, and those lines (number, bytes)."""
    lines = LineIndex.of(data)
    bad = lines.not_utf8().tolist()
    if not bad:
        return data, []
    kept, start = [], 0
    for i in bad:  # cut the line and its carriage return, keep its line break
        kept.append(data[start : int(lines.starts[i])])
        start = int(lines.nexts[i])
        if data[start - 1 : start] == b"\n":
            start -= 1
    kept.append(data[start:])
    return b"".join(kept), [(i + 1, bytes(lines.line(i))) for i in bad]


def _read_records(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    # A preprocessor sees raw lines (header included) and names columns itself.
    names = [] if plan.preprocessor else column_names(split.path, plan)
    skip_header = plan.dataset_format.header and split.start == 0 and not plan.preprocessor
    yield from _record_lines(split_lines(split, ledger), names, skip_header, plan, ledger)


def _record_lines(
    lines: Iterable[tuple[Location, Any]], names: list[str], skip_header: bool, plan: ReadPlan, ledger: Ledger
) -> Iterator[Batch]:
    def records() -> Iterator[tuple[Location, str, bytes]]:
        first = True
        for location, line in lines:
            if first and skip_header:
                first = False
                continue
            first = False
            text = decode(line, location, ledger)
            if text is not None:
                yield location, text, line

    def to_rows(text: str) -> list[Row]:
        fields = parse_line(text, plan)
        if len(fields) != len(names):
            raise SkipRecord(
                "wrong number of fields", f"expected {len(names)} fields, found {len(fields)}: {text[:120]}"
            )
        return [[(n, positional(i), v) for i, (n, v) in enumerate(zip(names, fields, strict=True))]]

    # The handler sees the raw line with its line break, as SageMaker's wrapper passes it.
    yield from run_records(records(), to_rows, ledger, plan.batch_rows, plan.preprocessor, lambda t: t + "\n")


def read_long(line: LongLine, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """One long line (never a header: ``long_lines.cut`` keeps those). Plain CSV becomes columns
    whose values are views of the line's bytes (a doubled quote costs that value one copy); other
    lines, and every line a preprocessor or exact locations need, go through the record loop."""
    names = [] if plan.preprocessor else column_names(line.path, plan)
    if plan.preprocessor or plan.exact_locations or not names:
        yield from _record_lines([(line.location, line)], names, False, plan, ledger)
        return
    data = line.take()
    fields = plain_fields(data, plan.dataset_format, len(names)) if _is_utf8(data) else None
    if fields is None:
        line.data = data  # handed back: the record loop decodes it and lets go of the bytes
        del data
        yield from _record_lines([(line.location, line)], names, False, plan, ledger)
        return
    ledger.records_read += 1
    if isinstance(fields, int):
        text = bytes(data[:480]).decode("utf-8", errors="ignore")[:120]
        detail = f"expected {len(names)} fields, found {fields}: {text}"
        ledger.skip("wrong number of fields", line.location, detail, data)
        return
    ledger.records_analyzed += 1
    columns = [
        Column(n, positional(i), _field_array(data, plan.dataset_format.quote_character or "", *field))
        for i, (n, field) in enumerate(zip(names, fields, strict=True))
    ]
    del data
    yield Batch(1, columns)


# How plain_fields hands back a field: missing, a view of the line, or a view with its doubled
# quotes to undo.
MISSING, VIEW, UNDOUBLE = 0, 1, 2
Field = tuple[int, int, int]


def plain_fields(data: bytes, fmt, width: int) -> list[Field] | int | None:
    """The fields of a line as (start, end, how), where pyarrow would read them the same way; the
    number of fields when it is not ``width``; None when the line is not plain CSV (a quote inside
    an unquoted field or text after a closing one, an escape character, a carriage return, a quote
    left open), for the record loop to read."""
    delimiter = fmt.delimiter.encode()
    quote = (fmt.quote_character or "").encode()
    if b"\r" in data or (fmt.escape_character and fmt.escape_character.encode() in data):
        return None
    if not quote or quote not in data:
        count = data.count(delimiter) + 1
        if count != width:
            return count
        fields, at = [], 0
        for _ in range(width - 1):
            end = data.find(delimiter, at)
            fields.append((at, end, VIEW if end > at else MISSING))
            at = end + 1
        fields.append((at, len(data), VIEW if len(data) > at else MISSING))
        return fields
    if fmt.escape_character:
        return None  # without double quoting, "" inside quotes is not a quote
    fields: list[Field] = []
    count, at = 0, 0  # past ``width`` fields, only counted (a line of a million fields is skipped)

    def add(field: Field) -> None:
        nonlocal count
        count += 1
        if count <= width:
            fields.append(field)

    while True:
        if data.startswith(quote, at):
            end, doubled = _closing_quote(data, quote, at + 1)
            if end < 0:
                return None
            add((at + 1, end, UNDOUBLE if doubled else VIEW))
            after = end + 1
            if after == len(data):
                break
            if not data.startswith(delimiter, after):
                return None
            at = after + 1
        else:
            end = data.find(delimiter, at)
            stop = len(data) if end < 0 else end
            if data.find(quote, at, stop) >= 0:
                return None
            add((at, stop, VIEW if stop > at else MISSING))
            if end < 0:
                break
            at = end + 1
        if at == len(data):  # a delimiter last: an empty last field
            add((at, at, MISSING))
            break
    return fields if count == width else count


def _closing_quote(data: bytes, quote: bytes, at: int) -> tuple[int, bool]:
    """Where a quoted field that starts at ``at`` ends (-1: left open), and whether it doubles a quote."""
    doubled = False
    while (end := data.find(quote, at)) >= 0:
        if not data.startswith(quote, end + 1):
            return end, doubled
        doubled, at = True, end + 2
    return -1, doubled


def _field_array(data: bytes, quote: str, start: int, end: int, how: int) -> pa.Array:
    kind, offsets = (pa.large_string(), np.int64) if len(data) >= 1 << 31 else (pa.string(), np.int32)
    if how == MISSING:
        return pa.nulls(1, kind)
    if how == UNDOUBLE:
        data = _undoubled(data, quote.encode(), start, end)
        start, end = 0, len(data)
    bounds = pa.py_buffer(np.array([start, end], dtype=offsets))
    return pa.Array.from_buffers(kind, 1, [None, bounds, pa.py_buffer(data)])


def _undoubled(data: bytes, quote: bytes, start: int, end: int) -> bytes:
    """The quoted value in data[start:end] with each doubled quote made one, joined from views of
    the line: the value's only copy. Inside a quoted field every quote is half of a pair."""
    view, parts, at = memoryview(data), [], start
    while (pair := data.find(quote + quote, at, end)) >= 0:
        parts.append(view[at : pair + 1])
        at = pair + 2
    parts.append(view[at:end])
    return b"".join(parts)


def _is_utf8(data: bytes) -> bool:
    """Checked where the bytes lie (decoding would build the text: one more copy of the line)."""
    kind, offsets = (pa.large_string(), np.int64) if len(data) >= 1 << 31 else (pa.string(), np.int32)
    bounds = pa.py_buffer(np.array([0, len(data)], dtype=offsets))
    try:
        pa.Array.from_buffers(kind, 1, [None, bounds, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True
