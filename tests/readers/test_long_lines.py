"""The long-line path (readers/long_lines.py) reads what the split readers read: with the threshold
lowered so that most lines of a dataset take it, every format gives the same statistics.json, the
same skipped records at the same file:line, and the same quarantined bytes as the usual path.
Its CSV splitter is checked against pyarrow's parser line by line."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from analyzer.common.errors import InputError
from analyzer.config.formats import parse_dataset_format
from analyzer.files.sources import Split, plan_splits
from analyzer.profiling.engine import run_profile
from analyzer.profiling.statistics import build_statistics
from analyzer.readers import read_batches
from analyzer.readers.csv_reader import MISSING, UNDOUBLE, VIEW, plain_fields
from analyzer.readers.ledger import Ledger
from analyzer.readers.long_lines import LongLine, cut, long_spans
from analyzer.readers.plan import ReadPlan
from tests.helpers.capture import capture_record

FORMATS = {
    "csv-header": '{"csv": {"header": true}}',
    "csv": '{"csv": {"header": false}}',
    "json": '{"json": {"lines": true}}',
    "capture": '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}',
}
WORDS = ["a", "bb", "12", "-3.5", "", " ", "é", "x" * 90, "7" * 60, "ünï " * 20]


def csv_value(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    roll = rng.random()
    if roll < 0.15:
        return '"' + word.replace('"', '""') + '"'
    if roll < 0.22:
        return '"a ""quoted"" ' + word + '"'
    if roll < 0.25:
        return '""'  # a quoted empty string: a value, not missing
    return word


def csv_lines(rng: random.Random, header: bool) -> list[bytes]:
    lines = [b"c0,c1,c2"] if header else []
    for i in range(300):
        roll = rng.random()
        if roll < 0.04:
            lines.append(b"only," + b"two" * rng.choice([1, 40]))  # wrong number of fields
        elif roll < 0.06:
            lines.append(b"bad,\xff\xfe,utf8" + b"!" * rng.choice([0, 100]))
        elif roll < 0.08:
            lines.append(b"")
        elif roll < 0.09:
            lines.append(b" " * rng.choice([3, 200]))  # blank, short or long
        elif roll < 0.11:
            lines.append(b'a,b"mid,c')  # a quote inside an unquoted field
        else:
            values = [str(i), csv_value(rng), csv_value(rng)]
            lines.append(",".join(values).encode())
    return lines


def generated(rng: random.Random, damaged: list[tuple[float, bytes]], record) -> list[bytes]:
    """300 lines: the first damaged line whose bound the roll is under, else ``record(i, roll)``."""
    lines = []
    for i in range(300):
        roll = rng.random()
        line = next((text for bound, text in damaged if roll < bound), None)
        lines.append(record(i, roll) if line is None else line)
    return lines


def json_lines(rng: random.Random) -> list[bytes]:
    def record(i: int, roll: float) -> bytes:
        value = {"id": i, "text": rng.choice(WORDS), "n": rng.choice([1.5, None, -2, "7"])}
        if rng.random() < 0.3:
            value["nested"] = {"k": rng.choice(WORDS), "l": [1, rng.choice(WORDS)]}
        return json.dumps(value, ensure_ascii=rng.random() < 0.5).encode()

    damaged = [(0.04, b'{"id": 1, "broken": '), (0.06, b'{"id": "\xff"}'), (0.08, b""), (0.1, b"[1, 2, 3]")]
    return generated(rng, damaged, record)


def capture_lines(rng: random.Random) -> list[bytes]:
    def record(i: int, roll: float) -> bytes:
        if roll < 0.5:
            payload = f"{i},{rng.choice(WORDS).replace(',', '')},{rng.random():.4f}"
            return capture_record(payload, "0.5", "2026-11-22T10:00:00Z", f"e{i}").encode()
        payload = json.dumps({"id": i, "text": rng.choice(WORDS)})
        return capture_record(
            payload,
            "0.5",
            "2026-11-22T10:00:00Z",
            f"e{i}",
            input_encoding="JSON",
            input_content_type="application/json",
        ).encode()

    return generated(rng, [(0.04, b'{"captureData": '), (0.06, b"")], record)


def write(path: Path, lines: list[bytes], crlf: bool, compress: bool) -> Path:
    data = (b"\r\n" if crlf else b"\n").join(lines) + b"\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def rounded(value):
    """Floats to 12 digits: moments merged from other batches differ in the last bits."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


def outcome(path: Path, fmt: str, split_bytes: int):
    profile = run_profile(
        None,
        path,
        parse_dataset_format(FORMATS[fmt]),
        engine="local",
        split_bytes=split_bytes,
        quarantine=True,
    )
    statistics = build_statistics(profile)
    quarantined = sorted((q.reason, q.detail, q.raw) for q in profile.ledger.quarantined)
    return rounded(statistics), quarantined, profile.ledger.quarantine_omitted


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("shape", ["plain", "crlf", "gz", "gz-small-chunks", "small-splits"])
def test_the_long_line_path_reads_what_the_split_readers_read(tmp_path, monkeypatch, fmt, shape):
    rng = random.Random(f"{fmt}-{shape}")
    lines = {"json": json_lines, "capture": capture_lines}.get(
        fmt, lambda r: csv_lines(r, fmt == "csv-header")
    )(rng)
    path = write(tmp_path / fmt / "data.txt", lines, shape == "crlf", shape.startswith("gz"))
    split_bytes = 2048 if shape == "small-splits" else 1 << 20
    if shape == "gz-small-chunks":  # chunks end inside lines, long and short
        monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "1000")
    usual = outcome(path, fmt, split_bytes)
    # Lines over 64 bytes (most of them, the header too) now take the long-line path.
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "64")
    cut_out = outcome(path, fmt, split_bytes)
    assert cut_out == usual
    statistics = usual[0]
    assert statistics["dataset"]["item_count"] > 200
    if fmt != "capture":
        assert statistics["dataset"]["skipped"]["count"] > 5  # the damaged lines were in play


def test_the_first_lines_of_a_split_keep_the_split_s_key_and_long_lines_their_own(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "16")
    path = tmp_path / "data.csv"
    path.write_bytes(b"id,text\n1,a\n" + b"2," + b"x" * 40 + b"\n\n3,b\n" + b" " * 40 + b"\n4,c\n")
    size = path.stat().st_size
    pieces = cut(Split(str(path), 0, size, size), keep_first_line=True)
    kinds = [(type(p).__name__, p.start) for p in pieces]
    assert kinds == [("Split", 0), ("LongLine", 12), ("Split", 55), ("Split", 60), ("Split", 101)]
    assert pieces[0].data == b"id,text\n1,a\n"
    assert pieces[1].take() == b"2," + b"x" * 40
    assert pieces[2].data == b"\n3,b\n"
    assert pieces[3].data == b"\n"  # the blank long line: still a line, passed over
    assert pieces[4].data == b"4,c\n"


def test_a_long_header_stays_the_header(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "16")
    names = [f"column_{i}" for i in range(8)]
    path = tmp_path / "data.csv"
    path.write_text("\n  \n" + ",".join(names) + "\n" + ",".join(str(i) for i in range(8)) + "\n")
    profile = run_profile(None, path, parse_dataset_format(FORMATS["csv-header"]), engine="local")
    assert [f["name"] for f in build_statistics(profile)["features"]] == names


def test_long_spans_finds_every_line_over_the_limit_and_no_other():
    rng = random.Random(7)
    for _ in range(300):
        lengths = [rng.choice([0, 1, 5, 15, 16, 17, 33, 64]) for _ in range(rng.randint(0, 12))]
        data = b"\n".join(b"x" * n for n in lengths) + rng.choice([b"", b"\n"])
        expected, at = [], 0
        for n in lengths:
            if n > 16:
                expected.append((at, at + n))
            at += n + 1
        assert long_spans(data, 16) == expected, (lengths, data)


CSV_FORMAT = parse_dataset_format('{"csv": {"header": false}}')


def pyarrow_fields(line: bytes) -> list[str | None] | int:
    """How the split reader's pyarrow options read one line: its fields, or its field count."""
    counts = []

    def on_invalid(row):
        counts.append(row.actual_columns)
        return "skip"

    keys = [f"f{i}" for i in range(3)]
    table = pacsv.read_csv(
        pa.py_buffer(line + b"\n"),
        read_options=pacsv.ReadOptions(column_names=keys),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(keys, pa.string()),
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
            null_values=[""],
        ),
    )
    if counts:
        return counts[0]
    return [table.column(k)[0].as_py() for k in keys]


def test_the_long_line_csv_splitter_agrees_with_pyarrow_on_every_line_it_takes():
    rng = random.Random(3)
    taken, seen = 0, set()
    for _ in range(6000):
        line = "".join(
            rng.choice(["a", ",", '"', "é", " ", '""']) for _ in range(rng.randint(1, 12))
        ).encode()
        fields = plain_fields(line, CSV_FORMAT, 3)
        if fields is None:
            continue  # not plain CSV: the record loop reads it, as for any damaged line
        taken += 1
        expected = pyarrow_fields(line)
        if isinstance(fields, int):
            assert fields == expected, line
            seen.add("count")
            continue
        seen.update(how for _, _, how in fields)
        got = [
            None
            if how == MISSING
            else line[start:end].decode().replace('""', '"')
            if how == UNDOUBLE
            else line[start:end].decode()
            for start, end, how in fields
        ]
        assert got == expected, line
    assert taken > 1000
    assert seen == {"count", MISSING, VIEW, UNDOUBLE}  # every outcome was compared


def test_a_skipped_long_line_is_named_at_its_line_and_quarantined_as_read(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "1024")
    path = tmp_path / "data.jsonl"
    long_bad = b'{"text": "' + b"z" * 5000 + b'"'  # not closed
    path.write_bytes(b'{"a": 1}\n' * 3 + long_bad + b"\n" + b'{"a": 2}\n')
    profile = run_profile(None, path, parse_dataset_format(FORMATS["json"]), engine="local", quarantine=True)
    skipped = build_statistics(profile)["dataset"]["skipped"]
    assert skipped["count"] == 1
    assert skipped["examples"][0]["location"] == f"{path}:4"
    assert [q.raw for q in profile.ledger.quarantined] == [long_bad]


def test_a_long_line_of_a_gz_is_read_once_its_quarantine_copy_counted_as_omitted(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "1024")
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"a": 1}\n' + b'{"text": "' + b"z" * 5000 + b"\n"))
    profile = run_profile(None, path, parse_dataset_format(FORMATS["json"]), engine="local", quarantine=True)
    assert profile.ledger.records_skipped == 1
    assert profile.ledger.quarantined == []
    assert profile.ledger.quarantine_omitted == 1
    line = LongLine(str(path), 9, 5010, 9, data=b"x")
    assert line.take() == b"x"
    with pytest.raises(LookupError):
        line.take()


def test_a_file_that_changes_before_its_long_line_is_read_fails_naming_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_LONG_LINE_BYTES", "1024")
    path = tmp_path / "data.csv"
    path.write_bytes(b"1,a\n" + b"2," + b"x" * 5000 + b"\n3,c\n")
    [split] = plan_splits([path], splittable=True)
    plan = ReadPlan(CSV_FORMAT, csv_width=2)
    batches = read_batches(split, plan, Ledger())
    next(batches)  # the first line, read before the long one
    path.write_bytes(b"1,a\n" + b"2,y\n")
    with pytest.raises(InputError, match="data.csv changed while the job read it"):
        list(batches)
