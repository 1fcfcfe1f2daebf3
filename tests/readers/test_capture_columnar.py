"""The columnar capture reader must give exactly what the record-by-record reader gives, or decline.

Damaged lines are set aside and read record by record; the statistics (row order included: the KLL
sketch depends on it) and the whole ledger (counts, reasons, examples with their lines, quarantined
raw lines) must equal the record reader's.
"""

from __future__ import annotations

import random

import pytest

from analyzer.config.formats import CAPTURE, DatasetFormat
from analyzer.config.window import TimeWindow
from analyzer.files.sources import Split, plan_splits, read_split
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.statistics import build_statistics
from analyzer.readers.capture_columnar import Declined
from analyzer.readers.capture_reader import read, read_fast, read_records
from analyzer.readers.ledger import Ledger
from analyzer.readers.plan import ReadPlan
from tests.helpers.capture import capture_record
from tests.helpers.readers import paths_agree


def record(features: list[str], output: str, when: str | None, shadow: bool = False) -> str:
    return capture_record(
        ",".join(features), output, when, "e", invocation_source="ShadowExperiment" if shadow else None
    )


def make_lines(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        features = [
            str(rng.randint(-5, 50)),
            f"{rng.gauss(10, 3):.4f}",
            rng.choice(["a", "b", "c", ""]),  # empty field: missing
            rng.choice(["1", "2.5", "x"]),
        ]
        minute = rng.randint(0, 70)  # some records fall after the window
        when = (
            None
            if i % 97 == 0
            else f"2026-11-22T10:{minute % 60:02d}:00Z"
            if minute < 60
            else "2026-11-22T11:05:00Z"
        )
        output = (
            f"{rng.random():.5f}\n" if i % 2 else f"{rng.random():.5f}"
        )  # trailing newline as in SageMaker docs
        lines.append(record(features, output, when, shadow=i % 50 == 7))
    return lines


def profile_with(reader, split: Split, plan: ReadPlan) -> tuple[dict, Ledger]:
    profile = DatasetProfile()
    for batch in reader(split, plan, profile.ledger):
        profile.update(batch)
    return build_statistics(profile), profile.ledger


WINDOW = TimeWindow.of("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z")


def whole(path) -> Split:
    size = path.stat().st_size
    return Split(str(path), 0, size, size)


def window_plan(position: str = "START") -> ReadPlan:
    return ReadPlan(
        DatasetFormat(CAPTURE, output_columns_position=position),
        feature_names=("label", "f0", "f1", "f2"),
        window=WINDOW,
        quarantine=True,
    )


def agreeing_paths(split: Split, plan: ReadPlan) -> tuple[dict, Ledger]:
    return paths_agree(read, read_records, split, plan)


@pytest.mark.parametrize("position", ["START", "END"])
def test_columnar_equals_record_reader(tmp_path, position):
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(make_lines(3000, 5)) + "\n", encoding="utf-8")
    split, plan = whole(path), window_plan(position)
    columnar, aside = read_fast(split, read_split(split), plan)  # the fast path applies
    assert columnar.batch is not None and aside == []
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_read == 3000
    assert [f["name"] for f in fast["features"]][:4] == ["label", "f0", "f1", "f2"]


GOOD = record(["1", "2.5", "a", "x"], "0.5", "2026-11-22T10:00:00Z")  # the shape of make_lines
NESTED = '{"x":' * 1000 + "1" + "}" * 1000

# Lines the record reader skips (or drops): the fast path sets them aside and keeps the split.
SKIPPED = {
    "truncated JSON": GOOD[: len(GOOD) // 2],
    "not UTF-8": GOOD.replace('"data":"', '"data":"\udce9', 1),
    "no capture data": '{"captureData":{"somethingElse":{}},"eventMetadata":{"eventId":"x"}}',
    "null": "null",
    "array": "[1, 2]",
    "number": "42",
    "string": '"text"',
    "garbage after the object": GOOD + " x}",
    "nested 1000 levels": '{"eventMetadata":' + NESTED + "}",
    "time that does not parse": record(["1", "2.5", "a", "x"], "0.5", "yesterday"),
    "payload is a number": GOOD.replace('"data":"1,2.5,a,x"', '"data":5'),
    "empty payload": GOOD.replace('"data":"1,2.5,a,x"', '"data":""'),
    "payload of a line break": GOOD.replace('"data":"1,2.5,a,x"', '"data":"\\n"'),
    "payload row counts differ": record(["1", "2.5", "a", "x"], "0.5\n0.6", "2026-11-22T10:00:00Z"),
    "unknown encoding": GOOD.replace('"encoding":"CSV"', '"encoding":"XML"', 1),
    "leading space, truncated": " " + GOOD[:40],
    "form feed in the line": GOOD[:30] + "\x0c" + GOOD[30:],
    "byte order mark mid-file": "\ufeff" + GOOD,
    "outside the window, no payload": capture_record(None, None, "2026-11-22T12:00:00Z", "e"),
}
# Lines that are records the columnar path cannot read exactly: the record reader reads the split.
ROWS = {
    "quoted CSV": GOOD.replace('"data":"1,2.5,a,x"', '"data":"1,2.5,\\"a\\",x"'),
    "two rows in each payload": record(
        ["1", "2.5", "a", "x\n3", "4", "b", "y"], "0.5\n0.6", "2026-11-22T10:00:00Z"
    ),
    "another width": record(["1"], "0.5", "2026-11-22T10:00:00Z"),
    "duplicate key": GOOD[:-1] + ',"eventMetadata":{"eventId":"f"}}',  # Python keeps the last one
    "two objects on a line": GOOD + GOOD,
    "JSON payload": record(["1", "2.5", "a", "x"], '{"score":0.5}', "2026-11-22T10:00:00Z").replace(
        '"encoding":"CSV"}}', '"encoding":"JSON"}}'
    ),
}


def write(path, lines: list[str]) -> None:
    # surrogateescape: a lone surrogate above stands for the raw byte it escapes (not UTF-8)
    path.write_bytes(b"".join(line.encode("utf-8", errors="surrogateescape") + b"\n" for line in lines))


@pytest.mark.parametrize("kind", sorted(SKIPPED))
def test_a_skipped_line_is_set_aside_and_the_split_stays_columnar(tmp_path, kind):
    lines = make_lines(400, 8)
    for position in (0, 1, 2, 150, 151, 399):  # first, consecutive, middle and last lines
        lines[position] = SKIPPED[kind]
    path = tmp_path / "c.jsonl"
    write(path, lines)
    split, plan = whole(path), window_plan()
    columnar, aside = read_fast(split, read_split(split), plan)
    # A byte order mark opening the file is no damage: read_split strips it.
    expected = [1, 2, 3, 151, 152, 400][kind == "byte order mark mid-file" :]
    assert [location.line for location, _ in aside] == expected
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_read == 400
    assert fast_ledger.records_skipped + fast_ledger.records_dropped >= len(expected)


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_a_set_aside_line_with_rows_declines_the_split(tmp_path, kind):
    lines = [GOOD] * 5 + [ROWS[kind]] + [GOOD] * 2
    path = tmp_path / "c.jsonl"
    write(path, lines)
    split, plan = whole(path), window_plan()
    with pytest.raises(Declined):
        read_fast(split, read_split(split), plan)
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_read == 8
    assert fast_ledger.records_read == (
        fast_ledger.records_analyzed + fast_ledger.records_dropped + fast_ledger.records_skipped
    )


def test_damaged_lines_at_random_positions_across_splits(tmp_path):
    rng = random.Random(11)
    lines = make_lines(6000, 9)
    kinds = sorted(SKIPPED)
    for position in rng.sample(range(len(lines)), 120):
        lines[position] = SKIPPED[rng.choice(kinds)]
    for position in range(3000, 3012):  # a run of bad lines across what becomes a split boundary
        lines[position] = SKIPPED[kinds[position % len(kinds)]]
    lines[-1] = SKIPPED["truncated JSON"]
    path = tmp_path / "c.jsonl"
    write(path, lines)
    splits = plan_splits([path], splittable=True, split_bytes=path.stat().st_size // 4)
    assert len(splits) > 3
    plan = window_plan()
    for split in splits:
        read_fast(split, read_split(split), plan)  # never declined
        fast, fast_ledger = agreeing_paths(split, plan)


def test_a_split_of_nothing_but_bad_lines(tmp_path):
    lines = [SKIPPED[k] for k in sorted(SKIPPED)] + ["", "   ", "\x0c"]
    path = tmp_path / "c.jsonl"
    write(path, lines)
    split, plan = whole(path), window_plan()
    with pytest.raises(Declined):  # mostly set-aside lines: cheaper to read record by record
        read_fast(split, read_split(split), plan)
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_read == len(SKIPPED)
    assert fast_ledger.records_analyzed == 0


def test_a_split_of_a_few_lines_all_bad_stays_columnar(tmp_path):
    lines = [SKIPPED["truncated JSON"], "", SKIPPED["not UTF-8"], SKIPPED["no capture data"]]
    path = tmp_path / "c.jsonl"
    write(path, lines)
    split, plan = whole(path), window_plan()
    columnar, aside = read_fast(split, read_split(split), plan)
    assert columnar.batch is None and [location.line for location, _ in aside] == [1, 3, 4]
    fast, fast_ledger = agreeing_paths(split, plan)
    assert (fast_ledger.records_read, fast_ledger.records_skipped) == (3, 3)


def test_many_lines_pyarrow_rejects_decline_the_split(tmp_path):
    lines = [line + " x}" if i % 5 == 0 else line for i, line in enumerate(make_lines(1000, 3))]
    path = tmp_path / "c.jsonl"
    write(path, lines)
    split, plan = whole(path), window_plan()
    with pytest.raises(Declined):
        read_fast(split, read_split(split), plan)
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_skipped == 200
