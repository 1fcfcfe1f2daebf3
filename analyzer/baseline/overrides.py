"""A baseline feature's two monitoring switches, from whichever of the three spellings carry them.

Three writers disagree on where a feature's ``evaluate_constraints`` / ``emit_metrics`` go:

1. ``features[i].monitoring_config_overrides``: what the SageMaker Python SDK's
   ``Constraints.set_monitoring(False, feature_name)`` writes (v2.257.7, checked in its source);
2. ``features[i].monitoringConfigOverrides``: the spelling of AWS's constraints.json documentation;
3. ``features[i].string_constraints.monitoring_config_overrides``: the spelling of the SDK's test
   fixture and of baselines from the prebuilt analyzer (written there as ``Enabled``).

All three are honoured, key by key, in that order of precedence. The order follows how a file gets
edited: a baseline job writes (3), a person following the docs edits (2), and the SDK call, the one
programmatic edit, writes (1). So switching a feature off with the SDK works on a prebuilt baseline
that says ``Enabled`` in (3). When spellings disagree the winner is logged, and keys the analyzer
does not act on are logged too: an override that is silently ignored is a silently wrong answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from analyzer.baseline.json_reader import JsonReader

log = logging.getLogger("monitor_analyzer.baseline")

EVALUATE, EMIT = "evaluate_constraints", "emit_metrics"
SWITCHES = (EVALUATE, EMIT)
# Highest precedence first: (key path inside the feature, how logs and errors name it).
SPELLINGS = (
    (("monitoring_config_overrides",), "monitoring_config_overrides"),
    (("monitoringConfigOverrides",), "monitoringConfigOverrides"),
    (("string_constraints", "monitoring_config_overrides"), "string_constraints.monitoring_config_overrides"),
)


@dataclass(frozen=True)
class FeatureSwitches:
    evaluate_constraints: bool = True
    emit_metrics: bool = True


def _spelling(feature: dict, path: tuple[str, ...], key: str, reader: JsonReader) -> dict:
    node: Any = feature
    for i, step in enumerate(path):
        node = reader.obj(node.get(step), f"{key}.{'.'.join(path[: i + 1])}")
    return node


def resolve_switches(feature: dict, key: str, reader: JsonReader) -> tuple[FeatureSwitches, list[str]]:
    """(the switches, what to warn about: disagreements and ignored keys). ``feature``: one
    ``features[i]`` object of constraints.json; ``key``: its path for error messages."""
    name = feature.get("name")
    warnings = []
    found: dict[str, list[tuple[str, bool]]] = {switch: [] for switch in SWITCHES}
    for path, label in SPELLINGS:
        overrides = _spelling(feature, path, key, reader)
        for switch in SWITCHES:
            if switch in overrides:
                found[switch].append((label, reader.switch(overrides[switch], f"{key}.{label}.{switch}")))
        ignored = sorted(str(k) for k in overrides if k not in SWITCHES)
        if ignored:
            warnings.append(
                f"feature {name}: {label}.{', '.join(ignored)} is ignored: a feature override honours only "
                f"{' and '.join(SWITCHES)}"
            )
    resolved = {}
    for switch, values in found.items():
        if not values:
            continue
        winner_label, winner = values[0]
        resolved[switch] = winner
        if any(value != winner for _, value in values[1:]):
            warnings.append(
                f"feature {name}: {', '.join(f'{label}={on_off(value)}' for label, value in values)} disagree "
                f"on {switch}; using {on_off(winner)} from {winner_label} "
                f"(precedence: {' > '.join(label for _, label in SPELLINGS)})"
            )
    return FeatureSwitches(**resolved), warnings


def feature_switches(feature: dict, key: str, reader: JsonReader) -> FeatureSwitches:
    """The switches, each disagreement and ignored key logged (once: when the baseline loads)."""
    switches, warnings = resolve_switches(feature, key, reader)
    for warning in warnings:
        log.warning("%s", warning)
    return switches


def on_off(value: bool) -> str:
    return "Enabled" if value else "Disabled"
