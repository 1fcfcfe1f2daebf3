"""Capture-data benchmark: baseline and monitoring runs against a polars single-pass reference.

Generates SageMaker capture files (CSV payloads; numeric and categorical features, missing values,
drift in the monitored hour, several files per hour), then for each case runs, on the same files and
in the same run: the analyzer's baseline job, its monitoring job (statistics + checks +
violations + CloudWatch metrics), and a polars reference profile (parse the JSON lines, split the
payloads, and compute count/mean/std/min/max/quantiles and value counts for every feature).
Each analyzer job runs as a fresh `monitor-analyzer` process, as a scheduled job would (cold start
included). Prints wall time, records/s, MB/s, peak RSS of that job's whole process tree (JVM and
Python workers included) and our time divided by the polars time; appends every figure to
bench/results/capture.jsonl with the machine's cores and memory.

    .venv/bin/python -m bench.capture_bench --records 100000 1000000 --wide
    .venv/bin/python -m bench.capture_bench --records 10000000          (about 5 GB of capture files)
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from bench.results_file import append_result, bench_arguments

CLI = Path(sys.executable).with_name("monitor-analyzer")
CATEGORIES = ["red", "green", "blue", "cyan", "magenta", "yellow"]


def generate(
    root: Path, records: int, features: int, drift: bool, seed: int, files_per_hour: int = 4
) -> Path:
    """Capture files under root/ep/AllTraffic/2026/11/22/10/. Feature i: categorical when i % 5 == 4,
    else integer (odd i) or decimal; 2% missing fields; with ``drift`` the first ten features shift
    and a sixth category appears. Vectorized with numpy/pandas, chunk by chunk."""
    rng = np.random.default_rng(seed)
    hour = root / "ep" / "AllTraffic" / "2026" / "11" / "22" / "10"
    hour.mkdir(parents=True, exist_ok=True)
    per_file = -(-records // files_per_hour)
    written = 0
    for f in range(files_per_hour):
        with open(hour / f"{f:02d}-00-000-{uuid.UUID(int=int(rng.integers(2**63)))}.jsonl", "w") as out:
            remaining = min(per_file, records - written)
            while remaining > 0:
                n = min(remaining, 200_000)
                columns = {}
                for i in range(features):
                    shift = drift and i < 10
                    if i % 5 == 4:
                        values = np.array(CATEGORIES[: 6 if drift else 5], dtype=object)[
                            rng.integers(0, 6 if drift else 5, n)
                        ]
                    elif i % 2:
                        values = rng.integers(0, 101 + (30 if shift else 0), n).astype(object)
                    else:
                        values = np.char.mod("%.3f", rng.normal(50 + (8 if shift else 0), 10, n)).astype(
                            object
                        )
                    values[rng.random(n) < 0.02] = ""
                    columns[i] = values
                payloads = pd.DataFrame(columns).to_csv(header=False, index=False).splitlines()
                outputs = np.char.mod("%.6f", rng.random(n))
                seconds = (np.arange(written, written + n) * 3600 // max(records, 1)).astype(int)
                ids = rng.integers(0, 2**63, n)
                out.writelines(
                    '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"'
                    f'{payload}","encoding":"CSV"}},"endpointOutput":{{"observedContentType":"text/csv; charset=utf-8",'
                    f'"mode":"OUTPUT","data":"{output}","encoding":"CSV"}}}},"eventMetadata":{{"eventId":"{ident:016x}",'
                    f'"inferenceTime":"2026-11-22T10:{second // 60:02d}:{second % 60:02d}Z"}},"eventVersion":"0"}}\n'
                    for payload, output, second, ident in zip(payloads, outputs, seconds, ids, strict=True)
                )
                written += n
                remaining -= n
    return root


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with suppress(psutil.Error):  # a worker may exit while we look
            total += p.memory_info().rss
    return total


def polars_profile(root: Path) -> None:
    """The reference: one lazy polars query over the same files: parse, split the payloads, then per
    column count, missing, mean, population std, min, max and median of the numbers, plus value
    counts of the columns that are not numeric. Polars uses every core."""
    import polars as pl

    frame = pl.read_ndjson(list(root.rglob("*.jsonl")))
    payload = pl.col("captureData").struct.field("endpointInput").struct.field("data").str.split(",")
    output = pl.col("captureData").struct.field("endpointOutput").struct.field("data")
    width = frame.select(payload.list.len().max()).item()
    table = (
        frame.lazy()
        .select([output.alias("c0")] + [payload.list.get(i).alias(f"c{i + 1}") for i in range(width)])
        .with_columns(pl.all().replace("", None))
    )
    aggregates = []
    for name in [f"c{i}" for i in range(width + 1)]:
        x = pl.col(name).cast(pl.Float64, strict=False)
        aggregates += [
            pl.col(name).count().alias(f"{name}_n"),
            x.count().alias(f"{name}_numbers"),
            x.mean().alias(f"{name}_mean"),
            x.std(ddof=0).alias(f"{name}_std"),
            x.min().alias(f"{name}_min"),
            x.max().alias(f"{name}_max"),
            x.median().alias(f"{name}_median"),
        ]
    collected = table.collect()
    summary = collected.lazy().select(aggregates).collect()
    for name in collected.columns:
        if summary[f"{name}_numbers"][0] < summary[f"{name}_n"][0]:  # not numeric: categories
            collected.get_column(name).value_counts()


def timed_process(args: list[str], what: str, env: dict | None = None) -> tuple[float, int]:
    """Run ``args`` in a fresh process (a scheduled job starts cold); wall seconds and the peak RSS of
    its whole process tree (the JVM and the Python workers included)."""
    start = time.perf_counter()
    process = psutil.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{what} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, peak


def timed_cli(*args: str) -> tuple[float, int]:
    return timed_process([str(CLI), *args], f"monitor-analyzer {args[0]}")


def baseline_args(baseline: Path) -> list[str]:
    """The flags naming a baseline run's two files in ``baseline``."""
    return [
        "--baseline-statistics",
        str(baseline / "statistics.json"),
        "--baseline-constraints",
        str(baseline / "constraints.json"),
    ]


def run_case(name: str, base: Path, current: Path, records: int, features: int, size_mb: float) -> dict:
    out = current.parent / f"{current.name}-out"
    common = ["--format", "capture"]
    figures: dict[str, dict] = {}
    seconds, peak = timed_cli("baseline", "--dataset", str(base), *common, "--output", str(out / "baseline"))
    figures["baseline"] = {"seconds": seconds, "peak_rss_mb": peak / 2**20}
    seconds, peak = timed_cli(
        "monitor",
        "--dataset",
        str(current),
        *common,
        "--output",
        str(out / "monitor"),
        *baseline_args(out / "baseline"),
        "--start-time",
        "2026-11-22T10:00:00Z",
        "--end-time",
        "2026-11-22T11:00:00Z",
        "--publish-cloudwatch",
        "--cloudwatch-dir",
        str(out / "cloudwatch"),
        "--endpoint-name",
        "ep",
        "--schedule-name",
        "bench",
    )
    figures["monitor"] = {"seconds": seconds, "peak_rss_mb": peak / 2**20}
    start = time.perf_counter()
    polars_profile(current)
    reference = time.perf_counter() - start
    for f in figures.values():
        f["records_per_s"] = records / f["seconds"]
        f["mb_per_s"] = size_mb / f["seconds"]
        f["ratio_to_polars"] = f["seconds"] / reference
    record = {
        "case": name,
        "records": records,
        "features": features,
        "mb": round(size_mb, 1),
        "polars_seconds": round(reference, 2),
        "runs": {k: {m: round(v, 2) for m, v in f.items()} for k, f in figures.items()},
    }
    print(f"\n{name}: {records:,} records x {features} features, {size_mb:.0f} MB; polars {reference:.2f} s")
    for kind, f in figures.items():
        print(
            f"  {kind:9s} {f['seconds']:7.2f} s {f['records_per_s']:12,.0f} rec/s {f['mb_per_s']:7.1f} MB/s"
            f"  x{f['ratio_to_polars']:.2f} of polars  peak RSS (process tree) {f['peak_rss_mb']:,.0f} MB"
        )
    append_result("capture", record)
    return record


def dataset(workdir: Path, records: int, features: int, drift: bool) -> tuple[Path, float]:
    root = workdir / f"{'current' if drift else 'base'}-{records}x{features}"
    if not root.exists():
        generate(root, records, features, drift, seed=1 + drift)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl")) / 1e6
    return root, size


def main() -> None:
    def wide_options(parser) -> None:
        parser.add_argument("--features", type=int, default=25)
        parser.add_argument("--wide", action="store_true", help="also 2,000 features x 100k records")

    args = bench_arguments(__doc__, [100_000, 1_000_000], wide_options)
    cases = [(n, args.features) for n in args.records] + ([(100_000, 2000)] if args.wide else [])
    for records, features in cases:
        base, _ = dataset(args.workdir, records, features, drift=False)
        current, size = dataset(args.workdir, records, features, drift=True)
        run_case(f"capture {records:,}x{features}", base, current, records, features, size)


if __name__ == "__main__":
    main()
