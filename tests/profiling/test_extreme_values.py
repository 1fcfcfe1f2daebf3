"""Extreme values (±DBL_MAX, subnormals, -0.0, sums that overflow) through every job kind.

Each job runs as the real CLI in a subprocess whose address space is capped (RLIMIT_AS), so a loop
that depends on the values' range fails the test instead of eating the machine; every output is
parsed with a JSON parser that rejects NaN and Infinity; finite statistics are checked against exact
rational arithmetic (fractions) and numpy.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from analyzer.config.formats import DatasetFormat
from analyzer.profiling.kll import KLLSketch
from analyzer.profiling.moments import MomentsState
from analyzer.report.charts import nice_ticks
from analyzer.report.cloudwatch_limits import LARGEST, MAX_METRIC_NAME, SMALLEST, bounded, publishable
from analyzer.report.distributions import common_edges, numeric_from_categories
from tests.conftest import ROOT, features_by_name

MAX = sys.float_info.max
TINY = 5e-324  # the smallest subnormal, written 4.9e-324
MEMORY_LIMIT = 4 * 2**30
CW_DIR = "cw"

# Columns: huge values of both signs, subnormals and signed zeros, a sum that overflows (positive
# and negative), an ordinary column as a control, and a category.
COLUMNS = ("huge", "tiny", "overflow", "underflow", "plain", "kind")
ROWS = [
    ("1.7976931348623157e308", "4.9e-324", "1.7976931348623157e308", "-1.7976931348623157e308", "1.5", "a"),
    ("-1.7976931348623157e308", "-0.0", "1.7976931348623157e308", "-1.7976931348623157e308", "2.5", "b"),
    ("1.0", "0.0", "1.7976931348623157e308", "-1.7976931348623157e308", "3.5", "a"),
    ("1.7976931348623157e308", "-4.9e-324", "1.0e308", "-1.0e308", "-4.0", "b"),
    ("2.0", "2.2250738585072014e-308", "1.0e308", "-1.0e308", "0.25", "a"),
]


def strict_json(text: str):
    def refuse(name: str):
        raise AssertionError(f"{name} is not strict JSON")

    return json.loads(text, parse_constant=refuse)


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The CLI with the local engine (a JVM would not start under the address-space cap)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "analyzer.cli", *args, "--engine", "local"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=limit_memory,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def check_outputs(output: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Every report is there and strict JSON; report.html is there."""
    documents = {name: strict_json((output / name).read_text(encoding="utf-8")) for name in names}
    assert (output / "report.html").stat().st_size > 0
    return documents


def exact_moments(values: list[float]) -> tuple[float, float, float]:
    """Sum, mean and population standard deviation in exact rational arithmetic, rounded once."""
    exact = [Fraction(v) for v in values]
    total = sum(exact)
    mean = total / len(exact)
    variance = sum((x - mean) ** 2 for x in exact) / len(exact)
    # The variance may be beyond the double range either way: scale by 2**±1200, back by 2**±600.
    scale = 1200 if variance > 1 else -1200
    std = math.sqrt(float(variance / Fraction(2) ** scale)) * 2.0 ** (scale // 2)
    try:
        total_float = float(total)
    except OverflowError:
        total_float = math.inf if total > 0 else -math.inf
    return total_float, float(mean), std


# -- units -------------------------------------------------------------------------------------------


def test_moments_near_dbl_max_are_the_exact_ones_in_any_merge_order():
    values = [MAX, MAX, -MAX, 1.0, -MAX / 3, MAX / 7, 2.0**600]
    total, mean, std = exact_moments(values)
    whole = MomentsState.of(np.array(values))
    one_by_one = MomentsState()
    for v in reversed(values):
        one_by_one = one_by_one.merge(MomentsState.of(np.array([v])))
    for state in (whole, one_by_one):
        assert state.sum == pytest.approx(total, rel=1e-12)
        assert state.average == pytest.approx(mean, rel=1e-12)
        assert state.std_dev == pytest.approx(std, rel=1e-12)
        assert math.isfinite(state.std_dev) and state.std_dev <= MAX


def test_a_sum_beyond_the_double_range_is_infinite_but_mean_and_std_dev_are_not():
    state = MomentsState.of(np.array([MAX, MAX, MAX]))
    assert state.sum == math.inf
    assert state.average == MAX and state.std_dev == 0.0
    negative = MomentsState.of(np.array([-MAX, -MAX]))
    assert negative.sum == -math.inf and negative.average == -MAX


def test_ordinary_moments_are_the_same_doubles_as_plain_arithmetic():
    values = np.random.default_rng(7).normal(100, 30, 1000)
    state = MomentsState.of(values[:400]).merge(MomentsState.of(values[400:]))
    assert state.scaled is None
    assert state.sum == state.total and state.average == state.total / 1000
    assert state.std_dev == math.sqrt(state.m2 / 1000)


def test_kll_buckets_across_dbl_max_are_finite_ordered_and_end_at_min_and_max():
    sketch = KLLSketch()
    sketch.update(np.array([-MAX, -1.0, 0.0, 1.0, MAX]))
    buckets = sketch.equal_width_buckets(-MAX, MAX, 10)
    bounds = [b[0] for b in buckets] + [buckets[-1][1]]
    assert all(math.isfinite(b) for b in bounds)
    assert bounds == sorted(bounds) and bounds[0] == -MAX and bounds[-1] == MAX
    assert [b[1] for b in buckets[:-1]] == [b[0] for b in buckets[1:]]
    assert sum(b[2] for b in buckets) == 5
    assert buckets[5][0] == 0.0 and buckets[5][2] == 2  # 0.0 and 1.0


def test_kll_buckets_of_ordinary_ranges_are_deequs_doubles():
    sketch = KLLSketch()
    sketch.update(np.array([0.1, 60.38, 7.0]))
    low, high = 0.1, 60.38
    expected = [low + (high - low) * i / 10.0 for i in range(10)]
    assert [b[0] for b in sketch.equal_width_buckets(low, high, 10)] == expected


@pytest.mark.parametrize(
    ("low", "high"),
    [
        (-MAX, MAX),
        (MAX * 0.999999, MAX),
        (0.0, TINY),
        (TINY, 2.2250738585072014e-308),
        (1e300, 1e300 * (1 + 1e-15)),
    ],
)
def test_axis_ticks_are_few_and_finite_whatever_the_range(low, high):
    ticks = nice_ticks(low, high, 6)
    assert 1 <= len(ticks) <= 50
    assert all(math.isfinite(t) for t in ticks) and ticks == sorted(set(ticks))


@pytest.mark.parametrize("values", [[MAX], [-MAX, MAX], [TINY], [0.0, TINY], [-0.0]])
def test_report_grid_is_finite_and_increasing(values):
    edges = common_edges([numeric_from_categories([(repr(v), 1.0) for v in values])])
    assert edges is not None and np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0)


def test_cloudwatch_records_keep_only_values_cloudwatch_accepts(caplog):
    dims = [{"Name": "Endpoint", "Value": "e"}]

    def record(name, **value):
        return {"MetricName": name, "Timestamp": "2024-01-01T00:00:00Z", "Dimensions": dims, **value}

    records = [
        record("inf", Value=math.inf),
        record("nan", Value=math.nan),
        record("huge", Value=LARGEST * 2),
        record("set", StatisticValues={"SampleCount": 3, "Sum": math.inf, "Minimum": 1.0, "Maximum": 2.0}),
        record("tiny", Value=TINY),
        record("edge", Value=-LARGEST),
        record(
            "zero", StatisticValues={"SampleCount": 2, "Sum": -0.0, "Minimum": -SMALLEST / 2, "Maximum": 1.0}
        ),
    ]
    kept = publishable(records)
    assert [r["MetricName"] for r in kept] == ["tiny", "edge", "zero"]
    assert kept[0]["Value"] == 0.0 and kept[1]["Value"] == -LARGEST
    assert kept[2]["StatisticValues"] == {"SampleCount": 2, "Sum": -0.0, "Minimum": 0.0, "Maximum": 1.0}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    for name in ("inf", "nan", "huge", "set"):
        assert any(f"CloudWatch metric {name} left out" in w for w in warnings), warnings
    assert any("CloudWatch metric tiny" in w and "sent as 0" in w for w in warnings)


def test_long_or_control_character_names_are_cut_stably_to_cloudwatch_limits():
    long_a, long_b = (
        "feature_baseline_drift_" + "x" * 10_000 + "a",
        "feature_baseline_drift_" + "x" * 10_000 + "b",
    )
    name_a = bounded(long_a, MAX_METRIC_NAME)
    assert len(name_a) == MAX_METRIC_NAME and name_a.startswith("feature_baseline_drift_xxx")
    assert name_a == bounded(long_a, MAX_METRIC_NAME) != bounded(long_b, MAX_METRIC_NAME)
    control = bounded("feature_non_null_a\nb\x00", MAX_METRIC_NAME)
    assert control.startswith("feature_non_null_a_b_-") and "\n" not in control
    assert bounded("feature_non_null_ok", MAX_METRIC_NAME) == "feature_non_null_ok"
    [kept] = publishable(
        [
            {
                "MetricName": long_a,
                "Timestamp": "t",
                "Dimensions": [
                    {"Name": "TargetModel", "Value": "m" * 2000},
                    {"Name": "Endpoint", "Value": "é"},
                ],
                "Value": 0.5,
            }
        ]
    )
    assert kept["MetricName"] == name_a
    assert len(kept["Dimensions"][0]["Value"]) == 1024 and kept["Dimensions"][1]["Value"].isascii()


# -- every job kind, end to end ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_quality(tmp_path_factory):
    """Baseline, then monitoring with CloudWatch records, of the same extreme data."""
    work = tmp_path_factory.mktemp("extreme-dq")
    data = write_csv(work / "data" / "data.csv", COLUMNS, ROWS)
    baseline = cli(
        "baseline", "--dataset", str(data), "--format", "csv", "--header", "--output", "base", cwd=work
    )
    monitor = cli(
        "monitor", "--dataset", str(data), "--format", "csv", "--header", "--output", "run",
        "--baseline-statistics", "base/statistics.json", "--baseline-constraints", "base/constraints.json",
        "--publish-cloudwatch", "--cloudwatch-dir", CW_DIR, "--endpoint-name", "ep", "--schedule-name", "sc",
        cwd=work,
    )  # fmt: skip
    return work, baseline, monitor


def test_data_quality_jobs_write_every_output_as_strict_json(data_quality):
    work, _, _ = data_quality
    check_outputs(work / "base", ("statistics.json", "constraints.json"))
    run = check_outputs(work / "run", ("statistics.json", "constraints.json", "constraint_violations.json"))
    assert run["constraint_violations.json"] == {"violations": []}
    lines = (work / CW_DIR / "cloudwatch_metrics.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines and all(strict_json(line) for line in lines)


def test_statistics_of_extreme_values_are_the_exact_ones(data_quality):
    work, _, _ = data_quality
    features = features_by_name(strict_json((work / "run" / "statistics.json").read_text(encoding="utf-8")))
    for i, name in enumerate(COLUMNS[:-1]):
        values = [float(r[i]) for r in ROWS]
        stats = features[name]["numerical_statistics"]
        total, mean, std = exact_moments(values)
        assert stats["mean"] == pytest.approx(mean, rel=1e-12, abs=1e-320), name
        if std < 1e-154:  # squared deviations underflow in doubles: numpy's (and Spark's) answer
            std = float(np.std(np.array(values)))
        assert stats["std_dev"] == pytest.approx(std, rel=1e-12, abs=1e-320), name
        assert stats["min"] == min(values) and stats["max"] == max(values)
        if math.isfinite(total):
            assert stats["sum"] == pytest.approx(total, rel=1e-12, abs=1e-320), name
        else:  # beyond a double: written as Jackson writes an infinite double, a JSON string
            assert stats["sum"] == ("Infinity" if total > 0 else "-Infinity"), name
        buckets = stats["distribution"]["kll"]["buckets"]
        bounds = [b["lower_bound"] for b in buckets] + [buckets[-1]["upper_bound"]]
        assert bounds == sorted(bounds) and bounds[0] == min(values) and bounds[-1] == max(values)
        assert sum(b["count"] for b in buckets) == len(values)
    plain = np.array([float(r[4]) for r in ROWS])
    assert features["plain"]["numerical_statistics"]["sum"] == float(np.sum(plain))
    assert features["plain"]["numerical_statistics"]["std_dev"] == pytest.approx(
        float(np.std(plain)), rel=1e-15
    )


def test_cloudwatch_leaves_out_an_overflowed_sum_with_a_warning(data_quality):
    work, _, monitor = data_quality
    records = [
        strict_json(line) for line in (work / CW_DIR / "cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    names = {r["MetricName"] for r in records}
    assert {"feature_data_tiny", "feature_data_plain", "feature_non_null_huge"} <= names
    assert not names & {"feature_data_overflow", "feature_data_underflow", "feature_data_huge"}
    assert "CloudWatch metric feature_data_overflow left out: Sum inf" in monitor.stderr
    assert "CloudWatch metric feature_data_underflow left out: Sum -inf" in monitor.stderr
    # Finite, but beyond the 1.174271e+108 CloudWatch takes.
    assert "CloudWatch metric feature_data_huge left out: Sum 1.7976931348623157e+308" in monitor.stderr
    by_name = {r["MetricName"]: r for r in records}
    assert (
        by_name["feature_data_tiny"]["StatisticValues"]["Minimum"] == 0.0
    )  # -4.9e-324: below CloudWatch's range
    for r in records:
        for value in r.get("StatisticValues", {"Value": r.get("Value")}).values():
            assert value == 0 or SMALLEST <= abs(value) <= LARGEST


def test_monitoring_against_an_extreme_baseline_checks_drift(data_quality):
    work, _, _ = data_quality
    drift = {
        r["MetricName"]: r["Value"]
        for r in map(strict_json, (work / CW_DIR / "cloudwatch_metrics.jsonl").read_text().splitlines())
        if r["MetricName"].startswith("feature_baseline_drift_")
    }
    assert set(drift) == {f"feature_baseline_drift_{c}" for c in COLUMNS}
    assert all(0.0 <= v <= 1.0 for v in drift.values())


def test_spark_profiles_extreme_values_as_the_local_engine_does(data_quality, baseline, tmp_path):
    work, _, _ = data_quality
    statistics, _, _ = baseline(
        work / "data", DatasetFormat(kind="csv", header=True), output_path=tmp_path / "o"
    )
    local = strict_json((work / "base" / "statistics.json").read_text(encoding="utf-8"))
    assert strict_json((tmp_path / "o" / "statistics.json").read_text(encoding="utf-8")) == local
    assert statistics == local


def quality_rows(binary: bool) -> list[tuple]:
    if binary:
        return [(1, 1, 1.7976931348623157e308), (0, 0, 4.9e-324), (1, 0, -0.0), (0, 1, 0.9), (1, 1, 0.7)]
    return [
        (1.7976931348623157e308, -1.7976931348623157e308),
        (-1.7976931348623157e308, 1.7976931348623157e308),
        (4.9e-324, -0.0),
        (1.0, 2.0),
        (1.0e308, 1.0e308),
    ]


@pytest.mark.parametrize("problem", ["Regression", "BinaryClassification"])
def test_model_quality_jobs_complete_with_extreme_predictions(tmp_path, problem):
    binary = problem == "BinaryClassification"
    header = ("label", "prediction", "probability") if binary else ("label", "prediction")
    data = write_csv(
        tmp_path / "data" / "data.csv", header, [tuple(map(repr, r)) for r in quality_rows(binary)]
    )
    options = ["--format", "csv", "--header", "--problem-type", problem, "--inference-attribute", "prediction",
               "--ground-truth-attribute", "label"]  # fmt: skip
    if binary:
        options += ["--probability-attribute", "probability"]
    cli("baseline", "--dataset", str(data), *options, "--output", "base", cwd=tmp_path)
    monitor = cli(
        "monitor", "--dataset", str(data), *options, "--output", "run",
        "--baseline-constraints", "base/constraints.json", "--baseline-statistics", "base/statistics.json",
        "--publish-cloudwatch", "--cloudwatch-dir", CW_DIR, cwd=tmp_path,
    )  # fmt: skip
    check_outputs(tmp_path / "base", ("statistics.json", "constraints.json"))
    run = check_outputs(
        tmp_path / "run", ("statistics.json", "constraints.json", "constraint_violations.json")
    )
    records = [
        strict_json(line)
        for line in (tmp_path / CW_DIR / "cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    if binary:
        assert {"accuracy", "auc"} <= {r["MetricName"] for r in records}
    else:
        metrics = run["statistics.json"]["regression_metrics"]
        assert metrics["mse"]["value"] == "Infinity"  # errors of 3.6e308 squared: beyond a double
        assert "CloudWatch metric mse left out: Value inf" in monitor.stderr
        assert "No mse constraint suggested" in monitor.stderr
        assert "mse" not in run["constraints.json"]["regression_constraints"]
        assert "mse" not in {r["MetricName"] for r in records}


EXTREME_METRICS = """
import numpy as np


def metrics_handler():
    return [
        {"name": "total", "feature": "_c3", "input": "numbers", "init": lambda: 0.0,
         "update": lambda s, values: s + float(np.sum(values)), "merge": lambda a, b: a + b,
         "result": lambda s: s},
        {"name": "largest", "feature": "_c1", "input": "numbers", "init": lambda: float("-inf"),
         "update": lambda s, values: max(s, float(np.max(values))) if len(values) else s,
         "merge": max, "result": lambda s: s},
        {"name": "count", "feature": "_c1", "input": "numbers", "init": lambda: 0,
         "update": lambda s, values: s + len(values), "merge": lambda a, b: a + b, "result": lambda s: s},
    ]
"""


def test_split_runs_with_custom_metrics_complete_with_extreme_values(tmp_path):
    """split_by (one report set per target model) and custom metrics whose results overflow: every
    segment's outputs and every CloudWatch record stay strict JSON; the overflowed metric is written
    as "Infinity", and it and DBL_MAX (beyond CloudWatch's range) are left out of CloudWatch with a
    WARNING while an ordinary one is sent."""
    from tests.helpers.capture import capture_record

    lines = []
    for i, row in enumerate(ROWS * 4):
        model = "model-a" if i % 2 else "model-b"
        payload = ",".join(row[:5])
        lines.append(capture_record(payload, "1", "2026-11-22T10:15:00Z", f"e{i}", target_model=model))
    data = tmp_path / "capture" / "ep" / "AllTraffic" / "2026" / "11" / "22" / "10" / "a.jsonl"
    data.parent.mkdir(parents=True)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script = tmp_path / "metrics.py"
    script.write_text(EXTREME_METRICS, encoding="utf-8")
    common = ["--format", "capture", "--split-by", "target-model", "--metrics-script", str(script)]
    cli("baseline", "--dataset", str(tmp_path / "capture"), *common, "--output", "base", cwd=tmp_path)
    monitor = cli(
        "monitor", "--dataset", str(tmp_path / "capture"), *common, "--output", "run",
        "--baseline-constraints", "base", "--baseline-statistics", "base",
        "--publish-cloudwatch", "--cloudwatch-dir", CW_DIR, "--endpoint-name", "ep", cwd=tmp_path,
    )  # fmt: skip
    for model in ("model-a", "model-b"):
        check_outputs(tmp_path / "base" / model, ("statistics.json", "constraints.json"))
        run = check_outputs(
            tmp_path / "run" / model, ("statistics.json", "constraints.json", "constraint_violations.json")
        )
        statistics = run["statistics.json"]
        assert features_by_name(statistics)["_c1"]["numerical_statistics"]["max"] == MAX  # _c0: the output
        assert statistics["custom"]["features"]["_c3"]["total"] == "Infinity"
        assert statistics["custom"]["features"]["_c1"] == {"largest": MAX, "count": 10}
    strict_json((tmp_path / "run" / "segments.json").read_text(encoding="utf-8"))
    records = [
        strict_json(line)
        for line in (tmp_path / CW_DIR / "cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    names = {r["MetricName"] for r in records}
    assert any("count" in n for n in names), names
    assert not any("total" in n or "largest" in n for n in names), names
    assert "left out: Value inf" in monitor.stderr
