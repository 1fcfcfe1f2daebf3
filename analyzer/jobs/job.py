"""One analysis job, from a JobConfig to the files in output_path and the completion message: the
checks every kind shares, the kind chosen, its reports published as one set, the postprocessor."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

from analyzer.common.errors import ConfigError, OutputError, ScriptError, TooManySkipped
from analyzer.config.contract import DATA_QUALITY, MODEL_QUALITY, JobConfig
from analyzer.config.formats import PARQUET
from analyzer.config.output_names import REPORT_FILE
from analyzer.config.scripts import load_postprocessor, load_preprocessor
from analyzer.config.segments import NO_SPLIT
from analyzer.custom import hooks as custom
from analyzer.files.path_overlap import check_apart
from analyzer.jobs.data_quality import run_data_quality_job
from analyzer.jobs.ending import COMPLETED, JobResult, completion_message, write_reports
from analyzer.jobs.merge import run_merge_job
from analyzer.jobs.quality_job import run_quality_job
from analyzer.jobs.segmented_job import run_segmented_job
from analyzer.profiling.column import ProfileSettings
from analyzer.readers.skip_policy import check_policy
from analyzer.report.publish import ReportSet, staged_files

__all__ = ["COMPLETED", "REPORT_FILE", "JobResult", "completion_message", "run_job", "write_reports"]

log = logging.getLogger("monitor_analyzer.job")


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
        return run_merge_job(config, spark=spark, engine=engine)
    check_scope(config)
    validate_scripts(config)
    if config.split_by != NO_SPLIT:
        return run_segmented_job(config, spark=spark, settings=settings, engine=engine, started=started)
    if config.analysis_type == MODEL_QUALITY:
        return run_quality_job(config, spark=spark, engine=engine, started=started)
    return run_data_quality_job(config, spark, settings, engine, started)


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
