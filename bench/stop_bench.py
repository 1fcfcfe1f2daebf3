"""SIGTERM benchmark: seconds from SIGTERM to the end of a `monitor-analyzer run` stopped while Spark
runs its tasks (the acceptance bound is 10 s), and the processes of its tree left after it (0).

Each repetition is a fresh process on the same 300,000-row CSV (tests.runtime.test_stop's job), signalled
once PySpark's Python workers are up. Prints each figure and appends them to bench/results/stop.jsonl.

    .venv/bin/python -m bench.stop_bench --repeat 3
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil

from bench.results_file import append_result
from tests.cli.test_entrypoint import CLI
from tests.runtime.test_stop import big_job, wait_for_python_workers

BOUND = 10.0
GOLDEN = Path("/work/shared/golden")


def stop_once(work: Path) -> tuple[float, int, int]:
    output = big_job(work, GOLDEN)
    env = {k: v for k, v in os.environ.items() if k != "OPT_ML"}
    env.update(OPT_ML=str(work), SPARK_MASTER="local[2]")
    process = subprocess.Popen([str(CLI), "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tree = wait_for_python_workers(process)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.communicate()
    seconds = time.monotonic() - sent
    left = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not output.exists() or not any(output.iterdir())
    return seconds, process.returncode, len(left)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="monitor-analyzer-stop-") as tmp:
            seconds, code, left = stop_once(Path(tmp))
        print(
            f"run {i + 1}: stopped in {seconds:.2f} s (bound {BOUND:.0f} s), exit {code}, {left} process(es) left"
        )
        append_result("stop", {"seconds": round(seconds, 2), "exit": code, "left": left, "bound": BOUND})


if __name__ == "__main__":
    main()
