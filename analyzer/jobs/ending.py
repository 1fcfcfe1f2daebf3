"""How every job kind ends: its reports written (JSON, report.html, CloudWatch records), the time it
took logged, and the completion message SageMaker shows."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline.baseline import BaselineError, load_json
from analyzer.config.contract import MODEL_QUALITY, JobConfig, default_cloudwatch_directory
from analyzer.config.output_names import CONSTRAINTS_FILE, REPORT_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from analyzer.files.writers import write_atomic, write_json
from analyzer.readers.ledger import Ledger
from analyzer.report.cloudwatch import write_metrics
from analyzer.report.html import render_report
from analyzer.report.publish import published_path

log = logging.getLogger("monitor_analyzer.job")

COMPLETED = "Completed: Job completed successfully with no violations."


def completion_message(violations: int) -> str:
    if violations == 0:
        return COMPLETED
    return f"CompletedWithViolations: Job completed successfully with {violations} violations."


def job_message(violations: list | None) -> str:
    """No check (a baseline run): completed; else completed with or without violations."""
    return COMPLETED if violations is None else completion_message(len(violations))


@dataclass
class JobResult:
    statistics: dict
    constraints: dict
    ledger: Ledger
    message: str
    outputs: list[Path]
    seconds: float
    violations: list[dict] | None = None
    metrics: list[dict] | None = None
    # Split runs: segments.json's index (segment -> path, item_count, records, violations, status).
    segments: dict | None = None


def finish(started: float, what: str | None, **fields) -> JobResult:
    """The result, with the time since ``started`` (logged as "<what> finished in ...") and, unless
    given, the message for its violations."""
    seconds = time.monotonic() - started
    if what is not None:
        log.info("%s finished in %.1f s", what, seconds)
    fields.setdefault("message", job_message(fields.get("violations")))
    return JobResult(seconds=seconds, **fields)


def write_reports(
    config: JobConfig, documents: list[tuple[str, dict]], metrics: list[dict] | None
) -> list[Path]:
    outputs = []
    for name, document in documents:
        outputs.append(write_json(config.output_path / name, document))
        log.info("Write to file %s at path %s.", name, published_path(config.output_path))
    outputs.append(write_html_report(config, dict(documents)))
    if metrics is not None:
        directory = config.cloudwatch_metrics_directory or default_cloudwatch_directory()
        path = write_metrics(directory, metrics)
        log.info("Wrote %d CloudWatch metric records to %s", len(metrics), path)
    return outputs


def write_html_report(config: JobConfig, documents: dict[str, dict]) -> Path:
    """report.html, after the JSON files it is drawn from."""
    path = write_atomic(config.output_path / REPORT_FILE, job_report(config, documents))
    log.info("Write to file %s at path %s.", REPORT_FILE, published_path(config.output_path))
    return path


def job_report(config: JobConfig, documents: dict[str, dict]) -> str:
    """The page of report.html; the baseline files are read again (the monitoring job validated
    them already, and keeps no raw copy)."""
    violations = documents[VIOLATIONS_FILE]["violations"] if VIOLATIONS_FILE in documents else None
    kind = "Model" if config.analysis_type == MODEL_QUALITY else "Data"
    title = f"{kind}-quality {'monitoring' if violations is not None else 'baseline'} report"
    if config.endpoint_name:
        title += f" — {config.endpoint_name}"
    return render_report(
        documents[STATISTICS_FILE],
        documents[CONSTRAINTS_FILE],
        violations,
        baseline_document(config.baseline_statistics, "statistics"),
        title,
        message=job_message(violations),
        baseline_constraints=baseline_document(config.baseline_constraints, "constraints"),
    )


def baseline_document(path: Path | None, what: str) -> dict | None:
    """A baseline file for the report. Model-quality jobs never read baseline_statistics otherwise, so
    an unreadable one only leaves the baseline out of the report (and says so) instead of failing."""
    if path is None:
        return None
    try:
        return load_json(path, what)
    except BaselineError as e:
        log.warning("%s; report.html is drawn without it", e)
        return None
