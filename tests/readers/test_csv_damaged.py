"""CSV splits with damaged lines stay on pyarrow's path and give exactly what the line reader gives.

A line that is not UTF-8 used to send the whole split to the line-by-line reader; now it is emptied
before pyarrow parses the rest and skipped with its own line number, in line order with the lines of
the wrong width. Statistics and the whole ledger (counts, reasons, examples, quarantined raw lines)
must equal the line reader's.
"""

from __future__ import annotations

import random

import pytest

from analyzer.config.formats import CSV, DatasetFormat
from analyzer.files.sources import Split, plan_splits
from analyzer.readers import csv_reader
from analyzer.readers.ledger import Ledger
from analyzer.readers.plan import ReadPlan
from tests.helpers.readers import paths_agree

NAMES = ["n", "x", "word", "mixed"]


def good_line(rng: random.Random) -> str:
    return ",".join(
        [
            str(rng.randint(-5, 50)),
            f"{rng.gauss(10, 3):.4f}",
            rng.choice(["a", "b", "é", "", "naïve"]),  # valid non-ASCII text too
            rng.choice(["1", "2.5", "x", ""]),
        ]
    )


DAMAGED = {
    "not UTF-8": b"1,2.5,caf\xe9,x",
    "cut UTF-8 sequence": b"1,2.5,\xc3,x",
    "too few fields": b"1,2.5",
    "too many fields": b"1,2.5,a,x,extra",
    "not UTF-8 and too few fields": b"\xff9",
}


def plan_for(path, header: bool) -> ReadPlan:
    fmt = DatasetFormat(CSV, header=header)
    if header:
        return ReadPlan(fmt, headers={str(path): NAMES}, quarantine=True)
    return ReadPlan(fmt, csv_width=len(NAMES), quarantine=True)


def agreeing_paths(split: Split, plan: ReadPlan) -> tuple[dict, Ledger]:
    return paths_agree(csv_reader.read, csv_reader._read_records, split, plan)


def write(path, header: bool, lines: list[bytes], crlf: bool = False) -> None:
    end = b"\r\n" if crlf else b"\n"
    head = [",".join(NAMES).encode()] if header else []
    path.write_bytes(b"".join(line + end for line in head + lines))


def whole(path) -> Split:
    size = path.stat().st_size
    return Split(str(path), 0, size, size)


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("kind", sorted(DAMAGED))
def test_damaged_lines_first_last_and_consecutive(tmp_path, kind, header):
    rng = random.Random(4)
    lines = [good_line(rng).encode() for _ in range(300)]
    for position in (0, 1, 2, 120, 299):
        lines[position] = DAMAGED[kind]
    path = tmp_path / "d.csv"
    write(path, header, lines, crlf=kind == "not UTF-8")
    split, plan = whole(path), plan_for(path, header)
    csv_reader._read_fast(split, plan, Ledger())  # the fast path takes the split
    fast, fast_ledger = agreeing_paths(split, plan)
    assert fast_ledger.records_skipped == 5
    first = 2 if header else 1
    assert [e.location.line for e in fast_ledger.examples] == [first + p for p in (0, 1, 2, 120, 299)]


def test_damaged_lines_at_random_positions_across_splits(tmp_path):
    rng = random.Random(12)
    lines = [good_line(rng).encode() for _ in range(5000)]
    kinds = sorted(DAMAGED)
    for position in rng.sample(range(len(lines)), 150):
        lines[position] = DAMAGED[rng.choice(kinds)]
    path = tmp_path / "d.csv"
    write(path, False, lines)
    splits = plan_splits([path], splittable=True, split_bytes=path.stat().st_size // 5)
    assert len(splits) > 4
    plan = plan_for(path, False)
    for split in splits:
        csv_reader._read_fast(split, plan, Ledger())
        fast, fast_ledger = agreeing_paths(split, plan)


def test_a_split_of_nothing_but_bad_lines(tmp_path):
    path = tmp_path / "d.csv"
    write(path, True, [DAMAGED[k] for k in sorted(DAMAGED)] + [b"", b"\xe9"])
    split, plan = whole(path), plan_for(path, True)
    assert csv_reader._read_fast(split, plan, Ledger()) is None
    fast, fast_ledger = agreeing_paths(split, plan)
    assert (fast_ledger.records_read, fast_ledger.records_analyzed) == (len(DAMAGED) + 1, 0)
