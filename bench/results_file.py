"""Appending benchmark figures, with the machine they were measured on, to bench/results/."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def append_result(name: str, record: dict) -> Path:
    """Add cores, memory and a UTC timestamp to ``record`` and append it to results/<name>.jsonl."""
    record = {
        **record,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = RESULTS_DIR / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(record) + "\n")
    return path


def bench_arguments(doc: str, records: list[int], extra=None):
    """The options every benchmark takes: --records (sizes) and --workdir (generated data, reused)."""
    import argparse

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="*", default=records)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monitor-analyzer-bench"))
    if extra:
        extra(parser)
    return parser.parse_args()
