"""Container benchmark: the same scheduled monitoring job through `docker run` and in this machine's venv.

Uses the capture data of bench.capture_bench (generated when missing): a baseline job, then an
hourly monitoring job with the environment the service sends (contract §1.5.3), once as
`docker run monitor-analyzer:latest` with /opt/ml mounted and once as `monitor-analyzer run` with
OPT_ML. Prints wall times, the container's overhead (ratio to the venv run), checks that both wrote
the same bytes, and appends the figures to bench/results/container.jsonl with the image size.

    .venv/bin/python -m bench.container_bench --records 100000 1000000
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.capture_bench import dataset
from bench.results_file import append_result, bench_arguments

CLI = Path(sys.executable).with_name("monitor-analyzer")
IMAGE = "monitor-analyzer:latest"
START, END = "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"


def job_dir(root: Path, environment: dict, data: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    (root / "config").mkdir(parents=True)
    (root / "config" / "processingjobconfig.json").write_text(json.dumps({"Environment": environment}))
    shutil.copytree(data, root / "processing" / "input" / "data")
    return root


def timed(args: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {result.stderr[-2000:]}")
    return time.perf_counter() - start


def run_both(root: Path, environment: dict, data: Path) -> dict:
    import os

    docker_dir = job_dir(root / "docker", environment, data)
    venv_dir = job_dir(root / "venv", environment, data)
    in_docker = timed(["docker", "run", "--rm", "-v", f"{docker_dir}:/opt/ml", IMAGE])
    in_venv = timed([str(CLI), "run"], env={**os.environ, "OPT_ML": str(venv_dir)})
    same = all(
        (docker_dir / "processing" / "output" / name).read_bytes()
        == (venv_dir / "processing" / "output" / name).read_bytes()
        for name in ("statistics.json", "constraints.json")
    )
    return {"docker_seconds": round(in_docker, 2), "venv_seconds": round(in_venv, 2), "same_bytes": same}


def main() -> None:
    args = bench_arguments(__doc__, [100_000])
    size = int(subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", IMAGE], capture_output=True,
                              text=True, check=True).stdout)  # fmt: skip
    for records in args.records:
        base, _ = dataset(args.workdir, records, 25, drift=False)
        current, mb = dataset(args.workdir, records, 25, drift=True)
        root = args.workdir / f"container-{records}"
        common = {
            "dataset_source": "/opt/ml/processing/input/data",
            "output_path": "/opt/ml/processing/output",
            "publish_cloudwatch_metrics": "Disabled",
        }
        baseline = run_both(
            root / "baseline", {**common, "dataset_format": '{"sagemakerCaptureJson": {}}'}, base
        )
        statistics = root / "baseline" / "venv" / "processing" / "output"
        monitor_env = {
            **common,
            "dataset_format": '{"sagemakerCaptureJson":{"captureIndexNames":["endpointInput","endpointOutput"]}}',
            "baseline_statistics": "/opt/ml/processing/input/data/_baseline/statistics.json",
            "baseline_constraints": "/opt/ml/processing/input/data/_baseline/constraints.json",
            "start_time": START,
            "end_time": END,
        }
        staged = args.workdir / f"current-with-baseline-{records}"
        if not staged.exists():
            shutil.copytree(current, staged)
        shutil.rmtree(staged / "_baseline", ignore_errors=True)
        shutil.copytree(statistics, staged / "_baseline")  # "_": not read as data
        monitor = run_both(root / "monitor", monitor_env, staged)
        record = {
            "case": f"capture {records:,}x25",
            "mb": round(mb, 1),
            "image_mb": size // 2**20,
            "baseline": baseline,
            "monitor": monitor,
            "monitor_docker_over_venv": round(monitor["docker_seconds"] / monitor["venv_seconds"], 2),
        }
        print(f"\n{record['case']} ({mb:.0f} MB), image {record['image_mb']} MB")
        for kind in ("baseline", "monitor"):
            f = record[kind]
            print(
                f"  {kind:9s} docker run {f['docker_seconds']:6.2f} s   venv {f['venv_seconds']:6.2f} s"
                f"   x{f['docker_seconds'] / f['venv_seconds']:.2f}   same bytes: {f['same_bytes']}"
            )
        append_result("container", record)


if __name__ == "__main__":
    main()
