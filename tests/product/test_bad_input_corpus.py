"""A corpus of bad input, one case per kind. Every case ends in one of two outcomes:

- ``Counts``: the job goes on; the ledger's exact counts, skip reasons and first locations, and the
  statistics of the valid records equal those of a clean file holding only them (and match numpy);
- ``Fails``: a one-line AnalyzerError naming the cause and the file (and line or key where it applies).

Decisions the corpus pins down (where Spark/Deequ do not decide for us):
- A CSV record is a line, as in Spark's CSV reader with multiLine off: a quoted value holding a line
  break is cut there, and a quote left open ends at the end of its line.
- ``NaN``/``Infinity``/``-inf`` in CSV are text: Deequ's Fractional regex does not match them, so a
  column holding them is String. In JSON the bare literals are missing values (rows.scalar_text).
- A duplicated JSON key keeps its last value (Python's and Jackson's parsers agree).
- A JSON line that is an array or a scalar is a record with positional columns ``_c{i}``.
- A UTF-8 BOM is dropped (Hadoop's LineRecordReader does); a UTF-16/32 BOM fails the job: that text
  decodes as UTF-8 with NULs between the letters and would give silently wrong statistics.
- A corrupt .gz or Parquet file fails the job: its records cannot be counted, so they cannot be skipped.
- A zero-byte file holds no records (Spark leaves it out of a scan); no record at all fails the job.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analyzer.common.errors import AnalyzerError
from analyzer.config.contract import ANALYZER_KEYS, JobConfig
from analyzer.config.formats import parse_dataset_format
from analyzer.config.window import TimeWindow
from analyzer.jobs.job import run_job
from analyzer.profiling.engine import run_profile
from analyzer.profiling.statistics import build_statistics
from tests.conftest import ROOT
from tests.helpers.capture import capture_record

HEADER = parse_dataset_format('{"csv": {"header": true}}')
NO_HEADER = parse_dataset_format('{"csv": {"header": false}}')
JSONL = parse_dataset_format('{"json": {"lines": true}}')
CAPTURE = parse_dataset_format(
    '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
)
MERGED = parse_dataset_format(
    '{"sagemakerMergeJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
)
PARQUET = parse_dataset_format('{"parquet": {}}')
WINDOW = TimeWindow.of("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")
INSIDE = "2024-01-01T00:10:00Z"

CLI = ROOT / ".venv" / "bin" / "monitor-analyzer"
FAILURE_EXIT = 255

Files = dict[str, bytes | str]


@dataclass
class Counts:
    """The job goes on. ``clean``: the same dataset without the bad records; ``numbers``: the valid
    values of numeric features, checked against numpy."""

    read: int
    analyzed: int
    skipped: dict[str, int] = field(default_factory=dict)
    examples: list[tuple[str, str]] = field(default_factory=list)  # (file:line, reason), in order
    clean: Files | None = None
    numbers: dict[str, list[float]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


@dataclass
class Fails:
    """A one-line AnalyzerError holding every fragment; ``{root}`` is the dataset directory."""

    fragments: tuple[str, ...]


@dataclass
class Case:
    kind: str
    dataset_format: object
    files: Files
    outcome: Counts | Fails
    options: dict = field(default_factory=dict)


def write(root: Path, files: Files) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return root


def profile(root: Path, case: Case):
    return run_profile(None, root, case.dataset_format, engine="local", **case.options)


def capture(
    inputs: str | None,
    output: str = "0.5",
    encoding: str = "CSV",
    content_type: str = "text/csv",
    when: str | None = None,
    **extra,
) -> str:
    return capture_record(
        inputs,
        output,
        when,
        "e",
        output_content_type="text/csv",
        input_encoding=encoding,
        input_content_type=content_type,
        **extra,
    )


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


GOOD_CSV = "a,b\n1,x\n2,y\n3,z\n"
GOOD_PARQUET = parquet_bytes(pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
WIDE = 10_000
MEGABYTE = "m" * 1_100_000
NESTED = '{"x":' * 1000 + "1" + "}" * 1000
GOOD_CAPTURES = [capture("1,2"), capture("3,4")]
CLEAN_CAPTURE = lines(*GOOD_CAPTURES)


def gt(inputs: str, output: str, truth: str) -> str:
    document = json.loads(capture(inputs, output))
    document["groundTruthData"] = {"data": truth, "encoding": "CSV"}
    return json.dumps(document)


CASES = [
    # ---- CSV ----
    Case(
        "csv-truncated-last-line",  # an interrupted upload
        HEADER,
        {"f.csv": "a,b\n1,x\n2,y\n3"},
        Counts(
            3,
            2,
            {"wrong number of fields": 1},
            [("f.csv:4", "wrong number of fields")],
            clean={"f.csv": "a,b\n1,x\n2,y\n"},
            numbers={"a": [1, 2]},
        ),
    ),
    Case(
        "csv-headerless-truncated-last-line",
        NO_HEADER,
        {"f.csv": "1,x\n2,y\n3"},
        Counts(
            3,
            2,
            {"wrong number of fields": 1},
            [("f.csv:3", "wrong number of fields")],
            clean={"f.csv": "1,x\n2,y\n"},
            numbers={"_c0": [1, 2]},
        ),
    ),
    Case(
        "csv-latin1-line",
        HEADER,
        {"f.csv": "a,b\n1,x\n2,caf\xe9\n3,z\n".encode("latin-1")},
        Counts(
            3,
            2,
            {"not UTF-8": 1},
            [("f.csv:3", "not UTF-8")],
            clean={"f.csv": "a,b\n1,x\n3,z\n"},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "csv-utf16-with-bom",
        HEADER,
        {"f.csv": GOOD_CSV.encode("utf-16")},
        Fails(("{root}/f.csv", "UTF-16", "convert the file to UTF-8")),
    ),
    Case(
        "csv-utf8-bom-stripped-from-first-name",
        HEADER,
        {"f.csv": b"\xef\xbb\xbf" + GOOD_CSV.encode()},
        Counts(3, 3, clean={"f.csv": GOOD_CSV}, numbers={"a": [1, 2, 3]}),
    ),
    Case(
        "csv-crlf-line-endings",
        HEADER,
        {"f.csv": GOOD_CSV.replace("\n", "\r\n")},
        Counts(3, 3, clean={"f.csv": GOOD_CSV}, numbers={"a": [1, 2, 3]}),
    ),
    Case(
        "csv-more-fields",
        HEADER,
        {"f.csv": "a,b\n1,x\n2,y,surplus\n3,z\n"},
        Counts(
            3,
            2,
            {"wrong number of fields": 1},
            [("f.csv:3", "wrong number of fields")],
            clean={"f.csv": "a,b\n1,x\n3,z\n"},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "csv-fewer-fields",
        HEADER,
        {"f.csv": "a,b\n1,x\n2\n3,z\n"},
        Counts(
            3,
            2,
            {"wrong number of fields": 1},
            [("f.csv:3", "wrong number of fields")],
            clean={"f.csv": "a,b\n1,x\n3,z\n"},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "csv-unbalanced-quote-ends-at-its-line",  # pyarrow used to swallow every line after it
        HEADER,
        {"f.csv": 'a,b\n1,x\n2,"y\n3,z\n4,w\n'},
        Counts(4, 4, clean={"f.csv": "a,b\n1,x\n2,y\n3,z\n4,w\n"}, numbers={"a": [1, 2, 3, 4]}),
    ),
    Case(
        "csv-quoted-line-break-is-two-lines",
        HEADER,
        {"f.csv": 'a,b\n1,x\n2,"y\nz"\n3,w\n'},
        Counts(
            4,
            3,
            {"wrong number of fields": 1},
            [("f.csv:4", "wrong number of fields")],
            clean={"f.csv": "a,b\n1,x\n2,y\n3,w\n"},
            numbers={"a": [1, 2, 3]},
        ),
    ),
    Case(
        "csv-nul-byte-is-text",
        HEADER,
        {"f.csv": "a,b\n1,x\n2,y\x00y\n3,z\n"},
        Counts(3, 3, numbers={"a": [1, 2, 3]}),
    ),
    Case(
        "csv-nan-and-infinity-are-strings",
        HEADER,
        {"f.csv": "a,b\n1,NaN\n2,Infinity\n3,-inf\n4,1.5\n"},
        Counts(4, 4, numbers={"a": [1, 2, 3, 4]}),
    ),
    Case(
        "csv-megabyte-field",
        HEADER,
        {"f.csv": f"a,b\n1,{MEGABYTE}\n2,y\n"},
        Counts(2, 2, numbers={"a": [1, 2]}),
    ),
    Case(
        "csv-megabyte-field-read-line-by-line",  # a bad byte elsewhere sends the split down the slow path
        HEADER,
        {"f.csv": f"a,b\n1,{MEGABYTE}\n2,caf\xe9\n3,y\n".encode("latin-1")},
        Counts(
            3,
            2,
            {"not UTF-8": 1},
            [("f.csv:3", "not UTF-8")],
            clean={"f.csv": f"a,b\n1,{MEGABYTE}\n3,y\n"},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "csv-10000-columns",
        NO_HEADER,
        {"f.csv": lines(",".join(str(i) for i in range(WIDE)), ",".join(str(2 * i) for i in range(WIDE)))},
        Counts(2, 2, numbers={"_c0": [0, 0], "_c1": [1, 2], f"_c{WIDE - 1}": [WIDE - 1, 2 * (WIDE - 1)]}),
    ),
    Case(
        "csv-lone-carriage-return-in-a-record",
        HEADER,
        {"f.csv": "a,b\n1,x\n2,y\rq\n3,z\n"},
        Counts(
            3,
            2,
            {"malformed CSV": 1},
            [("f.csv:3", "malformed CSV")],
            clean={"f.csv": "a,b\n1,x\n3,z\n"},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "csv-carriage-return-only-line-breaks",
        HEADER,
        {"f.csv": GOOD_CSV.replace("\n", "\r")},
        Fails(("{root}/f.csv", "the header is malformed CSV", "carriage return")),
    ),
    Case(
        "csv-single-column-whitespace-only-line-is-blank",  # pyarrow used to read it as a value
        HEADER,
        {"f.csv": "a\n1\n \t\n2\n"},
        Counts(2, 2, clean={"f.csv": "a\n1\n2\n"}, numbers={"a": [1, 2]}),
    ),
    Case(
        "csv-empty-file-among-good-files",
        HEADER,
        {"a.csv": GOOD_CSV, "b.csv": "", "c.csv": GOOD_CSV},
        Counts(6, 6, clean={"a.csv": GOOD_CSV, "c.csv": GOOD_CSV}, numbers={"a": [1, 2, 3, 1, 2, 3]}),
    ),
    Case(
        "csv-gzip-truncated",
        HEADER,
        {"f.csv.gz": gzip.compress(GOOD_CSV.encode() * 50)[:-25]},
        Fails(("{root}/f.csv.gz is not a readable gzip file", "Compressed file ended")),
    ),
    Case(
        "csv-gz-name-but-not-gzip",
        HEADER,
        {"good.csv": GOOD_CSV, "f.csv.gz": GOOD_CSV},
        Fails(("{root}/f.csv.gz is not a readable gzip file", "Not a gzipped file")),
    ),
    Case(
        "only-hidden-and-underscore-files",
        HEADER,
        {"_SUCCESS": "", ".part-0.csv.crc": "xx", "_temporary/part-0.csv": GOOD_CSV},
        Fails(("No data files found under dataset_source {root}",)),
    ),
    # ---- JSON Lines ----
    Case(
        "json-truncated-mid-object-in-the-middle",
        JSONL,
        {"f.jsonl": lines('{"a":1}', '{"a":2,"b', '{"a":3}')},
        Counts(
            3,
            2,
            {"invalid JSON": 1},
            [("f.jsonl:2", "invalid JSON")],
            clean={"f.jsonl": lines('{"a":1}', '{"a":3}')},
            numbers={"a": [1, 3]},
        ),
    ),
    Case(
        "json-nested-1000-levels",
        JSONL,
        {"f.jsonl": lines('{"a":1}', NESTED, '{"a":2}')},
        Counts(
            3,
            2,
            {"invalid JSON": 1},
            [("f.jsonl:2", "invalid JSON")],
            clean={"f.jsonl": lines('{"a":1}', '{"a":2}')},
            numbers={"a": [1, 2]},
        ),
    ),
    Case(
        "json-array-and-scalar-lines-are-positional",
        JSONL,
        {"f.jsonl": lines('{"a":1}', "[7,8]", "9", '{"a":2}')},
        Counts(4, 4, numbers={"a": [1, 2], "_c0": [7, 9], "_c1": [8]}),
    ),
    Case(
        "json-duplicate-keys-keep-the-last",
        JSONL,
        {"f.jsonl": lines('{"a":1,"a":5}', '{"a":3}')},
        Counts(2, 2, clean={"f.jsonl": lines('{"a":5}', '{"a":3}')}, numbers={"a": [5, 3]}),
    ),
    Case(
        "json-nan-infinity-literals-are-missing",
        JSONL,
        {
            "f.jsonl": lines(
                '{"a":1,"b":NaN}', '{"a":2,"b":Infinity}', '{"a":3,"b":-Infinity}', '{"a":4,"b":1.5}'
            )
        },
        Counts(
            4,
            4,
            clean={"f.jsonl": lines('{"a":1,"b":null}', '{"a":2}', '{"a":3}', '{"a":4,"b":1.5}')},
            numbers={"a": [1, 2, 3, 4], "b": [1.5]},
        ),
    ),
    Case(
        "json-raw-nul-byte",
        JSONL,
        {"f.jsonl": lines('{"a":1}', '{"a":\x002}', '{"a":3}')},
        Counts(3, 2, {"invalid JSON": 1}, [("f.jsonl:2", "invalid JSON")], numbers={"a": [1, 3]}),
    ),
    Case(
        "json-utf16-with-bom",
        JSONL,
        {"f.jsonl": lines('{"a":1}', '{"a":2}').encode("utf-16")},
        Fails(("{root}/f.jsonl", "UTF-16")),
    ),
    Case(
        "json-utf8-bom",
        JSONL,
        {"f.jsonl": b"\xef\xbb\xbf" + lines('{"a":1}', '{"a":2}').encode()},
        Counts(2, 2, clean={"f.jsonl": lines('{"a":1}', '{"a":2}')}, numbers={"a": [1, 2]}),
    ),
    Case(
        "json-gzip-truncated",
        JSONL,
        {"f.jsonl.gz": gzip.compress(lines(*['{"a":1}'] * 500).encode())[:-20]},
        Fails(("{root}/f.jsonl.gz is not a readable gzip file",)),
    ),
    # ---- capture JSON ----
    Case(
        "capture-missing-captureData",
        CAPTURE,
        {
            "c.jsonl": lines(
                GOOD_CAPTURES[0], json.dumps({"eventMetadata": {"eventId": "x"}}), GOOD_CAPTURES[1]
            )
        },
        Counts(
            3,
            2,
            {"no capture data": 1},
            [("c.jsonl:2", "no capture data")],
            clean={"c.jsonl": CLEAN_CAPTURE},
            numbers={"_c1": [1, 3], "_c2": [2, 4]},
        ),
    ),
    Case(
        "capture-invalid-base64",
        CAPTURE,
        {"c.jsonl": lines(GOOD_CAPTURES[0], capture("!!not base64", encoding="BASE64"), GOOD_CAPTURES[1])},
        Counts(
            3,
            2,
            {"undecodable BASE64 payload": 1},
            [("c.jsonl:2", "undecodable BASE64 payload")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-base64-of-non-utf8-bytes",
        CAPTURE,
        {
            "c.jsonl": lines(
                GOOD_CAPTURES[0],
                capture(base64.b64encode(b"\xff\xfe1,2").decode(), encoding="BASE64"),
                GOOD_CAPTURES[1],
            )
        },
        Counts(
            3,
            2,
            {"undecodable BASE64 payload": 1},
            [("c.jsonl:2", "undecodable BASE64 payload")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-base64-payload-decodes",
        CAPTURE,
        {"c.jsonl": lines(GOOD_CAPTURES[0], capture(base64.b64encode(b"3,4").decode(), encoding="BASE64"))},
        Counts(2, 2, clean={"c.jsonl": CLEAN_CAPTURE}),
    ),
    Case(
        "capture-json-encoding-holding-csv",
        CAPTURE,
        {
            "c.jsonl": lines(
                GOOD_CAPTURES[0],
                capture("5,6", encoding="JSON", content_type="application/json"),
                GOOD_CAPTURES[1],
            )
        },
        Counts(
            3,
            2,
            {"invalid JSON payload": 1},
            [("c.jsonl:2", "invalid JSON payload")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-unparseable-inferenceTime-with-a-window",
        CAPTURE,
        {
            "c.jsonl": lines(
                capture("1,2", when=INSIDE), capture("5,6", when="yesterday"), capture("3,4", when=INSIDE)
            )
        },
        Counts(
            3,
            2,
            {"invalid inferenceTime": 1},
            [("c.jsonl:2", "invalid inferenceTime")],
            clean={"c.jsonl": lines(capture("1,2", when=INSIDE), capture("3,4", when=INSIDE))},
        ),
        options={"window": WINDOW},
    ),
    Case(
        "capture-line-is-an-array-or-a-scalar",
        CAPTURE,
        {"c.jsonl": lines(GOOD_CAPTURES[0], "[1,2]", "42", GOOD_CAPTURES[1])},
        Counts(
            4,
            2,
            {"not a capture record": 2},
            [("c.jsonl:2", "not a capture record"), ("c.jsonl:3", "not a capture record")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-truncated-last-line",  # the service was writing the file when it was copied
        CAPTURE,
        {"c.jsonl": CLEAN_CAPTURE + capture("5,6")[:40]},
        Counts(3, 2, {"invalid JSON": 1}, [("c.jsonl:3", "invalid JSON")], clean={"c.jsonl": CLEAN_CAPTURE}),
    ),
    Case(
        "capture-data-is-a-number",
        CAPTURE,
        {
            "c.jsonl": lines(
                GOOD_CAPTURES[0], capture("1,2").replace('"data":"1,2"', '"data":12'), GOOD_CAPTURES[1]
            )
        },
        Counts(
            3,
            2,
            {"malformed capture part": 1},
            [("c.jsonl:2", "malformed capture part")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-json-payload-nested-1000-levels",
        CAPTURE,
        {
            "c.jsonl": lines(
                GOOD_CAPTURES[0],
                capture(NESTED, encoding="JSON", content_type="application/json"),
                GOOD_CAPTURES[1],
            )
        },
        Counts(3, 2, {"invalid JSON": 1}, [("c.jsonl:2", "invalid JSON")], clean={"c.jsonl": CLEAN_CAPTURE}),
    ),
    Case(
        "capture-payload-row-counts-differ",
        CAPTURE,
        {"c.jsonl": lines(GOOD_CAPTURES[0], capture("5,6\n7,8", output="0.5"), GOOD_CAPTURES[1])},
        Counts(
            3,
            2,
            {"payload row counts differ": 1},
            [("c.jsonl:2", "payload row counts differ")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-first-line-is-null",  # pyarrow's JSON reader used to die with a segmentation fault
        CAPTURE,
        {"c.jsonl": lines("null", *GOOD_CAPTURES)},
        Counts(
            3,
            2,
            {"not a capture record": 1},
            [("c.jsonl:1", "not a capture record")],
            clean={"c.jsonl": CLEAN_CAPTURE},
        ),
    ),
    Case(
        "capture-csv-value-holding-a-unicode-line-separator",  # str.splitlines() used to cut the row there
        CAPTURE,
        {"c.jsonl": lines(capture("1,a\u2028b"), capture("3,c\x85d"))},
        Counts(2, 2, numbers={"_c0": [0.5, 0.5], "_c1": [1, 3]}),
    ),
    # ---- merged capture (model quality) ----
    Case(
        "merged-ground-truth-row-count-differs",
        MERGED,
        {
            "m.jsonl": lines(
                gt("1,2", "0.5", "1"), gt("5,6\n7,8", "0.1\n0.2", "1\n0\n1"), gt("3,4", "0.5", "0")
            )
        },
        Counts(
            3,
            2,
            {"ground truth row count differs": 1},
            [("m.jsonl:2", "ground truth row count differs")],
            clean={"m.jsonl": lines(gt("1,2", "0.5", "1"), gt("3,4", "0.5", "0"))},
            numbers={"groundTruthData._c0": [1, 0]},
        ),
        options={"ground_truth": True},
    ),
    Case(
        "merged-ground-truth-data-is-a-number",
        MERGED,
        {"m.jsonl": lines(gt("1,2", "0.5", "1"), gt("5,6", "0.1", "1").replace('"data": "1"', '"data": 1'))},
        Counts(
            2,
            1,
            {"malformed capture part": 1},
            [("m.jsonl:2", "malformed capture part")],
            clean={"m.jsonl": lines(gt("1,2", "0.5", "1"))},
        ),
        options={"ground_truth": True},
    ),
    # ---- Parquet ----
    Case(
        "parquet-file-that-is-not-parquet",
        PARQUET,
        {"part-0.parquet": GOOD_PARQUET, "part-1.parquet": "a,b\n1,x\n"},
        Fails(("{root}/part-1.parquet is not a readable Parquet file", "magic bytes")),
    ),
    Case(
        "parquet-truncated",
        PARQUET,
        {"part-0.parquet": GOOD_PARQUET[: len(GOOD_PARQUET) // 2]},
        Fails(("{root}/part-0.parquet is not a readable Parquet file",)),
    ),
    Case(
        "parquet-zero-byte-part-among-good-parts",
        PARQUET,
        {"part-0.parquet": GOOD_PARQUET, "part-1.parquet": b""},
        Counts(3, 3, clean={"part-0.parquet": GOOD_PARQUET}, numbers={"a": [1, 2, 3]}),
    ),
]


def check_one_line(error: BaseException, *fragments: str) -> str:
    message = str(error)
    assert isinstance(error, AnalyzerError), f"{type(error).__name__}: {message}"
    assert "\n" not in message and "\r" not in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def numeric_reference(feature: dict, values: list[float]) -> None:
    """Deequ's numeric statistics (population std_dev) against numpy."""
    array = np.array(values, dtype=float)
    stats = feature["numerical_statistics"]
    assert stats["common"]["num_present"] == len(values)
    assert stats["sum"] == pytest.approx(array.sum())
    assert stats["mean"] == pytest.approx(array.mean())
    assert stats["min"] == array.min() and stats["max"] == array.max()
    assert stats["std_dev"] == pytest.approx(array.std(ddof=0), abs=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input(case: Case, tmp_path):
    root = write(tmp_path / "data", case.files)
    if isinstance(case.outcome, Fails):
        with pytest.raises(Exception) as caught:
            profile(root, case)
        check_one_line(caught.value, *(f.format(root=root) for f in case.outcome.fragments))
        return
    expected = case.outcome
    result = profile(root, case)
    ledger = result.ledger
    assert ledger.records_read == expected.read
    assert ledger.records_analyzed == expected.analyzed
    assert dict(ledger.skipped) == expected.skipped
    assert dict(ledger.dropped) == expected.dropped
    assert ledger.records_read == ledger.records_analyzed + ledger.records_skipped + ledger.records_dropped
    described = ledger.describe_examples()
    assert len(described) == len(expected.examples)
    for text, (where, reason) in zip(described, expected.examples, strict=True):
        assert text.startswith(f"{root / where}: {reason}: "), text
        assert "\n" not in text
    statistics = build_statistics(result)
    skipped = statistics["dataset"].pop("skipped", None)  # present exactly when something was skipped
    if expected.skipped:
        assert skipped["records_read"] == expected.read
        assert skipped["count"] == sum(expected.skipped.values())
        assert skipped["reasons"] == dict(sorted(expected.skipped.items()))
        assert [(e["location"], e["reason"]) for e in skipped["examples"]] == [
            (str(root / where), reason) for where, reason in expected.examples
        ]
    else:
        assert skipped is None
    if expected.clean is not None:
        clean = profile(write(tmp_path / "clean", expected.clean), case)
        assert statistics == build_statistics(clean)
    features = {f["name"]: f for f in statistics["features"]}
    for name, values in expected.numbers.items():
        numeric_reference(features[name], values)


def test_corpus_covers_at_least_25_kinds():
    assert len({c.kind for c in CASES}) == len(CASES) >= 25


# ---- what the cases above leave implicit ----


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path):
    root = write(tmp_path / "data", {"f.csv": b"\xef\xbb\xbf" + GOOD_CSV.encode()})
    names = [f["name"] for f in build_statistics(run_profile(None, root, HEADER, engine="local"))["features"]]
    assert names == ["a", "b"]


def test_nan_infinity_csv_column_is_string_and_json_literals_missing(tmp_path):
    csv_root = write(tmp_path / "csv", {"f.csv": "b\nNaN\nInfinity\n-inf\n1.5\n"})
    (b,) = build_statistics(run_profile(None, csv_root, HEADER, engine="local"))["features"]
    assert b["inferred_type"] == "String"
    assert b["string_statistics"]["common"] == {"num_present": 4, "num_missing": 0}
    json_root = write(tmp_path / "json", {"f.jsonl": lines('{"b":NaN}', '{"b":Infinity}', '{"b":1.5}')})
    (b,) = build_statistics(run_profile(None, json_root, JSONL, engine="local"))["features"]
    assert b["inferred_type"] == "Fractional"
    assert b["numerical_statistics"]["common"] == {"num_present": 1, "num_missing": 2}


def test_byte_order_mark_starting_a_later_line_is_kept(tmp_path):
    root = write(tmp_path / "data", {"f.csv": "a,b\n\ufeffx,1\ny,2\n"})
    (a, _) = build_statistics(run_profile(None, root, HEADER, engine="local"))["features"]
    buckets = a["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert {b["value"] for b in buckets} == {"\ufeffx", "y"}  # pyarrow used to drop the first one's mark


def test_megabyte_field_is_one_whole_value(tmp_path):
    root = write(tmp_path / "data", {"f.csv": f"a,b\n1,{MEGABYTE}\n2,{MEGABYTE}\n"})
    features = build_statistics(run_profile(None, root, HEADER, engine="local"))["features"]
    b = {f["name"]: f for f in features}["b"]
    assert b["string_statistics"]["distinct_count"] == 1
    buckets = b["string_statistics"]["distribution"]["categorical"]["buckets"]
    # One value, counted twice; kept in statistics.json cut to max_value_length (1024), marked.
    (bucket,) = buckets
    assert bucket["count"] == 2 and bucket["value"].startswith(MEGABYTE[:1024] + "…")
    assert f"[truncated {len(MEGABYTE) - 1024} chars, blake2b " in bucket["value"]


def test_10000_columns_keep_their_order(tmp_path):
    root = write(tmp_path / "data", {"f.csv": lines(",".join(str(i) for i in range(WIDE)))})
    features = build_statistics(run_profile(None, root, NO_HEADER, engine="local"))["features"]
    assert [f["name"] for f in features] == [f"_c{i}" for i in range(WIDE)]


# ---- job configuration and baselines (run_job) ----


def job(tmp_path: Path, dataset: Path, **config) -> JobConfig:
    return JobConfig(dataset_source=dataset, dataset_format=HEADER, output_path=tmp_path / "out", **config)


def baseline_files(tmp_path: Path) -> tuple[Path, Path]:
    data = write(tmp_path / "baseline-data", {"f.csv": GOOD_CSV})
    result = run_job(job(tmp_path / "b", data), engine="local")
    directory = tmp_path / "b" / "out"
    assert result.message.startswith("Completed")
    return directory / "constraints.json", directory / "statistics.json"


def test_zero_byte_dataset_fails_naming_the_path(tmp_path):
    data = write(tmp_path / "data", {"a.csv": "", "b.csv": ""})
    with pytest.raises(AnalyzerError) as caught:
        run_job(job(tmp_path, data), engine="local")
    check_one_line(caught.value, f"No records to analyze under {data}", "read 0, dropped 0, skipped 0")
    assert not (tmp_path / "out" / "statistics.json").exists()


def test_baseline_constraints_malformed_json_names_file_and_position(tmp_path):
    constraints, statistics = baseline_files(tmp_path)
    text = constraints.read_text(encoding="utf-8").splitlines()
    text[2] = text[2] + ",,"  # line 3 gets two stray commas at its end
    constraints.write_text("\n".join(text), encoding="utf-8")
    data = write(tmp_path / "data", {"f.csv": GOOD_CSV})
    with pytest.raises(AnalyzerError) as caught:
        run_job(
            job(tmp_path, data, baseline_constraints=constraints, baseline_statistics=statistics),
            engine="local",
        )
    check_one_line(
        caught.value, f"Baseline constraints file {constraints} is not valid JSON", "at line 3 column"
    )


def test_baseline_missing_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "constraints.json"
    data = write(tmp_path / "data", {"f.csv": GOOD_CSV})
    with pytest.raises(AnalyzerError) as caught:
        run_job(job(tmp_path, data, baseline_constraints=missing), engine="local")
    check_one_line(caught.value, f"Baseline constraints file {missing} does not exist")


def test_baseline_statistics_key_of_the_wrong_type_names_the_key(tmp_path):
    constraints, statistics = baseline_files(tmp_path)
    document = json.loads(statistics.read_text(encoding="utf-8"))
    document["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"] = "compressed"
    statistics.write_text(json.dumps(document, indent=2), encoding="utf-8")
    data = write(tmp_path / "data", {"f.csv": GOOD_CSV})
    with pytest.raises(AnalyzerError) as caught:
        run_job(
            job(tmp_path, data, baseline_constraints=constraints, baseline_statistics=statistics),
            engine="local",
        )
    check_one_line(
        caught.value,
        f"{statistics}: 'features[0].numerical_statistics.distribution.kll.sketch' must be a JSON object",
    )


def test_baseline_with_utf8_bom_loads(tmp_path):
    constraints, statistics = baseline_files(tmp_path)
    for path in (constraints, statistics):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    data = write(tmp_path / "data", {"f.csv": GOOD_CSV})
    result = run_job(
        job(tmp_path, data, baseline_constraints=constraints, baseline_statistics=statistics), engine="local"
    )
    assert result.message == "Completed: Job completed successfully with no violations."


PREPROCESSOR = """
def preprocess_handler(inference_record):
    a, b = inference_record.strip().split(",")
    if b == "boom":
        raise ValueError("cannot use\\nthis record")
    return {"a": a, "b": b}
"""


def preprocessed(tmp_path: Path, text: str, **config) -> JobConfig:
    data = write(tmp_path / "data", {"f.csv": text})
    script = tmp_path / "pre.py"
    script.write_text(PREPROCESSOR, encoding="utf-8")
    return JobConfig(
        dataset_source=data,
        dataset_format=NO_HEADER,
        output_path=tmp_path / "out",
        record_preprocessor_script=script,
        **config,
    )


def test_preprocessor_raising_on_one_record_is_skipped_with_its_location(tmp_path):
    config = preprocessed(tmp_path, "1,x\n2,boom\n3,z\n", max_skipped_fraction=0.5)
    result = run_job(config, engine="local")
    statistics = json.loads((config.output_path / "statistics.json").read_text(encoding="utf-8"))
    location = f"{config.dataset_source / 'f.csv'}:2"
    assert statistics["dataset"]["skipped"] == {
        "records_read": 3,
        "count": 1,
        "reasons": {"preprocess_handler raised ValueError": 1},
        "examples": [
            {
                "location": location,
                "reason": "preprocess_handler raised ValueError",
                "detail": "cannot use this record",
            }
        ],
    }
    numeric_reference({f["name"]: f for f in result.statistics["features"]}["a"], [1, 3])


def test_preprocessor_raising_past_the_threshold_fails_naming_the_record(tmp_path):
    config = preprocessed(tmp_path, "1,x\n2,boom\n3,z\n")
    with pytest.raises(AnalyzerError) as caught:
        run_job(config, engine="local")
    check_one_line(
        caught.value,
        "There is an exception raised in preprocessor script.",
        f"ValueError: cannot use this record (record {config.dataset_source / 'f.csv'}:2)",
        "Skipped 1 of 3 records",
    )
    assert not (config.output_path / "statistics.json").exists()


def test_skipped_past_one_percent_fails_with_counts_and_first_location(tmp_path):
    text = "a,b\n" + "".join(f"{i},x\n" for i in range(98)) + "1,x,surplus\n" + "2\n"
    data = write(tmp_path / "data", {"f.csv": text})
    with pytest.raises(AnalyzerError) as caught:
        run_job(job(tmp_path, data), engine="local")
    check_one_line(
        caught.value,
        "Skipped 2 of 100 records (2%), more than max_skipped_fraction 0.01 (1%) allows",
        f"wrong number of fields: 2 (first at {data / 'f.csv'}:100)",
    )
    assert type(caught.value).__name__ == "TooManySkipped"
    assert not (tmp_path / "out" / "statistics.json").exists()


def test_skipped_at_exactly_one_percent_passes_and_is_reported(tmp_path):
    text = "a,b\n" + "".join(f"{i},x\n" for i in range(99)) + "caf\xe9,x\n"
    data = write(tmp_path / "data", {"f.csv": text.encode("latin-1")})
    result = run_job(job(tmp_path, data), engine="local")
    written = json.loads((tmp_path / "out" / "statistics.json").read_text(encoding="utf-8"))
    assert written["dataset"]["item_count"] == 99
    assert written["dataset"]["skipped"]["reasons"] == {"not UTF-8": 1}
    assert written["dataset"]["skipped"]["examples"][0]["location"] == f"{data / 'f.csv'}:101"
    numeric_reference({f["name"]: f for f in result.statistics["features"]}["a"], list(range(99)))


# ---- the real console script: exit code 255, the message file holds the one line ----


def run_cli(opt_ml: Path, environment: dict[str, str]) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in ANALYZER_KEYS and k not in ("OPT_ML", "SPARK_MASTER")
    }
    env.update(environment)
    env["OPT_ML"] = str(opt_ml)  # no job config there: the process environment is the request
    return subprocess.run(
        [str(CLI), "run"], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def cli_fails(tmp_path: Path, environment: dict[str, str], *fragments: str) -> str:
    opt_ml = tmp_path / "opt_ml"
    result = run_cli(opt_ml, {"output_path": str(tmp_path / "out"), **environment})
    assert result.returncode == FAILURE_EXIT, result.stderr[-2000:]
    message = (opt_ml / "output" / "message").read_text(encoding="utf-8")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    assert f"error: {message}" in result.stderr
    assert not (tmp_path / "out" / "statistics.json").exists()
    return message


def test_cli_corrupt_gzip(tmp_path):
    data = write(
        tmp_path / "data", {"good.csv": GOOD_CSV, "bad.csv.gz": gzip.compress(GOOD_CSV.encode())[:-10]}
    )
    cli_fails(
        tmp_path,
        {"dataset_source": str(data), "dataset_format": '{"csv": {"header": true}}'},
        f"{data / 'bad.csv.gz'} is not a readable gzip file",
    )


def test_cli_utf16_json_lines(tmp_path):
    data = write(tmp_path / "data", {"f.jsonl": lines('{"a":1}').encode("utf-16")})
    cli_fails(
        tmp_path,
        {"dataset_source": str(data), "dataset_format": '{"json": {"lines": true}}'},
        f"{data / 'f.jsonl'} starts with a UTF-16 or UTF-32 byte order mark",
    )


def test_cli_too_many_skipped(tmp_path):
    data = write(tmp_path / "data", {"f.jsonl": lines('{"a":1}', '{"a":', '{"a":3}')})
    cli_fails(
        tmp_path,
        {"dataset_source": str(data), "dataset_format": '{"json": {"lines": true}}'},
        "Skipped 1 of 3 records (33.33%), more than max_skipped_fraction 0.01 (1%) allows",
        f"invalid JSON: 1 (first at {data / 'f.jsonl'}:2)",
    )


def test_cli_malformed_baseline(tmp_path):
    constraints, statistics = baseline_files(tmp_path)
    constraints.write_text('{"features": [\n  {"name": "a",', encoding="utf-8")
    data = write(tmp_path / "data", {"f.csv": GOOD_CSV})
    cli_fails(
        tmp_path,
        {
            "dataset_source": str(data),
            "dataset_format": '{"csv": {"header": true}}',
            "baseline_constraints": str(constraints),
            "baseline_statistics": str(statistics),
        },
        f"Baseline constraints file {constraints} is not valid JSON",
        "at line 2 column",
    )
