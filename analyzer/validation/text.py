"""The human-readable validate report: a short summary, files, columns, findings, aligned."""

from __future__ import annotations

import textwrap

from analyzer.common.log_text import printable
from analyzer.validation.findings import ValidationReport

WIDTH = 110
MAX_FILES = 20


def size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def render(report: ValidationReport) -> str:
    r = report.records
    lines = [
        f"validate {report.dataset} ({report.dataset_format}): {len(report.files)} of "
        f"{report.files_total} files, {size(report.bytes_sampled)} sampled in {report.seconds:.2f} s",
        f"records: {r.read} read, {r.analyzed} analyzed, {r.dropped} dropped, {r.skipped} skipped"
        + (
            f" ({r.skipped / r.read:.2%}; max_skipped_fraction {report.max_skipped_fraction:g})"
            if r.read
            else ""
        ),
        "",
        "files",
    ]
    rows = [
        [printable(f.path), size(f.size), f.encoding, f"{f.lines_sampled} lines sampled"]
        + ([f"{f.non_utf8_lines} not UTF-8"] if f.non_utf8_lines else [""])
        for f in report.files[:MAX_FILES]
    ]
    lines += table(rows) if rows else ["  (none)"]
    if len(report.files) > MAX_FILES:
        lines.append(f"  ... {len(report.files) - MAX_FILES} more")
    if report.columns:
        lines += ["", f"columns ({len(report.columns)})"]
        lines += table([[c.name, c.inferred_type, f"{c.missing_share:.1%} missing"] for c in report.columns])
    if report.capture is not None:
        c = report.capture
        lines += ["", "capture"]
        rows = []
        for part in c.parts.values():
            encodings = ", ".join(f"{e} {n}" for e, n in part.encodings.items()) or "absent"
            types = ", ".join(part.content_types) or "-"
            widths = "/".join(str(w) for w in part.widths) or "-"
            rows.append([part.name, encodings, types, f"CSV width {widths}"])
        lines += table(rows)
        span = f"{c.first_time} .. {c.last_time}" if c.first_time else "none"
        lines.append(f"  shadow traffic {c.shadow_share:.1%}, inferenceTime {span}")
    lines += ["", f"findings ({len(report.findings)})" if report.findings else "no findings"]
    for f in report.sorted_findings():
        lines += wrapped(f"  {f.severity.upper():<8} ", f.problem)
        if f.where:
            lines += wrapped(f"{'':11}where: ", printable(f.where))
        lines += wrapped(f"{'':11}fix:   ", f.fix)
    return "\n".join(lines)


def wrapped(label: str, text: str) -> list[str]:
    indent = " " * (len(label) if label.strip().endswith(":") else 11)
    return textwrap.wrap(
        text,
        WIDTH,
        initial_indent=label,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
