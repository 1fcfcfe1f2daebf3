"""The ground-truth merge: capture records joined with the labels uploaded for them.

SageMaker runs this as a separate job (its ``groundtruth-merger`` image) before every model-quality
execution; this is the same step in our image, and a command. A capture record's key is its
``eventMetadata.inferenceId`` when it has one, else its ``eventId``; a ground-truth record's key is
its ``eventMetadata.eventId``. Every matched capture record is written, with the label added as
``groundTruthData``, to the same relative path under the output (so ``endpoint/variant/yyyy/mm/dd/hh``
prefixes survive), where the analyzer reads it as ``sagemakerMergeJson``. Everything else is counted.

The labels are held in memory (an id and a small code each); the capture files are cut into
32 MB splits that tasks merge independently, on Spark when the data is large; a file merged in
several splits is joined from its parts in order, so the output does not depend on the task layout.
"""

from __future__ import annotations

import json
import logging
import pickle
import shutil
import time
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.common.errors import ConfigError, InputError
from analyzer.config.contract import JobConfig
from analyzer.config.output_names import MERGE_SUMMARY_FILE
from analyzer.config.window import TimeWindow, parse_time
from analyzer.files.sources import (
    Split,
    group_splits,
    list_files,
    plan_splits,
    read_split,
    split_bytes_setting,
)
from analyzer.files.writers import write_atomic, write_atomic_with, write_json
from analyzer.jobs.ending import finish
from analyzer.readers.capture_columnar import Declined, inside_window, read_json_table
from analyzer.readers.ledger import Ledger, Location
from analyzer.readers.lines import decode, split_lines
from analyzer.runtime import processes
from analyzer.runtime.spark import progress
from analyzer.runtime.tasks import LOCAL, PROCESSES, choose_engine, describe, spark_context, task_count

log = logging.getLogger("monitor_analyzer.merge")

UNMATCHED = "no ground truth for its inferenceId/eventId"
_IDS = pa.schema(
    [
        (
            "eventMetadata",
            pa.struct(
                [("eventId", pa.string()), ("inferenceId", pa.string()), ("inferenceTime", pa.string())]
            ),
        )
    ]
)


_LABELS = pa.schema(
    [
        ("groundTruthData", pa.struct([("data", pa.string()), ("encoding", pa.string())])),
        ("eventMetadata", pa.struct([("eventId", pa.string())])),
    ]
)


@dataclass
class GroundTruth:
    """Labels by id. Most labels repeat ("0", "1"), so each id holds a code into the distinct label
    texts: about 100 bytes per id instead of a string each."""

    index: dict[str, int] = field(default_factory=dict)  # id -> position
    codes: list[int] = field(default_factory=list)  # position -> code of its label text
    texts: list[str] = field(default_factory=list)  # distinct groundTruthData JSON texts
    ledger: Ledger = field(default_factory=Ledger)
    duplicates: int = 0
    _text_codes: dict[str, int] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def add(self, event_id: str, label: str) -> None:
        code = self._text_codes.get(label)
        if code is None:
            code = self._text_codes[label] = len(self.texts)
            self.texts.append(label)
        position = self.index.get(event_id)
        if position is None:
            self.index[event_id] = len(self.codes)
            self.codes.append(code)
        else:
            self.duplicates += 1
            self.codes[position] = code
        self.ledger.records_analyzed += 1

    def label(self, position: int) -> str:
        return self.texts[self.codes[position]]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["codes"] = np.asarray(self.codes, dtype=np.int32)  # compact when shipped to tasks
        state["_text_codes"] = {}
        return state


def load_ground_truth(source: Path) -> GroundTruth:
    """Every ground-truth record under ``source``; for an id given twice the later upload wins
    (files in path order: the yyyy/mm/dd/hh prefixes make that upload order)."""
    truth = GroundTruth()
    for path in list_files(source):
        data = path.read_bytes()
        try:
            records = _labels_columnar(data)
        except Declined:
            records = _labels_by_line(str(path), data, truth.ledger)
        else:
            truth.ledger.records_read += len(records)
        for event_id, label in records:
            truth.add(event_id, label)
    return truth


def _json_table(data: bytes, schema: pa.Schema, rows: int) -> pa.Table:
    """The JSON lines as a table of the schema's fields, or Declined (a line that does not parse)."""
    table = read_json_table(data, schema)
    if table.num_rows != rows:
        raise Declined("line count")
    return table


def label_json(data, encoding) -> str:
    """groundTruthData as written into a merged record: its data and encoding."""
    text = encode_basestring(data) if isinstance(data, str) else json.dumps(data, allow_nan=False)
    kind = encode_basestring(encoding) if isinstance(encoding, str) else "null"
    return f'{{"data":{text},"encoding":{kind}}}'


def _labels_columnar(data: bytes) -> list[tuple[str, str]]:
    lines = [line for line in data.split(b"\n") if line.strip()]
    table = _json_table(data, _LABELS, len(lines))
    ids = pc.struct_field(table.column("eventMetadata").combine_chunks(), [0])
    label = table.column("groundTruthData").combine_chunks()
    values, encodings = pc.struct_field(label, [0]), pc.struct_field(label, [1])
    if ids.null_count or values.null_count or pc.any(pc.equal(ids, "")).as_py():
        raise Declined("records without an id or a label")
    return [
        (i, label_json(v, e))
        for i, v, e in zip(ids.to_pylist(), values.to_pylist(), encodings.to_pylist(), strict=True)
    ]


def reject_constant(name: str):
    """Python's json takes bare NaN and Infinity; a label must be JSON that can be written back."""
    raise ValueError(f"{name} is not JSON")


def _labels_by_line(path: str, data: bytes, ledger: Ledger) -> list[tuple[str, str]]:
    records = []
    for location, line in split_lines(Split(path, 0, len(data), len(data)), ledger, data):
        text = decode(line, location, ledger)
        if text is None:
            continue
        ledger.records_read += 1
        try:
            event = json.loads(text, parse_constant=reject_constant)
        except json.JSONDecodeError as e:
            ledger.skip("invalid JSON", location, f"{e.msg} at column {e.colno}")
            continue
        except ValueError as e:
            ledger.skip("invalid JSON", location, str(e))
            continue
        metadata = event.get("eventMetadata") if isinstance(event, dict) else None
        label = event.get("groundTruthData") if isinstance(event, dict) else None
        event_id = metadata.get("eventId") if isinstance(metadata, dict) else None
        if not event_id or not isinstance(label, dict) or label.get("data") is None:
            ledger.skip(
                "not a ground-truth record",
                location,
                "expected groundTruthData.data and eventMetadata.eventId",
            )
            continue
        records.append((str(event_id), label_json(label["data"], label.get("encoding"))))
    return records


@dataclass
class MergeTaskResult:
    ledger: Ledger
    merged: int = 0
    unmatched: int = 0
    files_written: list[tuple[str, str]] = field(default_factory=list)  # (output file, file or part)
    used: bytes = b""  # packed bitmap over the ground-truth labels that found a capture record

    def merge(self, other: MergeTaskResult) -> MergeTaskResult:
        self.ledger.merge(other.ledger)
        self.merged += other.merged
        self.unmatched += other.unmatched
        self.files_written.extend(other.files_written)
        self.used = (np.frombuffer(self.used, np.uint8) | np.frombuffer(other.used, np.uint8)).tobytes()
        return self


def join_key(event: dict) -> str | None:
    metadata = event.get("eventMetadata")
    if not isinstance(metadata, dict):
        return None
    key = metadata.get("inferenceId") or metadata.get("eventId")
    return str(key) if key else None


def part_path(target: str, start: int) -> str:
    """Where a split of a large capture file writes its merged lines before they are joined
    (hidden: the analyzer never reads a part left by a killed run)."""
    path = Path(target)
    return str(path.with_name(f"_{path.name}.part-{start:015d}"))


def merge_files(
    splits: list[tuple[Split, str]], truth: GroundTruth, window: TimeWindow | None
) -> MergeTaskResult:
    """Merge (capture split, output file) pairs; returns counts, never records. A matched line is
    written as it came, with ``"groundTruthData":{...}`` appended to the object."""
    result = MergeTaskResult(Ledger())
    used = np.zeros(len(truth), dtype=bool)
    for split, target in splits:
        data = read_split(split)
        merging = Merging(truth, window, used, result)
        try:
            out = _merge_columnar(split, data, merging)
        except Declined:
            out = _merge_records(split, data, merging)
        if out:
            path = target if split.whole_file else part_path(target, split.start)
            write_atomic(path, b"\n".join(out) + b"\n")
            result.files_written.append((target, path))
            result.merged += len(out)
    result.used = np.packbits(used).tobytes()
    return result


def join_parts(written: list[tuple[str, str]]) -> list[str]:
    """Each output file whose splits were merged apart is joined from its parts, in order."""
    parts: dict[str, list[str]] = {}
    for target, path in written:
        parts.setdefault(target, []).append(path)
    for target, paths in parts.items():
        if paths == [target]:
            continue
        ordered = sorted(paths)  # zero-padded offsets: name order is file order

        def concatenate(out, ordered=ordered) -> None:
            for part in ordered:
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)

        write_atomic_with(target, concatenate)
        for part in paths:
            Path(part).unlink()
    return sorted(parts)


def _with_label(line: bytes | memoryview, label: str) -> bytes:
    # bytes(): split_lines gives views into the split; the merged line is written as bytes.
    return bytes(line).rstrip()[:-1] + b',"groundTruthData":' + label.encode("utf-8") + b"}"


@dataclass
class Merging:
    """What merging a split needs: the labels, the window, and where matches and counts go."""

    truth: GroundTruth
    window: TimeWindow | None
    used: np.ndarray  # one flag per label: matched by some capture record
    result: MergeTaskResult


def _merge_columnar(split: Split, data: bytes, merging: Merging) -> list[bytes]:
    """The common case without a Python JSON parse per line: pyarrow reads the ids and times.
    Anything unusual (a bad line, a blank one, a record without an id or one merged before) declines."""
    truth, window, used, result = merging.truth, merging.window, merging.used, merging.result
    lines = data.split(b"\n")
    if lines and not lines[-1].strip():
        lines.pop()
    if any(
        not line.strip() or b'"groundTruthData"' in line or b'"captureData"' not in line for line in lines
    ):
        raise Declined("blank, merged or non-capture lines")
    table = _json_table(data, _IDS, len(lines))
    metadata = table.column("eventMetadata").combine_chunks()
    # An empty id is no id (as join_key reads it): "" falls back to eventId, or declines.
    keys = pc.coalesce(*(_non_empty(pc.struct_field(metadata, [i])) for i in (1, 0)))
    if keys.null_count:
        raise Declined("records without an id")
    keep = np.ones(len(lines), dtype=bool)
    if window is not None:
        keep = np.asarray(inside_window(pc.struct_field(metadata, [2]), window), dtype=bool)
    ledger = result.ledger
    ledger.records_read += len(lines)
    ledger.split_lines[(split.path, split.start)] = len(lines)  # for file:line of later splits
    outside = int((~keep).sum())
    if outside:
        ledger.dropped[f"inferenceTime outside the window {window}"] += outside
    out = []
    index = truth.index
    for line, key, inside in zip(lines, keys.to_pylist(), keep.tolist(), strict=True):
        if not inside:
            continue
        position = index.get(key)
        if position is None:
            result.unmatched += 1
            ledger.dropped[UNMATCHED] += 1
            continue
        used[position] = True
        out.append(_with_label(line, truth.label(position)))
    ledger.records_analyzed += len(out)
    return out


def _non_empty(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _merge_records(split: Split, data: bytes, merging: Merging) -> list[bytes]:
    """Line by line, with every problem counted at its file:line."""
    truth, window, used, result = merging.truth, merging.window, merging.used, merging.result
    ledger = result.ledger
    out: list[bytes] = []
    for location, line in split_lines(split, ledger, data):
        text = decode(line, location, ledger)
        if text is None:
            continue
        ledger.records_read += 1
        event = _capture_event(text, location, ledger, window)
        if event is None:
            continue
        key = join_key(event)
        position = truth.index.get(key) if key else None
        if position is None:
            result.unmatched += 1
            ledger.drop(UNMATCHED)
            continue
        used[position] = True
        if "groundTruthData" in event:  # merged before: the new label replaces the old one
            event["groundTruthData"] = json.loads(truth.label(position))
            try:
                merged = json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            except ValueError:  # json.loads took a bare NaN or Infinity that strict JSON has no words for
                ledger.skip("invalid JSON", location, "NaN or Infinity is not JSON")
                continue
            out.append(merged.encode("utf-8"))
        else:
            out.append(_with_label(line, truth.label(position)))
        ledger.records_analyzed += 1
    return out


def _capture_event(text: str, location: Location, ledger: Ledger, window: TimeWindow | None) -> dict | None:
    try:
        event = json.loads(text)
    except json.JSONDecodeError as e:
        ledger.skip("invalid JSON", location, f"{e.msg} at column {e.colno}")
        return None
    if not isinstance(event, dict) or not isinstance(event.get("captureData"), dict):
        ledger.skip("not a capture record", location, "expected a JSON object with captureData")
        return None
    if join_key(event) is None:
        ledger.skip("no event id", location, "eventMetadata has neither inferenceId nor eventId")
        return None
    if window is not None:
        when = event["eventMetadata"].get("inferenceTime")
        if when:
            try:
                moment = parse_time(str(when), "inferenceTime")
            except ConfigError:
                ledger.skip("invalid inferenceTime", location, f"inferenceTime {when!r} is not ISO-8601")
                return None
            if not window.contains(moment):
                ledger.drop(f"inferenceTime outside the window {window}")
                return None
    return event


@dataclass
class MergeSummary:
    capture_records: int
    merged: int
    captures_without_ground_truth: int
    captures_outside_window: int
    captures_skipped: int
    ground_truth_records: int
    ground_truth_unmatched: int
    ground_truth_duplicates: int
    ground_truth_skipped: int
    files_written: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def run_merge(
    capture: Path,
    ground_truth: Path,
    output: Path,
    window: TimeWindow | None = None,
    spark=None,
    engine: str = "auto",
) -> tuple[MergeSummary, Ledger]:
    truth = load_ground_truth(ground_truth)
    log.info(
        "Read %d ground-truth label(s) from %s (%d skipped, %d duplicate id(s), later upload kept)",
        len(truth),
        ground_truth,
        truth.ledger.records_skipped,
        truth.duplicates,
    )
    files = list_files(capture)
    if not files:
        raise InputError(f"No capture files found under {capture}")
    root = capture if capture.is_dir() else capture.parent
    targets = {str(f): str(output / f.relative_to(root)) for f in files}
    splits = plan_splits(files, splittable=True, split_bytes=split_bytes_setting())
    total = sum(split.end - split.start for split in splits)
    groups = [
        [(split, targets[split.path]) for split in group] for group in group_splits(splits, task_count(total))
    ]
    engine = choose_engine(spark, total, len(groups), engine)
    log.info(
        "Merging %d capture file(s), %.1f MB, in %d task(s) %s",
        len(files),
        total / 1e6,
        len(groups),
        describe(engine, len(groups)),
    )
    if engine == LOCAL:
        results = [merge_files(group, truth, window) for group in groups]
    elif engine == PROCESSES:  # the ground truth goes to each worker once
        results = list(processes.in_order(merge_files, groups, (truth, window), label="merge"))
    else:
        # The context stays: the job that reads the merged files next runs on it.
        with spark_context(spark, release_started=False) as sc:
            shared = sc.broadcast(truth)
            rdd = sc.parallelize(groups, len(groups)).map(
                lambda group: pickle.dumps(merge_files(group, shared.value, window))
            )
            with progress(sc, "merge"):
                results = [pickle.loads(r) for r in rdd.collect()]
    combined = results[0]
    for other in results[1:]:
        combined.merge(other)
    written = join_parts(combined.files_written)
    used = int(np.unpackbits(np.frombuffer(combined.used, np.uint8))[: len(truth)].sum())
    ledger = combined.ledger
    outside = sum(c for reason, c in ledger.dropped.items() if reason.startswith("inferenceTime outside"))
    summary = MergeSummary(
        capture_records=ledger.records_read,
        merged=combined.merged,
        captures_without_ground_truth=combined.unmatched,
        captures_outside_window=outside,
        captures_skipped=ledger.records_skipped,
        ground_truth_records=truth.ledger.records_read,
        ground_truth_unmatched=len(truth) - used,
        ground_truth_duplicates=truth.duplicates,
        ground_truth_skipped=truth.ledger.records_skipped,
        files_written=len(written),
    )
    ledger.examples.extend(truth.ledger.examples)
    return summary, ledger


def run_merge_job(config: JobConfig, spark=None, engine: str = "auto"):
    started = time.monotonic()
    window = TimeWindow.of(config.start_time, config.end_time)
    summary, ledger = run_merge(
        config.dataset_source, config.ground_truth_source, config.output_path, window, spark, engine
    )
    s = summary
    log.info(
        "Merged %d of %d capture record(s): %d without ground truth, %d outside the window, %d skipped; "
        "%d of %d ground-truth label(s) matched no capture record",
        s.merged,
        s.capture_records,
        s.captures_without_ground_truth,
        s.captures_outside_window,
        s.captures_skipped,
        s.ground_truth_unmatched,
        s.ground_truth_records - s.ground_truth_skipped,
    )
    for example in ledger.describe_examples():
        log.warning("  skipped %s", example)
    if s.merged == 0:
        raise InputError(
            f"No capture record under {config.dataset_source} matched a ground-truth record under "
            f"{config.ground_truth_source} ({s.capture_records} capture record(s), "
            f"{s.ground_truth_records} ground-truth record(s)); ground truth is joined on "
            "eventMetadata.inferenceId (else eventId) of the capture record"
        )
    path = write_json(config.output_path / MERGE_SUMMARY_FILE, s.to_dict())
    message = f"Completed: merged {s.merged} of {s.capture_records} capture records with ground truth."
    return finish(
        started, None, statistics=s.to_dict(), constraints={}, ledger=ledger, outputs=[path], message=message
    )
