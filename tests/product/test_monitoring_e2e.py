"""A monitoring execution over a realistic endpoint capture window, end to end (real local Spark).

A 3,000-row headered baseline (the model output ``label`` first, then 24 numeric and 7 categorical
features) is baselined; then an hour of CSV-encoded capture (31 input fields, a probability as
output) is checked against it, with records outside [start_time, end_time) around the window.
The expected violations are derived in this file from the generated data (contract §5.2/§5.3
rules, exact two-sample KS / category frequencies), independently of the analyzer's code.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analyzer.common.errors import InputError
from analyzer.config.formats import DatasetFormat
from tests.conftest import features_by_name
from tests.helpers.capture import capture_file, capture_record, event_id, iso, read_metrics, write_lines

ENDPOINT, SCHEDULE = "my-endpoint", "my-schedule"
START = datetime(2026, 11, 22, 10, tzinfo=UTC)
END = START + timedelta(hours=1)
START_TIME, END_TIME = iso(START), iso(END)
METRIC_TIME = START_TIME  # observed equal to start_time (§1.2); distinct from end_time on purpose
WINDOW = f"[{START_TIME}, {END_TIME})"
DROPPED_REASON = f"inferenceTime outside the window {WINDOW}"
DIMENSIONS = [{"Name": "Endpoint", "Value": ENDPOINT}, {"Name": "MonitoringSchedule", "Value": SCHEDULE}]

BASELINE_FORMAT = DatasetFormat(kind="csv", header=True)
CAPTURE = DatasetFormat(kind="sagemakerCaptureJson")
COMPLETED = "Completed: Job completed successfully with no violations."

N_BASELINE = 3000
N_WINDOW = 2000
THRESHOLD = 0.1  # comparison_threshold and categorical_comparison_threshold of suggested constraints
KS_CRITICAL = 1.8  # contract §5.3: linf_robust = max(0, linf_simple - 1.8 * sqrt((n + m) / (n * m)))
MARGIN = (
    0.05  # every drift distance must be at least this far from THRESHOLD: the expected set is unambiguous
)


def ints(lo: int, hi: int):
    return lambda r: str(r.randint(lo, hi))


def normal(mu: float, sd: float):
    return lambda r: f"{r.gauss(mu, sd):.2f}"


def uniform(lo: float, hi: float):
    return lambda r: f"{r.uniform(lo, hi):.3f}"


def choice(values: list[str], weights: list[float]):
    return lambda r: r.choices(values, weights)[0]


STATES = ["CA", "NY", "TX", "FL", "WA", "OH", "IL", "GA", "NC", "MI"]
# The 31 model inputs, in capture order: 12 Integral, 12 Fractional, 7 String, interleaved.
FEATURES = {
    "Account Length": ints(1, 240),
    "VMail Message": ints(0, 50),
    "Day Mins": normal(180, 50),
    "Day Calls": ints(50, 150),
    "State": choice(STATES, [15, 14, 13, 12, 10, 9, 8, 7, 6, 6]),
    "Eve Mins": normal(200, 50),
    "Eve Calls": ints(50, 150),
    "Night Mins": normal(200, 50),
    "Night Calls": ints(50, 150),
    "Intl Plan": choice(["no", "yes"], [0.9, 0.1]),
    "Intl Mins": normal(10, 2.5),
    "Intl Calls": ints(0, 20),
    "CustServ Calls": ints(0, 9),
    "VMail Plan": choice(["no", "yes"], [0.7, 0.3]),
    "Day Charge": normal(30, 9),
    "Eve Charge": normal(17, 4),
    "Night Charge": normal(9, 2),
    "Intl Charge": normal(2.7, 0.7),
    "Region": choice(["north", "south", "east", "west"], [0.3, 0.3, 0.2, 0.2]),
    "Tenure Years": ints(0, 30),
    "Monthly Fee": uniform(10, 120),
    "Data GB": uniform(0, 1),
    "Plan": choice(["basic", "plus", "premium"], [0.6, 0.3, 0.1]),
    "Devices": ints(1, 5),
    "Age": ints(18, 90),
    "Score": normal(0, 1),
    "Channel": choice(["web", "store", "phone"], [0.5, 0.3, 0.2]),
    "Late Payments": ints(0, 12),
    "Discount": uniform(0, 0.5),
    "Device OS": choice(["ios", "android", "other"], [0.45, 0.45, 0.1]),
    "Referrals": ints(0, 15),
}
HEADER = ["label", *FEATURES]

# What the capture window does to the data:
DRIFTED = {  # shifted distributions, far beyond the threshold
    "Day Mins": normal(280, 50),  # +2 standard deviations
    "Day Calls": ints(110, 210),  # an Integral feature shifted by 60
    "Data GB": uniform(0, 3),  # a Fractional feature stretched
    "Plan": choice(["basic", "plus", "premium"], [0.1, 0.3, 0.6]),  # a categorical one reversed
}
FRACTIONAL_IN_INTEGRAL = "CustServ Calls"  # every 8th record sends "n.5"
NEW_CATEGORY = "Region"  # every 20th record sends "central" (too rare to drift)
MORE_MISSING = "Intl Mins"  # baseline: 2% missing; window: 25% missing
LESS_MISSING = "Intl Calls"  # baseline: 4% missing; window: 1% missing (no violation)

DESIGNED = {
    ("label", "data_type_check"),  # probabilities against a 0/1 Integral baseline (as in the real notebook)
    (FRACTIONAL_IN_INTEGRAL, "data_type_check"),
    ("Day Mins", "baseline_drift_check"),
    ("Day Calls", "baseline_drift_check"),
    ("Data GB", "baseline_drift_check"),
    ("Plan", "baseline_drift_check"),
    (NEW_CATEGORY, "categorical_values_check"),
    (MORE_MISSING, "completeness_check"),
}

Row = dict[str, str | None]


def baseline_rows(rng: random.Random) -> list[Row]:
    rows = []
    for j in range(N_BASELINE):
        row: Row = {"label": "1" if rng.random() < 0.3 else "0"}
        row.update({name: generate(rng) for name, generate in FEATURES.items()})
        if j % 50 == 7:
            row[MORE_MISSING] = None
        if j % 25 == 3:
            row[LESS_MISSING] = None
        rows.append(row)
    return rows


def window_rows(rng: random.Random) -> list[Row]:
    """What the endpoint saw during the window: the output is a probability, some inputs changed."""
    rows = []
    for i in range(N_WINDOW):
        row: Row = {"label": f"{rng.uniform(0.01, 0.99):.4f}"}
        row.update({name: DRIFTED.get(name, generate)(rng) for name, generate in FEATURES.items()})
        if i % 8 == 0:
            row[FRACTIONAL_IN_INTEGRAL] = f"{row[FRACTIONAL_IN_INTEGRAL]}.5"
        if i % 20 == 5:
            row[NEW_CATEGORY] = "central"
        if i % 4 == 1:
            row[MORE_MISSING] = None
        if i % 100 == 3:
            row[LESS_MISSING] = None
        rows.append(row)
    return rows


def write_baseline_csv(path: Path, rows: list[Row]) -> Path:
    lines = [",".join(HEADER)] + [",".join(row[name] or "" for name in HEADER) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Capture:
    root: Path
    inside: int
    outside: int
    files: list[Path] = field(default_factory=list)


def write_capture(root: Path, rows: list[Row], rng: random.Random) -> Capture:
    """The rows as capture records spread over the window's hour directory (four files), with
    records outside the window around it: late-flushed ones from 09:59 at the head of the first file,
    ones at and after end_time at the tail of the last file and in the 11/ hour directory. Those
    outside carry POISON in every field: analyzing any of them would change the violations."""
    poison_input = ",".join(["POISON"] * len(FEATURES))
    files: list[list[str]] = [[] for _ in range(4)]
    created = [START + timedelta(minutes=15 * q, milliseconds=137 * q) for q in range(4)]
    before = [START - timedelta(seconds=60) + timedelta(seconds=3 * k) for k in range(15)]
    files[0].extend(capture_record(poison_input, "0.5", iso(t), event_id(rng)) for t in before)
    for i, row in enumerate(rows):
        when = START + timedelta(seconds=i * 3600 / len(rows))
        data = ",".join(row[name] or "" for name in FEATURES)
        if i % 2:
            data += "\n"  # CSV payloads may end with a newline (§2.1)
        files[int((when - START).total_seconds()) // 900].append(
            capture_record(data, row["label"], iso(when), event_id(rng))
        )
    at_end = [END, END, END + timedelta(seconds=1)]  # end_time itself is outside: [start, end)
    files[3].extend(capture_record(poison_input, "0.5", iso(t), event_id(rng)) for t in at_end)
    paths = [
        write_lines(capture_file(root, ENDPOINT, START, created[q], rng), lines)
        for q, lines in enumerate(files)
    ]
    after = [END + timedelta(seconds=2 + 60 * k) for k in range(30)]
    paths.append(
        write_lines(
            capture_file(root, ENDPOINT, END, END + timedelta(seconds=2), rng),
            [capture_record(poison_input, "0.5", iso(t), event_id(rng)) for t in after],
        )
    )
    return Capture(root, inside=len(rows), outside=len(before) + len(at_end) + len(after), files=paths)


# ---------------------------------------------------------------- the independent expectation


def value_kind(value: str) -> str:
    try:
        int(value)
        return "Integral"
    except ValueError:
        pass
    try:
        float(value)
        return "Fractional"
    except ValueError:
        return "String"


def column_type(values: list[str]) -> str:
    kinds = {value_kind(v) for v in values}
    if "String" in kinds:
        return "String"
    return "Fractional" if "Fractional" in kinds else "Integral"


def robust(simple: float, n: int, m: int) -> float:
    return max(0.0, simple - KS_CRITICAL * math.sqrt((n + m) / (n * m)))


def ks_distance(a: list[float], b: list[float]) -> float:
    """Exact two-sample Kolmogorov-Smirnov statistic: max |F_a(x) - F_b(x)| over all sample points."""
    a, b = sorted(a), sorted(b)
    return max(abs(bisect_right(a, x) / len(a) - bisect_right(b, x) / len(b)) for x in set(a) | set(b))


def frequency_distance(a: list[str], b: list[str]) -> float:
    ca, cb = Counter(a), Counter(b)
    return max(abs(ca[k] / len(a) - cb[k] / len(b)) for k in set(ca) | set(cb))


@dataclass
class Expected:
    violations: set[tuple[str, str]] = field(default_factory=set)
    completeness: dict[str, float] = field(default_factory=dict)  # current non-null share
    drift: dict[str, float] = field(default_factory=dict)  # robust distance, where drift is checked
    current_type: dict[str, str] = field(default_factory=dict)
    present: dict[str, list[str]] = field(default_factory=dict)


def expected_checks(baseline: list[Row], current: list[Row]) -> Expected:
    """Contract §5.2 with datatype_check_threshold = domain_content_threshold = 1.0 and Robust
    L-infinity at 0.1; a feature failing its type check is not checked for drift."""
    out = Expected()
    for name in HEADER:
        base = [r[name] for r in baseline if r[name] is not None]
        cur = [r[name] for r in current if r[name] is not None]
        out.present[name] = cur
        base_type = column_type(base)
        out.current_type[name] = column_type(cur)
        out.completeness[name] = len(cur) / len(current)
        if base_type == "Integral":
            type_ok = all(value_kind(v) == "Integral" for v in cur)
        elif base_type == "Fractional":
            type_ok = all(value_kind(v) != "String" for v in cur)
        else:
            type_ok = out.current_type[name] == "String"
        if not type_ok:
            out.violations.add((name, "data_type_check"))
        if out.completeness[name] < len(base) / len(baseline):
            out.violations.add((name, "completeness_check"))
        if base_type == "String" and not set(cur) <= set(base):
            out.violations.add((name, "categorical_values_check"))
        if type_ok:
            if base_type == "String":
                simple = frequency_distance(base, cur)
            else:
                simple = ks_distance([float(v) for v in base], [float(v) for v in cur])
            out.drift[name] = robust(simple, len(base), len(cur))
            if out.drift[name] > THRESHOLD:
                out.violations.add((name, "baseline_drift_check"))
    return out


# ---------------------------------------------------------------- running the jobs


@dataclass
class Baselined:
    rows: list[Row]
    statistics_path: Path
    constraints_path: Path
    statistics: dict
    constraints: dict


@pytest.fixture
def baselined(tmp_path, baseline) -> Baselined:
    """The baseline rows baselined by a real job (CSV with header), and that job's two files."""
    rows = baseline_rows(random.Random(20261122))
    dataset = write_baseline_csv(tmp_path / "baseline_dataset" / "train.csv", rows)
    output = tmp_path / "baseline"
    statistics, constraints, _ = baseline(dataset, BASELINE_FORMAT, output_path=output)
    return Baselined(rows, output / "statistics.json", output / "constraints.json", statistics, constraints)


def monitoring_config(tmp_path: Path, baselined: Baselined, **overrides) -> dict:
    """What a scheduled execution sets (§1.5.3), as JobConfig fields."""
    return {
        "output_path": tmp_path / "report",
        "baseline_statistics": baselined.statistics_path,
        "baseline_constraints": baselined.constraints_path,
        "start_time": START_TIME,
        "end_time": END_TIME,
        "metric_time": METRIC_TIME,
        "publish_cloudwatch_metrics": True,
        "cloudwatch_metrics_directory": tmp_path / "cloudwatch",
        "endpoint_name": ENDPOINT,
        "schedule_name": SCHEDULE,
        **overrides,
    }


def check_baseline_documents(statistics: dict, constraints: dict) -> None:
    assert statistics["dataset"]["item_count"] == N_BASELINE
    assert [f["name"] for f in statistics["features"]] == HEADER
    types = {f["name"]: f["inferred_type"] for f in constraints["features"]}
    assert types["label"] == "Integral"
    assert types["Day Calls"] == types[FRACTIONAL_IN_INTEGRAL] == "Integral"
    assert types["Day Mins"] == types[MORE_MISSING] == "Fractional"
    assert types["Region"] == types["Plan"] == "String"
    by_name = {f["name"]: f for f in constraints["features"]}
    assert by_name[MORE_MISSING]["completeness"] == 0.98
    assert by_name[LESS_MISSING]["completeness"] == 0.96
    assert sorted(by_name[NEW_CATEGORY]["string_constraints"]["domains"]) == [
        "east",
        "north",
        "south",
        "west",
    ]
    config = constraints["monitoring_config"]
    assert config["distribution_constraints"]["comparison_method"] == "Robust"
    assert config["distribution_constraints"]["comparison_threshold"] == THRESHOLD
    assert config["distribution_constraints"]["categorical_comparison_threshold"] == THRESHOLD


def check_ledger(result, capture: Capture) -> None:
    ledger = result.ledger
    assert dict(ledger.dropped) == {DROPPED_REASON: capture.outside}
    assert ledger.records_read == capture.inside + capture.outside
    assert ledger.records_analyzed == capture.inside
    assert ledger.records_skipped == 0


def check_metrics(result, cloudwatch: Path, expected: Expected) -> dict[str, dict]:
    """Records as §6: the file matches the result, every record carries the schedule's dimensions and
    metric_time; completeness per feature; numeric summaries; a drift distance where drift was checked."""
    records = read_metrics(cloudwatch)
    assert records == result.metrics
    assert [p.name for p in cloudwatch.iterdir()] == ["cloudwatch_metrics.jsonl"]
    by_name = {r["MetricName"]: r for r in records}
    assert len(by_name) == len(records), "a metric was emitted twice"
    numeric = [n for n in HEADER if expected.current_type[n] != "String"]
    assert set(by_name) == (
        {f"feature_non_null_{n}" for n in HEADER}
        | {f"feature_data_{n}" for n in numeric}
        | {f"feature_baseline_drift_{n}" for n in expected.drift}
    )
    for record in records:
        assert record["Timestamp"] == METRIC_TIME
        assert record["Dimensions"] == DIMENSIONS
        assert ("Value" in record) != ("StatisticValues" in record)
    for name in HEADER:
        assert by_name[f"feature_non_null_{name}"]["Value"] == expected.completeness[name], name
    for name in numeric:
        values = [float(v) for v in expected.present[name]]
        stats = by_name[f"feature_data_{name}"]["StatisticValues"]
        assert stats["SampleCount"] == len(values), name
        assert stats["Sum"] == pytest.approx(math.fsum(values), rel=1e-9), name
        assert (stats["Minimum"], stats["Maximum"]) == (min(values), max(values)), name
    for name, distance in expected.drift.items():
        # KLL sketches (k=2048) approximate the exact KS over these sample sizes closely.
        assert by_name[f"feature_baseline_drift_{name}"]["Value"] == pytest.approx(distance, abs=0.02), name
    return by_name


# ---------------------------------------------------------------- the tests


def test_capture_window_with_drift_bad_types_new_category_and_missing_values(tmp_path, baseline, baselined):
    rows = baselined.rows
    check_baseline_documents(baselined.statistics, baselined.constraints)
    current = window_rows(random.Random(7))
    capture = write_capture(tmp_path / "endpoint", current, random.Random(8))
    expected = expected_checks(rows, current)
    # The generated data does what it was designed to do, unambiguously.
    assert expected.violations == DESIGNED
    assert all(abs(d - THRESHOLD) > MARGIN for d in expected.drift.values()), expected.drift
    assert expected.completeness[MORE_MISSING] == 0.75 and expected.completeness[LESS_MISSING] == 0.99
    assert set(expected.drift) == set(HEADER) - {"label", FRACTIONAL_IN_INTEGRAL}

    config = monitoring_config(tmp_path, baselined)
    statistics, _, result = baseline(capture.root, CAPTURE, **config)

    check_ledger(result, capture)
    report = tmp_path / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "constraint_violations.json",
        "constraints.json",
        "report.html",
        "statistics.json",
    ]
    violations = json.loads((report / "constraint_violations.json").read_text())["violations"]
    assert violations == result.violations
    assert {(v["feature_name"], v["constraint_check_type"]) for v in violations} == DESIGNED
    assert len(violations) == len(DESIGNED)
    assert (
        result.message
        == f"CompletedWithViolations: Job completed successfully with {len(DESIGNED)} violations."
    )
    described = {(v["feature_name"], v["constraint_check_type"]): v["description"] for v in violations}
    # The real report's text for the model output column (contract §5.2, NB-INTRO).
    assert described[("label", "data_type_check")] == (
        "Data type match requirement is not met. Expected data type: Integral, Expected match: 100.0%. "
        "Observed: Only 0.0% of data is Integral."
    )
    assert described[(FRACTIONAL_IN_INTEGRAL, "data_type_check")].endswith(
        "Observed: Only 87.5% of data is Integral."  # 250 of 2000 records sent "n.5"
    )
    assert described[(MORE_MISSING, "completeness_check")].startswith(
        "Value: 0.75 does not meet the constraint requirement!"
    )
    assert described[(NEW_CATEGORY, "categorical_values_check")].startswith(
        "Value: 0.95 does not meet the constraint requirement!"
    )
    assert "central" in described[(NEW_CATEGORY, "categorical_values_check")]
    for (name, check), text in described.items():
        if check == "baseline_drift_check":
            assert text.startswith("Baseline drift distance: ") and text.endswith(" exceeds threshold: 0.1")
            measured = float(text.removeprefix("Baseline drift distance: ").split(" exceeds")[0])
            assert measured == pytest.approx(expected.drift[name], abs=0.02), name

    # Positional capture columns carry the baseline's names: _c0 (the output) is "label".
    assert [f["name"] for f in statistics["features"]] == HEADER
    assert statistics["dataset"]["item_count"] == N_WINDOW
    features = features_by_name(statistics)
    assert features["label"]["inferred_type"] == "Fractional"
    assert features[FRACTIONAL_IN_INTEGRAL]["inferred_type"] == "Fractional"
    assert features[MORE_MISSING]["numerical_statistics"]["common"] == {
        "num_present": 1500,
        "num_missing": 500,
    }
    buckets = features[NEW_CATEGORY]["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert {"value": "central", "count": 100} in buckets
    assert all("POISON" not in json.dumps(f) for f in statistics["features"])

    metrics = check_metrics(result, tmp_path / "cloudwatch", expected)
    drifted = {n for n, _ in DESIGNED if (n, "baseline_drift_check") in DESIGNED}
    above = {
        m.removeprefix("feature_baseline_drift_")
        for m, r in metrics.items()
        if "drift" in m and r["Value"] > 0.1
    }
    assert above == drifted


def test_baseline_rows_resent_in_the_window_have_no_violations(tmp_path, baseline, baselined):
    rows = baselined.rows
    capture = write_capture(tmp_path / "endpoint", rows, random.Random(9))
    expected = expected_checks(rows, rows)
    assert expected.violations == set()

    config = monitoring_config(tmp_path, baselined)
    statistics, _, result = baseline(capture.root, CAPTURE, **config)

    check_ledger(result, capture)
    assert result.message == COMPLETED
    assert result.violations == []
    assert json.loads((tmp_path / "report" / "constraint_violations.json").read_text()) == {"violations": []}
    assert [f["name"] for f in statistics["features"]] == HEADER
    assert statistics["dataset"]["item_count"] == N_BASELINE
    assert features_by_name(statistics)["label"]["inferred_type"] == "Integral"
    metrics = check_metrics(result, tmp_path / "cloudwatch", expected)
    drift = {m: r["Value"] for m, r in metrics.items() if m.startswith("feature_baseline_drift_")}
    assert len(drift) == len(HEADER) and set(drift.values()) == {0.0}
    assert metrics[f"feature_non_null_{MORE_MISSING}"]["Value"] == 0.98


def test_a_window_without_records_fails_naming_the_window(tmp_path, baseline, baselined):
    capture = write_capture(tmp_path / "endpoint", window_rows(random.Random(7))[:50], random.Random(10))
    later = START + timedelta(hours=3)
    window = f"[{iso(later)}, {iso(later + timedelta(hours=1))})"
    config = monitoring_config(
        tmp_path,
        baselined,
        start_time=iso(later),
        end_time=iso(later + timedelta(hours=1)),
    )

    total = capture.inside + capture.outside
    with pytest.raises(InputError) as failure:
        baseline(capture.root, CAPTURE, **config)

    text = str(failure.value)
    assert text.startswith(f"No records to analyze in the window {window} under {capture.root}")
    assert f"read {total}, dropped {total}, skipped 0" in text
    assert not (tmp_path / "report").exists()
    assert not (tmp_path / "cloudwatch").exists()


# inferenceTime spellings and where they fall against [10:00Z, 11:00Z): the window compares instants.
SPELLINGS = [
    ("2026-11-22T10:00:00Z", True),  # start_time itself
    ("2026-11-22T10:15:00.123Z", True),
    ("2026-11-22T10:59:59.999Z", True),
    ("2026-11-22 10:20:00Z", True),  # a space as the date/time separator
    ("2026-11-22T11:20:00+01:00", True),  # 10:20Z
    ("2026-11-22T09:30:00-01:00", True),  # 10:30Z
    ("2026-11-22T10:45:00", True),  # no zone: UTC
    ("2026-11-22T10:30:00+01:00", False),  # 09:30Z
    ("2026-11-22T09:59:59.999Z", False),
    ("2026-11-22T11:00:00.000Z", False),  # end_time itself
    ("2026-11-22T06:00:00-05:00", False),  # 11:00Z
]


def test_inference_time_spellings_against_the_window(tmp_path, baseline):
    """Record k sends 2**k: the sum of the analyzed values says exactly which records were inside."""
    rng = random.Random(11)
    lines = [capture_record(str(2**k), "0.5", when, event_id(rng)) for k, (when, _) in enumerate(SPELLINGS)]
    lines.append(capture_record("1000000", "0.5", "yesterday at ten", event_id(rng)))
    write_lines(capture_file(tmp_path / "endpoint", ENDPOINT, START, START, rng), lines)
    statistics, _, result = baseline(
        tmp_path / "endpoint", CAPTURE, start_time=START_TIME, end_time=END_TIME, max_skipped_fraction=1.0
    )

    inside = [k for k, (_, expected) in enumerate(SPELLINGS) if expected]
    assert features_by_name(statistics)["_c1"]["numerical_statistics"]["sum"] == sum(2**k for k in inside)
    assert statistics["dataset"]["item_count"] == len(inside)
    assert dict(result.ledger.dropped) == {DROPPED_REASON: len(SPELLINGS) - len(inside)}
    # A time that does not parse cannot be placed: the record is skipped (and said so), not analyzed.
    assert dict(result.ledger.skipped) == {"invalid inferenceTime": 1}
    assert result.ledger.records_read == len(SPELLINGS) + 1
