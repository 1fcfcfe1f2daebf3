"""Monitoring jobs end to end (real local Spark): a baseline job on data A, then a monitoring job on
data B against the files it wrote, asserting the exact violations, the completion message, the
violations file and the CloudWatch records.

Expected drift distances come from independent references (scipy's KS statistic, plain arithmetic
on the category counts), never from analyzer.checks.drift.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analyzer.config.formats import DatasetFormat

CSV = DatasetFormat(kind="csv", header=True)
JSONL = DatasetFormat(kind="json")
COMPLETED = "Completed: Job completed successfully with no violations."
TYPE, COMPLETENESS, DRIFT = "data_type_check", "completeness_check", "baseline_drift_check"
MISSING, EXTRA, VALUES = "missing_column_check", "extra_column_check", "categorical_values_check"


def with_violations(n: int) -> str:
    return f"CompletedWithViolations: Job completed successfully with {n} violations."


def type_text(kind: str, expected_pct: str, observed_pct: str) -> str:
    return (
        f"Data type match requirement is not met. Expected data type: {kind}, Expected match: {expected_pct}%. "
        f"Observed: Only {observed_pct}% of data is {kind}."
    )


def robust(ks: float, n: int, m: int) -> float:
    return max(0.0, ks - 1.8 * math.sqrt((n + m) / (n * m)))


# -- writing data and running jobs --------------------------------------------------------------------
def write_data(path: Path, columns: dict[str, list], fmt: DatasetFormat) -> Path:
    """Columns of equal length; None is a missing value (empty CSV field, absent JSON key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    rows = list(zip(*columns.values(), strict=True))
    if fmt.kind == "csv":
        lines = [",".join(names)] if fmt.header else []
        lines += [",".join("" if v is None else str(v) for v in row) for row in rows]
    else:
        lines = [
            "{"
            + ", ".join(f"{json.dumps(k)}: {v}" for k, v in zip(names, row, strict=True) if v is not None)
            + "}"
            for row in rows
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Runner:
    """Baseline job on A, then any number of monitoring jobs on B, each in fresh directories."""

    def __init__(self, baseline_fixture, tmp_path: Path):
        self.run = baseline_fixture
        self.tmp = tmp_path
        self.count = 0

    def fresh(self, stem: str) -> Path:
        self.count += 1
        return self.tmp / f"{stem}{self.count}"

    def make_baseline(self, columns: dict[str, list], fmt: DatasetFormat = CSV, **config) -> Path:
        out = self.fresh("baseline")
        data = write_data(self.fresh("data") / ("a.csv" if fmt.kind == "csv" else "a.jsonl"), columns, fmt)
        self.run(data, fmt, output_path=out, **config)
        return out

    def check(
        self,
        base: Path,
        columns: dict[str, list],
        fmt: DatasetFormat = CSV,
        edit=None,
        with_statistics: bool = True,
        **config,
    ):
        """Monitor ``columns`` against ``base``; ``edit(constraints_dict)`` edits a copy of the constraints.

        Returns (violations as (feature, type, description) tuples, JobResult, output directory)."""
        constraints_path = base / "constraints.json"
        if edit is not None:
            doc = json.loads(constraints_path.read_text(encoding="utf-8"))
            edit(doc)
            constraints_path = self.fresh("edited") / "constraints.json"
            constraints_path.parent.mkdir()
            constraints_path.write_text(json.dumps(doc), encoding="utf-8")
        data = write_data(self.fresh("data") / ("b.csv" if fmt.kind == "csv" else "b.jsonl"), columns, fmt)
        out = self.fresh("monitor")
        _, _, result = self.run(
            data,
            fmt,
            output_path=out,
            baseline_constraints=constraints_path,
            baseline_statistics=base / "statistics.json" if with_statistics else None,
            **config,
        )
        written = json.loads((out / "constraint_violations.json").read_text(encoding="utf-8"))
        assert written == {"violations": result.violations}
        for v in result.violations:
            assert list(v) == ["feature_name", "constraint_check_type", "description"]
        violations = [
            (v["feature_name"], v["constraint_check_type"], v["description"]) for v in result.violations
        ]
        expected_message = COMPLETED if not violations else with_violations(len(violations))
        assert result.message == expected_message
        return violations, result, out


@pytest.fixture
def runner(baseline, tmp_path) -> Runner:
    return Runner(baseline, tmp_path)


def set_config(**values):
    def edit(doc):
        for key, value in values.items():
            doc["monitoring_config"][key] = value

    return edit


def set_distribution(**values):
    def edit(doc):
        doc["monitoring_config"]["distribution_constraints"].update(values)

    return edit


def feature(doc: dict, name: str) -> dict:
    (found,) = [f for f in doc["features"] if f["name"] == name]
    return found


DRIFT_RE = re.compile(r"^Baseline drift distance: (\S+) exceeds threshold: (\S+)$")
CHI_RE = re.compile(r"^Baseline drift distance: (\S+) \(ChiSquared p-value\) is below threshold: (\S+)$")


def drift_values(violations, pattern=DRIFT_RE) -> dict[str, tuple[float, float]]:
    """feature -> (distance, threshold) parsed from the drift violations (asserting their template)."""
    found = {}
    for name, kind, text in violations:
        if kind == DRIFT:
            match = pattern.match(text)
            assert match, text
            found[name] = (float(match.group(1)), float(match.group(2)))
    return found


# -- data types, completeness --------------------------------------------------------------------------
N = 160  # a multiple of 16: the missing groups of c below are exactly a quarter
TYPES_BASE = {
    "i": [k + 1 for k in range(N)],  # Integral
    "f": [f"{k % 4 + 1}.0" for k in range(N)],  # Fractional
    "s": [f"name{k}" for k in range(N)],  # String, all distinct: no domain
    "c": [k % 4 + 1 for k in range(N)],  # complete
}
TYPES_CURRENT = {
    "i": ["1000.5" if k % 2 == 0 else "1000" for k in range(N)],  # half fractional
    "f": [k % 4 + 1 for k in range(N)],  # the same numbers, written as integers
    "s": list(range(N)),  # only numbers
    # a quarter missing, whole groups of 1..4 so the present values keep their distribution
    "c": [None if (k // 4) % 4 == 0 else k % 4 + 1 for k in range(N)],
}
I_TYPE = ("i", TYPE, type_text("Integral", "100.0", "50.0"))
S_TYPE = ("s", TYPE, type_text("String", "100.0", "0.0"))
C_COMPLETE = (
    "c",
    COMPLETENESS,
    "Value: 0.75 does not meet the constraint requirement! Completeness must be at least 1.0 (the baseline's).",
)


def test_types_and_completeness(runner):
    base = runner.make_baseline(TYPES_BASE)
    constraints = json.loads((base / "constraints.json").read_text(encoding="utf-8"))
    assert [f["inferred_type"] for f in constraints["features"]] == [
        "Integral",
        "Fractional",
        "String",
        "Integral",
    ]
    assert "string_constraints" not in feature(constraints, "s")

    violations, result, _ = runner.check(base, TYPES_CURRENT)
    # i: 50% integral; f: whole numbers are fine for Fractional (no violation, no drift: same values);
    # s: only numbers; c: completeness 0.75 < 1.0. i and s fail their type check, so no drift check.
    assert violations == [I_TYPE, S_TYPE, C_COMPLETE]
    assert result.message == with_violations(3)

    # A lower datatype_check_threshold lets i's 50% pass; then i is checked for drift:
    # {1..200} vs {1000, 1000.5}: KS = 1, robust 1 - 1.8 * sqrt(400 / 40000) = 0.82.
    violations, _, _ = runner.check(base, TYPES_CURRENT, edit=set_config(datatype_check_threshold=0.5))
    assert [v[:2] for v in violations] == [("i", DRIFT), ("s", TYPE), ("c", COMPLETENESS)]
    assert violations[1] == ("s", TYPE, type_text("String", "50.0", "0.0"))
    assert violations[2] == C_COMPLETE
    ks = stats.ks_2samp(TYPES_BASE["i"], [float(v) for v in TYPES_CURRENT["i"]]).statistic
    assert ks == 1.0
    distance, threshold = drift_values(violations)["i"]
    assert distance == pytest.approx(robust(ks, N, N), rel=1e-12) and threshold == 0.1

    # Lower still: nothing of the type checks left.
    violations, _, _ = runner.check(base, TYPES_CURRENT, edit=set_config(datatype_check_threshold=0.0))
    assert [v[:2] for v in violations] == [("i", DRIFT), ("c", COMPLETENESS)]


def test_type_checks_with_json_lines(runner):
    base = runner.make_baseline({"i": list(range(1, 41)), "x": [f"{k}.25" for k in range(40)]}, fmt=JSONL)
    current = {"i": ["7.5" if k % 4 == 0 else "7" for k in range(40)], "x": [k % 5 for k in range(40)]}
    violations, _, _ = runner.check(
        base, current, fmt=JSONL, edit=set_distribution(perform_comparison="Disabled")
    )
    assert violations == [("i", TYPE, type_text("Integral", "100.0", "75.0"))]


def test_completeness_below_and_at_baseline(runner):
    # Baseline completeness 0.8 (written by our baseline job, read back as 0.8). A second column keeps
    # the rows with a missing v from being blank lines.
    values = [None if k % 5 == 0 else k % 3 for k in range(100)]
    base = runner.make_baseline({"v": values, "w": [1] * 100})
    constraints = json.loads((base / "constraints.json").read_text(encoding="utf-8"))
    assert feature(constraints, "v")["completeness"] == 0.8
    violations, _, _ = runner.check(base, {"v": values, "w": [1] * 100})
    assert violations == []
    fewer = [None if k % 2 == 0 else k % 3 for k in range(100)]
    violations, _, _ = runner.check(
        base, {"v": fewer, "w": [1] * 100}, edit=set_distribution(perform_comparison="Disabled")
    )
    assert violations == [
        (
            "v",
            COMPLETENESS,
            "Value: 0.5 does not meet the constraint requirement! Completeness must be at least 0.8 (the baseline's).",
        )
    ]


def test_evaluate_constraints_switches(runner):
    base = runner.make_baseline(TYPES_BASE)
    violations, result, out = runner.check(
        base, TYPES_CURRENT, edit=set_config(evaluate_constraints="Disabled")
    )
    assert violations == []
    assert result.message == COMPLETED
    assert '"violations" : [ ]' in (out / "constraint_violations.json").read_text(encoding="utf-8")

    def per_feature(doc):
        feature(doc, "i")["monitoringConfigOverrides"] = {"evaluate_constraints": "Disabled"}
        feature(doc, "s").setdefault("string_constraints", {})["monitoring_config_overrides"] = {
            "evaluate_constraints": "Disabled"
        }

    violations, _, _ = runner.check(base, TYPES_CURRENT, edit=per_feature)
    assert violations == [C_COMPLETE]


def test_exclude_features_by_name_and_index(runner):
    base = runner.make_baseline(TYPES_BASE)
    violations, result, out = runner.check(base, TYPES_CURRENT, exclude_features=("i",))
    assert violations == [S_TYPE, C_COMPLETE]
    # "2" is the third baseline feature, s; excluded features are not "missing" either.
    violations, result, out = runner.check(base, TYPES_CURRENT, exclude_features=("2", "c"))
    assert violations == [I_TYPE]
    written = json.loads((out / "statistics.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in written["features"]] == ["i", "f"]


def test_unknown_baseline_column_has_no_type_check(runner):
    # An all-missing baseline column is "Unknown": whatever arrives later, words or numbers, there is
    # no type to hold it to (nor a distribution to compare).
    base = runner.make_baseline({"k": list(range(20)), "e": [None] * 20})
    constraints = json.loads((base / "constraints.json").read_text(encoding="utf-8"))
    assert feature(constraints, "e") == {"name": "e", "inferred_type": "Unknown", "completeness": 0.0}
    for values in (list(range(20)), [f"w{k}" for k in range(20)], [None] * 20):
        violations, _, _ = runner.check(base, {"k": list(range(20)), "e": values})
        assert violations == [], values


# -- missing and extra columns -------------------------------------------------------------------------
def test_missing_and_extra_columns(runner):
    cols = {"a": [1, 2, 3, 4], "b": ["x", "y", "x", "y"], "c": [0.5, 1.5, 2.5, 3.5]}
    base = runner.make_baseline(cols)
    current = {"a": [1, 2, 3, 4], "c": [0.5, 1.5, 2.5, 3.5], "d": [9, 9, 9, 9], "e": ["q", "r", "s", "t"]}
    violations, _, _ = runner.check(base, current)
    tail = "Number of columns in current dataset: 4, Number of columns in baseline constraints: 3"
    assert violations == [
        ("b", MISSING, f"Baseline feature b is missing from the current dataset. {tail}"),
        ("d", EXTRA, f"Column d of the current dataset is not in the baseline constraints. {tail}"),
        ("e", EXTRA, f"Column e of the current dataset is not in the baseline constraints. {tail}"),
    ]


def test_headerless_current_data_takes_baseline_names_by_position(runner):
    base = runner.make_baseline({"a": [1, 2, 3, 4], "b": ["x", "y", "x", "y"]})
    headerless = DatasetFormat(kind="csv", header=False)
    # Three fields: a, b by position, and an extra _c2.
    violations, _, _ = runner.check(
        base, {"0": [1, 2, 3, 4], "1": ["x", "y", "x", "y"], "2": [5] * 4}, fmt=headerless
    )
    assert violations == [
        (
            "_c2",
            EXTRA,
            "Column _c2 of the current dataset is not in the baseline constraints. "
            "Number of columns in current dataset: 3, Number of columns in baseline constraints: 2",
        )
    ]
    # One field: b is missing.
    violations, _, _ = runner.check(base, {"0": [1, 2, 3, 4]}, fmt=headerless)
    assert [v[:2] for v in violations] == [("b", MISSING)]


# -- drift -------------------------------------------------------------------------------------------
M = 400
DRIFT_BASE = {
    "x": [k % 100 for k in range(M)],
    "cat": ["a" if k % 2 == 0 else "b" for k in range(M)],
    "m": [None if k % 4 == 0 else k % 7 for k in range(M)],  # identical in every current set
}


def shifted(shift: int, cat: str = "same") -> dict[str, list]:
    cats = {
        "same": DRIFT_BASE["cat"],
        "80/20": ["a" if k % 5 else "b" for k in range(M)],  # 320 a, 80 b
        "52/48": ["a" if k % 25 < 13 else "b" for k in range(M)],  # 208 a, 192 b
        "new": ["z" if k % 10 == 0 else ("a" if k % 2 == 0 else "b") for k in range(M)],
    }
    return {"x": [k % 100 + shift for k in range(M)], "cat": cats[cat], "m": DRIFT_BASE["m"]}


def ks(shift: int) -> float:
    return stats.ks_2samp(np.array(DRIFT_BASE["x"], float), np.array(shifted(shift)["x"], float)).statistic


def cat_linf(current: list[str]) -> float:
    keys = sorted(set(DRIFT_BASE["cat"]) | set(current))
    base = np.array([DRIFT_BASE["cat"].count(k) for k in keys]) / M
    cur = np.array([current.count(k) for k in keys]) / len(current)
    return float(np.max(np.abs(base - cur)))


@pytest.fixture
def drift_base(runner) -> Path:
    base = runner.make_baseline(DRIFT_BASE)
    constraints = json.loads((base / "constraints.json").read_text(encoding="utf-8"))
    assert feature(constraints, "cat")["string_constraints"]["domains"] == ["a", "b"]
    assert feature(constraints, "m")["completeness"] == 0.75
    return base


def test_numeric_drift_simple_and_robust(runner, drift_base):
    assert ks(20) == pytest.approx(0.2) and ks(50) == pytest.approx(0.5)
    # Shift 20: KS 0.2; robust 0.2 - 1.8 * sqrt(800 / 160000) = 0.073 is under 0.1, simple is over.
    violations, result, _ = runner.check(drift_base, shifted(20))
    assert violations == []
    assert result.message == COMPLETED
    violations, _, _ = runner.check(
        drift_base, shifted(20), edit=set_distribution(comparison_method="Simple")
    )
    assert [v[:2] for v in violations] == [("x", DRIFT)]
    assert drift_values(violations)["x"] == pytest.approx((ks(20), 0.1), rel=1e-12)
    violations, _, _ = runner.check(
        drift_base,
        shifted(20),
        edit=set_distribution(comparison_method="linf_simple", comparison_threshold=0.25),
    )
    assert violations == []
    # Shift 50: robust 0.5 - 0.127 = 0.373 fires under the default Robust.
    violations, _, _ = runner.check(drift_base, shifted(50))
    assert [v[:2] for v in violations] == [("x", DRIFT)]
    assert drift_values(violations)["x"] == pytest.approx((robust(ks(50), M, M), 0.1), rel=1e-12)


def test_categorical_drift_linf(runner, drift_base):
    current = shifted(0, "80/20")
    linf = cat_linf(current["cat"])
    assert linf == pytest.approx(0.3)
    # Robust (default): 0.3 - 0.127 = 0.173 > 0.1.
    violations, _, _ = runner.check(drift_base, current)
    assert [v[:2] for v in violations] == [("cat", DRIFT)]
    assert drift_values(violations)["cat"] == pytest.approx((robust(linf, M, M), 0.1), rel=1e-12)
    # Simple, and categorical_comparison_threshold (not comparison_threshold) is the one used.
    violations, _, _ = runner.check(
        drift_base,
        current,
        edit=set_distribution(
            comparison_method="Simple", comparison_threshold=0.9, categorical_comparison_threshold=0.29
        ),
    )
    assert drift_values(violations) == {"cat": pytest.approx((linf, 0.29), rel=1e-12)}
    violations, _, _ = runner.check(
        drift_base,
        current,
        edit=set_distribution(
            comparison_method="Simple", comparison_threshold=0.01, categorical_comparison_threshold=0.31
        ),
    )
    assert violations == []


def test_categorical_drift_chi_squared(runner, drift_base):
    chi = set_distribution(categorical_drift_method="ChiSquared")
    # 320/80 against 50/50: a p-value far below 0.1 -> drift.
    current = shifted(0, "80/20")
    violations, result, _ = runner.check(drift_base, current, edit=chi)
    ref = stats.chisquare([320, 80], f_exp=[200, 200])
    assert [v[:2] for v in violations] == [("cat", DRIFT)]
    p_value, threshold = drift_values(violations, CHI_RE)["cat"]
    assert p_value == pytest.approx(ref.pvalue, rel=1e-9) and threshold == 0.1
    assert p_value < 1e-30
    # 208/192: p about 0.42, above the threshold -> no drift. An L-infinity reading of the same
    # number (0.42 > 0.1) would have fired: this is what distinguishes the p-value semantics.
    near = shifted(0, "52/48")
    ref = stats.chisquare([208, 192], f_exp=[200, 200])
    assert ref.pvalue > 0.4
    violations, result, _ = runner.check(
        drift_base,
        near,
        edit=chi,
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=runner.fresh("cw"),
    )
    assert violations == []
    records = {r["MetricName"]: r for r in result.metrics}
    assert records["feature_baseline_drift_cat"]["Value"] == pytest.approx(ref.pvalue, rel=1e-9)
    # A threshold above the p-value makes it fire.
    violations, _, _ = runner.check(
        drift_base,
        near,
        edit=set_distribution(categorical_drift_method="ChiSquared", categorical_comparison_threshold=0.5),
    )
    assert drift_values(violations, CHI_RE) == {"cat": pytest.approx((ref.pvalue, 0.5), rel=1e-9)}


def test_chi_squared_baseline_from_environment(runner):
    base = runner.make_baseline(DRIFT_BASE, categorical_drift_method="ChiSquared")
    violations, _, _ = runner.check(base, shifted(0, "80/20"))
    assert [v[:2] for v in violations] == [("cat", DRIFT)]
    assert CHI_RE.match(violations[0][2])


def test_perform_comparison_disabled(runner, drift_base):
    current = shifted(50, "80/20")
    violations, _, _ = runner.check(drift_base, current)
    assert [v[:2] for v in violations] == [("x", DRIFT), ("cat", DRIFT)]
    cw = runner.fresh("cw")
    violations, result, _ = runner.check(
        drift_base,
        current,
        edit=set_distribution(perform_comparison="Disabled"),
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=cw,
    )
    assert violations == []
    names = [r["MetricName"] for r in result.metrics]
    assert not [n for n in names if n.startswith("feature_baseline_drift_")]
    assert "feature_non_null_x" in names


def test_no_drift_check_for_feature_failing_its_type(runner, drift_base):
    # x gets words: String data against an Integral baseline, grossly different, but only the type check.
    current = shifted(0)
    current["x"] = [f"w{k % 3}" for k in range(M)]
    violations, _, _ = runner.check(drift_base, current)
    assert violations == [("x", TYPE, type_text("Integral", "100.0", "0.0"))]


# -- categorical values (domains) ------------------------------------------------------------------------
def test_new_categorical_values(runner, drift_base):
    current = shifted(0, "new")  # 40 of 400 are "z"
    violations, _, _ = runner.check(drift_base, current)
    assert violations == [
        (
            "cat",
            VALUES,
            "Value: 0.9 does not meet the constraint requirement! At least 100.0% of values must be in the "
            "baseline domain. Values outside the baseline domain include: z.",
        )
    ]
    # L-infinity here is 0.1 (robust 0): no drift. A domain threshold at 0.9 accepts 90% in domain.
    assert cat_linf(current["cat"]) == pytest.approx(0.1)
    violations, _, _ = runner.check(drift_base, current, edit=set_config(domain_content_threshold=0.9))
    assert violations == []
    violations, _, _ = runner.check(drift_base, current, edit=set_config(domain_content_threshold="9.5e-1"))
    assert [v[:2] for v in violations] == [("cat", VALUES)]
    assert "At least 95.0% of values" in violations[0][2]


def test_in_domain_fraction_counts_every_value_beyond_the_histogram(runner):
    # More distinct current values than the histogram keeps (1000): the in-domain share is still exact.
    base = runner.make_baseline({"cat": ["a", "b"] * 10})
    values = ["a"] * 1500 + [f"new{k}" for k in range(1500)]
    violations, _, _ = runner.check(
        base, {"cat": values}, edit=set_distribution(perform_comparison="Disabled")
    )
    assert violations == [
        (
            "cat",
            VALUES,
            "Value: 0.5 does not meet the constraint requirement! At least 100.0% of values must be in the "
            "baseline domain.",
        )
    ]


# -- identical data ------------------------------------------------------------------------------------
def varied(n: int = 3000) -> dict[str, list]:
    return {
        "id": list(range(n)),
        "amount": [
            "0" if k % 10 == 0 else "3" if k % 10 == 1 else "1.5e2" if k % 97 == 0 else f"{k * 0.37:.2f}"
            for k in range(n)
        ],
        "neg": [None if k % 9 == 0 else -(k % 50) for k in range(n)],
        "label": [("cat", "dog", "fish")[k % 3] for k in range(n)],
        "note": [None if k % 5 == 0 else f"note {k % 500}" for k in range(n)],
        "flag": ["true" if k % 7 else "false" for k in range(n)],
        "mixed": [str(k) if k % 2 else f"w{k % 3}" for k in range(n)],
        "empty": [None] * n,
    }


def test_identical_data_has_no_violations(runner):
    data = varied()
    base = runner.make_baseline(data)
    statistics = json.loads((base / "statistics.json").read_text(encoding="utf-8"))
    types = {f["name"]: f["inferred_type"] for f in statistics["features"]}
    assert types == {
        "id": "Integral",
        "amount": "Fractional",
        "neg": "Integral",
        "label": "String",
        "note": "String",
        "flag": "String",
        "mixed": "String",
        "empty": "Unknown",
    }
    sketch = statistics["features"][0]["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
    assert len(sketch) > 1  # compacted
    cw = runner.fresh("cw")
    violations, result, out = runner.check(
        base,
        data,
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=cw,
        schedule_name="sched",
        end_time="2024-05-01T10:00:00Z",
    )
    assert violations == []
    assert result.message == COMPLETED
    assert json.loads((out / "constraint_violations.json").read_text(encoding="utf-8")) == {"violations": []}
    drift = {
        r["MetricName"]: r["Value"]
        for r in result.metrics
        if r["MetricName"].startswith("feature_baseline_drift_")
    }
    # Every numeric and categorical feature got a distance, all zero; "mixed" has more distinct values
    # than a histogram keeps, so it has no categorical distribution to compare.
    assert set(drift) == {
        f"feature_baseline_drift_{n}" for n in ("id", "amount", "neg", "label", "note", "flag")
    }
    assert set(drift.values()) == {0.0}
    for record in result.metrics:
        assert record["Timestamp"] == "2024-05-01T10:00:00Z"
        assert record["Dimensions"] == [{"Name": "MonitoringSchedule", "Value": "sched"}]
    # Also with the strict Simple method and a zero threshold.
    violations, _, _ = runner.check(
        base,
        data,
        edit=set_distribution(
            comparison_method="Simple", comparison_threshold=0, categorical_comparison_threshold=0
        ),
    )
    assert violations == []


# -- CloudWatch ---------------------------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_cloudwatch_records(runner, drift_base):
    current = shifted(20, "80/20")
    cw = runner.fresh("cw")
    _, result, _ = runner.check(
        drift_base,
        current,
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=cw,
        endpoint_name="my-endpoint",
        schedule_name="my-schedule",
        metric_time="2024-01-02T03:00:00Z",
        end_time="2024-01-02T04:00:00Z",
    )
    path = cw / "cloudwatch_metrics.jsonl"
    records = read_jsonl(path)
    assert records == result.metrics
    dims = [
        {"Name": "Endpoint", "Value": "my-endpoint"},
        {"Name": "MonitoringSchedule", "Value": "my-schedule"},
    ]
    for r in records:
        assert r["Timestamp"] == "2024-01-02T03:00:00Z"
        assert r["Dimensions"] == dims
        assert ("Value" in r) != ("StatisticValues" in r)
    by_name = {r["MetricName"]: r for r in records}
    assert [r["MetricName"] for r in records] == [
        "feature_non_null_x",
        "feature_data_x",
        "feature_baseline_drift_x",
        "feature_non_null_cat",
        "feature_baseline_drift_cat",
        "feature_non_null_m",
        "feature_data_m",
        "feature_baseline_drift_m",
    ]
    x = np.array(current["x"], float)
    assert by_name["feature_non_null_x"]["Value"] == 1.0
    assert by_name["feature_data_x"]["StatisticValues"] == {
        "SampleCount": M,
        "Sum": float(x.sum()),
        "Minimum": 20.0,
        "Maximum": 119.0,
    }
    m = np.array([v for v in current["m"] if v is not None], float)
    assert by_name["feature_non_null_m"]["Value"] == 0.75
    assert by_name["feature_data_m"]["StatisticValues"] == {
        "SampleCount": 300,
        "Sum": float(m.sum()),
        "Minimum": float(m.min()),
        "Maximum": float(m.max()),
    }
    # Robust distances (under the threshold for x, so no violation): 0.2 - 0.127, 0.3 - 0.127; m identical.
    assert by_name["feature_baseline_drift_x"]["Value"] == pytest.approx(robust(ks(20), M, M), rel=1e-12)
    assert by_name["feature_baseline_drift_cat"]["Value"] == pytest.approx(
        robust(cat_linf(current["cat"]), M, M)
    )
    assert by_name["feature_baseline_drift_m"]["Value"] == 0.0


def test_cloudwatch_timestamp_dimensions_and_switches(runner, drift_base):
    current = shifted(20, "80/20")

    def metrics(edit=None, **config):
        cw = runner.fresh("cw")
        _, result, _ = runner.check(
            drift_base,
            current,
            edit=edit,
            publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=cw,
            **config,
        )
        records = read_jsonl(cw / "cloudwatch_metrics.jsonl")
        assert records == result.metrics
        return records

    # No metric_time: end_time; batch (no endpoint): MonitoringSchedule only.
    records = metrics(schedule_name="batch-schedule", end_time="2024-03-04T05:00:00Z")
    assert {r["Timestamp"] for r in records} == {"2024-03-04T05:00:00Z"}
    assert {json.dumps(r["Dimensions"]) for r in records} == {
        json.dumps([{"Name": "MonitoringSchedule", "Value": "batch-schedule"}])
    }
    # Switched off globally: an empty file.
    assert metrics(edit=set_config(emit_metrics="Disabled"), schedule_name="s") == []

    # Per feature, both spellings: only m remains.
    def per_feature(doc):
        feature(doc, "x")["monitoringConfigOverrides"] = {"emit_metrics": "Disabled"}
        feature(doc, "cat")["string_constraints"]["monitoring_config_overrides"] = {
            "emit_metrics": "Disabled"
        }

    records = metrics(edit=per_feature, schedule_name="s")
    assert [r["MetricName"] for r in records] == [
        "feature_non_null_m",
        "feature_data_m",
        "feature_baseline_drift_m",
    ]
    # Excluded features publish nothing.
    records = metrics(schedule_name="s", exclude_features=("x", "m"))
    assert [r["MetricName"] for r in records] == ["feature_non_null_cat", "feature_baseline_drift_cat"]


def test_no_cloudwatch_file_unless_asked(runner, drift_base):
    cw = runner.fresh("cw")
    _, result, _ = runner.check(drift_base, shifted(0), cloudwatch_metrics_directory=cw)
    assert result.metrics is None
    assert not (cw / "cloudwatch_metrics.jsonl").exists()
