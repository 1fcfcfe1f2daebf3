"""JSON Lines (one object per line), or whole-file JSON documents when ``lines`` is false."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from analyzer.files.sources import Split
from analyzer.readers.batch import Batch
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.lines import decode, split_lines
from analyzer.readers.long_lines import LongLine
from analyzer.readers.plan import ReadPlan
from analyzer.readers.records import SkipRecord, run_records
from analyzer.readers.rows import Row, loads_keeping_numbers, named_row


def read(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    yield from read_lines(split_lines(split, ledger), plan, ledger)


def read_long(line: LongLine, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    yield from read_lines([(line.location, line)], plan, ledger)


def read_lines(lines: Iterable[tuple[Location, Any]], plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """The records of non-blank (location, line) pairs, in their order."""

    def records() -> Iterator[tuple[Location, str, bytes]]:
        for location, line in lines:
            text = decode(line, location, ledger)
            if text is not None:
                yield location, text, line

    def to_rows(text: str) -> list[Row]:
        try:
            return [named_row(parse(text))]
        except RecursionError:
            raise SkipRecord(*TOO_DEEP) from None

    yield from run_records(records(), to_rows, ledger, plan.batch_rows, plan.preprocessor, parse_plain)


# Python's parser (and the flattening) recurse once per level: about 1,000 levels exhaust the stack.
TOO_DEEP = ("invalid JSON", "nested too deeply to parse")


def parse(text: str):
    try:
        return loads_keeping_numbers(text)
    except json.JSONDecodeError as e:
        raise SkipRecord("invalid JSON", f"{e.msg} at column {e.colno}") from e
    except RecursionError:
        raise SkipRecord(*TOO_DEEP) from None


def parse_plain(text: str):
    """What a preprocess_handler receives for JSON: the record as json.loads gives it."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SkipRecord("invalid JSON", f"{e.msg} at column {e.colno}") from e
    except RecursionError:
        raise SkipRecord(*TOO_DEEP) from None
