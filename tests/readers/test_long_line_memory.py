"""One long line costs about twice its size: a baseline job over a 40 MB line peaks at most 2.5
times the line above the same job without it (measured: 1.1 for CSV, whose fields are views of the
line; 2.0 for JSON Lines, capture records with a CSV or a JSON payload, and a .gz; before lines this
long were cut out of their splits, 2.9 to 3.1, and 4.4 to 8.2 before the copies along the path were
removed). bench/memory_bench.py (case ``line``) measures 190 MB."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LINE_MB = 40
# Peak RSS above the job's footprint, in lines. Arrow's CSV and JSON parsers hold the input, their
# parsed block and the built column at once (3 lines); Python's json the line, its text and the value.
BOUND = 4.0

# The job runs in a fresh interpreter (the local engine: one process is the whole tree), which
# reports its own peak RSS as the kernel counted it (no sampling can miss a short peak).
# (VmHWM, not ru_maxrss: that one survives exec, so it counted the forking pytest process too.)
PEAK_SCRIPT = textwrap.dedent(
    """
    import re, sys
    from analyzer.cli.main import main
    main(sys.argv[1:], standalone_mode=False)
    status = open("/proc/self/status").read()
    print("PEAK_MB", int(re.search(r"VmHWM:\\s*(\\d+) kB", status).group(1)) // 1024)
    """
)

FLAGS = {
    "csv": ["--format", "csv", "--header"],
    "csv-fields": ["--format", "csv", "--header"],
    "json": ["--format", "json"],
    "capture-csv": ["--format", "capture"],
    "capture-json": ["--format", "capture"],
    "json-gz": ["--format", "json"],
}


def capture_record(payload: bytes, encoding: bytes) -> bytes:
    content = b"text/csv" if encoding == b"CSV" else b"application/json"
    return (
        b'{"captureData":{"endpointInput":{"observedContentType":"' + content + b'","mode":"INPUT","data":"'
        + payload + b'","encoding":"' + encoding + b'"},"endpointOutput":{"observedContentType":"text/csv",'
        b'"mode":"OUTPUT","data":"0.5","encoding":"CSV"}},"eventMetadata":{"eventId":"e1",'
        b'"inferenceTime":"2026-11-22T10:00:00Z"},"eventVersion":"0"}\n'
    )  # fmt: skip


def record(shape: str, i: int, text: bytes) -> bytes:
    if shape == "csv":
        return b"%d,%s\n" % (i, text)
    if shape == "csv-fields":  # ten fields sharing the text
        return b"%d," % i + b",".join([text[: len(text) // 10] or b"s"] * 10) + b"\n"
    if shape in ("json", "json-gz"):
        return b'{"id":%d,"text":"%s"}\n' % (i, text)
    if shape == "capture-csv":
        return capture_record(b"%d,%s" % (i, text), b"CSV")
    return capture_record(b'{\\"id\\":%d,\\"text\\":\\"%s\\"}' % (i, text), b"JSON")


def dataset(root: Path, shape: str, megabytes: int) -> Path:
    """A hundred short records, then one whose text is ``megabytes`` long, then a short one."""
    path = root / f"{shape}-{megabytes}" / ("data.csv" if shape.startswith("csv") else "data.jsonl")
    path.parent.mkdir(parents=True)
    opener = gzip.open if shape.endswith("-gz") else open
    if shape.endswith("-gz"):
        path = path.with_name(path.name + ".gz")
    with opener(path, "wb") as out:
        if shape == "csv":
            out.write(b"id,text\n")
        elif shape == "csv-fields":
            out.write(b"id," + b",".join(b"f%d" % k for k in range(10)) + b"\n")
        for i in range(100):
            out.write(record(shape, i, b"short%d" % (i % 7)))
        out.write(record(shape, 100, b"x" * max(megabytes << 20, 1)))
        out.write(record(shape, 101, b"short1"))
    return path


def peak_mb(path: Path, shape: str, out: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, "baseline", "--dataset", str(path), "--output", str(out)]
        + FLAGS[shape]
        + ["--engine", "local"],
        capture_output=True,
        text=True,
        # Splits of 4 MB: the line spans ten of them, as a 190 MB line spans six of 32 MB.
        env={**os.environ, "MONITOR_ANALYZER_SPLIT_BYTES": str(4 << 20)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split("PEAK_MB")[-1])


@pytest.mark.parametrize("shape", list(FLAGS))
def test_a_long_line_costs_a_bounded_multiple_of_its_size(tmp_path, shape):
    footprint = peak_mb(dataset(tmp_path, shape, 0), shape, tmp_path / "small-out")
    peak = peak_mb(dataset(tmp_path, shape, LINE_MB), shape, tmp_path / "long-out")
    assert peak - footprint <= BOUND * LINE_MB, (shape, footprint, peak, (peak - footprint) / LINE_MB)
    # The long value reaches statistics.json cut, with its count: the file stays small.
    statistics = tmp_path / "long-out" / "statistics.json"
    assert statistics.stat().st_size < 100_000
    assert json.loads(statistics.read_text())["dataset"]["item_count"] == 102
