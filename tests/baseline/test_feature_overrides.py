"""Per-feature monitoring switches set with the real SageMaker Python SDK, honoured by a monitoring run.

A baseline job (real local Spark) writes constraints.json; the SDK's own ``Constraints`` reads it
(``from_file_path``, through a real HTTP emulator of S3), switches features off and ``save()``s it;
the saved file then drives a monitoring run on data that breaks every switched feature in its own
way (completeness and drift, domain and drift, data type, a missing column). The pinned v2 runs in
this process; the current v3 runs in .venv-sdk3 (``make sdk3``) as a subprocess.

``set_monitoring`` only switches ``evaluate_constraints`` and only in one spelling; the other two
spellings and ``emit_metrics`` have no SDK call, so they are written into the SDK object's
``body_dict`` before its ``save()``, as a user of the SDK would.
"""

from __future__ import annotations

import json
import logging
import random
import re
import subprocess
from pathlib import Path

import pytest

from analyzer.baseline.baseline import BaselineError, load_baseline
from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job
from tests.conftest import ROOT
from tests.helpers.aws import moto_server
from tests.helpers.capture import read_metrics

CSV = DatasetFormat(kind="csv", header=True)
BUCKET = "feature-overrides"
TYPE, COMPLETENESS, DRIFT = "data_type_check", "completeness_check", "baseline_drift_check"
MISSING, VALUES = "missing_column_check", "categorical_values_check"
EVALUATE, EMIT = "evaluate_constraints", "emit_metrics"
SDK_SPELLING, DOCS_SPELLING, NESTED_SPELLING = (
    "monitoring_config_overrides",
    "monitoringConfigOverrides",
    "string_constraints.monitoring_config_overrides",
)
# What each feature violates on the drifted data with no switch set (test_reference_run asserts it).
WOULD_VIOLATE = {
    "x": {COMPLETENESS, DRIFT},
    "cat": {VALUES, DRIFT},
    "t": {TYPE},
    "gone": {MISSING},
    "y": {DRIFT},
}
SWITCHED = ("x", "cat", "t", "gone")  # y is the control: it must keep violating and emitting
METRIC_PREFIXES = ("feature_non_null_", "feature_data_", "feature_baseline_drift_")
SDK3_PYTHON = ROOT / ".venv-sdk3" / "bin" / "python"


def write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(rows[0])
    lines = [",".join(names)] + [",".join(str(row[n]) for n in names) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def baseline_rows(rng: random.Random, n: int) -> list[dict]:
    return [
        {
            "y": f"{rng.uniform(0, 100):.2f}",
            "x": f"{rng.gauss(50, 10):.2f}",
            "cat": rng.choices("abc", [5, 3, 2])[0],
            "t": rng.randint(0, 9),
            "gone": rng.randint(0, 100),
        }
        for _ in range(n)
    ]


def drifted_rows(rng: random.Random, n: int) -> list[dict]:
    return [
        {
            "y": f"{rng.uniform(60, 160):.2f}",
            "x": "" if rng.random() < 0.3 else f"{rng.gauss(80, 10):.2f}",
            "cat": rng.choices("azw", [2, 4, 4])[0],
            "t": rng.choice(["n/a", "unknown"]),
        }
        for _ in range(n)
    ]


@pytest.fixture(scope="module")
def files(spark, tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("overrides")
    rng = random.Random(14)
    write_csv(tmp / "base" / "a.csv", baseline_rows(rng, 600))
    write_csv(tmp / "current" / "b.csv", drifted_rows(rng, 600))
    run_job(JobConfig(tmp / "base", CSV, tmp / "baseline"), spark=spark)
    return {"tmp": tmp, "current": tmp / "current", "baseline": tmp / "baseline"}


def monitor(spark, files: dict[str, Path], constraints: Path, name: str) -> tuple[list[tuple], list[dict]]:
    """(violations as (feature, check type), CloudWatch records read from the file written)."""
    out = files["tmp"] / name
    result = run_job(
        JobConfig(
            files["current"],
            CSV,
            out / "report",
            baseline_constraints=constraints,
            baseline_statistics=files["baseline"] / "statistics.json",
            publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=out / "cloudwatch",
            endpoint_name="ep",
            schedule_name="hourly",
        ),
        spark=spark,
    )
    written = json.loads((out / "report" / "constraint_violations.json").read_text(encoding="utf-8"))
    assert written["violations"] == result.violations
    return [(v["feature_name"], v["constraint_check_type"]) for v in result.violations], read_metrics(
        out / "cloudwatch"
    )


def metric_features(records: list[dict]) -> dict[str, set[str]]:
    """feature -> the record names it has."""
    by_feature: dict[str, set[str]] = {}
    for r in records:
        prefix = next(p for p in METRIC_PREFIXES if r["MetricName"].startswith(p))
        by_feature.setdefault(r["MetricName"][len(prefix) :], set()).add(r["MetricName"])
    return by_feature


def card_notes(files: dict[str, Path], name: str) -> dict[str, str]:
    """feature -> the notes of its report.html card."""
    html = (files["tmp"] / name / "report" / "report.html").read_text(encoding="utf-8")
    cards = re.findall(r'<section class="card[^"]*" id="[^"]*" data-feature="([^"]*)">(.*?)</section>', html)
    return {feature: " ".join(re.findall(r'<p class="note">(.*?)</p>', body)) for feature, body in cards}


def kinds(violations: list[tuple]) -> dict[str, set[str]]:
    by_feature: dict[str, set[str]] = {}
    for feature, kind in violations:
        by_feature.setdefault(feature, set()).add(kind)
    return by_feature


@pytest.fixture(scope="module")
def reference(spark, files):
    return monitor(spark, files, files["baseline"] / "constraints.json", "reference")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """The SDK v2 session, its S3 a moto_server on loopback (the v3 subprocess inherits it too)."""
    with moto_server(tmp_path_factory.mktemp("moto"), SAGEMAKER_SUPPRESS_V2_WARNING="1"):
        import boto3
        from sagemaker.session import Session

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield Session(boto_session=boto3.Session(region_name="us-east-1"), default_bucket=BUCKET)


def feature_of(document: dict, name: str) -> dict:
    return next(f for f in document["features"] if f["name"] == name)


def write_switch(feature: dict, spelling: str, switch: str) -> None:
    holder = feature.setdefault("string_constraints", {}) if spelling == NESTED_SPELLING else feature
    holder.setdefault(spelling.rpartition(".")[2], {})[switch] = "Disabled"


def switched_with_sdk_v2(session, source: Path, target: Path, spelling: str, switch: str) -> dict:
    from sagemaker.model_monitor import Constraints

    constraints = Constraints.from_file_path(str(source), sagemaker_session=session)
    for name in SWITCHED:
        if (spelling, switch) == (SDK_SPELLING, EVALUATE):
            constraints.set_monitoring(False, name)
        else:
            write_switch(feature_of(constraints.body_dict, name), spelling, switch)
    saved = Constraints.from_s3_uri(constraints.save(), sagemaker_session=session).body_dict
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(saved), encoding="utf-8")
    return saved


def test_reference_run_violates_and_emits_for_every_feature(reference):
    violations, records = reference
    assert kinds(violations) == WOULD_VIOLATE
    emitting = metric_features(records)
    assert set(emitting) == {"x", "cat", "t", "y"}  # gone: no column, no record
    assert emitting["x"] == {"feature_non_null_x", "feature_data_x", "feature_baseline_drift_x"}
    assert "feature_baseline_drift_cat" in emitting["cat"]


def test_sdk_v2_set_monitoring_writes_the_feature_level_snake_case_spelling(session, files, tmp_path):
    saved = switched_with_sdk_v2(
        session, files["baseline"] / "constraints.json", tmp_path / "c.json", SDK_SPELLING, EVALUATE
    )
    for name in SWITCHED:
        assert feature_of(saved, name)["monitoring_config_overrides"] == {"evaluate_constraints": "Disabled"}
    assert "monitoring_config_overrides" not in feature_of(saved, "y")
    assert saved["monitoring_config"]["evaluate_constraints"] == "Enabled"


def monitor_switched(spark, session, files, name: str, spelling: str, switch: str):
    """The baseline's constraints with the switched features set off by the SDK v2 in ``spelling``,
    then the monitoring run on the drifted data."""
    path = files["tmp"] / name / "constraints.json"
    switched_with_sdk_v2(session, files["baseline"] / "constraints.json", path, spelling, switch)
    return monitor(spark, files, path, name)


@pytest.mark.parametrize("spelling", [SDK_SPELLING, DOCS_SPELLING, NESTED_SPELLING])
def test_evaluate_constraints_disabled_silences_every_check_of_the_feature_only(
    spark, session, files, reference, spelling
):
    name = f"evaluate-{spelling}"
    violations, records = monitor_switched(spark, session, files, name, spelling, EVALUATE)
    assert kinds(violations) == {"y": WOULD_VIOLATE["y"]}
    # Evaluation off is not metrics off: the drift distance of a switched feature is still sent.
    assert metric_features(records) == metric_features(reference[1])
    notes = card_notes(files, name)
    assert set(notes) == set(WOULD_VIOLATE)
    for feature in SWITCHED:  # a clean card must not read as a passed check
        assert "not checked (evaluate_constraints Disabled for this feature)" in notes[feature]
    assert "Disabled" not in notes["y"]


@pytest.mark.parametrize("spelling", [SDK_SPELLING, DOCS_SPELLING, NESTED_SPELLING])
def test_emit_metrics_disabled_drops_every_record_of_the_feature_only(
    spark, session, files, reference, spelling
):
    name = f"emit-{spelling}"
    violations, records = monitor_switched(spark, session, files, name, spelling, EMIT)
    emitting = metric_features(records)
    assert set(emitting) == {"y"}
    assert emitting["y"] == metric_features(reference[1])["y"]
    assert sorted(violations) == sorted(reference[0])  # metrics off is not evaluation off
    notes = card_notes(files, name)
    for feature in SWITCHED:
        assert "no CloudWatch records (emit_metrics Disabled for this feature)" in notes[feature]


def test_sdk_v3_set_monitoring_is_honoured(spark, session, files, tmp_path):
    assert SDK3_PYTHON.is_file(), (
        f"{SDK3_PYTHON} is missing: run `make sdk3` (make test builds it) to install the SageMaker SDK v3"
    )
    path = tmp_path / "v3" / "constraints.json"
    path.parent.mkdir()
    done = subprocess.run(
        [
            str(SDK3_PYTHON),
            str(Path(__file__).with_name("sdk3_set_monitoring.py")),
            str(files["baseline"] / "constraints.json"),
            BUCKET,
            str(path),
            *SWITCHED,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1].split(".")[0] == "2"  # sagemaker-core 2.x is SDK v3's core
    saved = json.loads(path.read_text(encoding="utf-8"))
    for name in SWITCHED:
        assert feature_of(saved, name)["monitoring_config_overrides"] == {"evaluate_constraints": "Disabled"}
    violations, _ = monitor(spark, files, path, "v3")
    assert kinds(violations) == {"y": WOULD_VIOLATE["y"]}


# -- precedence between spellings (no Spark: what load_baseline resolves) -----------------------------
def load_one(tmp_path: Path, feature: dict):
    path = tmp_path / "constraints.json"
    path.write_text(json.dumps({"features": [{"name": "f", "inferred_type": "String", **feature}]}))
    return load_baseline(path).features[0]


def test_sdk_switch_wins_over_the_enabled_a_prebuilt_baseline_writes(tmp_path, caplog):
    from sagemaker.model_monitor import Constraints

    # Prebuilt-analyzer baselines say Enabled in string_constraints; the SDK then switches off.
    prebuilt = {
        "features": [
            {
                "name": "f",
                "inferred_type": "String",
                "string_constraints": {
                    "domains": ["a"],
                    "monitoring_config_overrides": {
                        "evaluate_constraints": "Enabled",
                        "emit_metrics": "Enabled",
                    },
                },
            }
        ],
        "monitoring_config": {"evaluate_constraints": "Enabled"},
    }
    constraints = Constraints(prebuilt, constraints_file_s3_uri=None)
    constraints.set_monitoring(False, "f")
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.baseline"):
        feature = load_one(
            tmp_path, {k: v for k, v in constraints.body_dict["features"][0].items() if k != "name"}
        )
    assert (feature.evaluate_constraints, feature.emit_metrics) == (False, True)
    assert [r.getMessage() for r in caplog.records] == [
        "feature f: monitoring_config_overrides=Disabled, string_constraints.monitoring_config_overrides=Enabled "
        "disagree on evaluate_constraints; using Disabled from monitoring_config_overrides (precedence: "
        "monitoring_config_overrides > monitoringConfigOverrides > string_constraints.monitoring_config_overrides)"
    ]


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ({SDK_SPELLING: "Disabled", DOCS_SPELLING: "Enabled", NESTED_SPELLING: "Enabled"}, False),
        ({SDK_SPELLING: "Enabled", DOCS_SPELLING: "Disabled", NESTED_SPELLING: "Disabled"}, True),
        ({DOCS_SPELLING: "Disabled", NESTED_SPELLING: "Enabled"}, False),
        ({DOCS_SPELLING: "Enabled", NESTED_SPELLING: "Disabled"}, True),
        ({NESTED_SPELLING: "Disabled"}, False),
        ({}, True),
    ],
)
@pytest.mark.parametrize("switch", [EVALUATE, EMIT])
def test_precedence_is_sdk_then_docs_then_nested_key_by_key(tmp_path, present, expected, switch):
    feature: dict = {}
    for spelling, value in present.items():
        write_switch(feature, spelling, switch)
        holder = feature["string_constraints"] if spelling == NESTED_SPELLING else feature
        holder[spelling.rpartition(".")[2]][switch] = value
    other = EMIT if switch == EVALUATE else EVALUATE
    feature.setdefault(NESTED_SPELLING.split(".")[0], {}).setdefault(SDK_SPELLING, {})[other] = "Disabled"
    loaded = load_one(tmp_path, feature)
    assert getattr(loaded, switch) is expected
    assert getattr(loaded, other) is False  # the other key still comes from the lowest spelling


def test_an_override_key_nothing_acts_on_is_logged_not_silently_dropped(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="monitor_analyzer.baseline"):
        loaded = load_one(tmp_path, {DOCS_SPELLING: {"evaluate_constraint": "Disabled"}})
    assert loaded.evaluate_constraints is True
    assert [r.getMessage() for r in caplog.records] == [
        "feature f: monitoringConfigOverrides.evaluate_constraint is ignored: a feature override honours only "
        "evaluate_constraints and emit_metrics"
    ]


@pytest.mark.parametrize("spelling", [SDK_SPELLING, DOCS_SPELLING, NESTED_SPELLING])
def test_a_bad_value_fails_naming_its_spelling_even_when_outranked(tmp_path, spelling):
    feature: dict = {SDK_SPELLING: {EVALUATE: "Enabled"}} if spelling != SDK_SPELLING else {}
    write_switch(feature, spelling, EVALUATE)
    holder = feature["string_constraints"] if spelling == NESTED_SPELLING else feature
    holder[spelling.rpartition(".")[2]][EVALUATE] = "Off"
    with pytest.raises(BaselineError, match=rf"'features\[0\]\.{spelling}\.evaluate_constraints' must be"):
        load_one(tmp_path, feature)
