"""What a baseline document is, judged by its keys: so a file given in the wrong place fails by name.

A statistics.json given as the constraints, or a model-quality file in a data-quality run, used to
load with defaults or without features and end in "no violations": a run that checked nothing. The
readers call ``expect_kind`` first; it rejects a document only when its keys positively mark it as
another kind, so every legitimate file (the prebuilt analyzer's, older images', hand-edited ones with
keys missing) still reaches the reader, which names any malformed key itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.common.errors import ConfigError
from analyzer.config.problem_types import CONSTRAINTS_KEY, METRICS_KEY

DATA_QUALITY, MODEL_QUALITY = "data-quality", "model-quality"
STATISTICS, CONSTRAINTS = "statistics", "constraints"

# Keys only a feature of statistics.json has, and only a feature of constraints.json has.
_STATISTICS_FEATURE_KEYS = ("numerical_statistics", "string_statistics")
_CONSTRAINTS_FEATURE_KEYS = (
    "completeness",
    "num_constraints",
    "string_constraints",
    "monitoringConfigOverrides",
)
# SageMaker Clarify's analysis.json: the baseline of bias and explainability monitors.
_CLARIFY_KEYS = ("explanations", "pre_training_bias_metrics", "post_training_bias_metrics")


@dataclass(frozen=True)
class Kind:
    name: str  # how a message calls it: "a data-quality statistics.json"
    analysis: str | None = None  # DATA_QUALITY / MODEL_QUALITY for a Model Monitor baseline file
    role: str | None = None  # STATISTICS / CONSTRAINTS for a Model Monitor baseline file


DQ_STATISTICS = Kind("a data-quality statistics.json", DATA_QUALITY, STATISTICS)
DQ_CONSTRAINTS = Kind("a data-quality constraints.json", DATA_QUALITY, CONSTRAINTS)
MQ_STATISTICS = Kind("a model-quality statistics.json", MODEL_QUALITY, STATISTICS)
MQ_CONSTRAINTS = Kind("a model-quality constraints.json", MODEL_QUALITY, CONSTRAINTS)
CLARIFY_ANALYSIS = Kind("a SageMaker Clarify bias or explainability analysis.json")
VIOLATIONS = Kind("a constraint_violations.json, the result of a monitoring run")
UNKNOWN = Kind("an unrecognised document")


@dataclass(frozen=True)
class Recognized:
    kind: Kind
    evidence: str  # "it has dataset.item_count and features[].numerical_statistics"


def _feature_keys(document: dict, candidates: tuple[str, ...]) -> list[str]:
    features = document.get("features")
    if not isinstance(features, list):
        return []
    seen = {key for f in features if isinstance(f, dict) for key in f}
    return [k for k in candidates if k in seen]


def _has_item_count(document: dict) -> bool:
    dataset = document.get("dataset")
    return isinstance(dataset, dict) and "item_count" in dataset


def _data_quality_statistics(document: dict) -> str | None:
    keys = _feature_keys(document, _STATISTICS_FEATURE_KEYS)
    if keys:
        typed = (
            "features[].inferred_type with " if _feature_keys(document, ("inferred_type",)) else "features[]."
        )
        counted = "dataset.item_count and " if _has_item_count(document) else ""
        return f"it has {counted}{typed}{' / '.join(keys)}"
    if _has_item_count(document) and isinstance(document.get("features"), list):
        return "it has dataset.item_count and a features list"
    return None


def _data_quality_constraints(document: dict) -> str | None:
    found = _feature_keys(document, _CONSTRAINTS_FEATURE_KEYS)
    evidence = [f"features[].{k}" for k in found]
    if isinstance(document.get("monitoring_config"), dict):
        evidence.insert(0, "monitoring_config")
    return f"it has {', '.join(evidence)}" if evidence else None


def _top_level(document: dict, keys) -> str | None:
    found = [k for k in keys if k in document]
    return f"it has {', '.join(found)}" if found else None


def _violations(document: dict) -> str | None:
    return "it has violations[]" if isinstance(document.get("violations"), list) else None


_SIGNATURES = (
    (DQ_STATISTICS, _data_quality_statistics),
    (DQ_CONSTRAINTS, _data_quality_constraints),
    (MQ_STATISTICS, lambda d: _top_level(d, METRICS_KEY.values())),
    (MQ_CONSTRAINTS, lambda d: _top_level(d, CONSTRAINTS_KEY.values())),
    (CLARIFY_ANALYSIS, lambda d: _top_level(d, _CLARIFY_KEYS)),
    (VIOLATIONS, _violations),
)


def classify(document: dict) -> Recognized:
    """The one kind the document's keys point to; UNKNOWN when none or several do (a hybrid is left
    to the reader, which judges it key by key)."""
    matches = [(kind, evidence) for kind, sign in _SIGNATURES if (evidence := sign(document))]
    if len(matches) != 1:
        return Recognized(UNKNOWN, "; ".join(e for _, e in matches) or "no key of a known kind")
    return Recognized(*matches[0])


def flag(role: str) -> str:
    """How a baseline file is given: the CLI flag and the environment key."""
    return f"--baseline-{role} / baseline_{role}"


def run_kind(analysis: str) -> str:
    if analysis == MODEL_QUALITY:
        return "a model-quality run (--problem-type; analysis_type MODEL_QUALITY and problem_type)"
    return "a data-quality run (no --problem-type; analysis_type absent or DATA_QUALITY)"


def advice(found: Kind, expected: Kind) -> str:
    if found.analysis is None:
        return f"give the baseline job's {expected.role}.json as {flag(expected.role)}"
    if found == MQ_STATISTICS and expected == MQ_CONSTRAINTS:
        # Model quality checks metrics against the constraints alone; its statistics are optional.
        return f"a model-quality run checks the baseline's constraints.json: give it as {flag(CONSTRAINTS)}"
    if found.analysis == expected.analysis:
        return f"pass it as {flag(found.role)}"
    return f"it belongs to {run_kind(found.analysis)}; this {expected.analysis} run needs {expected.name}"


def expect_kind(document: dict, path, expected: Kind) -> None:
    """Fail (one line, naming the file and what it looks like) when ``document`` is clearly not
    ``expected``; an unrecognised document passes on to the reader."""
    found = classify(document)
    if found.kind in (expected, UNKNOWN):
        return
    raise BaselineKindError(
        f"baseline {expected.role} file {path} looks like {found.kind.name} ({found.evidence}): "
        f"{advice(found.kind, expected)}"
    )


class BaselineKindError(ConfigError):
    """A baseline file of another kind than its place asks for."""
