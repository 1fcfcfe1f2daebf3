"""The columnar capture reader must give exactly what the record-by-record reader gives, or decline."""

from __future__ import annotations

import random

import pytest

from analyzer.formats import CAPTURE, DatasetFormat
from analyzer.ledger import Ledger
from analyzer.profile.dataset import DatasetProfile
from analyzer.readers.capture_columnar import Declined, read_columnar
from analyzer.readers.capture_reader import part_order, read, read_records
from analyzer.readers.plan import ReadPlan
from analyzer.sources import Split, read_split
from analyzer.statistics import build_statistics
from analyzer.window import TimeWindow
from tests.helpers_capture import capture_record


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


@pytest.mark.parametrize("position", ["START", "END"])
def test_columnar_equals_record_reader(tmp_path, position):
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(make_lines(3000, 5)) + "\n", encoding="utf-8")
    split = Split(str(path), 0, path.stat().st_size, path.stat().st_size)
    plan = ReadPlan(
        DatasetFormat(CAPTURE, output_columns_position=position),
        feature_names=("label", "f0", "f1", "f2"),
        window=TimeWindow.of("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"),
    )
    ledger = Ledger()
    assert (
        read_columnar(read_split(split), plan, ledger, part_order(plan)) is not None
    )  # the fast path applies
    fast, fast_ledger = profile_with(read, split, plan)
    slow, slow_ledger = profile_with(read_records, split, plan)
    assert fast == slow
    assert fast_ledger.records_read == slow_ledger.records_read == 3000
    assert fast_ledger.dropped == slow_ledger.dropped
    assert fast_ledger.records_analyzed == slow_ledger.records_analyzed
    assert fast_ledger.split_lines == slow_ledger.split_lines
    assert [f["name"] for f in fast["features"]][:4] == (
        ["label", "f0", "f1", "f2"] if position == "START" else ["label", "f0", "f1", "f2"]
    )


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        record(["1", "2,3"], "0.5", "2026-11-22T10:00:00Z").replace('"2,3"', '"\\"2,3\\""'),  # quoted CSV
        record(["1", "2"], "0.5\n0.6", "2026-11-22T10:00:00Z"),  # two rows in one payload
        record(["1"], "0.5", "2026-11-22T10:00:00Z"),  # another width
        record(["1", "2"], "0.5", "yesterday"),  # a time that does not parse
    ],
)
def test_unusual_splits_are_declined_and_read_record_by_record(tmp_path, bad):
    lines = [record(["1", "2"], "0.5", "2026-11-22T10:00:00Z")] * 5 + [bad]
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    split = Split(str(path), 0, path.stat().st_size, path.stat().st_size)
    plan = ReadPlan(
        DatasetFormat(CAPTURE), window=TimeWindow.of("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z")
    )
    ledger = Ledger()
    with pytest.raises(Declined):
        read_columnar(read_split(split), plan, ledger, part_order(plan))
    assert ledger.records_read == 0  # declining leaves no trace
    stats, full = profile_with(read, split, plan)
    assert full.records_read == 6
    assert full.records_read == full.records_analyzed + full.records_dropped + full.records_skipped
