"""The real job on the SDK's data-quality golden pair: baseline_dataset.csv -> statistics.json.

The golden files are real output of the prebuilt SageMaker analyzer (see ../shared/golden/README.md).
"""

from __future__ import annotations

import json
import re

import pytest

from analyzer.config.formats import DatasetFormat

REL = 1e-12


@pytest.fixture(scope="module")
def golden_dir(golden):
    return golden / "sdk_pipeline_data_quality"


@pytest.fixture
def run(baseline, golden_dir):
    statistics, constraints, result = baseline(
        golden_dir / "baseline_dataset.csv", DatasetFormat(kind="csv", header=False)
    )
    return statistics, constraints, result


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_statistics_match_golden(run, golden_dir):
    ours, _, result = run
    gold = load(golden_dir / "statistics.json")
    assert ours["version"] == gold["version"] == 0.0
    assert ours["dataset"] == gold["dataset"] == {"item_count": 100}
    assert [f["name"] for f in ours["features"]] == [f["name"] for f in gold["features"]]
    assert [f["name"] for f in ours["features"]] == [f"_c{i}" for i in range(6)]
    assert result.ledger.records_read == 100
    for mine, theirs in zip(ours["features"], gold["features"], strict=True):
        name = theirs["name"]
        assert mine.keys() == theirs.keys(), name
        assert mine["inferred_type"] == theirs["inferred_type"] == "Fractional", name
        m, t = mine["numerical_statistics"], theirs["numerical_statistics"]
        assert m.keys() == t.keys()
        assert m["common"] == t["common"], name
        assert isinstance(m["common"]["num_present"], int) and isinstance(m["common"]["num_missing"], int)
        for key in ("mean", "sum", "std_dev", "min", "max"):
            assert m[key] == pytest.approx(t[key], rel=REL, abs=0), f"{name}.{key}"
        for key in ("sum", "min", "max"):  # whole numbers: no rounding at all
            assert m[key] == t[key], f"{name}.{key}"
        mk, tk = m["distribution"]["kll"], t["distribution"]["kll"]
        assert len(mk["buckets"]) == len(tk["buckets"]) == 10
        for i, (mb, tb) in enumerate(zip(mk["buckets"], tk["buckets"], strict=True)):
            assert mb.keys() == tb.keys() == {"lower_bound", "upper_bound", "count"}
            for key in ("lower_bound", "upper_bound", "count"):
                assert mb[key] == pytest.approx(tb[key], rel=REL, abs=1e-300), f"{name} bucket {i} {key}"
            assert mb["count"] == tb["count"]
        assert mk["sketch"]["parameters"] == pytest.approx(tk["sketch"]["parameters"], rel=REL)
        assert mk["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
        assert len(mk["sketch"]["data"]) == len(tk["sketch"]["data"]) == 1
        for ml, tl in zip(mk["sketch"]["data"], tk["sketch"]["data"], strict=True):
            assert ml == pytest.approx(tl, rel=REL)
            assert ml == tl  # raw values in input order


def test_sketch_data_is_the_csv_column_in_input_order(run, golden_dir):
    ours, _, _ = run
    rows = [line.split(",") for line in (golden_dir / "baseline_dataset.csv").read_text().splitlines()]
    for i, feature in enumerate(ours["features"]):
        data = feature["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
        assert data == [[float(r[i]) for r in rows]]


def test_constraints_match_golden(run, golden_dir):
    _, ours, _ = run
    gold = load(golden_dir / "constraints_good_cases.json")
    distribution = dict(ours["monitoring_config"]["distribution_constraints"])
    # Newer images add these two keys; the golden comes from an older one.
    assert distribution.pop("categorical_comparison_threshold") == 0.1
    assert distribution.pop("categorical_drift_method") == "LInfinity"
    trimmed = {
        **ours,
        "monitoring_config": {**ours["monitoring_config"], "distribution_constraints": distribution},
    }
    assert trimmed == gold
    assert list(ours) == list(gold) == ["version", "features", "monitoring_config"]


STD_DEV_LINE = re.compile(r'("std_dev" : )[-0-9.eE]+')


def test_statistics_text_is_jackson_layout(run):
    _, _, result = run
    text = (result.outputs[0]).read_text(encoding="utf-8")
    assert result.outputs[0].name == "statistics.json"
    assert text.startswith('{\n  "version" : 0.0,\n  "dataset" : {\n    "item_count" : 100\n  },\n')
    assert '  "features" : [ {\n    "name" : "_c0",\n' in text
    assert '"num_present" : 100,' in text  # counts are integers, not 100.0
    assert '"k" : 2048.0' in text


def test_statistics_text_equals_golden_byte_for_byte_apart_from_std_dev(run, golden_dir):
    _, _, result = run
    ours = result.outputs[0].read_text(encoding="utf-8")
    gold = (golden_dir / "statistics.json").read_text(encoding="utf-8")
    # std_dev may differ in the last ulp (Chan merge instead of per-row Welford), compared above.
    assert STD_DEV_LINE.sub(r"\1X", ours).rstrip("\n") == STD_DEV_LINE.sub(r"\1X", gold).rstrip("\n")


def test_constraints_text_is_jackson_layout(run, golden_dir):
    _, _, result = run
    ours = result.outputs[1].read_text(encoding="utf-8")
    gold = (golden_dir / "constraints_good_cases.json").read_text(encoding="utf-8")
    extra = (
        ',\n      "categorical_comparison_threshold" : 0.1,\n      "categorical_drift_method" : "LInfinity"'
    )
    assert extra in ours
    assert ours.replace(extra, "").rstrip("\n") == gold.rstrip("\n")
