"""Columnar fast path for the common shape of capture data: CSV payloads of a fixed width.

pyarrow parses the JSON lines into columns and splits the payloads without a Python loop per
record. A line this path cannot read exactly (not UTF-8, not valid JSON, no capture record, a JSON
or BASE64 payload, quoted CSV, several rows, another width, a time that does not parse, ...) is set
aside with its line number; the caller hands those lines to the record reader, which skips or drops
them with the record path's reasons. Should one of them hold rows after all, the rows of the split
would lose their order, so the caller declines the split and the record reader reads all of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from analyzer.readers.arrow_memory import give_back, one_array
from analyzer.readers.batch import GROUND_TRUTH, GROUND_TRUTH_SEGMENT, Batch, Column
from analyzer.readers.capture import SHADOW_INVOCATION
from analyzer.readers.ledger import Ledger
from analyzer.readers.line_index import LineIndex
from analyzer.readers.plan import ReadPlan
from analyzer.readers.segment_columns import by_segment, schema_with_segment

_PART = pa.struct(
    [
        ("observedContentType", pa.string()),
        ("mode", pa.string()),
        ("data", pa.string()),
        ("encoding", pa.string()),
    ]
)
_METADATA = pa.struct(
    [
        ("eventId", pa.string()),
        ("inferenceTime", pa.string()),
        ("inferenceId", pa.string()),
        ("invocationSource", pa.string()),
    ]
)


class Declined(Exception):  # noqa: N818 - a signal to use the record-by-record reader
    pass


def _schema(parts: list[str], ground_truth: bool) -> pa.Schema:
    fields = [("captureData", pa.struct([(name, _PART) for name in parts])), ("eventMetadata", _METADATA)]
    if ground_truth:
        fields.append((GROUND_TRUTH, _PART))
    return pa.schema(fields)


def _csv_fields(payloads: list[pa.ChunkedArray], width: int) -> list[pa.Array]:
    """The fields of the first of ``payloads``, which is taken off the list (so that no one holds
    the payloads once they are split). ``_unusual_rows`` has set aside every payload that is
    missing, empty, multi-line, quoted or not ``width`` fields wide."""
    data = one_array(payloads.pop(0))
    if len(data) == 0:
        return []
    data = _trimmed(data)
    n = len(data)
    values = pc.list_flatten(pc.split_pattern(data, ","))
    del data  # the payloads, now copied into the fields
    give_back()
    if len(values) != n * width:
        raise Declined("payload widths differ")
    if width == 1:
        return [_missing_if_empty(values)]  # one field a record: the fields are the column, no take
    starts = np.arange(0, n * width, width)
    # Column by column, so that only one column's copy exists besides the split fields (a copy of
    # every field at once was 50 MB more at the peak for a 32 MB split of 2,000 columns).
    return [_missing_if_empty(values.take(starts + j)) for j in range(width)]


# Payloads are searched and measured where they lie: a regex replace or a split only to measure
# them copied every payload (a 190 MB one with them) once more.


def _trimmed(data: pa.Array) -> pa.Array:
    """The payloads without a final line break; the same array when none has one (the usual case)."""
    if not pc.any(pc.ends_with(data, "\n")).as_py():
        return data
    return pc.replace_substring_regex(data, r"\r?\n$", "")


def _widths(data: pa.Array) -> pa.Array:
    """Fields in each payload (commas plus one; null for a missing payload)."""
    return pc.add(pc.count_substring(data, ","), 1)


def _missing_if_empty(values: pa.Array) -> pa.Array:
    """An empty field is missing: the values with their validity cleared there, the text not copied."""
    valid = pc.and_kleene(pc.is_valid(values), pc.not_equal(pc.binary_length(values), 0))
    if pc.all(valid).as_py():
        return values
    if values.offset:  # a bitmap made here starts at the array's first value
        return pc.if_else(valid, values, pa.scalar(None, values.type))
    bitmap = pa.py_buffer(np.packbits(valid.to_numpy(zero_copy_only=False), bitorder="little"))
    return pa.Array.from_buffers(values.type, len(values), [bitmap, *values.buffers()[1:]])


def read_json_table(data: bytes, schema: pa.Schema) -> pa.Table:
    """JSON lines as a table of the schema's fields (others ignored), or Declined."""
    if not data.lstrip().startswith(b"{"):
        # pyarrow 26 dies with a segmentation fault when the first value is a bare null ("null"
        # line), so anything but an object first is left to the record reader.
        raise Declined("the first line is not a JSON object")
    try:
        # pyarrow's JSON reader does not validate UTF-8: a Latin-1 byte in a string crashed the task
        # when the column was read back, instead of skipping that line as "not UTF-8".
        if not data.isascii():  # ASCII (the usual capture file) is valid UTF-8, and ten times faster to tell
            data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Declined("not UTF-8") from e
    try:
        return pajson.read_json(
            pa.BufferReader(data),
            read_options=pajson.ReadOptions(use_threads=False, block_size=max(len(data) + 1, 1 << 20)),
            parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise Declined(str(e)) from e


def inside_window(times, window) -> pa.Array:
    """Which inferenceTime values lie in [start, end); a record without one is kept (nothing to
    filter on). A time that does not parse declines: the record reader reports it with its line."""
    try:
        moments = pc.cast(times, pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise Declined(f"inferenceTime: {e}") from e
    keep = pa.array(np.ones(len(moments), dtype=bool))
    if window.start is not None:
        keep = pc.and_kleene(keep, pc.greater_equal(moments, pa.scalar(window.start, moments.type)))
    if window.end is not None:
        keep = pc.and_kleene(keep, pc.less(moments, pa.scalar(window.end, moments.type)))
    return pc.fill_null(keep, True)


@dataclass
class ColumnarSplit:
    """A split read column by column but for its set-aside lines. Nothing is counted until
    ``commit``: the caller first makes sure the record reader has no rows for a set-aside line."""

    batch: Batch | None
    analyzed: int
    dropped: list[tuple[str, int]]
    set_aside: list[int]  # LineIndex indices, ascending
    segment_records: dict[str, int] | None = None  # split runs: analyzed records per segment

    def commit(self, ledger: Ledger) -> None:
        ledger.records_read += self.analyzed + sum(n for _, n in self.dropped)
        ledger.records_analyzed += self.analyzed
        for reason, n in self.dropped:
            ledger.dropped[reason] += n
        if self.segment_records:
            ledger.segment_records.update(self.segment_records)


# pyarrow names the record (counted from the start of the block) where its JSON parser stopped.
_ERROR_ROW = re.compile(r" in row (\d+)$")
# A record nested deeper than Python's recursion limit is skipped by the record reader, while
# pyarrow reads it: a line with this many brackets is left to the record reader to decide.
_DEEP_BRACKETS = 500
# Each line pyarrow rejects costs two parses (about 0.1 ms each, ten record-reader records): past
# this share of a split's lines the record reader is the faster way through it.
_MAX_REJECTED_SHARE = 1 / 100
# The record reader reads a set-aside line twice (to check it holds no rows, then to count it):
# past this share of a split's lines, reading the whole split record by record is cheaper.
_MAX_SET_ASIDE_SHARE = 1 / 10


def read_columnar(lines: LineIndex, plan: ReadPlan, parts: list[str]) -> ColumnarSplit:
    """The split's records as one batch, in line order, but for the lines set aside; or Declined."""
    schema = _schema(parts, plan.ground_truth)
    if plan.split is not None:  # a split run: the segment path is parsed with the rest
        schema = schema_with_segment(schema, plan.split)
        if schema is None:
            raise Declined("a split path the columnar reader does not read")
    aside = _unusual_lines(lines)
    _check_share(aside, lines)
    table, row_lines = _parse_runs(lines, aside, schema)
    give_back()  # the JSON parser's working memory, as large as the split
    odd, widths = _unusual_rows(table, plan, parts)
    if odd.any():
        aside.update(row_lines[odd].tolist())
        _check_share(aside, lines)
        table = table.filter(pa.array(~odd))
    tables = [table]
    del table  # _columns takes it off the list, to let its payloads go once they are split
    analyzed, dropped, batch = _columns(tables, plan, parts, widths)
    give_back()  # the payloads split into fields
    segment_records = None
    if batch is not None and batch.segments is not None:
        counts = pc.value_counts(batch.segments)
        segment_records = dict(zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True))
    return ColumnarSplit(batch, analyzed, dropped, sorted(aside), segment_records)


def _check_share(aside: set[int], lines: LineIndex) -> None:
    if len(aside) > max(8, int(len(lines) * _MAX_SET_ASIDE_SHARE)):
        raise Declined(f"{len(aside)} of {len(lines)} lines set aside")


def _unusual_lines(lines: LineIndex) -> set[int]:
    """Lines pyarrow must not see: not UTF-8 (pyarrow does not check), not shaped ``{...}`` (the
    shape guarantees that no JSON value spans lines, so a block's records map one to one to its
    non-empty lines once their counts agree), or nested deep enough to exhaust Python's parser."""
    odd = ~lines.empty() & ((lines.first_bytes() != ord("{")) | (lines.last_bytes() != ord("}")))
    aside = set(np.flatnonzero(odd).tolist())
    aside.update(lines.not_utf8().tolist())
    aside.update(lines.bracket_heavy(_DEEP_BRACKETS).tolist())
    return aside


def _parse_runs(lines: LineIndex, aside: set[int], schema: pa.Schema) -> tuple[pa.Table, np.ndarray]:
    """Parse the split with the set-aside lines blanked out, setting aside every line pyarrow
    rejects (the block is parsed again on either side of it); returns the table and the line of
    each of its records."""
    excluded = np.zeros(len(lines), dtype=bool)
    excluded[list(aside)] = True
    text = _blanked(lines, excluded)
    records = ~lines.empty() & ~excluded
    work = [(0, len(lines))]
    pieces: list[tuple[int, pa.Table, np.ndarray]] = []
    budget = max(8, int(len(lines) * _MAX_REJECTED_SHARE))
    while work:
        first, stop = work.pop()
        rows = first + np.flatnonzero(records[first:stop])
        if not len(rows):
            continue
        try:
            table = _parse(text[lines.starts[first] : lines.nexts[stop - 1]], schema)
        except Declined as e:
            budget -= 1
            if budget < 0:
                raise Declined("pyarrow rejects too many lines") from e
            culprit = _culprit(lines, rows, e)
            aside.add(culprit)
            work += [(first, culprit), (culprit + 1, stop)]
            continue
        if table.num_rows != len(rows):
            raise Declined("a line holds several JSON values")
        pieces.append((first, table, rows))
    pieces.sort(key=lambda piece: piece[0])
    if not pieces:
        return schema.empty_table(), np.empty(0, dtype=np.int64)
    table = pa.concat_tables([t for _, t, _ in pieces]) if len(pieces) > 1 else pieces[0][1]
    return table, np.concatenate([r for _, _, r in pieces])


def _blanked(lines: LineIndex, excluded: np.ndarray) -> memoryview:
    """The split's bytes with the excluded lines turned to spaces: pyarrow passes over a blank
    line, and one parse of the whole block is much cheaper than one per run between them."""
    if not excluded.any():
        return memoryview(lines.data)
    text = bytearray(lines.data)
    for i in np.flatnonzero(excluded).tolist():
        start, end = int(lines.starts[i]), int(lines.ends[i])
        text[start:end] = b" " * (end - start)
    return memoryview(text)


def _parse(span: memoryview, schema: pa.Schema) -> pa.Table:
    try:
        return pajson.read_json(
            pa.BufferReader(pa.py_buffer(span)),
            read_options=pajson.ReadOptions(use_threads=False, block_size=len(span) + 1),
            parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise Declined(str(e)) from e


def _culprit(lines: LineIndex, rows: np.ndarray, error: Declined) -> int:
    """The line behind pyarrow's error at record r: line r, or line r - 1 when its object ended
    before the damage on the same line; whichever Python's parser rejects too. When Python reads
    both (pyarrow refuses a duplicate key, say), line r: the record reader decides what it holds."""
    found = _ERROR_ROW.search(str(error))
    if found is None:
        raise error
    r = int(found.group(1))
    for k in (r, r - 1):
        if 0 <= k < len(rows) and not _python_reads(lines.line(int(rows[k]))):
            return int(rows[k])
    if r < len(rows):
        return int(rows[r])
    raise error


def _python_reads(line: bytes) -> bool:
    try:
        json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


def _unusual_rows(table: pa.Table, plan: ReadPlan, parts: list[str]) -> tuple[np.ndarray, list[int | None]]:
    """Records the columns below cannot read as the record reader does, and the width the payloads
    of each part (then of the ground truth) have in the others."""
    odd = np.zeros(len(table), dtype=bool)
    widths: list[int | None] = []
    if not len(table):
        return odd, widths
    capture = table.column("captureData")
    for i, _name in enumerate(parts):
        odd |= _not_csv(pc.struct_field(capture, [i, 3]))
        unusual, width = _unusual_payloads(pc.struct_field(capture, [i, 2]))
        odd |= unusual
        widths.append(width)
    if plan.ground_truth:
        labels = table.column(GROUND_TRUTH)
        odd |= _not_csv(pc.struct_field(labels, [3]))
        unusual, width = _unusual_payloads(pc.struct_field(labels, [2]))
        odd |= unusual
        widths.append(width)
    if plan.window is not None:
        times = pc.struct_field(table.column("eventMetadata"), [1]).combine_chunks()
        odd[_failing(times, lambda t: pc.cast(t, pa.timestamp("us", tz="UTC")))] = True
    return odd, widths


def _not_csv(encoding) -> np.ndarray:
    return _flags(pc.not_equal(pc.fill_null(pc.utf8_upper(encoding), ""), "CSV"))


def _unusual_payloads(data) -> tuple[np.ndarray, int | None]:
    """Missing or empty, several lines, quotes or carriage returns, or a width other than the
    most common one (the record reader gives such rows other columns); and that width."""
    trimmed = _trimmed(data)
    odd = _flags(pc.is_null(data)) | _flags(pc.equal(trimmed, ""))
    for mark in ("\n", "\r", '"'):
        if _in_buffers(trimmed, mark):
            odd |= _flags(pc.match_substring(trimmed, mark))
    widths = pc.fill_null(_widths(trimmed), 0).to_numpy()
    usual = widths[~odd]
    if not len(usual):
        return odd, None
    width = int(np.bincount(usual).argmax())
    return odd | (widths != width), width


def _in_buffers(data, mark: str) -> bool:
    """Whether ``mark`` (one ASCII character) may be in some value: a scan of the data buffers,
    which ``match_substring`` is ten times slower at; marks are rare, so this is mostly the answer."""
    code = ord(mark)
    chunks = data.chunks if isinstance(data, pa.ChunkedArray) else [data]
    for chunk in chunks:
        buffer = chunk.buffers()[2]
        if buffer is not None and (np.frombuffer(buffer, dtype=np.uint8) == code).any():
            return True
    return False


def _flags(mask) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _failing(values: pa.Array, convert) -> list[int]:
    """Indices of the values ``convert`` refuses, by bisection (a cast fails as a whole)."""
    try:
        convert(values)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if len(values) == 1:
            return [0]
        half = len(values) // 2
        return _failing(values[:half], convert) + [half + i for i in _failing(values[half:], convert)]
    return []


def _columns(
    tables: list[pa.Table], plan: ReadPlan, parts: list[str], widths: list[int | None]
) -> tuple[int, list[tuple[str, int]], Batch | None]:
    """(records analysed, records dropped by reason, their batch) of records all usual, from the
    table taken off ``tables``; ``widths``: the fields of each payload, from ``_unusual_rows``."""
    table = tables.pop()
    metadata = table.column("eventMetadata")
    dropped: list[tuple[str, int]] = []
    keep = pa.array(np.ones(len(table), dtype=bool))
    if plan.window is not None:  # first the window, then shadow traffic, as the record reader counts
        keep = inside_window(pc.struct_field(metadata, [1]), plan.window)
        outside = len(table) - (pc.sum(keep).as_py() or 0)
        if outside:
            dropped.append((f"inferenceTime outside the window {plan.window}", outside))
    shadow = pc.and_(keep, pc.equal(pc.fill_null(pc.struct_field(metadata, [3]), ""), SHADOW_INVOCATION))
    shadow_count = pc.sum(shadow).as_py() or 0
    if shadow_count:
        dropped.append(("shadow-variant traffic", shadow_count))
        keep = pc.and_(keep, pc.invert(shadow))
    if not pc.all(keep).as_py():  # a filter copies every column, the payloads with them
        table = table.filter(keep)
    if len(table) == 0:
        return 0, dropped, None
    segments = None
    if plan.split is not None:
        table, segments = by_segment(table, plan.split)
    capture = table.column("captureData")
    payloads = [pc.struct_field(capture, [i, 2]) for i in range(len(parts))]
    if plan.ground_truth:
        payloads.append(pc.struct_field(table.column(GROUND_TRUTH), [2]))
    records = len(table)
    # The payloads are now the only reference to their text: each is let go once split into fields
    # (``_csv_fields`` pops it), so a 190 MB payload is not held by the table besides its fields.
    del table, capture, metadata
    split = [_csv_fields(payloads, width) for width in widths]
    fields = [(i, values) for i in range(len(parts)) for values in split[i]]  # (segment, values)
    truth = split[len(parts)] if plan.ground_truth else []
    columns = [
        Column(plan.positional_name(p), (segment, 0, p), values) for p, (segment, values) in enumerate(fields)
    ]
    columns += [
        Column(f"{GROUND_TRUTH}._c{j}", (GROUND_TRUTH_SEGMENT, 0, j), values)
        for j, values in enumerate(truth)
    ]
    return records, dropped, Batch(records, columns, segments=segments)
