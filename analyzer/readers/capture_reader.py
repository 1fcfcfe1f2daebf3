"""SageMaker data capture (``sagemakerCaptureJson``) and ground-truth-merged (``sagemakerMergeJson``) lines.

Each part named in ``captureIndexNames`` is decoded on its own (CSV, JSON or BASE64, whatever the
other part uses) and the parts are joined into one row: the output columns first when
``output_columns_position`` is START, last when END. Positional fields are named ``_c{i}`` by
their place in that joined row; JSON objects keep their (flattened) key names.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
from collections.abc import Iterable, Iterator

from analyzer.common.errors import ConfigError
from analyzer.config.segments import value_at
from analyzer.config.window import TimeWindow, parse_time
from analyzer.files.sources import Split, line_count, read_split
from analyzer.readers.arrow_memory import give_back
from analyzer.readers.batch import GROUND_TRUTH, GROUND_TRUTH_SEGMENT, Batch
from analyzer.readers.capture import CapturedData, EventData
from analyzer.readers.capture_columnar import ColumnarSplit, Declined, read_columnar
from analyzer.readers.json_reader import TOO_DEEP
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.line_index import LineIndex
from analyzer.readers.lines import decode, split_lines
from analyzer.readers.long_lines import LongLine
from analyzer.readers.plan import ReadPlan
from analyzer.readers.records import DropRecord, SkipRecord, run_records
from analyzer.readers.rows import Row, loads_keeping_numbers, named_row, scalar_text

OUTPUT_PARTS = ("endpointOutput", "batchTransformOutput")


def read(split: Split, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    data = None
    if not (plan.preprocessor or plan.exact_locations):
        data = read_split(split)
        try:
            columnar, aside = read_fast(split, data, plan)
        except Declined:
            pass  # a set-aside line holds rows, or something unusual throughout: record by record
        else:
            ledger.split_lines[(split.path, split.start)] = line_count(data)
            columnar.commit(ledger)
            _skip_or_drop(aside, plan, ledger)  # in line order, so examples keep the split's order
            if columnar.batch is not None:
                yield columnar.batch
            return
        # Out of the except block, whose traceback held the columnar attempt's table: Arrow hands
        # back what it used (as much as the split) before the record reader starts.
        give_back()
    yield from read_records(split, plan, ledger, data)


def read_fast(
    split: Split, data: bytes, plan: ReadPlan
) -> tuple[ColumnarSplit, list[tuple[Location, bytes]]]:
    """The columnar reading of a split and the (location, line) of its set-aside lines, which the
    record reader skips or drops (checked here on a scratch ledger); or Declined. Nothing counted."""
    lines = LineIndex.of(data)
    columnar = read_columnar(lines, plan, part_order(plan))
    aside = [
        (Location(split.path, split.start, i + 1), line)
        for i in columnar.set_aside
        if (line := lines.line(i)).strip()  # a whitespace-only line is blank, not a record
    ]
    if aside and not _skip_or_drop(aside, plan, Ledger()):
        raise Declined("a set-aside line holds rows")
    return columnar, aside


def _skip_or_drop(lines: list[tuple[Location, bytes]], plan: ReadPlan, ledger: Ledger) -> bool:
    """Count the lines as the record reader does; False as soon as one of them holds rows."""
    analyzed = ledger.records_analyzed
    for _ in read_lines(lines, plan, ledger):
        return False
    return ledger.records_analyzed == analyzed


def read_records(split: Split, plan: ReadPlan, ledger: Ledger, data: bytes | None = None) -> Iterator[Batch]:
    """Record by record; ``data`` is the split's bytes when a caller has read them already."""
    yield from read_lines(split_lines(split, ledger, data), plan, ledger)


def read_long(line: LongLine, plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    yield from read_lines([(line.location, line)], plan, ledger)


def read_lines(lines: Iterable[tuple[Location, bytes]], plan: ReadPlan, ledger: Ledger) -> Iterator[Batch]:
    """The records of non-blank (location, line) pairs, in their order."""

    def records() -> Iterator[tuple[Location, CapturedData, bytes]]:
        for location, line in lines:
            text = decode(line, location, ledger)
            if text is None:
                continue
            try:
                event = json.loads(text)
            except json.JSONDecodeError as e:
                ledger.records_read += 1
                ledger.skip("invalid JSON", location, f"{e.msg} at column {e.colno}", line)
                continue
            except RecursionError:
                ledger.records_read += 1
                ledger.skip(TOO_DEEP[0], location, TOO_DEEP[1], line)
                continue
            finally:
                del text  # the event holds what it needs: a 190 MB line is not kept twice
            if not isinstance(event, dict):
                ledger.records_read += 1
                ledger.skip("not a capture record", location, "expected a JSON object with captureData", line)
                continue
            record = CapturedData(event)
            if plan.window is not None and not in_window(record, plan.window, location, ledger, line):
                continue
            yield location, record, line

    def to_rows(record: CapturedData) -> list[Row]:
        _check_shadow(record)
        try:
            return joined_rows(record, plan)
        except RecursionError:  # a JSON payload nested about 1,000 levels deep
            raise SkipRecord(*TOO_DEEP) from None

    def handler_input(record: CapturedData) -> CapturedData:
        _check_shadow(record)
        return record

    segment_of = None
    if plan.split is not None:
        steps = plan.split.steps
        segment_of = lambda record: value_at(record.event_dict, steps)  # noqa: E731
    yield from run_records(
        records(), to_rows, ledger, plan.batch_rows, plan.preprocessor, handler_input, segment_of
    )


def in_window(
    record: CapturedData, window: TimeWindow, location: Location, ledger: Ledger, line: bytes = b""
) -> bool:
    """Records outside the window are counted as read and dropped (the service may deliver more hours)."""
    when = record.event_metadata.event_time if record.event_metadata else None
    if not when:
        return True  # nothing to filter on: keep it
    try:
        moment = parse_time(str(when), "inferenceTime")
    except ConfigError:
        ledger.records_read += 1
        ledger.skip(
            "invalid inferenceTime", location, f"eventMetadata.inferenceTime {when!r} is not ISO-8601", line
        )
        return False
    if window.contains(moment):
        return True
    ledger.records_read += 1
    ledger.drop(f"inferenceTime outside the window {window}")
    return False


def _check_shadow(record: CapturedData) -> None:
    if record.is_shadow:
        raise DropRecord("shadow-variant traffic")


def part_order(plan: ReadPlan) -> list[str]:
    names = list(plan.dataset_format.capture_index_names)
    outputs = [n for n in names if n in OUTPUT_PARTS]
    inputs = [n for n in names if n not in OUTPUT_PARTS]
    return outputs + inputs if plan.dataset_format.output_columns_position == "START" else inputs + outputs


def joined_rows(record: CapturedData, plan: ReadPlan) -> list[Row]:
    parts: list[list[list]] = []
    for name in part_order(plan):
        event = record.part(name)
        if event is None or event.data is None:
            continue
        parts.append(decode_payload(name, event))
    if not parts:
        raise SkipRecord(
            "no capture data", f"none of {', '.join(plan.dataset_format.capture_index_names)} present"
        )
    counts = {len(p) for p in parts}
    if len(counts) > 1:
        raise SkipRecord("payload row counts differ", f"parts hold {sorted(len(p) for p in parts)} rows")
    rows = []
    for pieces in zip(*parts, strict=True):
        row: Row = []
        position = 0
        for segment, piece in enumerate(pieces):
            for name, order, text in piece:
                if order[1] == 0:  # positional: numbered across the joined row
                    row.append((plan.positional_name(position), (segment, 0, position), text))
                else:
                    row.append((name, (segment, *order[1:]), text))
                position += 1
        rows.append(row)
    if not rows:
        # run_records would count "no rows" as dropped by preprocess_handler, with no location.
        raise SkipRecord("empty payload", f"{', '.join(part_order(plan))} hold no rows")
    if plan.ground_truth:
        add_ground_truth(rows, record)
    return rows


def add_ground_truth(rows: list[Row], record: CapturedData) -> None:
    """Merged data: the label(s) of groundTruthData as columns ``groundTruthData._c0`` (CSV) or
    ``groundTruthData.<key>`` (JSON). A record without ground truth gets no such columns."""
    if record.ground_truth is None or record.ground_truth.data is None:
        return
    truth = decode_payload(GROUND_TRUTH, record.ground_truth)
    if len(truth) == 1:
        truth = truth * len(rows)
    if len(truth) != len(rows):
        raise SkipRecord(
            "ground truth row count differs", f"{len(rows)} prediction rows, {len(truth)} ground-truth rows"
        )
    for row, fields in zip(rows, truth, strict=True):
        for name, order, text in fields:
            inner = f"_c{order[2]}" if order[1] == 0 else name
            row.append((f"{GROUND_TRUTH}.{inner}", (GROUND_TRUTH_SEGMENT, *order[1:]), text))


def decode_payload(name: str, event: EventData) -> list[Row]:
    """The rows of one capture part: one per CSV line, one per JSON document."""
    for key in ("data", "encoding", "observedContentType"):
        value = getattr(event, key)
        if value is not None and not isinstance(value, str):
            # A hand-made or damaged record (a number for data, say) must be skipped, not crash the task.
            kind = {list: "a list", dict: "an object", bool: "a boolean"}.get(type(value), "a number")
            raise SkipRecord("malformed capture part", f"{name}.{key} is {kind}, expected a string")
    encoding = (event.encoding or "").upper()
    content_type = (event.observedContentType or "").lower()
    data = event.data
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=False).decode("utf-8")
        except (binascii.Error, ValueError) as e:
            raise SkipRecord("undecodable BASE64 payload", f"{name}: {e}") from e
        encoding = "JSON" if "json" in content_type else "CSV"
    if encoding == "JSON":
        return _json_rows(name, data)
    if encoding == "CSV" or encoding == "":
        return _csv_rows(data)
    raise SkipRecord("unknown encoding", f"{name}: encoding {event.encoding!r}")


def _json_rows(name: str, data: str) -> list[Row]:
    try:
        return [named_row(loads_keeping_numbers(data))]
    except json.JSONDecodeError:
        pass
    rows = []  # JSON Lines payloads (application/jsonlines): one row per document
    for line in payload_lines(data):
        if line.strip():
            try:
                rows.append(named_row(loads_keeping_numbers(line)))
            except json.JSONDecodeError as e:
                raise SkipRecord("invalid JSON payload", f"{name}: {e.msg} at column {e.colno}") from e
    return rows


def payload_lines(data: str) -> list[str]:
    """A payload's lines, broken at LF or CRLF only: str.splitlines() also breaks at U+2028, U+0085,
    form feeds and the like, which a CSV value or a JSON string may hold."""
    return [line.removesuffix("\r") for line in data.split("\n")]


def _csv_rows(data: str) -> list[Row]:
    # Only an empty line is blank: a lone tab or space is a field, as the columnar path reads it.
    lines = [line for line in payload_lines(data) if line]
    # Lines without quotes or carriage returns are split as csv would split them, without the csv
    # module's field buffer of four bytes a character (a 190 MB field took 760 MB there). A quoted
    # value may span lines: then csv reads them all.
    plain = not any('"' in line or "\r" in line for line in lines)
    records = (line.split(",") for line in lines) if plain else csv.reader(lines)
    return [
        [("", (0, 0, i), scalar_text(v) if v != "" else None) for i, v in enumerate(fields)]
        for fields in records
    ]
