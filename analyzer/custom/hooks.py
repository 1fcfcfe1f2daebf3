"""Where custom metrics meet a data-quality job: validation, the task state, reports, checks, metrics."""

from __future__ import annotations

import logging
import pickle
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline.baseline import Baseline
from analyzer.common.errors import ConfigError, ScriptError
from analyzer.custom import reports
from analyzer.custom.definitions import load_definitions
from analyzer.custom.state import CustomMetrics, Key
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile

log = logging.getLogger("monitor_analyzer.custom")


def script_of(config) -> str | None:
    # Absolute: Spark tasks load the script by path, whatever their working directory.
    return str(Path(config.custom_metrics_script).resolve()) if config.custom_metrics_script else None


def validate(config) -> None:
    """Before any data is read: the script loads and defines valid metrics."""
    script = script_of(config)
    if script and config.analysis_type != "DATA_QUALITY":
        raise ConfigError(
            "custom_metrics_script applies to data-quality jobs only (analysis_type DATA_QUALITY)"
        )
    if script:
        # init() and the pickling of its states, here once, so a task never fails on them first.
        probe = pickle.loads(pickle.dumps(CustomMetrics(script)))
        if probe.failure:
            raise ScriptError(probe.failure)


def check_baseline(config, constraints: Path) -> None:
    """A baseline's custom constraints parse, and come with the script that computes them."""
    if reports.load_custom_constraints(constraints) and not script_of(config):
        raise ConfigError(
            f"{constraints} has {reports.CONSTRAINTS_KEY} but no custom_metrics_script (--metrics-script) "
            "was given to compute them"
        )


@dataclass(frozen=True)
class ProfileFactory:
    """A fresh DatasetProfile per task, with the custom states when there is a script (picklable:
    settings and a path)."""

    settings: ProfileSettings
    script: str | None = None

    def __call__(self) -> DatasetProfile:
        return DatasetProfile(self.settings, custom=CustomMetrics(self.script) if self.script else None)


def state_factory(config, settings: ProfileSettings) -> ProfileFactory:
    return ProfileFactory(settings, script_of(config))


def add_to_reports(
    profile: DatasetProfile, statistics: dict, constraints: dict, excluded: set[str]
) -> dict[Key, float] | None:
    """Adds ``custom`` to statistics and ``custom_constraints`` to constraints; the results, or None
    when the job has no metrics script."""
    if profile.custom is None:
        return None
    definitions = load_definitions(profile.custom.script)
    results = {k: v for k, v in profile.custom.results().items() if k[0] not in excluded}
    order = [f["name"] for f in statistics["features"]]
    # A feature the data lacks (a typo, another data set's name) gives NaN: say why, once per feature.
    for feature in sorted({k[0] for k in results if k[0] is not None and k[0] not in order}):
        log.warning("custom metrics of feature %s are NaN: the data has no column %s", feature, feature)
    statistics[reports.CUSTOM_KEY] = reports.statistics_section(definitions, results, order)
    constraints[reports.CONSTRAINTS_KEY] = reports.suggest_constraints(definitions, results)
    return results


def violations(
    config, baseline: Baseline, results: dict[Key, float] | None, excluded: set[str]
) -> list[dict]:
    if results is None or not baseline.config.evaluate_constraints:
        return []
    constraints = reports.load_custom_constraints(Path(config.baseline_constraints))
    # A feature switched off is not judged on its custom metrics either.
    unjudged = {f.name for f in baseline.features if not f.evaluate_constraints}
    return reports.check(constraints, results, script_of(config), excluded | unjudged)


def metrics(
    config, baseline: Baseline, results: dict[Key, float] | None, timestamp: str, dims: list[dict]
) -> list[dict]:
    """CloudWatch records, stamped and dimensioned as the data set's feature records."""
    if results is None or not baseline.config.emit_metrics:
        return []
    silenced = {f.name for f in baseline.features if not f.emit_metrics}
    return reports.cloudwatch_records(load_definitions(script_of(config)), results, timestamp, dims, silenced)
