"""A data-quality job over the whole dataset: profile it, suggest constraints, and with a baseline
check it."""

from __future__ import annotations

import logging

from analyzer.config.contract import JobConfig
from analyzer.custom import hooks as custom
from analyzer.jobs.analysis import analyze_dataset, profile_dataset, resolve_dataset
from analyzer.jobs.ending import JobResult, finish, write_reports
from analyzer.profiling.column import ProfileSettings
from analyzer.report.cloudwatch import dimensions

log = logging.getLogger("monitor_analyzer.job")


def run_data_quality_job(
    config: JobConfig, spark, settings: ProfileSettings | None, engine: str, started: float
) -> JobResult:
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
    return finish(
        started,
        "Analysis",
        statistics=analysis.statistics,
        constraints=analysis.constraints,
        ledger=profile.ledger,
        outputs=outputs,
        violations=analysis.violations,
        metrics=analysis.metrics,
    )
