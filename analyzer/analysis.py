"""The analysis of one data set, shared by the plain job and every segment of a split job.

Data flows one way: the job's knobs and a baseline resolve to DatasetSettings; the data set is
profiled with them; analyze_dataset turns (profile, settings) into statistics, constraints, with a
baseline the violations and CloudWatch records, and the documents to write.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from analyzer.baseline import Baseline, load_baseline
from analyzer.checks import run_checks
from analyzer.cloudwatch import build_metrics, metric_timestamp
from analyzer.cloudwatch_limits import publishable
from analyzer.contract import JobConfig
from analyzer.custom import hooks as custom
from analyzer.errors import ConfigError
from analyzer.profile.column import ProfileSettings
from analyzer.profile.dataset import DatasetProfile
from analyzer.settings import AnalyzerSettings
from analyzer.settings_record import override_thresholds, record_settings, resolve_settings
from analyzer.statistics import build_statistics
from analyzer.suggest import SuggestSettings, suggest_constraints

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"


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
