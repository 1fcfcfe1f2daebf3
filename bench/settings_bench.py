"""Top-k benchmark: what the most-frequent-value sketch costs on high-cardinality String columns.

Generates a CSV of ``--records`` rows x ``--columns`` String columns, each drawn from
``--distinct`` values (a Zipf-ranked head over a uniform tail, so every column passes the
categorical cardinality limit and has heavy hitters to find). Runs the baseline job on it with
``--categorical-top-k 0`` (the reference: HyperLogLog only, as the prebuilt analyzer) and with the
default ``--categorical-top-k 100``, each as a fresh ``monitor-analyzer`` process, alternating,
``--repeat`` times; prints the best wall time of each, peak RSS of the process tree and the ratio
to the reference measured in the same invocation; appends the figures to bench/results/settings.jsonl.

    .venv/bin/python -m bench.settings_bench --records 1000000
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from bench.capture_bench import timed_process
from bench.results_file import append_result, bench_arguments

ROOT = Path(__file__).resolve().parents[1]


def make_csv(path: Path, records: int, columns: int, distinct: int, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [f"s{i}" for i in range(columns)]
    data = []
    for _ in names:
        head = np.minimum(rng.zipf(1.3, records), distinct) - 1
        tail = rng.integers(0, distinct, records)
        data.append(np.where(rng.random(records) < 0.3, head, tail))
    with path.open("w") as f:
        f.write(",".join(names) + "\n")
        chunk = 100_000
        for start in range(0, records, chunk):
            block = np.stack([d[start : start + chunk] for d in data], axis=1)
            f.write("".join(",".join(f"v{v}" for v in row) + "\n" for row in block.tolist()))


def timed_baseline(dataset: Path, output: Path, top_k: int) -> tuple[float, int]:
    args = [sys.executable, "-m", "analyzer.cli", "baseline", "--dataset", str(dataset), "--header"]
    args += ["--output", str(output), "--categorical-top-k", str(top_k)]
    return timed_process(args, "baseline", env={**os.environ, "PYTHONPATH": str(ROOT)})


def run(records: int, columns: int, distinct: int, repeat: int, workdir: Path) -> dict:
    dataset = workdir / f"topk-{records}x{columns}-{distinct}.csv"
    if not dataset.exists():
        make_csv(dataset, records, columns, distinct)
    size_mb = dataset.stat().st_size / 1e6
    runs: dict[str, list[tuple[float, int]]] = {"top_k=0": [], "top_k=100": []}
    for _ in range(repeat):
        for name, k in (("top_k=0", 0), ("top_k=100", 100)):
            runs[name].append(timed_baseline(dataset, workdir / f"topk-out-{k}", k))
    best = {name: min(r[0] for r in rs) for name, rs in runs.items()}
    peaks = {name: max(r[1] for r in rs) / 2**20 for name, rs in runs.items()}
    ratio = best["top_k=100"] / best["top_k=0"]
    stats = json.loads((workdir / "topk-out-100" / "statistics.json").read_text())
    tops = [f["string_statistics"]["top_k"] for f in stats["features"]]
    print(
        f"\ntop-k: {records:,} rows x {columns} String columns, {distinct:,} distinct each, {size_mb:.0f} MB"
    )
    for name in runs:
        print(
            f"  {name:10s} {best[name]:7.2f} s (best of {repeat})  {records / best[name]:10,.0f} rows/s  "
            f"peak RSS {peaks[name]:,.0f} MB  x{best[name] / best['top_k=0']:.2f} of top_k=0"
        )
    print(f"  error bound of the first column's top-k: {tops[0]['error']:,} (of {records:,} values)")
    record = {
        "case": f"top-k {records:,}x{columns} distinct {distinct:,}",
        "mb": round(size_mb, 1),
        "seconds": {k: round(v, 2) for k, v in best.items()},
        "peak_rss_mb": {k: round(v) for k, v in peaks.items()},
        "ratio_top_k_to_none": round(ratio, 3),
        "top_k_error": [t["error"] for t in tops],
    }
    append_result("settings", record)
    return record


def main() -> None:
    def options(parser) -> None:
        parser.add_argument("--columns", type=int, default=5)
        parser.add_argument("--distinct", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=2)

    args = bench_arguments(__doc__, [1_000_000], options)
    for records in args.records:
        run(records, args.columns, args.distinct, args.repeat, args.workdir)


if __name__ == "__main__":
    main()
