"""Shared record-by-record loop: parse, optionally preprocess, and buffer rows into batches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from analyzer.batch import Batch
from analyzer.errors import ScriptError
from analyzer.ledger import Ledger, Location
from analyzer.rows import Row, RowBuffer, named_row
from analyzer.scripts import load_preprocessor
from analyzer.sources import count_lines_before


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
    records: Iterator[tuple[Location, Any]],
    to_rows: Callable[[Any], list[Row]],
    ledger: Ledger,
    batch_rows: int,
    preprocessor: str | None,
    handler_input: Callable[[Any], Any] | None = None,
) -> Iterator[Batch]:
    """Turn records into batches. ``to_rows`` parses a record; with a preprocessor, the handler's
    result (a dict, a list of dicts, or [] to drop) replaces it, the handler seeing
    ``handler_input(record)``."""
    handler = load_preprocessor(preprocessor) if preprocessor else None
    buffer = RowBuffer(batch_rows)
    for location, record in records:
        ledger.records_read += 1
        try:
            if handler is None:
                rows = to_rows(record)
            else:
                value = handler_input(record) if handler_input else record
                rows = handler_rows(_call(handler, value, location), location)
        except SkipRecord as skip:
            ledger.skip(skip.reason, location, skip.detail)
            continue
        except DropRecord as drop:
            ledger.drop(drop.reason)
            continue
        if not rows:
            ledger.drop("dropped by preprocess_handler")
            continue
        ledger.records_analyzed += 1
        for row in rows:
            batch = buffer.add(row, location)
            if batch is not None:
                yield batch
    batch = buffer.flush()
    if batch is not None:
        yield batch


def where(location: Location) -> str:
    return f"{location.path}:{count_lines_before(location.path, location.split_start) + location.line}"


def _call(handler: Callable[[Any], Any], value: Any, location: Location) -> Any:
    try:
        return handler(value)
    except (SkipRecord, DropRecord):
        raise
    except Exception as e:
        # One line: the message must survive as a single line (a Spark task's error reaches the
        # driver as text, and the message file is one line); a multi-line user message would hide
        # the record location.
        detail = " ".join(str(e).split())
        raise ScriptError(
            "There is an exception raised in preprocessor script. Please double check the preprocessor "
            f"script. {type(e).__name__}: {detail} (record {where(location)})"
        ) from e


def handler_rows(result: Any, location: Location) -> list[Row]:
    if isinstance(result, dict):
        return [named_row(result)]
    if isinstance(result, list) and all(isinstance(r, dict) for r in result):
        return [named_row(r) for r in result]
    raise ScriptError(
        f"preprocess_handler returned {type(result).__name__} for record {where(location)}; "
        "return a dict, a list of dicts, or [] to drop the record"
    )
