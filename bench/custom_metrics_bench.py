"""Custom-metrics benchmark: a baseline job with and without preprocessors/custom_metrics_example.py.

Each job is a fresh ``monitor-analyzer baseline`` process on the same CSV (default 1M rows: age,
income, comment and five more columns); the runs alternate, and the best of ``--repeat`` is kept.
Prints the job's own time (its "Analysis finished" log line) and the process wall time, and the
ratio of the run with the script to the one without; appends the figures to
bench/results/custom_metrics.jsonl.

    .venv/bin/python -m bench.custom_metrics_bench --records 1000000 --engine local
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results_file import append_result, bench_arguments

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "preprocessors" / "custom_metrics_example.py"
CLI = Path(sys.executable).parent / "monitor-analyzer"
FINISHED = re.compile(r"Analysis finished in ([0-9.]+) s")


def make_csv(path: Path, rows: int, seed: int = 11) -> None:
    rng = np.random.default_rng(seed)
    comments = np.array(["ok", "great product", "bad", "meh, fine", "would buy again"], dtype=object)
    data = {
        "age": rng.integers(18, 90, rows).astype(object),
        "income": rng.normal(50, 30, rows).round(2),
        "comment": comments[rng.integers(0, len(comments), rows)],
    }
    for i in range(5):
        data[f"x{i}"] = rng.normal(0, 1, rows).round(4)
    data["age"][rng.random(rows) < 0.03] = None
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(data).to_csv(path, index=False)


def run(path: Path, output: Path, engine: str, script: Path | None) -> tuple[float, float]:
    """(job seconds, process wall seconds) of one baseline job in a fresh process."""
    args = [
        str(CLI),
        "baseline",
        "--dataset",
        str(path),
        "--header",
        "--output",
        str(output),
        "--engine",
        engine,
    ]
    if script is not None:
        args += ["--metrics-script", str(script)]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"baseline failed: {done.stderr.strip().splitlines()[-1]}")
    match = FINISHED.search(done.stderr)
    return (float(match.group(1)) if match else wall), wall


def main() -> None:
    def extra(parser):
        parser.add_argument("--engine", choices=["auto", "local", "spark"], default="local")
        parser.add_argument("--repeat", type=int, default=2)

    args = bench_arguments(__doc__, [1_000_000], extra)
    for rows in args.records:
        path = args.workdir / f"custom_metrics_{rows}.csv"
        if not path.exists():
            make_csv(path, rows)
        best = {"plain": (float("inf"), float("inf")), "custom": (float("inf"), float("inf"))}
        for _ in range(args.repeat):
            for name, script in (("plain", None), ("custom", SCRIPT)):
                measured = run(path, args.workdir / f"out_{name}", args.engine, script)
                best[name] = min(best[name], measured)
        ratio = best["custom"][0] / best["plain"][0]
        for name, (job, wall) in best.items():
            print(
                f"{name:7s} {rows:>10,} rows  job {job:6.1f} s  process {wall:6.1f} s  {rows / job:11,.0f} rows/s"
            )
        print(f"custom/plain job time ratio: {ratio:.2f}")
        append_result(
            "custom_metrics",
            {
                "case": f"baseline-csv {rows} rows, example script, engine {args.engine}",
                "mb": round(path.stat().st_size / 1e6, 1),
                "job_seconds": {k: v[0] for k, v in best.items()},
                "process_seconds": {k: round(v[1], 2) for k, v in best.items()},
                "ratio_custom_to_plain": round(ratio, 2),
            },
        )


if __name__ == "__main__":
    main()
