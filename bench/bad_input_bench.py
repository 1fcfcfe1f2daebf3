"""Bad-input benchmark: what corrupt lines and the quarantine cost a baseline job on capture data.

Generates SageMaker capture files (bench.capture_bench's generator), then a copy in which 0.5% of
the lines are damaged, a third each: invalid JSON (the line cut short), not UTF-8 (a Latin-1 byte
in the payload), and a JSON object that is no capture record (wrong fields). Runs the baseline job on
both, with the quarantine off and on, each as a fresh `monitor-analyzer` process; prints wall time,
records/s, peak RSS of the process tree and the ratio to the clean run without quarantine measured
in the same invocation; appends the figures to bench/results/bad_input.jsonl.

    .venv/bin/python -m bench.bad_input_bench --records 100000
    .venv/bin/python -m bench.bad_input_bench --records 1000000
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.capture_bench import generate, timed_cli
from bench.results_file import append_result, bench_arguments

CORRUPT_FRACTION = 0.005


def damage(line: bytes, kind: int) -> bytes:
    if kind == 0:
        return line[: len(line) // 2]  # invalid JSON
    if kind == 1:
        return line.replace(b'"data":"', b'"data":"\xe9', 1)  # not UTF-8
    return json.dumps({"captureData": {"somethingElse": {}}, "eventMetadata": {"eventId": "x"}}).encode()


def corrupt_copy(clean: Path, root: Path, seed: int) -> int:
    """The clean files under ``root`` with CORRUPT_FRACTION of their lines damaged; returns how many."""
    rng = np.random.default_rng(seed)
    damaged = 0
    for source in sorted(clean.rglob("*.jsonl")):
        target = root / source.relative_to(clean)
        target.parent.mkdir(parents=True, exist_ok=True)
        lines = source.read_bytes().split(b"\n")
        last = lines.pop() if lines and lines[-1] == b"" else None
        picks = np.flatnonzero(rng.random(len(lines)) < CORRUPT_FRACTION)
        for k, i in enumerate(picks.tolist()):
            lines[i] = damage(lines[i], k % 3)
        damaged += len(picks)
        target.write_bytes(b"\n".join(lines) + (b"\n" if last is not None else b""))
    return damaged


def datasets(workdir: Path, records: int, features: int) -> tuple[Path, Path, int]:
    clean = workdir / f"bad-input-clean-{records}x{features}"
    if not clean.exists():
        generate(clean, records, features, drift=False, seed=5)
    damaged_root = workdir / f"bad-input-corrupt-{records}x{features}"
    count_file = damaged_root / "damaged.txt"
    if not count_file.exists():
        damaged = corrupt_copy(clean, damaged_root / "data", seed=6)
        count_file.write_text(str(damaged))
    return clean, damaged_root / "data", int(count_file.read_text())


def run(records: int, features: int, workdir: Path) -> dict:
    clean, corrupt, damaged = datasets(workdir, records, features)
    size_mb = sum(p.stat().st_size for p in clean.rglob("*.jsonl")) / 1e6
    out = workdir / f"bad-input-out-{records}x{features}"
    figures: dict[str, dict] = {}
    for name, dataset, flags in (
        ("clean", clean, []),
        ("clean+quarantine", clean, ["--quarantine"]),
        ("corrupt", corrupt, []),
        ("corrupt+quarantine", corrupt, ["--quarantine"]),
    ):
        output = out / name.replace("+", "-")
        seconds, peak = timed_cli(
            "baseline", "--dataset", str(dataset), "--format", "capture", "--output", str(output), *flags
        )
        skipped = json.loads((output / "statistics.json").read_text())["dataset"].get("skipped", {})
        figures[name] = {"seconds": seconds, "peak_rss_mb": peak / 2**20, "skipped": skipped.get("count", 0)}
    base = figures["clean"]["seconds"]
    for f in figures.values():
        f["records_per_s"] = records / f["seconds"]
        f["ratio_to_clean"] = f["seconds"] / base
    print(
        f"\nbad input: {records:,} capture records x {features} features, {size_mb:.0f} MB, {damaged:,} damaged"
    )
    for name, f in figures.items():
        print(
            f"  {name:19s} {f['seconds']:7.2f} s {f['records_per_s']:12,.0f} rec/s  x{f['ratio_to_clean']:.2f} "
            f"of clean  skipped {f['skipped']:,}  peak RSS (process tree) {f['peak_rss_mb']:,.0f} MB"
        )
    assert figures["corrupt"]["skipped"] == damaged, "every damaged line must be skipped, and no other"
    record = {
        "case": f"bad input {records:,}x{features}",
        "records": records,
        "features": features,
        "mb": round(size_mb, 1),
        "damaged": damaged,
        "runs": {k: {m: round(v, 2) for m, v in f.items()} for k, f in figures.items()},
    }
    append_result("bad_input", record)
    return record


def main() -> None:
    def options(parser) -> None:
        parser.add_argument("--features", type=int, default=10)

    args = bench_arguments(__doc__, [100_000, 1_000_000], options)
    for records in args.records:
        run(records, args.features, args.workdir)


if __name__ == "__main__":
    main()
