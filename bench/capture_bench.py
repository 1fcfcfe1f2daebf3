"""Capture-data benchmark: baseline and monitoring runs against streaming polars and DuckDB queries.

Generates SageMaker capture files (CSV payloads; numeric and categorical features, missing values,
drift in the monitored hour, several files per hour), then for each case runs, on the same files and
in the same run: the analyzer's baseline job on the baseline files, its monitoring job (statistics +
checks + violations + CloudWatch metrics) on the monitored hour, and on each of those two sets of
files the two references of ``bench/capture_references.py``: the fastest queries a polars or a
DuckDB user would write for the same statistics (one streaming pass each). Each reference's numbers
are checked against the job's ``statistics.json`` (a mismatch stops the bench), so a reference
cannot silently compute less. Each analyzer job runs as a fresh `monitor-analyzer` process, as a
scheduled job would (cold start included); the references run in this process, their libraries
already imported. Prints wall time, records/s, MB/s, peak RSS of that job's whole process tree (JVM
and Python workers included) and our time divided by each reference's time on the same files;
appends every figure to bench/results/capture.jsonl with the machine's cores and memory.

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

from bench.capture_references import check, duckdb_profile, polars_profile
from bench.results_file import append_result, bench_arguments

CLI = Path(sys.executable).with_name("monitor-analyzer")
CATEGORIES = ["red", "green", "blue", "cyan", "magenta", "yellow"]
REFERENCES = {"polars": polars_profile, "duckdb": duckdb_profile}


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


def tree_rss(process: psutil.Process, cpu: dict[int, float] | None = None) -> int:
    """The RSS of the process tree; with ``cpu``, each process's CPU seconds so far noted there."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with suppress(psutil.Error):  # a worker may exit while we look
            total += p.memory_info().rss
            if cpu is not None:
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
    return total


def timed_process(args: list[str], what: str, env: dict | None = None) -> tuple[float, int]:
    """Run ``args`` in a fresh process (a scheduled job starts cold); wall seconds and the peak RSS of
    its whole process tree (the JVM and the Python workers included)."""
    seconds, peak, _ = timed_job(args, what, env)
    return seconds, peak


def timed_job(args: list[str], what: str, env: dict | None = None) -> tuple[float, int, float]:
    """``timed_process`` and the CPU seconds of the process tree: each process's last reading, taken
    every 50 ms (a machine shared with other work changes the wall time far more than this)."""
    start = time.perf_counter()
    process = psutil.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    cpu: dict[int, float] = {}
    while process.poll() is None:
        peak = max(peak, tree_rss(process, cpu))
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{what} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, peak, sum(cpu.values())


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


def categorical_columns(features: int) -> set[str]:
    """The analyzer's names of the features ``generate`` makes categorical (the output is _c0)."""
    return {f"_c{i + 1}" for i in range(features) if i % 5 == 4}


def timed_references(root: Path, features: int, statistics: Path, label: str) -> dict[str, tuple]:
    """Wall and CPU seconds of each reference over the files under ``root``, checked against our
    ``statistics``."""
    files = sorted(root.rglob("*.jsonl"))
    seconds = {}
    for name, profile in REFERENCES.items():
        start, cpu = time.perf_counter(), time.process_time()
        numbers = profile(files, categorical_columns(features))
        seconds[name] = (time.perf_counter() - start, time.process_time() - cpu)
        check(statistics, numbers, f"{name} on the {label} files")
    return seconds


def run_case(name: str, base: Path, current: Path, records: int, features: int, size_mb: float) -> dict:
    out = current.parent / f"{current.name}-out"
    common = ["--format", "capture"]
    figures: dict[str, dict] = {}
    seconds, peak, cpu = timed_job(
        [str(CLI), "baseline", "--dataset", str(base), *common, "--output", str(out / "baseline")], "baseline"
    )
    figures["baseline"] = {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak / 2**20}
    seconds, peak, cpu = timed_job(
        [
            str(CLI),
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
        ],
        "monitor",
    )
    figures["monitor"] = {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak / 2**20}
    references = {
        "baseline": timed_references(base, features, out / "baseline" / "statistics.json", "baseline"),
        "monitor": timed_references(current, features, out / "monitor" / "statistics.json", "monitored"),
    }
    for kind, f in figures.items():
        f["records_per_s"] = records / f["seconds"]
        f["mb_per_s"] = size_mb / f["seconds"]
        for reference, (seconds, cpu) in references[kind].items():
            f[f"{reference}_seconds"] = seconds
            f[f"{reference}_cpu_seconds"] = cpu
            f[f"ratio_to_{reference}"] = f["seconds"] / seconds
    record = {
        "case": name,
        "records": records,
        "features": features,
        "mb": round(size_mb, 1),
        "polars_seconds": round(references["monitor"]["polars"][0], 2),
        "duckdb_seconds": round(references["monitor"]["duckdb"][0], 2),
        "runs": {k: {m: round(v, 2) for m, v in f.items()} for k, f in figures.items()},
    }
    print(f"\n{name}: {records:,} records x {features} features, {size_mb:.0f} MB (monitored hour)")
    for kind, f in figures.items():
        print(
            f"  {kind:9s} {f['seconds']:7.2f} s {f['records_per_s']:12,.0f} rec/s {f['mb_per_s']:7.1f} MB/s"
            f"  peak RSS (process tree) {f['peak_rss_mb']:,.0f} MB  CPU {f['cpu_seconds']:.2f} s"
        )
        for reference in REFERENCES:
            print(
                f"  {'':9s} {reference:6s} {f[f'{reference}_seconds']:6.2f} s (CPU"
                f" {f[f'{reference}_cpu_seconds']:6.2f} s)  ours / {reference} {f[f'ratio_to_{reference}']:5.2f}"
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
