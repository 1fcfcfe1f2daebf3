"""split_by benchmark: a multi-model endpoint's capture split by target model vs one model's, plainly.

The single-model capture is bench.capture_bench's (same generator, same files); the three-model
set is the same records, each given an ``eventMetadata.targetModel`` of one of three models (about
3% more bytes). For each size, each a fresh `monitor-analyzer` process (cold start included):
a plain baseline of the single-model set and a split baseline (``--split-by target-model``) of the
three-model set, then a plain monitoring run and a split one (against the split baseline) over the
drifted hour. Each run is repeated and the fastest kept (the machine is shared). Prints seconds,
peak RSS of the process tree and split / plain (the acceptance bound is 1.3); appends the figures
to bench/results/split.jsonl.

    .venv/bin/python -m bench.split_bench --records 300000 1000000
"""

from __future__ import annotations

import random
from pathlib import Path

from bench.capture_bench import baseline_args, dataset, timed_cli
from bench.results_file import append_result, bench_arguments

MODELS = ("churn-a.tar.gz", "fraud/b.tar.gz", "upsell-c.tar.gz")
BOUND = 1.3
METADATA = b'"eventMetadata":{'


def with_models(source: Path, target: Path, seed: int) -> Path:
    """The source's capture files with a target model in every record's eventMetadata."""
    if target.exists():
        return target
    rng = random.Random(seed)
    tags = [METADATA + f'"targetModel":"{m}",'.encode() for m in MODELS]
    for path in sorted(source.rglob("*.jsonl")):
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        lines = path.read_bytes().split(b"\n")
        picks = rng.choices(range(len(MODELS)), k=len(lines))
        out.write_bytes(
            b"\n".join(line.replace(METADATA, tags[k], 1) for line, k in zip(lines, picks, strict=True))
        )
    return target


def paired(
    repeat: int, plain: list[str], split: list[str]
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Plain and split runs alternated (load on a shared machine drifts), the fastest of each kept:
    (seconds, peak RSS MB) for both."""
    runs: dict[str, list[tuple[float, int]]] = {"plain": [], "split": []}
    for _ in range(repeat):
        runs["plain"].append(timed_cli(*plain))
        runs["split"].append(timed_cli(*split))
    return tuple((min(s for s, _ in r), max(p for _, p in r) / 2**20) for r in (runs["plain"], runs["split"]))


def run_size(workdir: Path, records: int, features: int, repeat: int) -> dict:
    base, base_mb = dataset(workdir, records, features, drift=False)
    current, current_mb = dataset(workdir, records, features, drift=True)
    base3 = with_models(base, workdir / f"split-{base.name}", seed=1)
    current3 = with_models(current, workdir / f"split-{current.name}", seed=2)
    out = workdir / f"split-out-{records}x{features}"
    capture = ["--format", "capture"]
    window = ["--start-time", "2026-11-22T10:00:00Z", "--end-time", "2026-11-22T11:00:00Z"]
    figures = {}
    figures["baseline_plain"], figures["baseline_split"] = paired(
        repeat,
        ["baseline", "--dataset", str(base), *capture, "--output", str(out / "b1")],
        [
            "baseline",
            "--dataset",
            str(base3),
            *capture,
            "--output",
            str(out / "b3"),
            "--split-by",
            "target-model",
        ],
    )

    def monitor(source: Path, baseline: list[str], name: str, *extra: str) -> list[str]:
        return [
            "monitor", "--dataset", str(source), *capture, "--output", str(out / name), *baseline, *window,
            "--publish-cloudwatch", "--cloudwatch-dir", str(out / f"{name}-cw"), "--endpoint-name", "ep", *extra,
        ]  # fmt: skip

    plain_baseline = baseline_args(out / "b1")
    split_baseline = ["--baseline-statistics", str(out / "b3"), "--baseline-constraints", str(out / "b3")]
    figures["monitor_plain"], figures["monitor_split"] = paired(
        repeat,
        monitor(current, plain_baseline, "m1"),
        monitor(current3, split_baseline, "m3", "--split-by", "target-model"),
    )
    ratios = {
        kind: figures[f"{kind}_split"][0] / figures[f"{kind}_plain"][0] for kind in ("baseline", "monitor")
    }
    split_mb = sum(p.stat().st_size for p in current3.rglob("*.jsonl")) / 1e6
    print(
        f"\n{records:,} records x {features} features: one model {current_mb:.0f} MB, three models {split_mb:.0f} MB"
    )
    for name, (seconds, peak) in figures.items():
        print(f"  {name:15s} {seconds:7.2f} s  {records / seconds:10,.0f} rec/s  peak RSS {peak:,.0f} MB")
    for kind, ratio in ratios.items():
        print(
            f"  {kind}: split / plain = {ratio:.3f}  ({'within' if ratio < BOUND else 'OVER'} the {BOUND} bound)"
        )
    record = {
        "records": records,
        "features": features,
        "models": len(MODELS),
        "mb_single": round(base_mb, 1),
        "mb_three_models": round(split_mb, 1),
        "repeat": repeat,
        "runs": {k: {"seconds": round(s, 2), "peak_rss_mb": round(p)} for k, (s, p) in figures.items()},
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
    }
    append_result("split", record)
    return record


def main() -> None:
    def options(parser) -> None:
        parser.add_argument("--features", type=int, default=25)
        parser.add_argument("--repeat", type=int, default=2, help="runs of each job; the fastest counts")

    args = bench_arguments(__doc__, [300_000, 1_000_000], options)
    for records in args.records:
        run_size(args.workdir, records, args.features, args.repeat)


if __name__ == "__main__":
    main()
