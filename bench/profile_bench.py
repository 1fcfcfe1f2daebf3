"""Baseline-profile benchmark: our one-pass job against two references on the same files.

* ``ours``     -- the analyzer's Spark job (per-partition states over Arrow-parsed columns).
* ``catalyst`` -- the same statistics as one Spark SQL aggregation over a string-typed CSV read
                  (regex typing, moments, min/max, DataSketches KLL, HLL): the design we measured
                  against before choosing per-partition states.
* ``pandas``   -- single-process pandas: read + moments + value counts (a floor, no sketches).

Prints wall time, rows/s, MB/s and each time divided by the pandas time; appends the figures to
bench/results/profile.jsonl with the machine's cores and memory.

    .venv/bin/python -m bench.profile_bench --rows 200000 --cols 26
    .venv/bin/python -m bench.profile_bench --rows 20000 --cols 2000
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results_file import append_result


def make_csv(path: Path, rows: int, cols: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    data = {}
    for i in range(cols):
        kind = i % 4
        if kind == 0:
            data[f"f{i}"] = rng.normal(50, 10, rows).round(4)
        elif kind == 1:
            data[f"f{i}"] = rng.integers(0, 1000, rows)
        elif kind == 2:
            data[f"f{i}"] = rng.choice(["a", "b", "c", "d", "e"], rows)
        else:
            values = rng.exponential(3, rows).round(3).astype(object)
            values[rng.random(rows) < 0.05] = None
            data[f"f{i}"] = values
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(data).to_csv(path, index=False)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_ours(spark, path: Path) -> None:
    from analyzer.config.formats import CSV, DatasetFormat
    from analyzer.profiling.engine import run_profile
    from analyzer.profiling.statistics import build_statistics

    build_statistics(run_profile(spark, path, DatasetFormat(CSV, header=True)))


def run_catalyst(spark, path: Path) -> None:
    from pyspark.sql import functions as F

    from analyzer.profiling.datatypes import FRACTIONAL_RE, INTEGRAL_RE

    df = spark.read.option("header", True).option("inferSchema", False).csv(str(path))
    aggs = [F.count(F.lit(1))]
    for name in df.columns:
        c = F.col(f"`{name}`")
        x = c.try_cast("double")
        aggs += [
            F.count(c),
            F.sum(c.rlike(FRACTIONAL_RE).cast("int")),
            F.sum(c.rlike(INTEGRAL_RE).cast("int")),
            F.sum(x),
            F.stddev_pop(x),
            F.min(x),
            F.max(x),
            F.kll_sketch_agg_double(x),
            F.hll_sketch_agg(c),
        ]
    df.agg(*aggs).collect()


def run_pandas(path: Path) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for name in df.columns:
        column = df[name]
        numbers = pd.to_numeric(column, errors="coerce")
        numbers.agg(["count", "sum", "mean", "std", "min", "max"])
        column.value_counts()


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--cols", type=int, default=26)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monitor-analyzer-bench"))
    parser.add_argument("--skip-catalyst", action="store_true")
    args = parser.parse_args()

    from pyspark.sql import SparkSession

    from analyzer.runtime.spark import get_context

    path = args.workdir / f"data_{args.rows}x{args.cols}.csv"
    if not path.exists():
        make_csv(path, args.rows, args.cols)
    megabytes = path.stat().st_size / 1e6
    spark = SparkSession(get_context())  # the Catalyst reference needs Spark SQL
    run_ours(spark, path)  # warm-up: JVM, Python workers
    times = {"pandas": timed(lambda: run_pandas(path)), "ours": timed(lambda: run_ours(spark, path))}
    failures = {}
    if not args.skip_catalyst:
        try:
            times["catalyst"] = timed(lambda: run_catalyst(spark, path))
        except Exception as e:  # wide aggregations can exhaust the driver: that is a result too
            failures["catalyst"] = " ".join(str(e).split())[:200]
            print(f"catalyst  failed: {failures['catalyst']}")
    record = {
        "case": f"baseline-csv {args.rows}x{args.cols}",
        "mb": round(megabytes, 1),
        "seconds": {k: round(v, 2) for k, v in times.items()},
        "ratio_to_pandas": {k: round(v / times["pandas"], 2) for k, v in times.items()},
        "failed": failures,
        "peak_rss_mb_driver_and_children": round(peak_rss_mb(), 0),
    }
    for name, seconds in times.items():
        print(
            f"{name:9s} {seconds:7.2f} s  {args.rows / seconds:12,.0f} rows/s  {megabytes / seconds:7.1f} MB/s"
            f"  x{seconds / times['pandas']:.2f} of pandas"
        )
    append_result("profile", record)
    spark.stop()


if __name__ == "__main__":
    main()
