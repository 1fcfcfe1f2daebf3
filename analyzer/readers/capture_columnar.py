"""Columnar fast path for the common shape of capture data: CSV payloads of a fixed width.

pyarrow parses the JSON lines into columns and splits the payloads without a Python loop per
record. Anything unusual in a split (a line that is not valid JSON, JSON or BASE64 payloads,
quoted CSV, multi-line payloads, widths that vary, missing parts, times that do not parse) makes
this path decline, and the record-by-record reader handles the split with exact accounting.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from analyzer.batch import GROUND_TRUTH, GROUND_TRUTH_SEGMENT, Batch, Column
from analyzer.capture import SHADOW_INVOCATION
from analyzer.ledger import Ledger
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


def _csv_fields(data: pa.ChunkedArray) -> list[pa.Array]:
    data = data.combine_chunks()
    if len(data) == 0:
        return []
    if data.null_count or pc.any(pc.equal(data, "")).as_py():
        raise Declined("missing or empty payload")  # the record reader skips those with their line
    data = pc.replace_substring_regex(data, r"\r?\n$", "")
    if pc.any(pc.match_substring(data, "\n")).as_py() or pc.any(pc.match_substring(data, '"')).as_py():
        raise Declined("multi-line or quoted payload")
    lists = pc.split_pattern(data, ",")
    lengths = pc.min_max(pc.list_value_length(lists))
    width = lengths["min"].as_py()
    if width != lengths["max"].as_py():
        raise Declined("payload widths differ")
    values = pc.list_flatten(lists)
    empty = pc.equal(values, "")
    values = pc.if_else(empty, pa.scalar(None, pa.string()), values)  # an empty field is missing
    n = len(data)
    starts = np.arange(0, n * width, width)
    return [values.take(starts + j) for j in range(width)]


def read_json_table(data: bytes, schema: pa.Schema) -> pa.Table:
    """JSON lines as a table of the schema's fields (others ignored), or Declined."""
    if not data.lstrip().startswith(b"{"):
        # pyarrow 26 dies with a segmentation fault when the first value is a bare null ("null"
        # line), so anything but an object first is left to the record reader.
        raise Declined("the first line is not a JSON object")
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


def read_columnar(data: bytes, plan: ReadPlan, ledger: Ledger, parts: list[str]) -> Batch | None:
    """The split as one batch, or raise Declined."""
    schema = _schema(parts, plan.ground_truth)
    if plan.split is not None:  # a split run: the segment path is parsed with the rest
        schema = schema_with_segment(schema, plan.split)
        if schema is None:
            raise Declined("a split path the columnar reader does not read")
    table = read_json_table(data, schema)
    metadata = table.column("eventMetadata")
    dropped: list[tuple[str, int]] = []
    keep = pa.array([True] * len(table), pa.bool_())
    if plan.window is not None:  # first the window, then shadow traffic, as the record reader counts
        keep = inside_window(pc.struct_field(metadata, [1]), plan.window)
        outside = len(table) - pc.sum(keep).as_py()
        if outside:
            dropped.append((f"inferenceTime outside the window {plan.window}", outside))
    shadow = pc.and_(keep, pc.equal(pc.fill_null(pc.struct_field(metadata, [3]), ""), SHADOW_INVOCATION))
    shadow_count = pc.sum(shadow).as_py()
    if shadow_count:
        dropped.append(("shadow-variant traffic", shadow_count))
        keep = pc.and_(keep, pc.invert(shadow))
    table = table.filter(keep)
    segments = None
    if plan.split is not None:
        table, segments = by_segment(table, plan.split)
    capture = table.column("captureData")
    fields: list[tuple[int, pa.Array]] = []  # (segment, values), as the record reader orders them
    for i, _name in enumerate(parts):
        encoding = pc.struct_field(capture, [i, 3])
        if pc.any(pc.not_equal(pc.fill_null(pc.utf8_upper(encoding), ""), "CSV")).as_py():
            raise Declined("non-CSV payloads")
        fields.extend((i, values) for values in _csv_fields(pc.struct_field(capture, [i, 2])))
    truth: list[pa.Array] = []
    if plan.ground_truth:
        labels = table.column(GROUND_TRUTH)
        if pc.any(pc.not_equal(pc.fill_null(pc.utf8_upper(pc.struct_field(labels, [3])), ""), "CSV")).as_py():
            raise Declined("non-CSV ground truth")
        truth = _csv_fields(pc.struct_field(labels, [2]))  # declines records without groundTruthData
    # Nothing was declined: only now does the split's accounting change.
    total = len(table) + sum(n for _, n in dropped)
    ledger.records_read += total
    ledger.records_analyzed += len(table)
    for reason, n in dropped:
        ledger.dropped[reason] += n
    if len(table) == 0:
        return None
    if segments is not None:
        counts = pc.value_counts(segments)
        ledger.segment_records.update(
            dict(zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True))
        )
    columns = [
        Column(plan.positional_name(p), (segment, 0, p), values) for p, (segment, values) in enumerate(fields)
    ]
    columns += [
        Column(f"{GROUND_TRUTH}._c{j}", (GROUND_TRUTH_SEGMENT, 0, j), values)
        for j, values in enumerate(truth)
    ]
    return Batch(len(table), columns, segments=segments)
