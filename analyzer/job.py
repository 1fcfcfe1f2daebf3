"""One analysis job, from a JobConfig to the files in output_path and the completion message."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.contract import JobConfig
from analyzer.errors import ConfigError, InputError, ScriptError
from analyzer.formats import PARQUET
from analyzer.ledger import Ledger
from analyzer.profile.column import ProfileSettings
from analyzer.profile_job import run_profile
from analyzer.scripts import load_postprocessor, load_preprocessor
from analyzer.statistics import build_statistics
from analyzer.suggest import SuggestSettings, suggest_constraints
from analyzer.writers import write_json

log = logging.getLogger("monitor_analyzer.job")

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
COMPLETED = "Completed: Job completed successfully with no violations."


@dataclass
class JobResult:
    statistics: dict
    constraints: dict
    ledger: Ledger
    message: str
    outputs: list[Path]
    seconds: float


def check_scope(config: JobConfig) -> None:
    if config.analysis_type == "MODEL_QUALITY":
        raise ConfigError("analysis_type MODEL_QUALITY is not supported by this version of the analyzer")
    if config.is_monitoring:
        raise ConfigError(
            "baseline_constraints/baseline_statistics were given, but this version of the analyzer only "
            "suggests baselines; remove them to run a baseline job"
        )


def validate_scripts(config: JobConfig) -> None:
    """Fail before any data is read when a script is missing its handler (as the prebuilt image does)."""
    if config.record_preprocessor_script:
        if config.dataset_format.kind == PARQUET:
            raise ConfigError("Preprocessor script not supported for format parquet")
        load_preprocessor(str(config.record_preprocessor_script))
    if config.post_analytics_processor_script:
        load_postprocessor(str(config.post_analytics_processor_script))


def log_accounting(ledger: Ledger, item_count: int) -> None:
    log.info(
        "Records read: %d, analyzed: %d (%d rows), dropped: %d, skipped: %d",
        ledger.records_read,
        ledger.records_analyzed,
        item_count,
        ledger.records_dropped,
        ledger.records_skipped,
    )
    for reason, count in sorted(ledger.dropped.items()):
        log.info("  dropped %d record(s): %s", count, reason)
    for reason, count in sorted(ledger.skipped.items()):
        log.warning("  skipped %d record(s): %s", count, reason)
    for example in ledger.describe_examples():
        log.warning("  skipped %s", example)


def run_job(config: JobConfig, spark=None, settings: ProfileSettings | None = None) -> JobResult:
    started = time.monotonic()
    check_scope(config)
    validate_scripts(config)
    if spark is None:
        from analyzer.spark import get_session

        spark = get_session()
    preprocessor = str(config.record_preprocessor_script) if config.record_preprocessor_script else None
    profile = run_profile(spark, config.dataset_source, config.dataset_format, preprocessor, settings)
    ledger = profile.ledger
    log_accounting(ledger, profile.item_count)
    if profile.item_count == 0:
        raise InputError(
            f"No records to analyze under {config.dataset_source}: read {ledger.records_read}, "
            f"dropped {ledger.records_dropped}, skipped {ledger.records_skipped}"
        )
    statistics = build_statistics(profile)
    constraints = suggest_constraints(statistics, SuggestSettings(config.categorical_drift_method))
    outputs = []
    for name, document in ((STATISTICS_FILE, statistics), (CONSTRAINTS_FILE, constraints)):
        outputs.append(write_json(config.output_path / name, document))
        log.info("Write to file %s at path %s.", name, config.output_path)
    if config.post_analytics_processor_script:
        log.info("Running postprocess_handler from %s", config.post_analytics_processor_script)
        postprocess = load_postprocessor(str(config.post_analytics_processor_script))
        try:
            postprocess()
        except Exception as e:
            raise ScriptError(
                f"postprocess_handler in {config.post_analytics_processor_script} raised "
                f"{type(e).__name__}: {' '.join(str(e).split())}"
            ) from e
    seconds = time.monotonic() - started
    log.info("Analysis finished in %.1f s", seconds)
    return JobResult(statistics, constraints, ledger, COMPLETED, outputs, seconds)
