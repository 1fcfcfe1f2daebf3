"""Constraint suggestion (constraints.json) from hand-made statistics, with Deequ's rules."""

from __future__ import annotations

import pytest

from analyzer.config.drift_names import CHI_SQUARED, LINFINITY
from analyzer.config.formats import DatasetFormat
from analyzer.suggestions.suggest import (
    SuggestSettings,
    default_monitoring_config,
    suggest_constraints,
    suggest_domains,
)


def numeric(name: str, present: int, missing: int, minimum: float, kind: str = "Fractional") -> dict:
    return {
        "name": name,
        "inferred_type": kind,
        "numerical_statistics": {
            "common": {"num_present": present, "num_missing": missing},
            "mean": minimum,
            "sum": minimum * present,
            "std_dev": 0.0,
            "min": minimum,
            "max": minimum + 1,
            "distribution": {
                "kll": {"buckets": [], "sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": []}}
            },
        },
    }


def string(name: str, counts: dict[str, int] | None, missing: int = 0, present: int | None = None) -> dict:
    if present is None:
        present = sum(counts.values()) if counts else 0
    stats: dict = {"common": {"num_present": present, "num_missing": missing}, "distinct_count": 0.0}
    if counts is not None:
        stats["distinct_count"] = float(len(counts))
        ordered = sorted(counts.items(), key=lambda kv: -kv[1])
        stats["distribution"] = {"categorical": {"buckets": [{"value": v, "count": n} for v, n in ordered]}}
    return {"name": name, "inferred_type": "String", "string_statistics": stats}


def statistics(item_count: int, *features: dict) -> dict:
    return {"version": 0.0, "dataset": {"item_count": item_count}, "features": list(features)}


def test_document_shape_and_feature_order():
    stats = statistics(10, numeric("b", 10, 0, 1.0), string("a", {"x": 5, "y": 5}), numeric("c", 10, 0, -1.0))
    out = suggest_constraints(stats)
    assert list(out) == ["version", "features", "monitoring_config"]
    assert out["version"] == 0.0
    assert [f["name"] for f in out["features"]] == ["b", "a", "c"]
    assert list(out["features"][0]) == ["name", "inferred_type", "completeness", "num_constraints"]
    assert list(out["features"][1]) == ["name", "inferred_type", "completeness", "string_constraints"]


@pytest.mark.parametrize(("present", "item_count"), [(100, 100), (99, 100), (1, 3), (0, 5), (7, 8)])
def test_completeness_is_observed_share(present, item_count):
    out = suggest_constraints(statistics(item_count, numeric("x", present, item_count - present, 0.0)))
    assert out["features"][0]["completeness"] == present / item_count
    assert isinstance(out["features"][0]["completeness"], float)


def test_completeness_of_string_and_unknown_features():
    stats = statistics(
        8,
        string("s", {"a": 3, "b": 3}, missing=2),
        {"name": "u", "inferred_type": "Unknown"},
    )
    s, u = suggest_constraints(stats)["features"]
    assert s["completeness"] == 0.75
    assert u == {"name": "u", "inferred_type": "Unknown", "completeness": 0.0}


@pytest.mark.parametrize(
    ("minimum", "expected"),
    [(0.0, True), (-0.0, True), (3.5, True), (1e-300, True), (-1e-300, False), (-1.0, False), (-2e9, False)],
)
def test_is_non_negative_iff_min_at_least_zero(minimum, expected):
    for kind in ("Integral", "Fractional"):
        (feature,) = suggest_constraints(statistics(4, numeric("x", 4, 0, minimum, kind)))["features"]
        assert feature["num_constraints"] == {"is_non_negative": expected}
        assert feature["inferred_type"] == kind
        assert "string_constraints" not in feature


def test_domains_sorted_by_count_descending():
    counts = {"rare": 2, "common": 50, "middle": 10, "also_middle": 10}
    (feature,) = suggest_constraints(statistics(72, string("s", counts)))["features"]
    domains = feature["string_constraints"]["domains"]
    assert domains[0] == "common" and domains[-1] == "rare"
    assert set(domains[1:3]) == {"middle", "also_middle"}
    assert "num_constraints" not in feature


def test_domains_ignore_input_bucket_order():
    buckets = [{"value": "b", "count": 1}, {"value": "a", "count": 30}, {"value": "c", "count": 9}]
    stats = {"common": {}, "distribution": {"categorical": {"buckets": buckets}}}
    # One singleton of 3 values is 33% > 10%: no domain; with the singleton at 2 it qualifies.
    assert suggest_domains(stats, SuggestSettings()) is None
    buckets[0]["count"] = 2
    assert suggest_domains(stats, SuggestSettings()) == ["a", "c", "b"]


def many(n_values: int, singletons: int) -> dict[str, int]:
    return {f"v{i:03d}": (1 if i < singletons else 2 + i % 5) for i in range(n_values)}


@pytest.mark.parametrize(
    ("n_values", "singletons", "has_domain"),
    [
        (1, 0, True),
        (10, 1, True),  # exactly 10% occur once
        (9, 1, False),  # 11%
        (100, 10, True),
        (100, 11, False),
        (120, 12, True),  # the largest domain
        (121, 0, False),  # too many values
        (1, 1, False),  # a single value seen once is 100% singletons
    ],
)
def test_domain_thresholds(n_values, singletons, has_domain):
    counts = many(n_values, singletons)
    (feature,) = suggest_constraints(statistics(sum(counts.values()), string("s", counts)))["features"]
    if has_domain:
        domains = feature["string_constraints"]["domains"]
        assert sorted(domains) == sorted(counts)
        assert [counts[v] for v in domains] == sorted(counts.values(), reverse=True)
    else:
        assert "string_constraints" not in feature


def test_no_domain_without_exact_histogram():
    # High-cardinality strings carry a distinct count but no categorical distribution.
    (feature,) = suggest_constraints(statistics(5000, string("s", None, present=5000)))["features"]
    assert feature == {"name": "s", "inferred_type": "String", "completeness": 1.0}


def test_numeric_features_never_get_domains():
    feature = numeric("n", 10, 0, 1.0, "Integral")
    feature["numerical_statistics"]["distribution"]["categorical"] = {
        "buckets": [{"value": "1", "count": 10}]
    }
    (out,) = suggest_constraints(statistics(10, feature))["features"]
    assert "string_constraints" not in out


def test_domain_settings_are_honoured():
    counts = many(30, 6)  # 20% singletons
    stats = statistics(sum(counts.values()), string("s", counts))
    assert "string_constraints" not in suggest_constraints(stats)["features"][0]
    loose = SuggestSettings(domain_max_unique_ratio=0.2)
    assert len(suggest_constraints(stats, loose)["features"][0]["string_constraints"]["domains"]) == 30
    small = SuggestSettings(domain_max_values=29, domain_max_unique_ratio=0.5)
    assert "string_constraints" not in suggest_constraints(stats, small)["features"][0]


EXPECTED_CONFIG = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}


def test_monitoring_config_defaults():
    config = suggest_constraints(statistics(1, numeric("x", 1, 0, 0.0)))["monitoring_config"]
    assert config == EXPECTED_CONFIG
    assert list(config) == list(EXPECTED_CONFIG)
    assert list(config["distribution_constraints"]) == list(EXPECTED_CONFIG["distribution_constraints"])
    assert default_monitoring_config() == EXPECTED_CONFIG


@pytest.mark.parametrize("method", [LINFINITY, CHI_SQUARED])
def test_categorical_drift_method_from_setting(method):
    out = suggest_constraints(
        statistics(1, numeric("x", 1, 0, 0.0)), SuggestSettings(categorical_drift_method=method)
    )
    expected = {**EXPECTED_CONFIG["distribution_constraints"], "categorical_drift_method": method}
    assert out["monitoring_config"]["distribution_constraints"] == expected
    assert (LINFINITY, CHI_SQUARED) == ("LInfinity", "ChiSquared")  # the SDK's spellings


def test_job_passes_categorical_drift_method_through(baseline, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("k,v\na,1\nb,-2\na,3\nb,4\n", encoding="utf-8")
    statistics_out, constraints, _ = baseline(
        path, DatasetFormat(kind="csv", header=True), categorical_drift_method=CHI_SQUARED
    )
    assert (
        constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"]
        == "ChiSquared"
    )
    assert constraints["features"] == [
        {
            "name": "k",
            "inferred_type": "String",
            "completeness": 1.0,
            "string_constraints": {"domains": ["a", "b"]},
        },
        {
            "name": "v",
            "inferred_type": "Integral",
            "completeness": 1.0,
            "num_constraints": {"is_non_negative": False},
        },
    ]
    assert suggest_constraints(statistics_out, SuggestSettings(CHI_SQUARED)) == constraints
