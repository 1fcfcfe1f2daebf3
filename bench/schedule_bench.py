"""Scheduler benchmark: one hourly window from S3 (moto on loopback) against the same window on disk.

Uses the capture data of bench.capture_bench (an hour of records, 25 features, several files),
uploads it to an S3 emulator, and times, each as a fresh process: `schedule run --backfill` over that
hour (stage from S3, analyze, publish the report, record the execution, PutMetricData) and
`monitor` on the local copy of the same files. The difference is what scheduling and S3 cost.
Appends the figures to bench/results/schedule.jsonl.

    .venv/bin/python -m bench.schedule_bench --records 100000 1000000
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.capture_bench import dataset
from bench.results_file import append_result, bench_arguments

CLI = Path(sys.executable).with_name("monitor-analyzer")
BUCKET = "bench"


def timed(*args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([str(CLI), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{args[:2]} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    args = bench_arguments(__doc__, [100_000])
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import boto3

    from tests.helpers.aws import moto_server

    with tempfile.TemporaryDirectory() as logs, moto_server(Path(logs)):
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for records in args.records:
            base, _ = dataset(args.workdir, records, 25, drift=False)
            current, mb = dataset(args.workdir, records, 25, drift=True)
            out = args.workdir / f"schedule-{records}"
            shutil.rmtree(out, ignore_errors=True)
            timed(
                "baseline", "--dataset", str(base), "--format", "capture", "--output", str(out / "baseline")
            )
            for name in ("statistics.json", "constraints.json"):
                s3.upload_file(str(out / "baseline" / name), BUCKET, f"{records}/baseline/{name}")
            for path in current.rglob("*.jsonl"):
                s3.upload_file(str(path), BUCKET, f"{records}/capture/{path.relative_to(current).as_posix()}")
            scheduled = timed(
                "schedule", "run", "--cron", "cron(0 * ? * * *)", "--endpoint", "ep", "--schedule-name", "bench",
                "--capture", f"s3://{BUCKET}/{records}/capture", "--output", f"s3://{BUCKET}/{records}/reports",
                "--baseline-statistics", f"s3://{BUCKET}/{records}/baseline/statistics.json",
                "--baseline-constraints", f"s3://{BUCKET}/{records}/baseline/constraints.json",
                "--publish-cloudwatch", "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z",
            )  # fmt: skip
            direct = timed(
                "monitor", "--dataset", str(current), "--format", "capture", "--output", str(out / "monitor"),
                "--baseline-statistics", str(out / "baseline" / "statistics.json"),
                "--baseline-constraints", str(out / "baseline" / "constraints.json"),
                "--start-time", "2026-11-22T10:00:00Z", "--end-time", "2026-11-22T11:00:00Z",
            )  # fmt: skip
            record = {
                "case": f"capture {records:,}x25 from S3 (moto)",
                "mb": round(mb, 1),
                "schedule_seconds": round(scheduled, 2),
                "monitor_local_seconds": round(direct, 2),
                "ratio": round(scheduled / direct, 2),
            }
            print(
                f"\n{record['case']}, {mb:.0f} MB: schedule run (S3 -> report + history + metrics) "
                f"{scheduled:.2f} s, monitor on disk {direct:.2f} s, x{scheduled / direct:.2f}"
            )
            append_result("schedule", record)


if __name__ == "__main__":
    main()
