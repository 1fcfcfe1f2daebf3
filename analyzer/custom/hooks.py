"""Where custom metrics meet a data-quality job: validation, the task state, reports, checks, metrics."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline import Baseline
from analyzer.cloudwatch import dimensions, metric_timestamp
from analyzer.custom import reports
from analyzer.custom.definitions import load_definitions
from analyzer.custom.state import CustomMetrics, Key
from analyzer.errors import ConfigError, ScriptError
from analyzer.profile.column import ProfileSettings
from analyzer.profile.dataset import DatasetProfile


def script_of(config) -> str | None:
    # Absolute: Spark tasks load the script by path, whatever their working directory.
    return str(Path(config.custom_metrics_script).resolve()) if config.custom_metrics_script else None


def validate(config) -> None:
    """Before any data is read: the script loads and defines valid metrics, the baseline's custom
    constraints parse, and a baseline with custom constraints comes with the script that computes them."""
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
    if config.analysis_type == "DATA_QUALITY" and config.baseline_constraints is not None:
        path = Path(config.baseline_constraints)
        if path.is_file() and reports.load_custom_constraints(path) and not script:
            raise ConfigError(
                f"{path} has {reports.CONSTRAINTS_KEY} but no custom_metrics_script (--metrics-script) "
                "was given to compute them"
            )


@dataclass(frozen=True)
class CustomProfileFactory:
    """A fresh DatasetProfile with custom states per task (picklable: settings and a path)."""

    settings: ProfileSettings
    script: str

    def __call__(self) -> DatasetProfile:
        return DatasetProfile(self.settings, custom=CustomMetrics(self.script))


def state_factory(config, settings: ProfileSettings | None) -> CustomProfileFactory | None:
    script = script_of(config)
    return CustomProfileFactory(settings or ProfileSettings(), script) if script else None


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
    statistics[reports.CUSTOM_KEY] = reports.statistics_section(definitions, results, order)
    constraints[reports.CONSTRAINTS_KEY] = reports.suggest_constraints(definitions, results)
    return results


def violations(
    config, baseline: Baseline, results: dict[Key, float] | None, excluded: set[str]
) -> list[dict]:
    if results is None or not baseline.config.evaluate_constraints:
        return []
    constraints = reports.load_custom_constraints(Path(config.baseline_constraints))
    return reports.check(constraints, results, script_of(config), excluded)


def metrics(config, baseline: Baseline, results: dict[Key, float] | None, existing: list[dict]) -> list[dict]:
    """CloudWatch records, stamped and dimensioned as the job's ``existing`` feature records."""
    if results is None or not baseline.config.emit_metrics:
        return []
    timestamp = (
        existing[0]["Timestamp"] if existing else metric_timestamp(config.metric_time, config.end_time)
    )
    dims = dimensions(config.endpoint_name, config.schedule_name)
    silenced = {f.name for f in baseline.features if not f.emit_metrics}
    return reports.cloudwatch_records(load_definitions(script_of(config)), results, timestamp, dims, silenced)
