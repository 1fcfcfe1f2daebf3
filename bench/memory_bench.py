"""Memory benchmark: peak RSS of a baseline job's whole process tree on inputs built to exhaust it.

Cases (issue 15, acceptance point 8):
  gz       a .gz of a few MB that expands to 1 GiB of CSV (bound: 1.5 GB, exact record count)
  line     one 190 MB line among short ones, in each of LONG_LINE_SHAPES (CSV with one field and with
           100, JSON Lines (plain and gzipped), capture records with a CSV and a JSON payload), and
           the same job without it (the footprint); prints k in "peak = footprint + k x line"
           (bound: k about 2; statistics.json stays small)
  wide     2,000 features x 100k capture records, from capture_bench (bound: 2 GB)
  columns  100k columns x 10 rows of CSV (bound: 30 s and 2 GB, or a failure at start; report.html
           under 10 MB)

Each job runs as a fresh `monitor-analyzer baseline` process on Spark (``--engine spark``, as a
scheduled job on big data would) unless the case says otherwise; prints seconds, peak RSS and the
case's own figures, and appends them to bench/results/memory.jsonl.

    .venv/bin/python -m bench.memory_bench --cases gz line wide columns
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import psutil

from bench.capture_bench import generate, timed_process
from bench.results_file import append_result

CLI = Path(sys.executable).with_name("monitor-analyzer")
GIB = 1 << 30
# A file to append "seconds driver jvm worker" (MB) to at every sample: where the peak is.
TIMELINE = os.environ.get("MEMORY_BENCH_TIMELINE")


def make_gz(root: Path) -> tuple[Path, int]:
    """1 GiB of CSV (a header and short numeric rows), gzipped; returns the path and its rows."""
    path = root / "gz" / "data.csv.gz"
    if path.exists():
        return path, int((root / "gz" / "rows").read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    block = "".join(f"{i % 97},{i % 13}.5,c{i % 7}\n" for i in range(100_000)).encode()
    rows = 0
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"a,b,c\n")
        written = 0
        while written < GIB:
            out.write(block)
            written += len(block)
            rows += 100_000
    (root / "gz" / "rows").write_text(str(rows))
    return path, rows


def make_long_line(root: Path, megabytes: int = 190, shape: str = "csv") -> Path:
    """One line of ``megabytes`` among short ones, in one of LONG_LINE_SHAPES (see there)."""
    suffix = {
        "csv": "csv",
        "csv-fields": "csv",
        "json": "jsonl",
        "capture-csv": "jsonl",
        "capture-json": "jsonl",
        "json-gz": "jsonl.gz",
    }
    path = root / f"line-{shape}-{megabytes}" / f"data.{suffix[shape]}"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    size = megabytes << 20
    with (gzip.open if shape == "json-gz" else open)(path, "wb") as out:
        if shape.startswith("csv"):
            out.write(
                b"id,text\n" if shape == "csv" else b"id," + b",".join(b"f%d" % i for i in range(100)) + b"\n"
            )
        for i in range(1000):
            out.write(_short_record(shape, i))
        out.write(_long_record(shape, size))
        out.write(_short_record(shape, 1))
    return path


def _short_record(shape: str, i: int) -> bytes:
    if shape == "csv":
        return f"{i},short{i % 10}\n".encode()
    if shape == "csv-fields":
        return (f"{i}," + ",".join(f"v{(i + k) % 10}" for k in range(100)) + "\n").encode()
    return _record(shape, f"short{i % 10}".encode()).replace(b"\n", b"") + b"\n"


def _long_record(shape: str, size: int) -> bytes:
    if shape == "csv":
        return b"1000," + b"x" * size + b"\n"
    if shape == "csv-fields":
        field = b"x" * (size // 100)
        return b"1000," + b",".join([field] * 100) + b"\n"
    return _record(shape, b"x" * size)


def _record(shape: str, text: bytes) -> bytes:
    """A JSON line holding ``text``: a plain object, or a capture record whose input payload is a
    CSV line (``1,<text>``) or a JSON object (``{"id": 1, "text": "<text>"}``)."""
    if shape in ("json", "json-gz"):
        return b'{"id":1,"text":"' + text + b'"}\n'
    if shape == "capture-csv":
        content, encoding, payload = b"text/csv", b"CSV", b"1," + text
    else:
        content, encoding, payload = (
            b"application/json",
            b"JSON",
            b'{\\"id\\":1,\\"text\\":\\"' + text + b'\\"}',
        )
    return (
        b'{"captureData":{"endpointInput":{"observedContentType":"'
        + content
        + b'","mode":"INPUT","data":"'
        + payload
        + b'","encoding":"'
        + encoding
        + b'"},"endpointOutput":{"observedContentType":"text/csv",'
        b'"mode":"OUTPUT","data":"0.5","encoding":"CSV"}},"eventMetadata":{"eventId":"e1",'
        b'"inferenceTime":"2026-11-22T10:00:00Z"},"eventVersion":"0"}\n'
    )


def make_columns(root: Path, columns: int = 100_000, rows: int = 10) -> Path:
    path = root / "columns" / f"{columns}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as out:
        out.write(",".join(f"f{i}" for i in range(columns)) + "\n")
        for r in range(rows):
            out.write(",".join(str((i * 7 + r) % 100) for i in range(columns)) + "\n")
    return path


def baseline(dataset: Path, out: Path, *options: str) -> tuple[float, int]:
    args = [str(CLI), "baseline", "--dataset", str(dataset), "--output", str(out), *options]
    return timed_process(args, "monitor-analyzer baseline", env=dict(os.environ))


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def case_gz(root: Path) -> dict:
    path, rows = make_gz(root)
    out = root / "gz-out"
    seconds, peak = baseline(path, out, "--format", "csv", "--header", "--engine", "spark")
    counted = read_json(out / "statistics.json")["dataset"]["item_count"]
    return {
        "gz_mb": path.stat().st_size / 1e6,
        "rows": rows,
        "item_count": counted,
        "exact": counted == rows,
        "seconds": seconds,
        "peak_rss_mb": peak / 2**20,
    }


# How each long-line shape is read: the job's format flags.
LONG_LINE_SHAPES = {
    "csv": ["--format", "csv", "--header"],  # one 190 MB field
    "csv-fields": ["--format", "csv", "--header"],  # 100 fields of 1.9 MB on one line
    "json": ["--format", "json"],  # a JSON Lines object with one 190 MB string
    "capture-csv": ["--format", "capture"],  # a capture record whose CSV payload is 190 MB
    "capture-json": ["--format", "capture"],  # a capture record whose JSON payload is 190 MB
    "json-gz": ["--format", "json"],  # the JSON Lines object, gzipped (decompressed as it is read)
}


def long_line_job(root: Path, shape: str, megabytes: int, engine: str = "local") -> dict:
    """Peak RSS of a baseline job over one long line of ``shape``; ``megabytes`` 0 is the same job
    without the long line (the empty-job footprint the bound is stated over)."""
    path = make_long_line(root, megabytes, shape)
    out = root / f"line-{shape}-{megabytes}-out"
    seconds, peak = baseline(path, out, *LONG_LINE_SHAPES[shape], "--engine", engine)
    return {
        "seconds": seconds,
        "peak_rss_mb": peak / 2**20,
        "statistics_kb": (out / "statistics.json").stat().st_size / 1024,
    }


def role(process: psutil.Process, top: psutil.Process) -> str:
    """driver (our CLI process), jvm, or worker (PySpark's daemon and the Python workers it forks)."""
    if process.pid == top.pid:
        return "driver"
    return "jvm" if process.name().startswith("java") else "worker"


def timed_roles(args: list[str]) -> tuple[float, int, dict[str, int]]:
    """Like ``timed_process``, plus the peak RSS of each role (the sum over its processes: the peaks
    of the roles need not coincide, so they add up to more than the tree's peak)."""
    start = time.perf_counter()
    process = psutil.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    peak, roles = 0, {"driver": 0, "jvm": 0, "worker": 0}
    while process.poll() is None:
        now = {"driver": 0, "jvm": 0, "worker": 0}
        for p in [process, *process.children(recursive=True)]:
            with suppress(psutil.Error):  # a worker may exit while we look
                now[role(p, process)] += p.memory_info().rss
        peak = max(peak, sum(now.values()))
        if TIMELINE:
            with open(TIMELINE, "a") as out:
                out.write(
                    f"{time.perf_counter() - start:.1f} "
                    + " ".join(f"{v >> 20}" for v in now.values())
                    + "\n"
                )
        roles = {k: max(v, now[k]) for k, v in roles.items()}
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{args[1]} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, peak, roles


def case_line(root: Path, megabytes: int = 190) -> dict:
    """Each shape with and without its long line: the footprint, and k in footprint + k x line."""
    figures: dict = {"line_mb": megabytes}
    for shape in LONG_LINE_SHAPES:
        empty = long_line_job(root, shape, 0)["peak_rss_mb"]
        job = long_line_job(root, shape, megabytes)
        figures[f"{shape}_footprint_mb"] = empty
        figures[f"{shape}_peak_rss_mb"] = job["peak_rss_mb"]
        figures[f"{shape}_k"] = (job["peak_rss_mb"] - empty) / megabytes
        figures[f"{shape}_statistics_kb"] = job["statistics_kb"]
    return figures


def case_wide(root: Path) -> dict:
    data = root / "wide"
    if not data.exists():
        generate(data, 100_000, 2000, False, 7)
    size = sum(f.stat().st_size for f in data.rglob("*.jsonl"))
    out = root / "wide-out"
    args = [str(CLI), "baseline", "--dataset", str(data), "--output", str(out)]
    seconds, peak, roles = timed_roles([*args, "--format", "capture", "--engine", "spark"])
    return {
        "mb": size / 1e6,
        "seconds": seconds,
        "peak_rss_mb": peak / 2**20,
        **{f"{name}_peak_mb": rss / 2**20 for name, rss in roles.items()},
    }


def case_columns(root: Path, columns: int = 100_000) -> dict:
    path = make_columns(root, columns)
    out = root / f"columns-{columns}-out"
    started = time.perf_counter()
    try:
        seconds, peak = baseline(path, out, "--format", "csv", "--header", "--max-columns", str(columns))
    except RuntimeError as e:
        return {"columns": columns, "failed": str(e)[-300:], "seconds": time.perf_counter() - started}
    report = out / "report.html"
    return {
        "columns": columns,
        "seconds": seconds,
        "peak_rss_mb": peak / 2**20,
        "report_mb": report.stat().st_size / 1e6 if report.exists() else None,
    }


def case_limit(root: Path) -> dict:
    """100k columns at the default max_columns: the failure must come at once."""
    path = make_columns(root, 100_000)
    started = time.perf_counter()
    try:
        baseline(path, root / "limit-out", "--format", "csv", "--header")
    except RuntimeError as e:
        return {"columns": 100_000, "seconds": time.perf_counter() - started, "error": str(e).strip()[-200:]}
    return {"columns": 100_000, "seconds": time.perf_counter() - started, "error": None}


CASES = {
    "gz": case_gz,
    "line": case_line,
    "wide": case_wide,
    "columns": case_columns,
    "limit": case_limit,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--line-mb", type=int, default=190, help="size of the long line (case line)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/monitor-analyzer-bench/memory"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    for name in args.cases:
        figures = case_line(args.workdir, args.line_mb) if name == "line" else CASES[name](args.workdir)
        print(
            f"{name}: "
            + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items()),
            flush=True,
        )
        append_result(
            "memory",
            {"case": name, **{k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()}},
        )


if __name__ == "__main__":
    main()
