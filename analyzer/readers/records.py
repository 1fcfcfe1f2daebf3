"""Shared record-by-record loop: parse, optionally preprocess, and buffer rows into batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from analyzer.common.log_text import printable
from analyzer.config.scripts import load_preprocessor
from analyzer.files.sources import count_lines_before
from analyzer.readers.batch import Batch
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.rows import Row, RowBuffer, named_row

# The reasons a record is skipped for its preprocess_handler; the policy's message starts with the
# prebuilt analyzer's wording when they are what sank the job.
HANDLER_RAISED = "preprocess_handler raised"
HANDLER_RETURNED = "preprocess_handler returned"


class SkipRecord(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a parser: the record is skipped for ``reason`` and counted."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class DropRecord(Exception):  # noqa: N818
    """Raised by a parser: the record is deliberately left out (e.g. shadow-variant traffic)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def run_records(
    records: Iterator[tuple[Location, Any, bytes]],
    to_rows: Callable[[Any], list[Row]],
    ledger: Ledger,
    batch_rows: int,
    preprocessor: str | None,
    handler_input: Callable[[Any], Any] | None = None,
    segment_of: Callable[[Any], str] | None = None,
) -> Iterator[Batch]:
    """Turn records (location, parsed record, raw line) into batches. ``to_rows`` parses a record;
    with a preprocessor, the handler's result (a dict, a list of dicts, or [] to drop) replaces it,
    the handler seeing ``handler_input(record)``. A handler that raises or returns something else
    skips the record: one bad record must not cost the whole job (the skip policy decides).
    ``segment_of`` (split runs): a record's segment, taken before the handler sees the record."""
    handler = load_preprocessor(preprocessor) if preprocessor else None
    if segment_of is not None:
        yield from run_segmented(records, to_rows, ledger, batch_rows, handler, handler_input, segment_of)
        return
    buffer = RowBuffer(batch_rows)
    for location, record, raw in records:
        rows = record_rows(location, record, raw, to_rows, ledger, handler, handler_input)
        for row in rows:
            batch = buffer.add(row, location)
            if batch is not None:
                yield batch
    # The last record and its line (a view keeping the split's bytes alive) would outlive the loop
    # and be held while the rows become columns: a 190 MB last line, twice more.
    record = raw = rows = row = None
    batch = buffer.flush()
    if batch is not None:
        yield batch


def record_rows(location, record, raw, to_rows, ledger: Ledger, handler, handler_input) -> list[Row]:
    """One record's rows, counted in the ledger; [] when it was skipped or dropped."""
    ledger.records_read += 1
    try:
        if handler is None:
            rows = to_rows(record)
        else:
            value = handler_input(record) if handler_input else record
            rows = handler_rows(_call(handler, value))
    except SkipRecord as skip:
        ledger.skip(skip.reason, location, skip.detail, raw)
        return []
    except DropRecord as drop:
        ledger.drop(drop.reason)
        return []
    if not rows:
        ledger.drop("dropped by preprocess_handler")
        return []
    ledger.records_analyzed += 1
    return rows


def run_segmented(records, to_rows, ledger: Ledger, batch_rows: int, handler, handler_input, segment_of):
    from analyzer.readers.segment_rows import SegmentRowBuffer

    buffer = SegmentRowBuffer(batch_rows)
    for location, record, raw in records:
        segment = segment_of(record)
        rows = record_rows(location, record, raw, to_rows, ledger, handler, handler_input)
        if rows:
            ledger.segment_records[segment] += 1
        for row in rows:
            yield from buffer.push(row, location, segment)
    record = raw = rows = row = None  # as in run_records
    yield from buffer.drain()


def where(location: Location) -> str:
    return f"{printable(location.path)}:{count_lines_before(location.path, location.split_start) + location.line}"


def _call(handler: Callable[[Any], Any], value: Any) -> Any:
    try:
        return handler(value)
    except (SkipRecord, DropRecord):
        raise
    except Exception as e:
        # One line: the detail reaches the log, statistics.json and the message file, where a
        # multi-line user message would hide the record location.
        raise SkipRecord(f"{HANDLER_RAISED} {type(e).__name__}", " ".join(str(e).split())) from e


def handler_rows(result: Any) -> list[Row]:
    if isinstance(result, dict):
        return [named_row(result)]
    if isinstance(result, list):
        wrong = next((r for r in result if not isinstance(r, dict)), None)
        if wrong is None:
            return [named_row(r) for r in result]
        raise SkipRecord(
            f"{HANDLER_RETURNED} list",
            f"an element is {type(wrong).__name__}; return a dict, a list of dicts, or [] to drop the record",
        )
    raise SkipRecord(
        f"{HANDLER_RETURNED} {type(result).__name__}",
        "return a dict, a list of dicts, or [] to drop the record",
    )
