"""distinct_count is Deequ's: Spark's HyperLogLog++ (relative SD 0.05) over XXH64, seed 42, of each
value's text, at every cardinality, whatever the task layout.

The reference is Spark itself: ``approx_count_distinct(col, 0.05)`` over the same CSV read as text,
and the ``xxhash`` library for the hash. Nothing here is computed by the analyzer's own code.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa
import pytest
import xxhash

from analyzer.config.formats import DatasetFormat
from analyzer.profiling import hll, xxh64
from analyzer.profiling.dataset import DatasetProfile
from tests.conftest import approx_count_distinct, features_by_name
from tests.profiling.test_profile_reference import string_batch

CSV = DatasetFormat(kind="csv", header=False)


def spark_session(context):
    from pyspark.sql import SparkSession

    return SparkSession(context)


def spark_distinct(spark, path) -> dict[str, float]:
    """approx_count_distinct(col, 0.05) of every column of a headerless CSV, read as text."""
    from pyspark.sql import functions as F

    frame = spark_session(spark).read.csv(str(path), header=False, inferSchema=False)
    row = frame.agg(*[F.approx_count_distinct(c, 0.05).alias(c) for c in frame.columns]).first()
    return {c: float(row[c]) for c in frame.columns}


def test_reference_helper_counts_text():
    assert approx_count_distinct(["00042", "42", "42", None]) == 2.0


def codes(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct texts: zero-padded and plain numbers that are equal as numbers ("00042", "42"),
    non-ASCII words, and signs and spaces Deequ's Integral regex accepts."""
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            out.append(f"{i // 4:05d}")
        elif kind == 1:
            out.append(str(i // 4))
        elif kind == 2:
            out.append(f"café-{i}-日本")
        else:
            out.append(f"+ {i}")
    rng.shuffle(out)
    return out


@pytest.mark.parametrize("distinct", [10, 1_000, 20_000, 1_000_000])
def test_distinct_count_equals_spark_approx_count_distinct(baseline, spark, tmp_path, monkeypatch, distinct):
    rng = random.Random(distinct)
    values = codes(distinct, rng)
    repeats = values + rng.sample(values, min(distinct, 5_000))  # repeats change nothing
    rng.shuffle(repeats)
    path = tmp_path / "codes.csv"
    path.write_text("".join(f"{v},{v[::-1]}\n" for v in repeats), encoding="utf-8")
    # Several tasks for the larger files: the estimate must not depend on how the data is split.
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", str(1 << 20))
    statistics, _, _ = baseline(path, CSV)
    features = features_by_name(statistics)
    expected = spark_distinct(spark, path)
    for name in ("_c0", "_c1"):
        assert features[name]["inferred_type"] == "String"
        assert features[name]["string_statistics"]["distinct_count"] == expected[name], name
    if distinct <= 1_000:
        # Exact counts still make the categorical histogram; only the reported count is Deequ's estimate.
        buckets = features["_c0"]["string_statistics"]["distribution"]["categorical"]["buckets"]
        assert len(buckets) == distinct


def test_zero_padded_codes_are_distinct_values(baseline, spark, tmp_path):
    # 3,001 codes, each also written without its zeros: 6,002 distinct texts (numbers hashed by value
    # would see 3,001).
    rng = random.Random(5)
    values = [f"{i:05d}" for i in range(3_001)] + [str(i) for i in range(3_001)] + ["n/a"]
    rng.shuffle(values)
    path = tmp_path / "padded.csv"
    path.write_text("".join(f"{v}\n" for v in values), encoding="utf-8")
    statistics, _, _ = baseline(path, CSV)
    got = features_by_name(statistics)["_c0"]["string_statistics"]["distinct_count"]
    assert got == spark_distinct(spark, path)["_c0"]
    assert abs(got - 6_003) <= 0.1 * 6_003


def test_linear_counting_switch_matches_spark_on_both_sides(spark):
    """Around 2.5m (1,280) the estimate switches from linear counting to the bias-corrected raw
    estimate; groups of 1,150 to 1,350 distinct values fall on both sides of it."""
    from pyspark.sql import functions as F

    rng = random.Random(11)
    groups = {g: [f"g{g}-{rng.random()}" for _ in range(rng.randint(1_150, 1_350))] for g in range(60)}
    rows = [(g, v) for g, vs in groups.items() for v in vs]
    frame = spark_session(spark).createDataFrame(rows, "g int, v string")
    expected = {
        r[0]: float(r[1]) for r in frame.groupBy("g").agg(F.approx_count_distinct("v", 0.05)).collect()
    }
    for g, vs in groups.items():
        registers = hll.new_registers()
        hll.add_strings(registers, pa.array(vs))
        assert hll.estimate(registers) == expected[g], g


def test_xxh64_matches_the_reference_library():
    rng = random.Random(3)
    alphabet = "a0Z é€日本😀\t,\"'"
    values = ["", "a", "42", "00042"] + [
        "".join(
            rng.choice(alphabet) for _ in range(rng.choice([rng.randrange(0, 40), rng.randrange(0, 700)]))
        )
        for _ in range(5_000)
    ]
    array = pa.array([*values, None])
    expected = np.array([xxhash.xxh64_intdigest(v.encode("utf-8"), 42) for v in values], dtype=np.uint64)
    np.testing.assert_array_equal(xxh64.hash_strings(array), expected)
    # A slice (non-zero offset) and a large_string array hash the same values.
    np.testing.assert_array_equal(xxh64.hash_strings(array.slice(7, 100)), expected[7:107])
    np.testing.assert_array_equal(xxh64.hash_strings(array.cast(pa.large_string())), expected)


def test_estimate_is_hyperloglog_of_every_value_across_the_switch_to_registers():
    """Exact counts turn into registers past 1,000 distinct values without losing any value's
    hash (that the estimate does not depend on the task layout is tests/profiling/test_merge_laws.py's)."""
    rng = random.Random(7)
    values = [f"{rng.randrange(4_000):04d}" for _ in range(9_000)]
    whole = DatasetProfile()
    for start in range(0, len(values), 500):
        whole.update(string_batch({"s": values[start : start + 500]}))
    assert whole.columns["s"].histogram is None
    registers = hll.new_registers()
    hll.add_strings(registers, pa.array(values))
    assert whole.columns["s"].distinct_count() == hll.estimate(registers)


def test_statistics_json_keeps_distinct_count_a_float(baseline, tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("a\nb\na\n", encoding="utf-8")
    statistics, _, result = baseline(path, CSV)
    text = (tmp_path / "out" / "statistics.json").read_text(encoding="utf-8")
    assert '"distinct_count" : 2.0' in text
    assert json.loads(text)["features"][0]["string_statistics"]["distinct_count"] == 2.0
