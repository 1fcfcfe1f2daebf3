"""Capture-data benchmark: baseline and monitoring runs against a polars single-pass reference.

Generates SageMaker capture files (CSV payloads; numeric and categorical features, missing values,
drift in the monitored hour, several files per hour), then for each case runs, on the same files and
in the same process: the analyzer's baseline job, its monitoring job (statistics + checks +
violations + CloudWatch metrics), and a polars reference profile (parse the JSON lines, split the
payloads, and compute count/mean/std/min/max/quantiles and value counts for every feature).
Prints wall time, records/s, MB/s, peak RSS of the whole process tree (JVM and Python workers
included) and our time divided by the polars time; appends every figure to
bench/results/capture.jsonl with the machine's cores and memory.

    .venv/bin/python -m bench.capture_bench --records 100000 1000000 --wide
    .venv/bin/python -m bench.capture_bench --records 10000000          (about 5 GB of capture files)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results" / "capture.jsonl"
CATEGORIES = ["red", "green", "blue", "cyan", "magenta", "yellow"]


def generate(
    root: Path, records: int, features: int, drift: bool, seed: int, files_per_hour: int = 4
) -> Path:
    """Capture files under root/ep/AllTraffic/2026/11/22/10/. Feature i: numeric unless i % 5 == 4."""
    rng = random.Random(seed)
    hour = root / "ep" / "AllTraffic" / "2026" / "11" / "22" / "10"
    hour.mkdir(parents=True, exist_ok=True)
    per_file = -(-records // files_per_hour)
    written = 0
    for f in range(files_per_hour):
        with open(hour / f"{f:02d}-00-000-{uuid.UUID(int=rng.getrandbits(128))}.jsonl", "w") as out:
            for _ in range(min(per_file, records - written)):
                fields = []
                for i in range(features):
                    if rng.random() < 0.02:
                        fields.append("")
                    elif i % 5 == 4:
                        fields.append(rng.choice(CATEGORIES[: 5 if not drift else 6]))
                    elif i % 2:
                        fields.append(str(rng.randint(0, 100 + (30 if drift and i < 10 else 0))))
                    else:
                        fields.append(f"{rng.gauss(50 + (8 if drift and i < 10 else 0), 10):.3f}")
                minute, second = divmod(written * 3600 // max(records, 1), 60)
                line = (
                    '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"'
                    + ",".join(fields)
                    + '","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv; charset=utf-8",'
                    '"mode":"OUTPUT","data":"'
                    + f"{rng.random():.6f}"
                    + '","encoding":"CSV"}},"eventMetadata":{"eventId":"'
                    + str(uuid.UUID(int=rng.getrandbits(128)))
                    + f'","inferenceTime":"2026-11-22T10:{minute:02d}:{second:02d}Z"}},"eventVersion":"0"}}\n'
                )
                out.write(line)
                written += 1
    return root


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with suppress(psutil.Error):  # a worker may exit while we look
            total += p.memory_info().rss
    return total


@contextmanager
def peak_rss():
    """Sample the RSS of this process and all its descendants (JVM, Python workers) every 50 ms."""
    me = psutil.Process()
    peak = [tree_rss(me)]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            peak[0] = max(peak[0], tree_rss(me))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


def polars_profile(root: Path) -> None:
    import polars as pl

    frame = pl.read_ndjson(list(root.rglob("*.jsonl")))
    inputs = frame.select(pl.col("captureData").struct.field("endpointInput").struct.field("data"))
    output = frame.select(pl.col("captureData").struct.field("endpointOutput").struct.field("data"))
    parts = inputs.to_series().str.split(",")
    width = parts.list.len().max()
    columns = [output.to_series().alias("c0")] + [parts.list.get(i).alias(f"c{i + 1}") for i in range(width)]
    table = pl.DataFrame(columns).with_columns(pl.all().replace("", None))
    numeric = table.select(pl.all().cast(pl.Float64, strict=False))
    aggregates = []
    for name in numeric.columns:
        c = pl.col(name)
        aggregates += [c.count(), c.mean(), c.std(ddof=0), c.min(), c.max(), c.quantile(0.5)]
    numeric.select([a.alias(f"a{i}") for i, a in enumerate(aggregates)])
    for name in table.columns:
        table.get_column(name).value_counts()


def run_case(name: str, root_base: Path, current: Path, records: int, features: int, size_mb: float) -> dict:
    from analyzer.contract import JobConfig
    from analyzer.formats import CAPTURE, DatasetFormat
    from analyzer.job import run_job

    fmt = DatasetFormat(CAPTURE)
    out = current.parent / f"{current.name}-out"
    figures: dict[str, dict] = {}
    with peak_rss() as peak:
        start = time.perf_counter()
        run_job(JobConfig(dataset_source=root_base, dataset_format=fmt, output_path=out / "baseline"))
        figures["baseline"] = {"seconds": time.perf_counter() - start}
        start = time.perf_counter()
        run_job(
            JobConfig(
                dataset_source=current,
                dataset_format=fmt,
                output_path=out / "monitor",
                baseline_statistics=out / "baseline" / "statistics.json",
                baseline_constraints=out / "baseline" / "constraints.json",
                start_time="2026-11-22T10:00:00Z",
                end_time="2026-11-22T11:00:00Z",
                publish_cloudwatch_metrics=True,
                cloudwatch_metrics_directory=out / "cloudwatch",
                endpoint_name="ep",
                schedule_name="bench",
            )
        )
        figures["monitor"] = {"seconds": time.perf_counter() - start}
    ours_peak = peak[0]
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
        "peak_rss_mb_tree": round(ours_peak / 2**20),
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(f"\n{name}: {records:,} records x {features} features, {size_mb:.0f} MB; polars {reference:.2f} s")
    for kind, f in figures.items():
        print(
            f"  {kind:9s} {f['seconds']:7.2f} s {f['records_per_s']:12,.0f} rec/s {f['mb_per_s']:7.1f} MB/s"
            f"  x{f['ratio_to_polars']:.2f} of polars"
        )
    print(f"  peak RSS of the process tree: {ours_peak / 2**20:,.0f} MB")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out_file:
        out_file.write(json.dumps(record) + "\n")
    return record


def dataset(workdir: Path, records: int, features: int, drift: bool) -> tuple[Path, float]:
    root = workdir / f"{'current' if drift else 'base'}-{records}x{features}"
    if not root.exists():
        generate(root, records, features, drift, seed=1 + drift)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl")) / 1e6
    return root, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--features", type=int, default=25)
    parser.add_argument("--wide", action="store_true", help="also 2,000 features x 100k records")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monitor-analyzer-bench"))
    args = parser.parse_args()
    cases = [(n, args.features) for n in args.records] + ([(100_000, 2000)] if args.wide else [])
    for records, features in cases:
        base, _ = dataset(args.workdir, records, features, drift=False)
        current, size = dataset(args.workdir, records, features, drift=True)
        run_case(f"capture {records:,}x{features}", base, current, records, features, size)


if __name__ == "__main__":
    main()
