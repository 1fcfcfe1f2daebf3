"""Distinct-count benchmark: what Deequ-exact distinct counts (HyperLogLog++ over XXH64 of every
value's text) cost, against Spark's own approx_count_distinct on the same file.

Generates a headerless CSV of ``--records`` rows: four high-cardinality decimal columns, two
high-cardinality code columns (zero-padded and plain numbers, some words, so they type as String),
and two low-cardinality String columns. Then, in this invocation:

* the hash step alone, in this process: XXH64 of the same values by ``analyzer.profiling.xxh64``
  (vectorised over the Arrow buffers) and by the ``xxhash`` library called once per value (the
  fastest way Python code gets the same hashes one by one), in ns per value;
* the analyzer's baseline job (every statistic of every column, one pass) as a fresh
  ``monitor-analyzer`` process, and the share of its run time the distinct counts take (the hash and
  register steps of all columns, measured in this process over the same text);
* the reference: a fresh PySpark process reading the CSV as text and computing
  ``approx_count_distinct(col, 0.05)`` for every column, the fastest honest way a Spark user gets the
  same numbers (and only those). Both give the same counts (checked).

    .venv/bin/python -m bench.distinct_bench --records 1000000
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv

from bench.capture_bench import timed_process
from bench.results_file import append_result, bench_arguments

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = 8

REFERENCE = """
import json, sys, time
from pyspark.sql import SparkSession, functions as F
spark = SparkSession.builder.master("local[*]").config("spark.ui.enabled", "false").getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
frame = spark.read.csv(sys.argv[1], header=False, inferSchema=False)
row = frame.agg(*[F.approx_count_distinct(c, 0.05).alias(c) for c in frame.columns]).first()
print(json.dumps([float(row[c]) for c in frame.columns]))
"""


def make_csv(path: Path, records: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for start in range(0, records, 200_000):
            n = min(200_000, records - start)
            decimals = [np.round(rng.normal(0, 100, n), 4).astype(str) for _ in range(4)]
            codes = []
            for _ in range(2):
                numbers = rng.integers(0, records, n)
                padded = np.char.zfill(numbers.astype(str), 8)
                code = np.where(rng.random(n) < 0.5, padded, numbers.astype(str)).astype(object)
                code[rng.random(n) < 0.01] = "n/a"
                codes.append(code)
            small = [
                np.array(["red", "green", "blue"], dtype=object)[rng.integers(0, 3, n)] for _ in range(2)
            ]
            for row in zip(*decimals, *codes, *small, strict=True):
                f.write(",".join(row) + "\n")


def best_of(times: int, step) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def hash_step(path: Path) -> dict:
    """ns per value of the vectorised hash and of the library loop; seconds of the whole distinct-count
    work (hash and register update of every value) over every column, in this process."""
    import xxhash

    from analyzer.profiling import hll, xxh64

    options = pv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(COLUMNS)})
    table = pv.read_csv(
        path,
        read_options=pv.ReadOptions(column_names=[f"f{i}" for i in range(COLUMNS)]),
        convert_options=options,
    )
    values = table.column("f0").combine_chunks()
    vectorised = best_of(3, lambda: xxh64.hash_strings(values))
    sample = values.slice(0, min(len(values), 200_000))

    def library_loop():  # the conversion to Python bytes is part of that way
        for v in sample.cast(pa.binary()).to_pylist():
            xxhash.xxh64_intdigest(v, 42)

    loop = best_of(3, library_loop) / len(sample) * len(values)

    def all_columns():  # as the profile does it for a column past its exact counts
        for name in table.column_names:
            registers = hll.new_registers()
            hll.add_strings(registers, table.column(name).combine_chunks())
            hll.estimate(registers)

    whole = best_of(3, all_columns)
    n = len(values)
    return {"vectorised_ns": vectorised / n * 1e9, "library_loop_ns": loop / n * 1e9, "all_columns_s": whole}


def run(records: int, workdir: Path) -> dict:
    path = workdir / f"distinct-{records}.csv"
    if not path.exists():
        make_csv(path, records)
    size_mb = path.stat().st_size / 1e6
    steps = hash_step(path)
    output = workdir / f"distinct-out-{records}"
    args = [
        sys.executable,
        "-m",
        "analyzer.cli",
        "baseline",
        "--dataset",
        str(path),
        "--output",
        str(output),
    ]
    ours, ours_rss = timed_process(args, "baseline", env={**os.environ, "PYTHONPATH": str(ROOT)})
    ours_counts = [
        f.get("string_statistics", {}).get("distinct_count")
        for f in json.loads((output / "statistics.json").read_text())["features"]
    ]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", REFERENCE, str(path)], capture_output=True, text=True, check=True
    )
    reference = time.perf_counter() - start
    spark_counts = json.loads(done.stdout.strip().splitlines()[-1])
    agree = all(a is None or a == b for a, b in zip(ours_counts, spark_counts, strict=True))
    record = {
        "records": records,
        "size_mb": round(size_mb, 1),
        "ours_s": round(ours, 2),
        "ours_peak_rss_mb": round(ours_rss / 1e6),
        "spark_approx_count_distinct_s": round(reference, 2),
        "ratio": round(ours / reference, 2),
        "distinct_share_of_ours": round(steps["all_columns_s"] / ours, 3),
        "hash_vectorised_ns_per_value": round(steps["vectorised_ns"], 1),
        "hash_library_loop_ns_per_value": round(steps["library_loop_ns"], 1),
        "distinct_counts_of_string_columns_agree": agree,
    }
    print(
        f"{records:>10,} records ({size_mb:.0f} MB, {COLUMNS} columns): ours {ours:.2f} s (all statistics; "
        f"distinct counts {steps['all_columns_s']:.2f} s of it, {record['distinct_share_of_ours']:.0%}), "
        f"Spark approx_count_distinct only {reference:.2f} s, ratio {record['ratio']}x; "
        f"XXH64 {steps['vectorised_ns']:.0f} ns/value vectorised vs {steps['library_loop_ns']:.0f} ns/value "
        f"library loop; String columns' counts agree: {agree}"
    )
    append_result("distinct", record)
    return record


def main() -> None:
    args = bench_arguments(__doc__, [1_000_000])
    args.workdir.mkdir(parents=True, exist_ok=True)
    for records in args.records:
        run(records, args.workdir)


if __name__ == "__main__":
    main()
