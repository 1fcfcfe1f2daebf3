"""One analysis job, from a JobConfig to the files in output_path and the completion message."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.analysis import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    VIOLATIONS_FILE,
    analyze_dataset,
    resolve_dataset,
)
from analyzer.baseline import BaselineError, load_json
from analyzer.cloudwatch import dimensions, write_metrics
from analyzer.contract import JobConfig, opt_ml
from analyzer.custom import hooks as custom
from analyzer.errors import ConfigError, InputError, OutputError, ScriptError, TooManySkipped
from analyzer.formats import PARQUET
from analyzer.ledger import Ledger
from analyzer.path_overlap import check_apart
from analyzer.profile.column import ProfileSettings
from analyzer.profile_job import run_profile
from analyzer.report_html import render_report
from analyzer.report_set import ReportSet, published_path, staged_files
from analyzer.scripts import load_postprocessor, load_preprocessor
from analyzer.segments import NO_SPLIT
from analyzer.skip_policy import apply_skip_policy, check_policy
from analyzer.window import TimeWindow
from analyzer.writers import write_atomic, write_json

log = logging.getLogger("monitor_analyzer.job")

REPORT_FILE = "report.html"
COMPLETED = "Completed: Job completed successfully with no violations."


def completion_message(violations: int) -> str:
    if violations == 0:
        return COMPLETED
    return f"CompletedWithViolations: Job completed successfully with {violations} violations."


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


MODEL_QUALITY = "MODEL_QUALITY"
DATA_QUALITY = "DATA_QUALITY"


def check_scope(config: JobConfig) -> None:
    if config.analysis_type not in (DATA_QUALITY, MODEL_QUALITY):
        raise ConfigError(
            f"analysis_type must be {DATA_QUALITY} (or absent) or {MODEL_QUALITY}, got {config.analysis_type!r}"
        )
    if config.baseline_statistics is not None and config.baseline_constraints is None:
        raise ConfigError(
            "baseline_statistics was given without baseline_constraints; a monitoring run needs both"
        )
    check_policy(config)
    if config.split_by == NO_SPLIT and config.baseline_constraints and config.baseline_constraints.is_dir():
        raise ConfigError(
            f"baseline_constraints {config.baseline_constraints} is a directory (a split baseline?): "
            "give its constraints.json, or split_by target-model/variant to check each segment"
        )


def check_outputs_apart(config: JobConfig) -> None:
    """Before anything is written or removed: no output inside an input, no input inside an output."""
    cloudwatch = config.cloudwatch_metrics_directory if config.publish_cloudwatch_metrics else None
    check_apart(
        {"dataset_source": config.dataset_source, "ground_truth_source": config.ground_truth_source},
        {"output_path": config.output_path, "cloudwatch_metrics_directory": cloudwatch},
    )


def validate_scripts(config: JobConfig) -> None:
    """Fail before any data is read when a script is missing its handler (as the prebuilt image does)."""
    if config.record_preprocessor_script:
        if config.dataset_format.kind == PARQUET:
            raise ConfigError("Preprocessor script not supported for format parquet")
        load_preprocessor(str(config.record_preprocessor_script))
    if config.post_analytics_processor_script:
        load_postprocessor(str(config.post_analytics_processor_script))
    custom.validate(config)


def run_job(
    config: JobConfig, spark=None, settings: ProfileSettings | None = None, engine: str = "auto"
) -> JobResult:
    """The job, with its reports staged and published as one set (``report_set``) under the output's
    lock; then the postprocessor, which reads the published reports."""
    output = Path(config.output_path)
    check_outputs_apart(config)  # before the lock and the staging folder are made in the output
    with ReportSet.open(output) as reports:
        try:
            result = analyze(replace(config, output_path=reports.staging), spark, settings, engine)
        except TooManySkipped:
            if staged_files(reports.staging):  # the quarantine: what whoever fixes the input needs
                reports.publish()
            raise
        except OutputError as e:
            raise OutputError(
                f"{str(e).replace(str(reports.staging), str(output))}; the reports already in {output} "
                "are unchanged"
            ) from e
        reports.publish()
    result.outputs = [reports.final(p) for p in result.outputs]
    run_postprocessor(config)
    return result


def analyze(config: JobConfig, spark, settings: ProfileSettings | None, engine: str) -> JobResult:
    """Profile the dataset; suggest constraints; with a baseline, check it and write the violations.
    Model-quality jobs and ground-truth merges go to their own modules."""
    started = time.monotonic()
    if config.ground_truth_source is not None:
        from analyzer.merge import run_merge_job

        return run_merge_job(config, spark=spark, engine=engine)
    check_scope(config)
    validate_scripts(config)
    if config.split_by != NO_SPLIT:
        from analyzer.segmented_job import run_segmented_job

        return run_segmented_job(config, spark=spark, settings=settings, engine=engine, started=started)
    if config.analysis_type == MODEL_QUALITY:
        from analyzer.quality_job import run_quality_job

        return run_quality_job(config, spark=spark, engine=engine, started=started)
    dataset = resolve_dataset(config, config.baseline_constraints, config.baseline_statistics, settings)
    baseline = dataset.baseline
    if baseline is not None:
        log.info(
            "Monitoring against baseline %s (%d features)",
            config.baseline_constraints,
            len(baseline.features),
        )
    profile, quarantine = profile_dataset(
        config,
        spark,
        engine,
        feature_names=tuple(baseline.feature_names) if baseline else (),
        make_state=custom.state_factory(config, dataset.profile),
    )
    dims = dimensions(config.endpoint_name, config.schedule_name)
    analysis = analyze_dataset(config, profile, dataset, dims)
    outputs = write_reports(config, analysis.documents, analysis.metrics)
    if quarantine:
        outputs.append(quarantine)
    seconds = time.monotonic() - started
    log.info("Analysis finished in %.1f s", seconds)
    violations = analysis.violations
    message = COMPLETED if violations is None else completion_message(len(violations))
    return JobResult(
        analysis.statistics,
        analysis.constraints,
        profile.ledger,
        message,
        outputs,
        seconds,
        violations,
        analysis.metrics,
    )


def profile_dataset(
    config: JobConfig, spark, engine: str, feature_names: tuple[str, ...], make_state, split=None
):
    """The one pass over dataset_source, under the skip policy; the profile (a segmented one with
    ``split``) and the quarantine file, if any."""
    window = TimeWindow.of(config.start_time, config.end_time)
    preprocessor = str(config.record_preprocessor_script) if config.record_preprocessor_script else None
    profile = run_profile(
        spark,
        config.dataset_source,
        config.dataset_format,
        preprocessor,
        feature_names=feature_names,
        window=window,
        engine=engine,
        make_state=make_state,
        quarantine=config.quarantine,
        split=split,
    )
    ledger = profile.ledger
    quarantine = apply_skip_policy(config, ledger, profile.item_count)
    if profile.item_count == 0:
        where = f" in the window {window}" if window else ""
        raise InputError(
            f"No records to analyze{where} under {config.dataset_source}: read {ledger.records_read}, "
            f"dropped {ledger.records_dropped}, skipped {ledger.records_skipped}"
        )
    return profile, quarantine


def write_reports(
    config: JobConfig, documents: list[tuple[str, dict]], metrics: list[dict] | None
) -> list[Path]:
    outputs = []
    for name, document in documents:
        outputs.append(write_json(config.output_path / name, document))
        log.info("Write to file %s at path %s.", name, published_path(config.output_path))
    outputs.append(write_html_report(config, dict(documents)))
    if metrics is not None:
        directory = config.cloudwatch_metrics_directory or opt_ml() / "output" / "metrics" / "cloudwatch"
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
        message=COMPLETED if violations is None else completion_message(len(violations)),
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


def run_postprocessor(config: JobConfig) -> None:
    if not config.post_analytics_processor_script:
        return
    log.info("Running postprocess_handler from %s", config.post_analytics_processor_script)
    postprocess = load_postprocessor(str(config.post_analytics_processor_script))
    try:
        postprocess()
    except Exception as e:
        raise ScriptError(
            f"postprocess_handler in {config.post_analytics_processor_script} raised "
            f"{type(e).__name__}: {' '.join(str(e).split())}"
        ) from e
