"""Property tests: generated CSV, JSON Lines and capture datasets with random column types, missing
values, unicode and injected corrupt lines.

- the analyzer never fails on them (and on arbitrary bytes it only fails with a one-line AnalyzerError);
- every record is accounted for: read == analyzed + skipped + dropped == the records written, and
  skipped == the corrupt lines injected;
- the corrupt lines change nothing: statistics(valid + corrupt) == statistics(valid), and the numeric
  statistics of the valid values match numpy;
- the columnar capture path and the record-by-record path agree.

Deterministic (derandomized, no example database) and local-engine only, so CI runs the same examples.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.common.errors import AnalyzerError
from analyzer.config.formats import parse_dataset_format
from analyzer.files.sources import Split
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.engine import run_profile
from analyzer.profiling.statistics import build_statistics
from analyzer.readers.capture_reader import read, read_records
from analyzer.readers.ledger import Ledger
from analyzer.readers.plan import ReadPlan

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

HEADER = parse_dataset_format('{"csv": {"header": true}}')
NO_HEADER = parse_dataset_format('{"csv": {"header": false}}')
JSONL = parse_dataset_format('{"json": {"lines": true}}')
CAPTURE = parse_dataset_format(
    '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
)

# Text worth breaking a parser with: combining marks, emoji (and ZWJ sequences), right-to-left
# scripts, quotes, the delimiter, tabs, and characters str.splitlines() takes for line breaks.
TRICKY = [
    "\u0301",
    "e\u0301",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u202e",
    '"',
    "'",
    ",",
    ";",
    "\t",
    " ",
    "\\",
    "\u2028",
    "\x85",
    "\x1c",
    "\x0c",
    "\ufeff",
    "\x00",
]
PIECES = st.one_of(
    st.sampled_from(TRICKY), st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
)
TEXT = st.lists(PIECES, min_size=1, max_size=8).map("".join)
INTS = st.integers(min_value=-(10**12), max_value=10**12).map(str)
FLOATS = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr)
NON_FINITE = st.sampled_from(["NaN", "Infinity", "-inf", "inf"])  # text to Deequ: the column becomes String
KINDS = ("int", "float", "float-or-nonfinite", "text")


def value_strategy(kind: str):
    values = {
        "int": INTS,
        "float": FLOATS,
        "float-or-nonfinite": st.one_of(FLOATS, NON_FINITE),
        "text": TEXT,
    }[kind]
    return st.one_of(st.none(), values, values, values)  # a quarter missing


@st.composite
def tables(draw, min_columns: int = 1):
    """(kinds, rows): rows of text values or None, at least one row."""
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=min_columns, max_size=5))
    # A row missing every value (or one field of only whitespace) is a blank line: not a record.
    row = st.tuples(*(value_strategy(k) for k in kinds)).map(
        lambda r: list(r) if any(v is not None and v.encode().strip() for v in r) else ["0", *r[1:]]
    )
    rows = draw(st.lists(row, min_size=1, max_size=40))
    return kinds, rows


def expected_type(values: list[str | None]) -> str:
    present = [v for v in values if v is not None]
    if not present:
        return "Unknown"
    if all(_is_int(v) for v in present):
        return "Integral"
    if all(_is_int(v) or _is_float(v) for v in present):
        return "Fractional"
    return "String"


# Deequ's rule: an optional sign, at most one space, ASCII digits (float() would also take "\t0").
def _is_int(text: str) -> bool:
    return re.fullmatch(r"[-+]? ?[0-9]+", text) is not None


def _is_float(text: str) -> bool:
    return re.fullmatch(r"[-+]? ?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", text) is not None


def _number(text: str) -> float:
    return float(re.sub(r"^([-+]?) ", r"\1", text))


def check_against_numpy(statistics: dict, names: list[str], columns: list[list[str | None]]) -> None:
    """Types by Deequ's rule and numeric statistics (population std_dev, sum/count mean) against numpy."""
    features = {f["name"]: f for f in statistics["features"]}
    for name, values in zip(names, columns, strict=True):
        feature = features.get(name)
        kind = expected_type(values)
        if feature is None:  # a column that is missing on every row has nothing to report
            assert kind == "Unknown"
            continue
        assert feature["inferred_type"] == kind, name
        if kind not in ("Integral", "Fractional"):
            continue
        array = np.array([_number(v) for v in values if v is not None])
        numeric = feature["numerical_statistics"]
        assert numeric["common"] == {"num_present": len(array), "num_missing": len(values) - len(array)}
        scale = max(float(np.abs(array).max()), 1.0)
        assert numeric["sum"] == pytest.approx(array.sum(), rel=1e-9, abs=1e-9 * scale * len(array))
        assert numeric["mean"] == pytest.approx(array.mean(), rel=1e-9, abs=1e-9 * scale)
        assert numeric["min"] == array.min() and numeric["max"] == array.max()
        assert numeric["std_dev"] == pytest.approx(array.std(ddof=0), rel=1e-6, abs=1e-6 * scale)


# ---- corrupt lines ----


def corrupt_csv_line(draw, width: int) -> bytes:
    """A line every CSV path must skip (and count): the wrong field count, or bytes that are not UTF-8."""
    token = st.text(alphabet="abcxyz0123456789", min_size=1, max_size=5)
    options = ["more", "latin-1", "garbage"] + (["fewer"] if width > 1 else [])
    kind = draw(st.sampled_from(options))
    if kind == "fewer":
        return ",".join(draw(st.lists(token, min_size=1, max_size=width - 1))).encode()
    if kind == "more":
        return ",".join(draw(st.lists(token, min_size=width + 1, max_size=width + 3))).encode()
    if kind == "latin-1":  # the right width, but one byte is not UTF-8
        fields = draw(st.lists(token, min_size=width, max_size=width))
        fields[0] = fields[0] + "\xe9"
        return ",".join(fields).encode("latin-1")
    noise = draw(st.binary(min_size=0, max_size=20)).replace(b"\n", b"").replace(b"\r", b"")
    return b"#" + noise + b"\xff"


def corrupt_json_line(draw, valid: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncated", "not-utf8", "garbage"]))
    if kind == "truncated":  # a proper prefix of an object is never valid JSON
        return valid[: draw(st.integers(min_value=1, max_value=len(valid) - 1))]
    if kind == "not-utf8":
        return valid[:-1] + b"\xc3\x28}"
    noise = draw(st.binary(min_size=0, max_size=20)).replace(b"\n", b"").replace(b"\r", b"")
    return b"{" + noise + b"\xff"


def interleave(draw, valid: list[bytes], corrupt: list[bytes], keep_first: bool) -> list[bytes]:
    """The valid lines in order with the corrupt ones at drawn places (after the first, if kept)."""
    out = list(valid)
    for line in corrupt:
        out.insert(draw(st.integers(min_value=1 if keep_first else 0, max_value=len(out))), line)
    return out


def profile_file(path: Path, dataset_format) -> tuple[dict, Ledger]:
    result = run_profile(None, path, dataset_format, engine="local")
    return build_statistics(result), result.ledger


def same_statistics(dirty: dict, clean: dict, records: int, corrupt: int) -> None:
    """Equal but for dataset.skipped, which the dirty profile has exactly when lines were skipped."""
    assert dirty["features"] == clean["features"]
    assert dirty["dataset"]["item_count"] == clean["dataset"]["item_count"]
    assert "skipped" not in clean["dataset"]
    skipped = dirty["dataset"].get("skipped")
    if not corrupt:
        assert skipped is None
        return
    assert (skipped["records_read"], skipped["count"]) == (records + corrupt, corrupt)
    assert sum(skipped["reasons"].values()) == corrupt
    assert len(skipped["examples"]) == corrupt  # fewer than MAX_EXAMPLES are injected


def check_accounting(ledger: Ledger, records: int, corrupt: int) -> None:
    assert ledger.records_read == records
    assert ledger.records_read == ledger.records_analyzed + ledger.records_skipped + ledger.records_dropped
    assert ledger.records_skipped == corrupt
    assert ledger.records_dropped == 0
    for example in ledger.describe_examples():
        assert "\n" not in example


# ---- CSV ----


def csv_line(values: list[str | None]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(["" if v is None else v for v in values])
    return buffer.getvalue().encode("utf-8")


@st.composite
def csv_datasets(draw):
    kinds, rows = draw(tables())
    header = draw(st.booleans())
    width = len(kinds)
    names = [f"{'col' if header else '_c'}{i}" for i in range(width)]
    corrupt = [corrupt_csv_line(draw, width) for _ in range(draw(st.integers(0, 6)))]
    valid = [csv_line(r) for r in rows]
    body = interleave(draw, valid, corrupt, keep_first=not header)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    blank = draw(st.booleans())  # blank lines are not records
    top = [csv_line(names)] if header else []
    return header, names, rows, valid, body, corrupt, ending, blank, top


def write_csv(path: Path, lines: list[bytes], ending: bytes, blank: bool) -> Path:
    text = ending.join(lines) + ending
    if blank:
        text = text.replace(ending, ending + ending, 1)
    path.write_bytes(text)
    return path


@FUZZ
@given(csv_datasets())
def test_csv_corrupt_lines_are_counted_and_change_nothing(tmp_path_factory, dataset):
    header, names, rows, valid, body, corrupt, ending, blank, top = dataset
    directory = tmp_path_factory.mktemp("csv")
    fmt = HEADER if header else NO_HEADER
    dirty, dirty_ledger = profile_file(write_csv(directory / "dirty.csv", top + body, ending, blank), fmt)
    clean, clean_ledger = profile_file(write_csv(directory / "clean.csv", top + valid, ending, False), fmt)
    check_accounting(dirty_ledger, len(rows) + len(corrupt), len(corrupt))
    check_accounting(clean_ledger, len(rows), 0)
    same_statistics(dirty, clean, len(rows), len(corrupt))
    assert dirty["dataset"]["item_count"] == len(rows)
    check_against_numpy(clean, names, [list(c) for c in zip(*rows, strict=True)])


# ---- JSON Lines ----


def json_value(text: str | None, kind: str):
    if text is None or kind == "text" or text in ("NaN", "Infinity", "-inf", "inf"):
        return text  # non-finite values stay text: Python would write NaN, which the reader makes missing
    return int(text) if kind == "int" else float(text)


def seen_text(text: str | None, kind: str) -> str | None:
    value = json_value(text, kind)
    return json.dumps(value) if isinstance(value, int | float) else value


@st.composite
def json_datasets(draw):
    kinds, rows = draw(tables())
    names = [f"k{i}" for i in range(len(kinds))]
    valid = []
    for row in rows:
        # A missing value is either an absent key or null: both are missing.
        document = {
            n: json_value(v, k)
            for n, v, k in zip(names, row, kinds, strict=True)
            if v is not None or draw(st.booleans())
        }
        if not document:
            document = {"k0": None}
        valid.append(json.dumps(document, ensure_ascii=draw(st.booleans())).encode("utf-8"))
    corrupt = [corrupt_json_line(draw, draw(st.sampled_from(valid))) for _ in range(draw(st.integers(0, 6)))]
    return kinds, names, rows, valid, interleave(draw, valid, corrupt, keep_first=False), corrupt


@FUZZ
@given(json_datasets())
def test_json_lines_corrupt_lines_are_counted_and_change_nothing(tmp_path_factory, dataset):
    kinds, names, rows, valid, body, corrupt = dataset
    directory = tmp_path_factory.mktemp("json")
    (directory / "dirty.jsonl").write_bytes(b"\n".join(body) + b"\n")
    (directory / "clean.jsonl").write_bytes(b"\n".join(valid) + b"\n")
    dirty, dirty_ledger = profile_file(directory / "dirty.jsonl", JSONL)
    clean, clean_ledger = profile_file(directory / "clean.jsonl", JSONL)
    check_accounting(dirty_ledger, len(rows) + len(corrupt), len(corrupt))
    check_accounting(clean_ledger, len(rows), 0)
    same_statistics(dirty, clean, len(rows), len(corrupt))
    # The text the reader sees: JSON writes the float 1.0 as 1.0 (Fractional) even where the drawn text was 1.
    columns = [
        [seen_text(v, kind) for v in column]
        for column, kind in zip(zip(*rows, strict=True), kinds, strict=True)
    ]
    check_against_numpy(clean, names, columns)


# ---- capture ----


def payload(values: list[str | None]) -> str:
    return csv_line(values).decode("utf-8")


def capture_line(values: list[str | None], output: str, content_type: str) -> bytes:
    document = {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": payload(values),
                "encoding": "CSV",
            },
            "endpointOutput": {
                "observedContentType": content_type,
                "mode": "OUTPUT",
                "data": output,
                "encoding": "CSV",
            },
        },
        "eventMetadata": {"eventId": "e", "inferenceTime": "2024-01-01T00:10:00Z"},
        "eventVersion": "0",
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


@st.composite
def capture_datasets(draw):
    kinds, rows = draw(tables())
    # A payload field that is missing on every record still holds a place: keep one value per row.
    rows = [[v if v is not None or i else "0" for i, v in enumerate(r)] for r in rows]
    outputs = draw(st.lists(FLOATS, min_size=len(rows), max_size=len(rows)))
    content_type = draw(st.sampled_from(["text/csv", "text/csv; charset=utf-8"]))
    valid = [capture_line(r, o, content_type) for r, o in zip(rows, outputs, strict=True)]
    corrupt = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["json", "array", "no-capture-data"]))
        if kind == "json":
            corrupt.append(corrupt_json_line(draw, draw(st.sampled_from(valid))))
        elif kind == "array":
            corrupt.append(draw(st.sampled_from([b"[1, 2]", b"42", b'"text"', b"null"])))
        else:
            corrupt.append(b'{"eventMetadata": {"eventId": "x"}, "eventVersion": "0"}')
    return kinds, rows, outputs, valid, interleave(draw, valid, corrupt, keep_first=False), corrupt


def profile_split(reader, path: Path) -> tuple[dict, Ledger]:
    size = path.stat().st_size
    profile = DatasetProfile()
    for batch in reader(Split(str(path), 0, size, size), ReadPlan(CAPTURE), profile.ledger):
        profile.update(batch)
    return build_statistics(profile), profile.ledger


@FUZZ
@given(capture_datasets())
def test_capture_corrupt_lines_are_counted_and_change_nothing(tmp_path_factory, dataset):
    kinds, rows, outputs, valid, body, corrupt = dataset
    directory = tmp_path_factory.mktemp("capture")
    dirty_path, clean_path = directory / "dirty.jsonl", directory / "clean.jsonl"
    dirty_path.write_bytes(b"\n".join(body) + b"\n")
    clean_path.write_bytes(b"\n".join(valid) + b"\n")
    dirty, dirty_ledger = profile_file(dirty_path, CAPTURE)
    clean, clean_ledger = profile_file(clean_path, CAPTURE)
    check_accounting(dirty_ledger, len(rows) + len(corrupt), len(corrupt))
    check_accounting(clean_ledger, len(rows), 0)
    same_statistics(dirty, clean, len(rows), len(corrupt))
    # The columnar fast path (when it takes the split) and the record-by-record reader agree.
    fast, fast_ledger = profile_split(read, clean_path)
    slow, slow_ledger = profile_split(read_records, clean_path)
    assert fast == slow == clean
    assert (fast_ledger.records_read, fast_ledger.records_analyzed) == (slow_ledger.records_read, len(rows))
    names = ["_c0"] + [f"_c{i + 1}" for i in range(len(kinds))]  # the output first (START)
    check_against_numpy(clean, names, [outputs] + [list(c) for c in zip(*rows, strict=True)])


# ---- arbitrary bytes: no crash, every line accounted for ----


def nonblank_lines(data: bytes) -> int:
    data = data.removeprefix(b"\xef\xbb\xbf")
    return sum(1 for line in data.split(b"\n") if line.removesuffix(b"\r").strip())


LINEISH = st.lists(
    st.one_of(
        st.binary(max_size=30),
        st.sampled_from(
            [b'{"a": 1}', b"1,2,3", b'"q', b"\xff\xfe", b"\xef\xbb\xbf", b" ", b"\t", b"\r", b"[", b"{"]
        ),
    ),
    max_size=15,
).map(lambda parts: b"\n".join(parts))


@FUZZ
@given(data=LINEISH, kind=st.sampled_from(["csv-header", "csv", "json", "capture", "parquet"]))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data, kind):
    fmt = {"csv-header": HEADER, "csv": NO_HEADER, "json": JSONL, "capture": CAPTURE}.get(
        kind, parse_dataset_format('{"parquet": {}}')
    )
    path = tmp_path_factory.mktemp("bytes") / "data"
    path.write_bytes(data)
    try:
        result = run_profile(None, path, fmt, engine="local")
    except AnalyzerError as e:
        assert "\n" not in str(e) and str(path) in str(e), str(e)
        return
    ledger = result.ledger
    assert ledger.records_read == ledger.records_analyzed + ledger.records_skipped + ledger.records_dropped
    if kind in ("json", "capture", "csv"):
        assert ledger.records_read == nonblank_lines(data)
    elif kind == "csv-header":
        assert ledger.records_read == max(nonblank_lines(data) - 1, 0)
    build_statistics(result)
