"""A model-quality job: metrics from predictions and ground truth, suggested constraints, violations.

Baselines read a CSV/JSON dataset with label and prediction columns; monitoring executions read
ground-truth-merged capture data (``sagemakerMergeJson``) and check ``baseline_constraints``. The
metrics come from one pass of the same Spark job that profiles data quality, with a
``QualityProfile`` as the state each task folds its rows into.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path

from analyzer.baseline.baseline import BaselineError, load_json
from analyzer.baseline.kind import MQ_STATISTICS, expect_kind
from analyzer.common.errors import ConfigError, InputError
from analyzer.config.contract import JobConfig
from analyzer.config.formats import CAPTURE, MERGE
from analyzer.config.output_names import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from analyzer.config.window import TimeWindow
from analyzer.jobs.ending import JobResult, finish, write_reports
from analyzer.profiling.engine import run_profile
from analyzer.profiling.statistics import dataset_section
from analyzer.quality import constraints as quality_constraints
from analyzer.quality.metrics import evaluate, scalar_metrics
from analyzer.quality.spec import METRICS_KEY, QualitySpec
from analyzer.quality.states import QualityProfile
from analyzer.readers.skip_policy import apply_skip_policy
from analyzer.report.cloudwatch import dimensions, metric_timestamp
from analyzer.report.cloudwatch_limits import publishable

log = logging.getLogger("monitor_analyzer.quality")


def quality_spec(config: JobConfig, problem_type: str | None, seed: int) -> QualitySpec:
    source = Path(config.dataset_source)
    if config.dataset_format.kind == CAPTURE:
        raise ConfigError(
            "Model quality needs ground truth: sagemakerCaptureJson data has none. Merge it with the "
            "ground truth first (monitor-analyzer merge) and read it as sagemakerMergeJson"
        )
    return QualitySpec(
        problem_type=problem_type,
        inference_attribute=config.inference_attribute,
        probability_attribute=config.probability_attribute,
        probability_threshold=config.probability_threshold,
        ground_truth_attribute=config.ground_truth_attribute,
        positive_label=config.positive_label,
        merged=config.dataset_format.kind == MERGE,
        seed=seed,
        data_root=str(source if source.is_dir() else source.parent),
    ).validate()


def check_statistics_kind(path: Path) -> None:
    """Model quality reads baseline statistics for report.html only, so an unreadable file just
    leaves them out (job.baseline_document says so); a data-quality one means the wrong baseline."""
    try:
        document = load_json(path, "statistics")
    except BaselineError:
        return
    expect_kind(document, path, MQ_STATISTICS)


def run_quality_job(
    config: JobConfig, spark=None, engine: str = "auto", started: float | None = None
) -> JobResult:
    started = started if started is not None else time.monotonic()
    baseline = None
    problem_type = config.problem_type
    if config.baseline_statistics is not None:
        check_statistics_kind(config.baseline_statistics)
    if config.baseline_constraints is not None:
        baseline = quality_constraints.load_constraints(config.baseline_constraints, problem_type)
        problem_type = baseline.problem_type
        log.info(
            "Checking %s model quality against %s (%d constraints)",
            problem_type,
            config.baseline_constraints,
            len(baseline.constraints),
        )
    spec = quality_spec(config, problem_type, config.seed)
    window = TimeWindow.of(config.start_time, config.end_time)
    profile: QualityProfile = run_profile(
        spark,
        config.dataset_source,
        config.dataset_format,
        str(config.record_preprocessor_script) if config.record_preprocessor_script else None,
        window=window,
        engine=engine,
        make_state=functools.partial(QualityProfile, spec),
        ground_truth=spec.merged,
        quarantine=config.quarantine,
    )
    quarantine = apply_skip_policy(config, profile.ledger, profile.item_count)
    if profile.missing_truth:
        log.info("  left out %d row(s) without ground truth", profile.missing_truth)
    if profile.missing_prediction:
        log.info("  left out %d row(s) without a prediction", profile.missing_prediction)
    if profile.item_count == 0:
        raise InputError(no_examples_message(config, spec, profile, window))
    metrics = evaluate(profile)
    values = scalar_metrics(metrics)
    statistics = {
        "version": 0.0,
        "dataset": dataset_section(profile.item_count, profile.ledger),
        METRICS_KEY[spec.problem_type]: metrics,
    }
    documents = [
        (STATISTICS_FILE, statistics),
        (CONSTRAINTS_FILE, quality_constraints.suggest(spec.problem_type, values)),
    ]
    violations = cloudwatch = None
    if baseline is not None:
        violations = quality_constraints.check(baseline, values)
        documents.append((VIOLATIONS_FILE, {"violations": violations}))
        if config.publish_cloudwatch_metrics:
            cloudwatch = model_metrics(config, values)
    outputs = write_reports(config, documents, cloudwatch) + ([quarantine] if quarantine else [])
    return finish(
        started,
        f"Model-quality analysis of {profile.item_count} examples",
        statistics=statistics,
        constraints=documents[1][1],
        ledger=profile.ledger,
        outputs=outputs,
        violations=violations,
        metrics=cloudwatch,
    )


def no_examples_message(config: JobConfig, spec: QualitySpec, profile: QualityProfile, window) -> str:
    where = f" in the window {window}" if window else ""
    if spec.merged and profile.rows and profile.missing_truth == profile.rows:
        return (
            f"No ground truth to evaluate: none of the {profile.rows} record(s){where} under "
            f"{config.dataset_source} carries groundTruthData. Merge the captures with the ground truth "
            "(monitor-analyzer merge) and check that labels were uploaded for this window"
        )
    ledger = profile.ledger
    return (
        f"No examples with both a prediction and ground truth{where} under {config.dataset_source}: "
        f"read {ledger.records_read} record(s), dropped {ledger.records_dropped}, skipped "
        f"{ledger.records_skipped}, {profile.missing_truth} without ground truth, "
        f"{profile.missing_prediction} without a prediction"
    )


def model_metrics(config: JobConfig, values: dict[str, float]) -> list[dict]:
    """One CloudWatch record per scalar metric, named as in statistics.json (``mae``, ``f2``, ...)."""
    timestamp = metric_timestamp(config.metric_time, config.end_time)
    dims = dimensions(config.endpoint_name, config.schedule_name)
    return publishable(
        [
            {"MetricName": name, "Timestamp": timestamp, "Dimensions": dims, "Value": value}
            for name, value in values.items()
            if value == value  # NaN: not computed (one class only, no scores), as the prebuilt leaves it out
        ]
    )
