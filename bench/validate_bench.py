"""validate benchmark: the dry run on a sample against the full monitoring run of the same capture set.

Generates the capture files of bench/capture_bench.py (its generator; baseline and current hour),
builds the baseline, then runs, each as a fresh `monitor-analyzer` process: `monitor` over the
whole current hour, and `validate` of the same hour against the baseline with the default sample
(16 MB spread over the files) and the given --sample-mb sizes. Prints wall time, peak RSS of the
process tree and validate's time as a fraction of monitor's; appends the figures to
bench/results/validate.jsonl.

    .venv/bin/python -m bench.validate_bench --records 1000000
"""

from __future__ import annotations

import subprocess

from bench.capture_bench import CLI, baseline_args, dataset, timed_cli
from bench.results_file import append_result, bench_arguments


def validate_seconds(current, baseline, sample_mb: float) -> tuple[float, int]:
    """validate exits 1 when it finds something (the current hour drifts, which is no finding, so
    0 is expected); timed_cli insists on 0, so a finding here is a failure of the benchmark."""
    return timed_cli(
        "validate",
        "--dataset",
        str(current),
        "--format",
        "capture",
        *baseline_args(baseline),
        "--sample-mb",
        str(sample_mb),
    )


def main() -> None:
    def options(parser) -> None:
        parser.add_argument("--features", type=int, default=25)
        parser.add_argument("--sample-mb", type=float, nargs="*", default=[16.0, 64.0])

    args = bench_arguments(__doc__, [1_000_000], options)
    for records in args.records:
        base, _ = dataset(args.workdir, records, args.features, drift=False)
        current, size = dataset(args.workdir, records, args.features, drift=True)
        out = current.parent / f"{current.name}-validate-out"
        timed_cli(
            "baseline", "--dataset", str(base), "--format", "capture", "--output", str(out / "baseline")
        )
        monitor, monitor_rss = timed_cli(
            "monitor",
            "--dataset",
            str(current),
            "--format",
            "capture",
            "--output",
            str(out / "monitor"),
            *baseline_args(out / "baseline"),
        )
        runs = {}
        for sample_mb in args.sample_mb:
            seconds, rss = validate_seconds(current, out / "baseline", sample_mb)
            runs[f"validate {sample_mb:g} MB"] = {"seconds": seconds, "peak_rss_mb": rss / 2**20}
        report = subprocess.run(
            [str(CLI), "validate", "--dataset", str(current), "--format", "capture"],
            capture_output=True,
            text=True,
        ).stdout
        print(f"\ncapture {records:,}x{args.features}, {size:.0f} MB")
        print(f"  monitor             {monitor:7.2f} s  peak RSS {monitor_rss / 2**20:,.0f} MB")
        for name, figures in runs.items():
            figures["fraction_of_monitor"] = figures["seconds"] / monitor
            print(
                f"  {name:19s} {figures['seconds']:7.2f} s  peak RSS {figures['peak_rss_mb']:,.0f} MB"
                f"  {figures['fraction_of_monitor']:.3f} of monitor"
            )
        print("\n" + "\n".join(report.splitlines()[:3]))
        append_result(
            "validate",
            {
                "case": f"capture {records:,}x{args.features}",
                "records": records,
                "mb": round(size, 1),
                "monitor_seconds": round(monitor, 2),
                "runs": {k: {m: round(v, 3) for m, v in f.items()} for k, f in runs.items()},
            },
        )


if __name__ == "__main__":
    main()
