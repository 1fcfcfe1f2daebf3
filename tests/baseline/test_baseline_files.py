"""Reading baselines (analyzer/baseline/baseline.py): real prebuilt files, our own output, hand-edited variants,
and malformed files, which must fail with BaselineError naming the file and the key."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from analyzer.baseline.baseline import BaselineError, MonitoringConfig, load_baseline
from analyzer.common.errors import ConfigError
from analyzer.config.drift_names import CHI_SQUARED, LINFINITY, ROBUST, SIMPLE
from analyzer.config.formats import DatasetFormat

GOLDEN_NAMES = [f"_c{i}" for i in range(6)]


@pytest.fixture(scope="module")
def golden_dir(golden) -> Path:
    return golden / "sdk_pipeline_data_quality"


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dump(path: Path, document) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def minimal_constraints(**monitoring_config) -> dict:
    doc = {
        "version": 0.0,
        "features": [
            {"name": "num", "inferred_type": "Fractional", "completeness": 1.0},
            {"name": "cat", "inferred_type": "String", "completeness": 0.5},
        ],
    }
    if monitoring_config:
        doc["monitoring_config"] = monitoring_config
    return doc


# -- the prebuilt analyzer's files ------------------------------------------------------------------
def test_golden_good_cases_with_statistics(golden_dir):
    b = load_baseline(golden_dir / "constraints_good_cases.json", golden_dir / "statistics.json")
    assert b.feature_names == GOLDEN_NAMES
    for f in b.features:
        assert f.inferred_type == "Fractional"
        assert f.completeness == 1.0
        assert f.is_non_negative is True
        assert f.domains is None
        assert f.evaluate_constraints and f.emit_metrics
    c = b.config
    assert c.evaluate_constraints and c.emit_metrics and c.perform_comparison
    assert (c.datatype_check_threshold, c.domain_content_threshold) == (1.0, 1.0)
    assert (c.comparison_threshold, c.comparison_method) == (0.1, ROBUST)
    # The older file lacks the categorical keys: documented defaults.
    assert c.categorical_comparison_threshold == c.comparison_threshold
    assert c.categorical_drift_method == LINFINITY
    # Statistics: every feature's sketch, exactly as in the file.
    stats_doc = read(golden_dir / "statistics.json")
    assert sorted(b.statistics) == GOLDEN_NAMES
    for feature in stats_doc["features"]:
        loaded = b.statistics[feature["name"]]
        kll = feature["numerical_statistics"]["distribution"]["kll"]["sketch"]
        assert loaded.inferred_type == "Fractional"
        assert loaded.histogram is None
        assert loaded.sketch.levels() == kll["data"]
        assert loaded.sketch.total_weight() == 100
        assert loaded.sketch.sketch_size == int(kll["parameters"]["k"]) == 2048
        assert loaded.sketch.shrinking_factor == kll["parameters"]["c"] == 0.64


def test_golden_bad_cases(golden_dir):
    b = load_baseline(golden_dir / "constraints_bad_cases.json")
    assert b.feature_names == GOLDEN_NAMES
    assert [f.inferred_type for f in b.features] == ["Fractional"] * 5 + ["String"]
    assert b.statistics == {}


def test_categorical_threshold_defaults_to_comparison_threshold(golden_dir, tmp_path):
    doc = read(golden_dir / "constraints_good_cases.json")
    doc["monitoring_config"]["distribution_constraints"]["comparison_threshold"] = 0.25
    b = load_baseline(dump(tmp_path / "c.json", doc))
    assert b.config.comparison_threshold == 0.25
    assert b.config.categorical_comparison_threshold == 0.25
    doc["monitoring_config"]["distribution_constraints"]["categorical_comparison_threshold"] = 0.05
    b = load_baseline(dump(tmp_path / "c.json", doc))
    assert (b.config.comparison_threshold, b.config.categorical_comparison_threshold) == (0.25, 0.05)


# -- our own files ----------------------------------------------------------------------------------
def test_files_we_write_load_back(baseline, tmp_path):
    rows = ["id,price,colour,empty"]
    colours = ["red", "green", "blue"]
    for i in range(60):
        price = "" if i % 10 == 0 else f"{i * 1.5}"
        rows.append(f"{i},{price},{colours[i % 3]},")
    data = tmp_path / "data.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "base"
    statistics, constraints, _ = baseline(data, DatasetFormat(kind="csv", header=True), output_path=out)
    b = load_baseline(out / "constraints.json", out / "statistics.json")
    assert b.feature_names == ["id", "price", "colour", "empty"]
    types = {f.name: f.inferred_type for f in b.features}
    assert types == {"id": "Integral", "price": "Fractional", "colour": "String", "empty": "Unknown"}
    by_name = {f.name: f for f in b.features}
    assert by_name["price"].completeness == pytest.approx(54 / 60)
    assert by_name["id"].is_non_negative is True
    assert by_name["colour"].domains is not None
    assert set(by_name["colour"].domains) == set(colours)
    assert b.config == MonitoringConfig()  # we write the defaults
    assert b.config.categorical_drift_method == LINFINITY
    stats_by_name = {f["name"]: f for f in statistics["features"]}
    for name in ("id", "price"):
        sketch = stats_by_name[name]["numerical_statistics"]["distribution"]["kll"]["sketch"]
        assert b.statistics[name].sketch.levels() == sketch["data"]
    assert b.statistics["price"].sketch.total_weight() == 54
    assert b.statistics["colour"].histogram == {"red": 20.0, "green": 20.0, "blue": 20.0}
    assert b.statistics["colour"].sketch is None
    assert b.statistics["empty"].sketch is None and b.statistics["empty"].histogram is None
    assert constraints["features"][0]["name"] == "id"


def test_chi_squared_baseline_from_our_job(baseline, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("a\nx\ny\nx\n", encoding="utf-8")
    out = tmp_path / "base"
    baseline(
        data, DatasetFormat(kind="csv", header=True), output_path=out, categorical_drift_method=CHI_SQUARED
    )
    assert load_baseline(out / "constraints.json").config.categorical_drift_method == CHI_SQUARED


# -- hand-edited variants ---------------------------------------------------------------------------
def test_missing_monitoring_config_gives_defaults(tmp_path):
    b = load_baseline(dump(tmp_path / "c.json", minimal_constraints()))
    assert b.config == MonitoringConfig()
    assert b.config.comparison_method == ROBUST
    assert b.config.comparison_threshold == 0.1
    assert b.config.categorical_comparison_threshold == 0.1
    assert b.config.datatype_check_threshold == 1.0
    assert b.config.domain_content_threshold == 1.0
    assert b.feature_names == ["num", "cat"]
    assert b.features[1].completeness == 0.5
    assert b.features[0].is_non_negative is None


def test_empty_distribution_constraints_gives_defaults(tmp_path):
    b = load_baseline(dump(tmp_path / "c.json", minimal_constraints(evaluate_constraints="Enabled")))
    assert b.config == MonitoringConfig()


def test_thresholds_as_strings_and_scientific_notation(tmp_path):
    doc = minimal_constraints(
        datatype_check_threshold="0.5",
        domain_content_threshold="9e-1",
        distribution_constraints={
            "comparison_threshold": "1e-1",
            "categorical_comparison_threshold": 2.5e-1,
        },
    )
    b = load_baseline(dump(tmp_path / "c.json", doc))
    assert b.config.datatype_check_threshold == 0.5
    assert b.config.domain_content_threshold == 0.9
    assert b.config.comparison_threshold == 0.1
    assert b.config.categorical_comparison_threshold == 0.25


def test_scientific_notation_in_raw_json(tmp_path):
    text = (
        '{"features": [{"name": "x", "inferred_type": "Integral", "completeness": 1E0}],'
        ' "monitoring_config": {"distribution_constraints": {"comparison_threshold": 1e-1}}}'
    )
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    b = load_baseline(path)
    assert b.config.comparison_threshold == 0.1
    assert b.features[0].completeness == 1.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Simple", SIMPLE),
        ("simple", SIMPLE),
        ("linf_simple", SIMPLE),
        ("Robust", ROBUST),
        ("linf_robust", ROBUST),
        (" LINF_ROBUST ", ROBUST),
    ],
)
def test_comparison_method_spellings(tmp_path, text, expected):
    doc = minimal_constraints(distribution_constraints={"comparison_method": text})
    assert load_baseline(dump(tmp_path / "c.json", doc)).config.comparison_method == expected


@pytest.mark.parametrize(("text", "expected"), [("ChiSquared", CHI_SQUARED), ("linfinity", LINFINITY)])
def test_categorical_drift_method_spellings(tmp_path, text, expected):
    doc = minimal_constraints(distribution_constraints={"categorical_drift_method": text})
    assert load_baseline(dump(tmp_path / "c.json", doc)).config.categorical_drift_method == expected


def test_switches(tmp_path):
    doc = minimal_constraints(
        evaluate_constraints="Disabled",
        emit_metrics="disabled",
        distribution_constraints={"perform_comparison": "DISABLED"},
    )
    c = load_baseline(dump(tmp_path / "c.json", doc)).config
    assert (c.evaluate_constraints, c.emit_metrics, c.perform_comparison) == (False, False, False)


def test_overrides_in_both_spellings(tmp_path):
    doc = {
        "features": [
            {
                "name": "docs_style",
                "inferred_type": "Integral",
                "monitoringConfigOverrides": {"evaluate_constraints": "Disabled", "emit_metrics": "Disabled"},
            },
            {
                "name": "sdk_style",
                "inferred_type": "String",
                "string_constraints": {
                    "domains": ["a", "b"],
                    "monitoring_config_overrides": {
                        "evaluate_constraints": "Disabled",
                        "emit_metrics": "Enabled",
                    },
                },
            },
            {
                "name": "both",
                "inferred_type": "String",
                "monitoringConfigOverrides": {"evaluate_constraints": "Enabled"},
                "string_constraints": {
                    "monitoring_config_overrides": {
                        "evaluate_constraints": "Disabled",
                        "emit_metrics": "Disabled",
                    }
                },
            },
            {"name": "plain", "inferred_type": "Fractional"},
        ]
    }
    by_name = {f.name: f for f in load_baseline(dump(tmp_path / "c.json", doc)).features}
    assert (by_name["docs_style"].evaluate_constraints, by_name["docs_style"].emit_metrics) == (False, False)
    assert (by_name["sdk_style"].evaluate_constraints, by_name["sdk_style"].emit_metrics) == (False, True)
    assert by_name["sdk_style"].domains == ("a", "b")
    # The feature-level spelling wins key by key; the other keys still come from the SDK spelling.
    assert (by_name["both"].evaluate_constraints, by_name["both"].emit_metrics) == (True, False)
    assert (by_name["plain"].evaluate_constraints, by_name["plain"].emit_metrics) == (True, True)


def test_kll_parameters_and_data_as_strings(golden_dir, tmp_path):
    stats = read(golden_dir / "statistics.json")
    sketch = stats["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]
    original = copy.deepcopy(sketch["data"])
    sketch["parameters"] = {"c": "0.64", "k": "2048.0"}
    sketch["data"][0][:3] = [str(v) for v in sketch["data"][0][:3]]
    stats["features"][1]["numerical_statistics"]["distribution"]["kll"]["sketch"]["parameters"] = {
        "c": "6.4e-1",
        "k": "1024",
    }
    b = load_baseline(golden_dir / "constraints_good_cases.json", dump(tmp_path / "s.json", stats))
    s0 = b.statistics["_c0"].sketch
    assert (s0.sketch_size, s0.shrinking_factor) == (2048, 0.64)
    assert s0.levels() == original
    s1 = b.statistics["_c1"].sketch
    assert (s1.sketch_size, s1.shrinking_factor) == (1024, 0.64)


def test_sketch_without_parameters_uses_defaults(tmp_path):
    stats = {
        "features": [
            {
                "name": "x",
                "inferred_type": "Integral",
                "numerical_statistics": {"distribution": {"kll": {"sketch": {"data": [[1, 2, 3], [4]]}}}},
            }
        ]
    }
    b = load_baseline(dump(tmp_path / "c.json", minimal_constraints()), dump(tmp_path / "s.json", stats))
    s = b.statistics["x"].sketch
    assert (s.sketch_size, s.shrinking_factor) == (2048, 0.64)
    assert s.levels() == [[1.0, 2.0, 3.0], [4.0]]
    assert s.total_weight() == 5


def test_histogram_counts_as_floats_and_duplicates_add_up(tmp_path):
    stats = {
        "features": [
            {
                "name": "cat",
                "inferred_type": "String",
                "string_statistics": {
                    "distribution": {
                        "categorical": {
                            "buckets": [
                                {"value": "a", "count": 3.0},
                                {"value": "b", "count": "2"},
                                {"value": "a", "count": 1},
                                {"value": 7, "count": 1},
                            ]
                        }
                    }
                },
            }
        ]
    }
    b = load_baseline(dump(tmp_path / "c.json", minimal_constraints()), dump(tmp_path / "s.json", stats))
    assert b.statistics["cat"].histogram == {"a": 4.0, "b": 2.0, "7": 1.0}


# -- malformed files --------------------------------------------------------------------------------
def expect_error(path: Path, *fragments: str, statistics: Path | None = None) -> BaselineError:
    with pytest.raises(BaselineError) as info:
        load_baseline(path, statistics)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert isinstance(info.value, ConfigError)  # ends the job as a configuration error
    return info.value


def test_not_json(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"features": [', encoding="utf-8")
    expect_error(path, str(path), "not valid JSON")


def test_not_an_object(tmp_path):
    path = dump(tmp_path / "c.json", [1, 2])
    expect_error(path, str(path), "JSON object")


def test_missing_file(tmp_path):
    path = tmp_path / "nope" / "constraints.json"
    expect_error(path, str(path), "does not exist")


def test_missing_statistics_file(golden_dir, tmp_path):
    missing = tmp_path / "statistics.json"
    expect_error(
        golden_dir / "constraints_good_cases.json", str(missing), "does not exist", statistics=missing
    )


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        (lambda d: d.update(features={"name": "x"}), "'features'"),
        (lambda d: d.pop("features"), "'features'"),
        (lambda d: d["features"][1].pop("name"), "'features[1].name'"),
        (lambda d: d["features"][1].update(name=""), "'features[1].name'"),
        (lambda d: d["features"][0].update(inferred_type="Float"), "'features[0].inferred_type'"),
        (lambda d: d["features"][0].update(completeness="full"), "'features[0].completeness'"),
        (lambda d: d["features"].append("x"), "'features[2]'"),
        (
            lambda d: d["features"][1].update(string_constraints={"domains": "a"}),
            "'features[1].string_constraints.domains'",
        ),
        (
            lambda d: d.update(monitoring_config={"distribution_constraints": {"comparison_method": "Foo"}}),
            "'monitoring_config.distribution_constraints.comparison_method'",
        ),
        (
            lambda d: d.update(
                monitoring_config={"distribution_constraints": {"comparison_threshold": "high"}}
            ),
            "'monitoring_config.distribution_constraints.comparison_threshold'",
        ),
        (
            lambda d: d.update(
                monitoring_config={"distribution_constraints": {"comparison_threshold": None}}
            ),
            "'monitoring_config.distribution_constraints.comparison_threshold'",
        ),
        (
            lambda d: d.update(monitoring_config={"datatype_check_threshold": True}),
            "'monitoring_config.datatype_check_threshold'",
        ),
        (
            lambda d: d.update(
                monitoring_config={"distribution_constraints": {"categorical_drift_method": "KL"}}
            ),
            "'monitoring_config.distribution_constraints.categorical_drift_method'",
        ),
        (
            lambda d: d.update(monitoring_config={"evaluate_constraints": "Maybe"}),
            "'monitoring_config.evaluate_constraints'",
        ),
        (lambda d: d.update(monitoring_config=[1]), "'monitoring_config'"),
    ],
)
def test_malformed_constraints_name_file_and_key(tmp_path, edit, key):
    doc = minimal_constraints()
    edit(doc)
    path = dump(tmp_path / "constraints.json", doc)
    expect_error(path, str(path), key)


def test_bad_comparison_method_names_the_value(tmp_path):
    doc = minimal_constraints(distribution_constraints={"comparison_method": "Foo"})
    path = dump(tmp_path / "c.json", doc)
    expect_error(path, '"Foo"', "Simple or Robust")


def test_non_numeric_threshold_names_the_value(tmp_path):
    doc = minimal_constraints(distribution_constraints={"comparison_threshold": "abc"})
    path = dump(tmp_path / "c.json", doc)
    expect_error(path, '"abc"', "must be a number")


SKETCH_KEY = "features[0].numerical_statistics.distribution.kll.sketch"


@pytest.mark.parametrize(
    ("sketch", "key"),
    [
        ({"data": [1.0, 2.0]}, f"'{SKETCH_KEY}.data'"),
        ({"data": "[[1.0]]"}, f"'{SKETCH_KEY}.data'"),
        ({"data": [[1.0], 2.0]}, f"'{SKETCH_KEY}.data'"),
        ({"data": [[1.0, "x"]]}, f"'{SKETCH_KEY}.data'"),
        ({"data": [[1.0]], "parameters": {"k": "big"}}, f"'{SKETCH_KEY}.parameters.k'"),
        ({"data": [[1.0]], "parameters": {"c": None}}, f"'{SKETCH_KEY}.parameters.c'"),
        ({"data": [[1.0]], "parameters": [2048]}, f"'{SKETCH_KEY}.parameters'"),
        ([[1.0]], f"'{SKETCH_KEY}'"),
    ],
)
def test_malformed_sketch_names_statistics_file_and_key(tmp_path, sketch, key):
    stats = {
        "features": [
            {
                "name": "num",
                "inferred_type": "Fractional",
                "numerical_statistics": {"distribution": {"kll": {"sketch": sketch}}},
            }
        ]
    }
    constraints = dump(tmp_path / "constraints.json", minimal_constraints())
    stats_path = dump(tmp_path / "statistics.json", stats)
    expect_error(constraints, str(stats_path), key, statistics=stats_path)


def test_malformed_statistics_features(tmp_path):
    constraints = dump(tmp_path / "constraints.json", minimal_constraints())
    stats_path = dump(tmp_path / "statistics.json", {"features": {"name": "x"}})
    expect_error(constraints, str(stats_path), "'features'", statistics=stats_path)
    stats_path = dump(tmp_path / "statistics.json", {"features": [{"inferred_type": "String"}]})
    expect_error(constraints, str(stats_path), "'features[0].name'", statistics=stats_path)
    bad_count = {
        "features": [
            {
                "name": "cat",
                "string_statistics": {
                    "distribution": {"categorical": {"buckets": [{"value": "a", "count": "x"}]}}
                },
            }
        ]
    }
    stats_path = dump(tmp_path / "statistics.json", bad_count)
    expect_error(
        constraints,
        str(stats_path),
        "'features[0].string_statistics.distribution.categorical.buckets[0].count'",
        statistics=stats_path,
    )


@pytest.mark.parametrize(
    ("statistics_feature", "key"),
    [
        (
            {"name": "n", "numerical_statistics": {"distribution": {"kll": [1]}}},
            "'features[0].numerical_statistics.distribution.kll'",
        ),
        (
            {"name": "c", "string_statistics": {"distribution": {"categorical": {"buckets": 5}}}},
            "'features[0].string_statistics.distribution.categorical.buckets'",
        ),
        (
            {"name": "c", "string_statistics": {"distribution": {"categorical": {"buckets": "ab"}}}},
            "'features[0].string_statistics.distribution.categorical.buckets'",
        ),
        (
            {"name": "c", "string_statistics": {"distribution": "x"}},
            "'features[0].string_statistics.distribution'",
        ),
    ],
)
def test_malformed_statistics_distributions(tmp_path, statistics_feature, key):
    constraints = dump(tmp_path / "constraints.json", minimal_constraints())
    stats_path = dump(tmp_path / "statistics.json", {"features": [statistics_feature]})
    expect_error(constraints, str(stats_path), key, statistics=stats_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "c.json"
    path.write_bytes(b'{"features": ["\xff\xfe"]}')
    expect_error(path, str(path), "UTF-8")
