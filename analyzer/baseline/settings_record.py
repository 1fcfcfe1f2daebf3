"""Analyzer settings in constraints.json: written by a baseline, read back by a monitoring run.

A monitoring run profiles the current data with the sketch settings its baseline was made with, so
the two are comparable. A knob set explicitly (flag or environment key) wins over the baseline's
value, with a warning when they differ; an explicit threshold also replaces the baseline's
``monitoring_config`` value for the checks.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from analyzer.baseline.baseline import JsonReader, MonitoringConfig, load_json
from analyzer.config.settings import KNOB, THRESHOLDS, AnalyzerSettings, check_value

log = logging.getLogger("monitor_analyzer.settings")

SETTINGS_KEY = "analyzer_settings"
_KEY = f"monitoring_config.{SETTINGS_KEY}"


def recorded_settings(constraints_path: Path) -> dict:
    """``monitoring_config.analyzer_settings`` of a baseline; empty for the prebuilt analyzer's files."""
    reader = JsonReader(constraints_path)
    document = load_json(constraints_path, "constraints")
    config = reader.obj(document.get("monitoring_config"), "monitoring_config")
    recorded = reader.obj(config.get(SETTINGS_KEY), _KEY)
    values = {}
    for name, raw in recorded.items():
        knob = KNOB.get(name)
        if knob is None or not knob.recorded:
            # A newer analyzer's knob, or a hand edit: the rest of the baseline still applies.
            log.warning("%s: '%s.%s' is not an analyzer setting; ignored", constraints_path, _KEY, name)
            continue
        where = f"{constraints_path}: '{_KEY}.{name}'"
        values[name] = check_value(name, reader.number(raw, f"{_KEY}.{name}"), where, raw)
    return values


def resolve_settings(explicit: dict, constraints_path: Path | None) -> AnalyzerSettings:
    """Explicit knobs, else the baseline's recorded ones, else the defaults."""
    recorded = recorded_settings(constraints_path) if constraints_path is not None else {}
    defaults = AnalyzerSettings()
    for name, value in explicit.items():
        used = recorded.get(name, getattr(defaults, name))
        if constraints_path is not None and KNOB[name].recorded and value != used:
            log.warning(
                "%s=%s differs from the baseline's %s (%s): the current data is profiled with %s, so its "
                "sketches are not made like the baseline's",
                name,
                value,
                name,
                used,
                value,
            )
    return AnalyzerSettings(**{**recorded, **explicit})


def override_thresholds(config: MonitoringConfig, explicit: dict) -> MonitoringConfig:
    """The baseline's thresholds, with the explicitly set ones in their place."""
    given = {name: explicit[name] for name in THRESHOLDS if name in explicit}
    for name, value in given.items():
        if getattr(config, name) != value:
            log.warning("%s=%s replaces the baseline's %s for this run", name, value, getattr(config, name))
    return replace(config, **given)


def record_settings(constraints: dict, settings: AnalyzerSettings, explicit: dict) -> dict:
    """Explicitly set thresholds into the suggested monitoring_config values (the others keep what
    the suggestion chose, e.g. a drift method's own default threshold); non-default sketch and
    suggestion knobs under ``analyzer_settings`` (absent with the defaults: those files stay
    byte-identical)."""
    config = constraints["monitoring_config"]
    drift = config["distribution_constraints"]
    for name in THRESHOLDS:
        if name in explicit:
            target = drift if name in drift else config
            target[name] = getattr(settings, name)
    recorded = settings.recorded()
    if recorded:
        config[SETTINGS_KEY] = recorded
    return constraints
