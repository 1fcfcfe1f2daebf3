"""Statistics of random data against an independent pandas/numpy computation.

Every expected number here comes from pandas/numpy and Python's ``re`` applied to the CSV text,
never from the analyzer's own profile code.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analyzer.config.formats import DatasetFormat
from analyzer.files import sources
from analyzer.profiling import engine as profile_job
from analyzer.profiling.dataset import DatasetProfile
from analyzer.readers import read_batches
from analyzer.readers.batch import Batch, Column, positional
from analyzer.readers.ledger import Ledger
from tests.conftest import approx_count_distinct, features_by_name

REL = 1e-9
CSV_HEADER = DatasetFormat(kind="csv", header=True)
CSV_NO_HEADER = DatasetFormat(kind="csv", header=False)

# Deequ's value regexes (StatefulDataType), whole-string, ASCII digits as in Java.
FRACTIONAL_RE = re.compile(r"(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))", re.ASCII)
INTEGRAL_RE = re.compile(r"(-|\+)? ?\d+", re.ASCII)
BOOLEAN_RE = re.compile(r"true|false")


# -- the independent reference -------------------------------------------------------------------
def read_reference(path: Path, header: bool) -> pd.DataFrame:
    """The CSV as pandas sees it: every field text, only an empty field missing."""
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[""], header=0 if header else None
    ).astype(object)


def reference_type(present: list[str]) -> str:
    if not present:
        return "Unknown"
    kinds = set()
    for v in present:
        if FRACTIONAL_RE.fullmatch(v):
            kinds.add("Fractional")
        elif INTEGRAL_RE.fullmatch(v):
            kinds.add("Integral")
        elif BOOLEAN_RE.fullmatch(v):
            kinds.add("Boolean")
        else:
            kinds.add("String")
    if kinds & {"String", "Boolean"}:
        return "String"  # Model Monitor has no Boolean type
    return "Fractional" if "Fractional" in kinds else "Integral"


def as_number(text: str) -> float:
    return float(re.sub(r"^([-+]?) ", r"\1", text))


def deequ_buckets(values: np.ndarray) -> list[dict]:
    low, high = float(values.min()), float(values.max())
    out = []
    for i in range(10):
        lower = low + (high - low) * i / 10.0
        upper = low + (high - low) * (i + 1) / 10.0
        inside = (values >= lower) & ((values <= upper) if i == 9 else (values < upper))
        out.append({"lower_bound": lower, "upper_bound": upper, "count": float(np.count_nonzero(inside))})
    return out


def check_feature(feature: dict, column: pd.Series, item_count: int, exact_sketch: bool = True) -> None:
    """Compare one statistics.json feature with pandas/numpy on the same column."""
    present = [v for v in column.tolist() if isinstance(v, str)]
    expected_type = reference_type(present)
    assert feature["inferred_type"] == expected_type, feature["name"]
    if expected_type == "Unknown":
        assert feature == {"name": feature["name"], "inferred_type": "Unknown"}
        return
    common = {"num_present": len(present), "num_missing": item_count - len(present)}
    if expected_type in ("Integral", "Fractional"):
        stats = feature["numerical_statistics"]
        assert stats["common"] == common
        values = np.array([as_number(v) for v in present])
        assert stats["sum"] == pytest.approx(math.fsum(values), rel=REL, abs=1e-9)
        assert stats["mean"] == pytest.approx(math.fsum(values) / len(values), rel=REL, abs=1e-9)
        assert stats["std_dev"] == pytest.approx(float(np.std(values, ddof=0)), rel=REL, abs=1e-9)
        assert stats["min"] == values.min()
        assert stats["max"] == values.max()
        kll = stats["distribution"]["kll"]
        assert kll["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
        if exact_sketch:
            # Fewer values than one level holds: the sketch is the column, in input order, and the
            # buckets are exact counts.
            assert kll["sketch"]["data"] == [values.tolist()]
            assert kll["buckets"] == deequ_buckets(values)
        assert "string_statistics" not in feature
    else:
        stats = feature["string_statistics"]
        assert stats["common"] == common
        counts = pd.Series(present).value_counts()
        assert stats["distinct_count"] == approx_count_distinct(present)
        if counts.size <= 1000:
            buckets = stats["distribution"]["categorical"]["buckets"]
            assert {b["value"]: b["count"] for b in buckets} == counts.to_dict()
            assert len(buckets) == counts.size
            assert [b["count"] for b in buckets] == sorted((b["count"] for b in buckets), reverse=True)
        assert "numerical_statistics" not in feature


def check_statistics(statistics: dict, frame: pd.DataFrame, exact_sketch: bool = True) -> None:
    assert statistics["dataset"]["item_count"] == len(frame)
    names = [str(c) if isinstance(c, str) else f"_c{c}" for c in frame.columns]
    assert [f["name"] for f in statistics["features"]] == names
    for feature, name in zip(statistics["features"], frame.columns, strict=True):
        check_feature(feature, frame[name], len(frame), exact_sketch)


# -- random data -----------------------------------------------------------------------------------
def with_missing(rng: np.random.Generator, values: list, share: float) -> list:
    mask = rng.random(len(values)) < share
    return [None if m else v for v, m in zip(values, mask, strict=True)]


def random_frame(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    floats = rng.normal(0, 1000, rows) * 10.0 ** rng.integers(-9, 9, rows)
    words = ["red", "green", "blue", "yellow", "naïve café", "日本", "a,b", 'say "hi"', "NaN", "True"]
    mixed = [str(int(v)) for v in rng.integers(0, 100, rows)]
    for i in rng.choice(rows, 3, replace=False):
        mixed[i] = ["n/a", "unknown", "1,5"][i % 3]
    return pd.DataFrame(
        {
            "ints": with_missing(rng, [str(v) for v in rng.integers(-1000, 1000, rows)], 0.1),
            "floats": with_missing(rng, [repr(float(v)) for v in floats], 0.05),
            "whole_floats": [f"{v}.0" for v in rng.integers(0, 4, rows)],
            "signed": [rng.choice(["+", "-", "- ", "+ ", ""]) + str(v) for v in rng.integers(0, 50, rows)],
            "exponents": [
                f"{m:.3f}e{e:+d}" for m, e in zip(rng.random(rows), rng.integers(-5, 5, rows), strict=True)
            ],
            "color": with_missing(rng, [words[i] for i in rng.integers(0, len(words), rows)], 0.2),
            "mixed": mixed,
            "flags": [["true", "false"][i] for i in rng.integers(0, 2, rows)],
            "nothing": [None] * rows,
            "ids": [f"id-{i:05d}" for i in rng.permutation(rows)],
            "mostly_missing": with_missing(rng, [repr(float(v)) for v in rng.random(rows)], 0.97),
        }
    )


def write_csv(frame: pd.DataFrame, path: Path, header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, header=header)
    return path


@pytest.mark.parametrize("seed", [1, 2])
def test_random_data_with_header_matches_pandas(baseline, tmp_path, seed):
    rng = np.random.default_rng(seed)
    path = write_csv(random_frame(rng, 700 + seed), tmp_path / "data" / "train.csv")
    reference = read_reference(path, header=True)
    statistics, _, _ = baseline(path.parent, CSV_HEADER)
    check_statistics(statistics, reference)
    by_name = features_by_name(statistics)
    # The reference typing is not vacuous: every kind of column is present.
    assert [
        by_name[n]["inferred_type"] for n in ("ints", "floats", "whole_floats", "signed", "exponents")
    ] == [
        "Integral",
        "Fractional",
        "Fractional",
        "Integral",
        "Fractional",
    ]
    for name in ("color", "mixed", "flags", "ids"):
        assert by_name[name]["inferred_type"] == "String"
    assert by_name["nothing"] == {"name": "nothing", "inferred_type": "Unknown"}
    assert by_name["ids"]["string_statistics"]["distinct_count"] == approx_count_distinct(
        reference["ids"].dropna().tolist()
    )


def test_random_data_without_header_matches_pandas(baseline, tmp_path):
    rng = np.random.default_rng(3)
    frame = random_frame(rng, 500).drop(columns=["nothing"])  # a first row of blanks sets no width
    path = write_csv(frame, tmp_path / "data.csv", header=False)
    reference = read_reference(path, header=False)
    statistics, _, _ = baseline(path, CSV_NO_HEADER)
    assert [f["name"] for f in statistics["features"]] == [f"_c{i}" for i in range(frame.shape[1])]
    check_statistics(statistics, reference)


def test_all_missing_column_is_unknown_with_name_and_type_only(baseline, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,c\n1,,x\n2,,y\n3,,x\n", encoding="utf-8")
    statistics, constraints, _ = baseline(path, CSV_HEADER)
    assert statistics["features"][1] == {"name": "b", "inferred_type": "Unknown"}
    check_statistics(statistics, read_reference(path, header=True))
    assert constraints["features"][1]["inferred_type"] == "Unknown"


def test_single_row_dataset(baseline, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("5,-2.5,abc,,true,1e3\n", encoding="utf-8")
    statistics, _, _ = baseline(path, CSV_NO_HEADER)
    check_statistics(statistics, read_reference(path, header=False))
    assert [f["inferred_type"] for f in statistics["features"]] == [
        "Integral",
        "Fractional",
        "String",
        "Unknown",
        "String",
        "Fractional",
    ]
    first = statistics["features"][0]["numerical_statistics"]
    assert (first["mean"], first["sum"], first["std_dev"], first["min"], first["max"]) == (
        5.0,
        5.0,
        0.0,
        5.0,
        5.0,
    )
    buckets = first["distribution"]["kll"]["buckets"]
    assert [(b["lower_bound"], b["upper_bound"]) for b in buckets] == [(5.0, 5.0)] * 10
    assert [b["count"] for b in buckets] == [0.0] * 9 + [1.0]


def test_large_dataset_compacts_the_sketch(baseline, tmp_path):
    rng = np.random.default_rng(4)
    rows = 30_000
    frame = pd.DataFrame(
        {
            "x": [repr(float(v)) for v in rng.normal(50, 20, rows)],
            "n": with_missing(rng, [str(v) for v in rng.integers(0, 10_000, rows)], 0.3),
            "s": [f"user{v}" for v in rng.integers(0, 5000, rows)],
            "c": [f"cat{v}" for v in rng.zipf(1.5, rows) % 40],
        }
    )
    path = write_csv(frame, tmp_path / "big" / "part-0.csv")
    reference = read_reference(path, header=True)
    statistics, _, _ = baseline(path.parent, CSV_HEADER)
    check_statistics(statistics, reference, exact_sketch=False)
    by_name = features_by_name(statistics)
    for name in ("x", "n"):
        stats = by_name[name]["numerical_statistics"]
        present = stats["common"]["num_present"]
        kll = stats["distribution"]["kll"]
        levels = kll["sketch"]["data"]
        assert len(levels) > 1
        assert sum(len(level) << h for h, level in enumerate(levels)) == present
        values = np.array([as_number(v) for v in reference[name].dropna()])
        exact = deequ_buckets(values)
        if exact[-1]["upper_bound"] >= values.max():
            assert sum(b["count"] for b in kll["buckets"]) == present
        for got, want in zip(kll["buckets"], exact, strict=True):
            assert (got["lower_bound"], got["upper_bound"]) == (want["lower_bound"], want["upper_bound"])
            assert abs(got["count"] - want["count"]) <= 0.01 * present
    # Past 1000 distinct values no histogram is kept; the count is Deequ's estimate as everywhere.
    s = by_name["s"]["string_statistics"]
    assert reference["s"].nunique() > 1000
    assert s["distinct_count"] == approx_count_distinct(reference["s"].dropna().tolist())
    assert "distribution" not in s


# -- several tasks per file ------------------------------------------------------------------------
def line_variants(rows: list[str]) -> dict[str, bytes]:
    lf = "\n".join(rows)
    crlf = "\r\n".join(rows)
    blank = "\n".join(rows[: len(rows) // 2] + [""] + rows[len(rows) // 2 :]) + "\n\n"
    return {
        "lf": (lf + "\n").encode(),
        "lf-no-final-newline": lf.encode(),
        "crlf": (crlf + "\r\n").encode(),
        "crlf-no-final-newline": crlf.encode(),
        "blank-lines": blank.encode(),
    }


def split_rows(rng: np.random.Generator, count: int) -> list[str]:
    rows = []
    for i in range(count):
        amount = "" if i % 11 == 3 else repr(round(float(rng.normal(100, 30)), 3))
        label = "" if i % 13 == 5 else ["a", "bb", "ccc"][i % 3]
        rows.append(f"{i},{amount},{label}")  # missing fields also at the end of a line
    return rows


def use_split_bytes(monkeypatch, split_bytes: int) -> None:
    monkeypatch.setattr(sources, "DEFAULT_SPLIT_BYTES", split_bytes)


def profile_summary(profile: DatasetProfile) -> dict:
    out = {"item_count": profile.item_count}
    for column in profile.ordered_columns():
        entry = {"types": list(column.type_counts), "histogram": column.histogram}
        if column.moments is not None:
            m = column.moments
            entry.update(n=m.n, min=m.minimum, max=m.maximum, weight=column.kll.total_weight())
        out[column.name] = entry
    return out


@pytest.mark.parametrize("variant", list(line_variants(["x"])))
def test_multi_split_profile_equals_single_task(spark, tmp_path, monkeypatch, variant):
    rows = split_rows(np.random.default_rng(5), 3000)
    path = tmp_path / f"{variant}.csv"
    path.write_bytes(line_variants(rows)[variant])
    single = profile_job.run_profile(spark, path, CSV_NO_HEADER, tasks=1)
    use_split_bytes(monkeypatch, 997)  # prime: boundaries land anywhere in a line, also inside \r\n
    assert len(sources.plan_splits([path], splittable=True, split_bytes=sources.DEFAULT_SPLIT_BYTES)) > 30
    multi = profile_job.run_profile(spark, path, CSV_NO_HEADER, tasks=4)
    assert multi.item_count == single.item_count == 3000
    assert profile_summary(multi) == profile_summary(single)
    for a, b in zip(multi.ordered_columns(), single.ordered_columns(), strict=True):
        if a.moments is not None:
            assert a.moments.total == pytest.approx(b.moments.total, rel=1e-12)
            assert a.moments.mean == pytest.approx(b.moments.mean, rel=1e-12)
            assert a.moments.m2 == pytest.approx(b.moments.m2, rel=1e-12)
    first = multi.ordered_columns()[0]
    assert first.moments.total == sum(range(3000))  # each line counted exactly once
    assert multi.ledger.records_read == 3000
    assert multi.ledger.records_skipped == 0


def test_multi_split_with_header_and_several_files(spark, tmp_path, monkeypatch):
    rng = np.random.default_rng(6)
    expected_rows = 0
    for i, variant in enumerate(["lf", "crlf-no-final-newline", "crlf", "lf-no-final-newline"]):
        rows = split_rows(rng, 500 + 100 * i)
        expected_rows += len(rows)
        header = "id,amount,label"
        data = line_variants([header, *rows])[variant]
        (tmp_path / "in" / f"part-{i}.csv").parent.mkdir(exist_ok=True)
        (tmp_path / "in" / f"part-{i}.csv").write_bytes(data)
    single = profile_job.run_profile(spark, tmp_path / "in", CSV_HEADER, tasks=1)
    use_split_bytes(monkeypatch, 211)
    multi = profile_job.run_profile(spark, tmp_path / "in", CSV_HEADER, tasks=4)
    assert multi.item_count == single.item_count == expected_rows
    assert profile_summary(multi) == profile_summary(single)
    assert [c.name for c in multi.ordered_columns()] == ["id", "amount", "label"]


@pytest.mark.parametrize("variant", list(line_variants(["x"])))
def test_every_split_size_reads_every_line_once_in_order(tmp_path, variant):
    """In-process: for every small split size, the splits' rows concatenate to the file's rows."""
    rows = split_rows(np.random.default_rng(7), 40)
    path = tmp_path / "f.csv"
    path.write_bytes(line_variants(rows)[variant])
    plan = profile_job.make_read_plan([path], CSV_NO_HEADER, None)
    expected = [r.split(",")[0] for r in rows]
    for split_bytes in [*range(1, 40), 64, 100, 257, 10_000]:
        ids = []
        ledger = Ledger()
        for split in sources.plan_splits([path], splittable=True, split_bytes=split_bytes):
            for batch in read_batches(split, plan, ledger):
                ids.extend(batch.columns[0].values.to_pylist())
        assert ids == expected, f"split_bytes={split_bytes}"
        assert ledger.records_read == len(rows)


# -- merging states, without Spark (the merge laws: tests/profiling/test_merge_laws.py) ----------------------
def string_batch(columns: dict[str, list[str | None]]) -> Batch:
    cols = [
        Column(n, positional(i), pa.array(v, type=pa.string())) for i, (n, v) in enumerate(columns.items())
    ]
    return Batch(len(next(iter(columns.values()))), cols)


def halves(columns: dict[str, list], cut: int) -> tuple[Batch, Batch]:
    return (
        string_batch({k: v[:cut] for k, v in columns.items()}),
        string_batch({k: v[cut:] for k, v in columns.items()}),
    )


def test_merge_compacts_at_full_capacity_where_update_does_not():
    """Deequ's merge condenses while size >= capacity, its update only when size > capacity."""
    columns = {"v": [str(i) for i in range(2050)]}
    first, second = halves(columns, 1000)
    left, right, whole = DatasetProfile(), DatasetProfile(), DatasetProfile()
    left.update(first)
    right.update(second)
    whole.update(string_batch(columns))
    assert len(whole.columns["v"].kll.levels()) == 1
    merged = left.merge(right).columns["v"].kll
    assert [len(level) for level in merged.levels()] == [0, 1025]
    assert merged.total_weight() == 2050


def test_merge_past_histogram_limit_switches_to_hll():
    left, right = DatasetProfile(), DatasetProfile()
    left.update(string_batch({"s": [f"a{i}" for i in range(700)]}))
    right.update(string_batch({"s": [f"b{i}" for i in range(700)]}))
    assert left.columns["s"].histogram is not None and right.columns["s"].histogram is not None
    merged = left.merge(right).columns["s"]
    assert merged.histogram is None
    assert abs(merged.distinct_count() - 1400) <= 0.15 * 1400
    # Merging a further exact part into the HLL state keeps estimating, and duplicates add nothing.
    again = DatasetProfile()
    again.update(string_batch({"s": [f"a{i}" for i in range(700)]}))
    before = merged.distinct_count()
    assert left.merge(again).columns["s"].distinct_count() == before


def test_merge_of_typed_columns_counts_non_finite_as_missing():
    def typed(values):
        return Batch(len(values), [Column("t", positional(0), pa.array(values, type=pa.float64()))])

    left, right, whole = DatasetProfile(), DatasetProfile(), DatasetProfile()
    a, b = [1.5, None, float("nan"), 2.5], [float("inf"), -4.0, 0.0]
    left.update(typed(a))
    right.update(typed(b))
    whole.update(typed(a + b))
    merged = left.merge(right).columns["t"]
    assert merged.num_present == whole.columns["t"].num_present == 4
    assert merged.type_counts == whole.columns["t"].type_counts
    assert (merged.moments.total, merged.moments.minimum, merged.moments.maximum) == (0.0, -4.0, 2.5)
    assert merged.kll.levels() == whole.columns["t"].kll.levels() == [[1.5, 2.5, -4.0, 0.0]]
