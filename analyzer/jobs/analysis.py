"""The analysis of one data set, shared by the plain job and every segment of a split job.

Data flows one way: the job's knobs and a baseline resolve to DatasetSettings; the data set is
profiled with them; analyze_dataset turns (profile, settings) into statistics, constraints, with a
baseline the violations and CloudWatch records, and the documents to write.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.baseline.baseline import Baseline, load_baseline
from analyzer.baseline.settings_record import override_thresholds, record_settings, resolve_settings
from analyzer.checks.constraint_checks import run_checks
from analyzer.common.errors import ConfigError, InputError
from analyzer.config.contract import JobConfig
from analyzer.config.output_names import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from analyzer.config.settings import AnalyzerSettings
from analyzer.config.window import TimeWindow
from analyzer.custom import hooks as custom
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.engine import run_profile
from analyzer.profiling.statistics import build_statistics
from analyzer.readers.skip_policy import apply_skip_policy
from analyzer.report.cloudwatch import build_metrics, metric_timestamp
from analyzer.report.cloudwatch_limits import publishable
from analyzer.suggestions.suggest import SuggestSettings, suggest_constraints


@dataclass(frozen=True)
class DatasetSettings:
    """What one data set is profiled and judged with: explicit knobs over its baseline's recorded
    ones, the baseline (thresholds overridden) and the profile settings holding its domains."""

    analyzer: AnalyzerSettings
    profile: ProfileSettings
    explicit: dict
    baseline: Baseline | None = None


def resolve_dataset(
    config: JobConfig,
    constraints: Path | None,
    statistics: Path | None,
    settings: ProfileSettings | None = None,
) -> DatasetSettings:
    """``settings``: profile settings that replace the resolved ones (a caller's own, e.g. a test's)."""
    explicit = dict(config.analyzer_settings)
    analyzer = resolve_settings(explicit, constraints)
    profile = settings or analyzer.profile_settings()
    if constraints is None:
        return DatasetSettings(analyzer, profile, explicit)
    custom.check_baseline(config, constraints)
    baseline = load_baseline(constraints, statistics)
    baseline.config = override_thresholds(baseline.config, explicit)
    domains = tuple((f.name, f.domains) for f in baseline.features if f.domains)
    return DatasetSettings(analyzer, replace(profile, domains=domains), explicit, baseline)


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


@dataclass
class Analysis:
    statistics: dict
    constraints: dict
    documents: list[tuple[str, dict]]
    violations: list[dict] | None = None
    metrics: list[dict] | None = None
    # Monitoring runs: feature -> drift distance (or p-value), wherever it could be measured.
    drift: dict[str, float] | None = None


def suggested_constraints(config: JobConfig, statistics: dict, settings: DatasetSettings) -> dict:
    """constraints.json for ``statistics``: the job's drift methods, its suggestion knobs, and the
    explicitly set knobs recorded (so a monitoring run profiles its data the same way)."""
    suggest = SuggestSettings(config.categorical_drift_method, config.numerical_drift_method)
    constraints = suggest_constraints(statistics, settings.analyzer.suggest_settings(suggest))
    record_settings(constraints, settings.analyzer, settings.explicit)
    return constraints


def analyze_dataset(
    config: JobConfig, profile: DatasetProfile, settings: DatasetSettings, dims: list[dict]
) -> Analysis:
    """``config``: the job as this data set sees it (its baseline files); ``dims``: the CloudWatch
    dimensions of its records."""
    baseline = settings.baseline
    names = [c.name for c in profile.ordered_columns()]
    excluded = excluded_features(config, baseline.feature_names if baseline else names)
    for name in excluded:
        profile.columns.pop(name, None)
    statistics = build_statistics(profile)
    constraints = suggested_constraints(config, statistics, settings)
    custom_results = custom.add_to_reports(profile, statistics, constraints, excluded)
    documents = [(STATISTICS_FILE, statistics), (CONSTRAINTS_FILE, constraints)]
    if baseline is None:
        return Analysis(statistics, constraints, documents)
    checked = run_checks(baseline, profile, excluded)
    violations = [v.to_dict() for v in checked.violations]
    violations += custom.violations(config, baseline, custom_results, excluded)
    documents.append((VIOLATIONS_FILE, {"violations": violations}))
    metrics = None
    if config.publish_cloudwatch_metrics:
        timestamp = metric_timestamp(config.metric_time, config.end_time)
        metrics = build_metrics(baseline, profile, checked.drift, timestamp, dims, excluded)
        metrics += custom.metrics(config, baseline, custom_results, timestamp, dims)
        metrics = publishable(metrics)
    return Analysis(statistics, constraints, documents, violations, metrics, checked.drift)


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
