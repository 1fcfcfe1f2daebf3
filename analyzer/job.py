"""One analysis job, from a JobConfig to the files in output_path and the completion message."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.baseline import BaselineError, load_baseline, load_json
from analyzer.checks import run_checks
from analyzer.cloudwatch import build_metrics, dimensions, metric_timestamp, write_metrics
from analyzer.contract import JobConfig, opt_ml
from analyzer.custom import hooks as custom
from analyzer.errors import ConfigError, InputError, ScriptError
from analyzer.formats import PARQUET
from analyzer.ledger import Ledger
from analyzer.profile.column import ProfileSettings
from analyzer.profile_job import run_profile
from analyzer.report_html import render_report
from analyzer.scripts import load_postprocessor, load_preprocessor
from analyzer.segments import NO_SPLIT
from analyzer.settings_record import override_thresholds, record_settings, resolve_settings
from analyzer.skip_policy import apply_skip_policy, check_policy
from analyzer.statistics import build_statistics
from analyzer.suggest import SuggestSettings, suggest_constraints
from analyzer.window import TimeWindow
from analyzer.writers import remove_stale_temporaries, write_atomic, write_json

log = logging.getLogger("monitor_analyzer.job")

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
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


def excluded_features(config: JobConfig, names: list[str]) -> set[str]:
    """exclude_features_attribute: feature names, or 0-based column indices into the feature list."""
    excluded = set()
    for item in config.exclude_features:
        if item.isdigit() and item not in names:
            index = int(item)
            if index >= len(names):
                raise ConfigError(
                    f"exclude_features_attribute index {index} is beyond the {len(names)} features"
                )
            excluded.add(names[index])
        else:
            excluded.add(item)
    return excluded


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
    """Profile the dataset; suggest constraints; with a baseline, check it and write the violations.
    Model-quality jobs and ground-truth merges go to their own modules."""
    started = time.monotonic()
    for name in (STATISTICS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE, REPORT_FILE):  # a killed run's halves
        remove_stale_temporaries(config.output_path / name)
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
    baseline = None
    explicit = dict(config.analyzer_settings)
    analyzer_settings = resolve_settings(explicit, config.baseline_constraints)
    settings = settings or analyzer_settings.profile_settings()
    if config.baseline_constraints is not None:
        baseline = load_baseline(config.baseline_constraints, config.baseline_statistics)
        baseline.config = override_thresholds(baseline.config, explicit)
        domains = tuple((f.name, f.domains) for f in baseline.features if f.domains)
        settings = replace(settings or ProfileSettings(), domains=domains)
        log.info(
            "Monitoring against baseline %s (%d features)",
            config.baseline_constraints,
            len(baseline.features),
        )
    window = TimeWindow.of(config.start_time, config.end_time)
    preprocessor = str(config.record_preprocessor_script) if config.record_preprocessor_script else None
    profile = run_profile(
        spark,
        config.dataset_source,
        config.dataset_format,
        preprocessor,
        settings,
        feature_names=tuple(baseline.feature_names) if baseline else (),
        window=window,
        engine=engine,
        quarantine=config.quarantine,
        make_state=custom.state_factory(config, settings),
    )
    ledger = profile.ledger
    quarantine = apply_skip_policy(config, ledger, profile.item_count)
    if profile.item_count == 0:
        where = f" in the window {window}" if window else ""
        raise InputError(
            f"No records to analyze{where} under {config.dataset_source}: read {ledger.records_read}, "
            f"dropped {ledger.records_dropped}, skipped {ledger.records_skipped}"
        )
    names = [c.name for c in profile.ordered_columns()]
    excluded = excluded_features(config, baseline.feature_names if baseline else names)
    for name in excluded:
        profile.columns.pop(name, None)
    statistics = build_statistics(profile)
    constraints = suggest_constraints(
        statistics,
        analyzer_settings.suggest_settings(
            SuggestSettings(config.categorical_drift_method, config.numerical_drift_method)
        ),
    )
    record_settings(constraints, analyzer_settings, explicit)
    custom_results = custom.add_to_reports(profile, statistics, constraints, excluded)
    documents = [(STATISTICS_FILE, statistics), (CONSTRAINTS_FILE, constraints)]
    violations = metrics = None
    message = COMPLETED
    if baseline is not None:
        checked = run_checks(baseline, profile, excluded)
        violations = [v.to_dict() for v in checked.violations]
        violations += custom.violations(config, baseline, custom_results, excluded)
        documents.append((VIOLATIONS_FILE, {"violations": violations}))
        message = completion_message(len(violations))
        if config.publish_cloudwatch_metrics:
            metrics = build_metrics(
                baseline,
                profile,
                checked.drift,
                metric_timestamp(config.metric_time, config.end_time),
                dimensions(config.endpoint_name, config.schedule_name),
                excluded,
            )
            metrics += custom.metrics(config, baseline, custom_results, metrics)
    outputs = write_reports(config, documents, metrics) + ([quarantine] if quarantine else [])
    run_postprocessor(config)
    seconds = time.monotonic() - started
    log.info("Analysis finished in %.1f s", seconds)
    return JobResult(statistics, constraints, ledger, message, outputs, seconds, violations, metrics)


def write_reports(
    config: JobConfig, documents: list[tuple[str, dict]], metrics: list[dict] | None
) -> list[Path]:
    outputs = []
    for name, document in documents:
        outputs.append(write_json(config.output_path / name, document))
        log.info("Write to file %s at path %s.", name, config.output_path)
    outputs.append(write_html_report(config, dict(documents)))
    if metrics is not None:
        directory = config.cloudwatch_metrics_directory or opt_ml() / "output" / "metrics" / "cloudwatch"
        path = write_metrics(directory, metrics)
        log.info("Wrote %d CloudWatch metric records to %s", len(metrics), path)
    return outputs


def write_html_report(config: JobConfig, documents: dict[str, dict]) -> Path:
    """report.html, after the JSON files it is drawn from; the baseline files are read again (the
    monitoring job validated them already, and keeps no raw copy)."""
    violations = documents[VIOLATIONS_FILE]["violations"] if VIOLATIONS_FILE in documents else None
    kind = "Model" if config.analysis_type == MODEL_QUALITY else "Data"
    title = f"{kind}-quality {'monitoring' if violations is not None else 'baseline'} report"
    if config.endpoint_name:
        title += f" — {config.endpoint_name}"
    html = render_report(
        documents[STATISTICS_FILE],
        documents[CONSTRAINTS_FILE],
        violations,
        baseline_document(config.baseline_statistics, "statistics"),
        title,
        message=COMPLETED if violations is None else completion_message(len(violations)),
        baseline_constraints=baseline_document(config.baseline_constraints, "constraints"),
    )
    path = write_atomic(config.output_path / REPORT_FILE, html)
    log.info("Write to file %s at path %s.", REPORT_FILE, config.output_path)
    return path


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
