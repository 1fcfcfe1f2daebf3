"""split_by: one profile, baseline, report set and metric dimension per target model or variant.

A multi-model endpoint's capture (three target models, each its own distributions, records
interleaved in every file) is baselined split by target model; each segment must equal a plain run
over that model's records alone, and pandas' counts and means. Then a monitoring hour, where one
model drifted and one sends a category outside its domain, must raise exactly those violations,
each against its own model's baseline; the expected violations come from scipy's two-sample
Kolmogorov-Smirnov statistic and pandas' category frequencies, not from the analyzer.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats as sps

from analyzer.common.errors import ConfigError
from analyzer.config.contract import JobConfig, job_config_from_env
from analyzer.config.formats import DatasetFormat
from analyzer.config.segments import UNKNOWN, directory_name, parse_path, segment_name, variant_of
from analyzer.jobs.job import run_job
from tests.conftest import features_by_name
from tests.helpers.capture import capture_file, capture_record, event_id, iso, read_metrics, write_lines

CAPTURE = DatasetFormat(kind="sagemakerCaptureJson")
ENDPOINT, SCHEDULE = "mme", "hourly"
HOUR = datetime(2026, 11, 22, 10, tzinfo=UTC)
PER_MODEL = 800  # below the KLL sketch's first compaction: sketches are exact, drift is the KS statistic
THRESHOLD, KS_CRITICAL, MARGIN = 0.1, 1.8, 0.04
FEATURES = ["score", "amount", "visits", "region"]  # the output first (START), then the inputs
REGIONS = ["north", "south", "east", "west"]
# A slash and a dot in a name: the segment directory must percent-encode them.
MODELS = {
    "churn-a.tar.gz": {"amount": (50.0, 10.0), "visits": (0, 20), "regions": [0.4, 0.3, 0.2, 0.1]},
    "fraud/b.tar.gz": {"amount": (500.0, 80.0), "visits": (10, 60), "regions": [0.1, 0.2, 0.3, 0.4]},
    "c": {"amount": (5.0, 1.0), "visits": (0, 5), "regions": [0.25, 0.25, 0.25, 0.25]},
}
DRIFTED_MODEL, DRIFTED_FEATURE = "fraud/b.tar.gz", "amount"
DOMAIN_MODEL, NEW_REGION = "c", "central"


def model_rows(rng: random.Random, model: str, monitored: bool) -> list[dict]:
    spec = MODELS[model]
    mu, sd = spec["amount"]
    if monitored and model == DRIFTED_MODEL:
        mu += 2 * sd
    rows = []
    for i in range(PER_MODEL):
        row = {
            "score": f"{rng.uniform(0, 1):.4f}",
            "amount": f"{rng.gauss(mu, sd):.3f}",
            "visits": str(rng.randint(*spec["visits"])),
            "region": rng.choices(REGIONS, spec["regions"])[0],
        }
        if monitored and model == DOMAIN_MODEL and i % 20 == 7:
            row["region"] = NEW_REGION  # 5%: outside the domain, too rare to drift
        rows.append(row)
    return rows


def interleave(rng: random.Random, by_model: dict[str, list[dict]]) -> list[tuple[str | None, dict]]:
    """Every model's rows, in its own order, shuffled into one stream of invocations."""
    tags = [m for m, rows in by_model.items() for _ in rows]
    rng.shuffle(tags)
    cursors = {m: iter(rows) for m, rows in by_model.items()}
    return [(m, next(cursors[m])) for m in tags]


def write_stream(
    root: Path,
    stream: list[tuple[str | None, dict]],
    rng: random.Random,
    files: int = 3,
    only: str | None = None,
) -> Path:
    """The stream in ``files`` capture files of the hour; with ``only``, just that model's records,
    each in the file it has in the whole stream (the same batches: float sums agree to the bit)."""
    lines: list[list[str]] = [[] for _ in range(files)]
    for i, (model, row) in enumerate(stream):
        if only is not None and model != only:
            continue
        when = HOUR + timedelta(seconds=i * 3600 / len(stream))
        data = ",".join(row[f] for f in FEATURES[1:])
        record = capture_record(data, row["score"], iso(when), event_id(rng), target_model=model)
        lines[i * files // len(stream)].append(record)
    for q, chunk in enumerate(lines):
        created = HOUR + timedelta(minutes=20 * q, milliseconds=q)
        write_lines(capture_file(root, ENDPOINT, HOUR, created, rng), chunk)
    return root


def config(source: Path, output: Path, **kw) -> JobConfig:
    return JobConfig(dataset_source=source, dataset_format=CAPTURE, output_path=output, **kw)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    rng = random.Random(9)
    tmp = tmp_path_factory.mktemp("split")
    base = {m: model_rows(rng, m, monitored=False) for m in MODELS}
    current = {m: model_rows(rng, m, monitored=True) for m in MODELS}
    stream = interleave(rng, base)
    write_stream(tmp / "base", stream, rng)
    write_stream(tmp / "current", interleave(rng, current), rng)
    for m in MODELS:  # each model's records alone, same order, for the reference runs
        write_stream(tmp / "alone" / directory_name(m), stream, rng, only=m)
    baseline = run_job(config(tmp / "base", tmp / "baseline", split_by="target-model"), engine="local")
    return {"tmp": tmp, "base": base, "current": current, "baseline": baseline}


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for name in ("score", "amount", "visits"):
        df[name] = pd.to_numeric(df[name])
    return df


def test_baseline_yields_one_profile_per_model_equal_to_a_run_over_its_records_alone(data):
    tmp = data["tmp"]
    index = json.loads((tmp / "baseline" / "segments.json").read_text())
    assert index["split_by"] == "target-model" and index["dimension"] == "TargetModel"
    assert set(index["segments"]) == set(MODELS)
    for model in MODELS:
        entry = index["segments"][model]
        assert entry["path"] == directory_name(model)
        assert (entry["item_count"], entry["records"], entry["status"]) == (PER_MODEL, PER_MODEL, "baselined")
        segment = tmp / "baseline" / entry["path"]
        alone = run_job(config(tmp / "alone" / directory_name(model), tmp / "alone-out" / entry["path"]))
        for name in ("statistics.json", "constraints.json"):
            assert (segment / name).read_bytes() == (alone.outputs[0].parent / name).read_bytes(), (
                model,
                name,
            )
        assert (segment / "report.html").is_file()
        # Independently of the analyzer: pandas over the model's generated rows.
        df = frame(data["base"][model])
        features = features_by_name(json.loads((segment / "statistics.json").read_text()))
        assert list(features) == [f"_c{i}" for i in range(len(FEATURES))]
        for i, name in enumerate(FEATURES[:3]):
            numeric = features[f"_c{i}"]["numerical_statistics"]
            assert numeric["common"]["num_present"] == df[name].count()
            assert math.isclose(numeric["mean"], df[name].mean(), rel_tol=1e-12)
            assert math.isclose(numeric["max"], df[name].max())
        regions = features["_c3"]["string_statistics"]["distribution"]["categorical"]["buckets"]
        assert {b["value"]: b["count"] for b in regions} == df["region"].value_counts().to_dict()
    assert (
        "/" not in directory_name(DRIFTED_MODEL)
        and segment_name(directory_name(DRIFTED_MODEL)) == DRIFTED_MODEL
    )


def expected_violations(base: dict, current: dict) -> set[tuple[str, str, str]]:
    """Contract rules on the generated rows: robust KS drift on the numbers (exact sketches), the
    largest category-frequency difference on the regions, and values outside the baseline domain."""
    expected = set()
    for model in MODELS:
        b, c = frame(base[model]), frame(current[model])
        for i, name in enumerate(FEATURES):
            feature = f"_c{i}"
            if name == "region":
                fb = b[name].value_counts(normalize=True)
                fc = c[name].value_counts(normalize=True)
                distance = max(abs(fb.get(k, 0) - fc.get(k, 0)) for k in set(fb.index) | set(fc.index))
                if set(c[name]) - set(b[name]):
                    expected.add((model, feature, "categorical_values_check"))
            else:
                n, m = len(b), len(c)
                ks = sps.ks_2samp(b[name], c[name]).statistic
                distance = max(0.0, ks - KS_CRITICAL * math.sqrt((n + m) / (n * m)))
            assert abs(distance - THRESHOLD) > MARGIN, (model, name, distance)  # an unambiguous expectation
            if distance > THRESHOLD:
                expected.add((model, feature, "baseline_drift_check"))
    return expected


@pytest.fixture(scope="module")
def monitored(data) -> dict:
    tmp = data["tmp"]
    job = config(
        tmp / "current",
        tmp / "monitor",
        split_by="target-model",
        baseline_constraints=tmp / "baseline",
        baseline_statistics=tmp / "baseline",
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=tmp / "cloudwatch",
        endpoint_name=ENDPOINT,
        schedule_name=SCHEDULE,
    )
    return {"result": run_job(job, engine="local"), "metrics": read_metrics(tmp / "cloudwatch")}


def test_monitoring_checks_each_model_against_its_own_baseline(data, monitored):
    tmp, result = data["tmp"], monitored["result"]
    expected = expected_violations(data["base"], data["current"])
    assert expected == {
        (DRIFTED_MODEL, "_c1", "baseline_drift_check"),
        (DOMAIN_MODEL, "_c3", "categorical_values_check"),
    }
    found = set()
    for model in MODELS:
        path = tmp / "monitor" / directory_name(model) / "constraint_violations.json"
        for v in json.loads(path.read_text())["violations"]:
            found.add((model, v["feature_name"], v["constraint_check_type"]))
    assert found == expected
    assert (
        result.message
        == f"CompletedWithViolations: Job completed successfully with {len(expected)} violations."
    )
    index = json.loads((tmp / "monitor" / "segments.json").read_text())["segments"]
    assert {m: e["violations"] for m, e in index.items()} == {
        m: sum(1 for v in expected if v[0] == m) for m in MODELS
    }
    assert {e["status"] for e in index.values()} == {"checked"}


def test_cloudwatch_records_carry_the_target_model(data, monitored):
    metrics = monitored["metrics"]
    by_model: dict[str, list[dict]] = {}
    for record in metrics:
        dims = {d["Name"]: d["Value"] for d in record["Dimensions"]}
        assert dims["Endpoint"] == ENDPOINT and dims["MonitoringSchedule"] == SCHEDULE
        by_model.setdefault(dims["TargetModel"], []).append(record)
    assert set(by_model) == set(MODELS)
    drift = {r["MetricName"]: r["Value"] for r in by_model[DRIFTED_MODEL] if "Value" in r}
    b, c = frame(data["base"][DRIFTED_MODEL]), frame(data["current"][DRIFTED_MODEL])
    ks = sps.ks_2samp(b["amount"], c["amount"]).statistic
    robust = ks - KS_CRITICAL * math.sqrt(2 / PER_MODEL)
    assert math.isclose(drift["feature_baseline_drift__c1"], robust, abs_tol=1e-9)


def test_unknown_segment_and_a_model_without_baseline(data, tmp_path):
    rng = random.Random(4)
    rows = model_rows(rng, "c", monitored=False)
    stream = [(None if i % 4 == 0 else "c", r) for i, r in enumerate(rows[:200])]
    stream += [("newcomer", r) for r in rows[200:260]]
    write_stream(tmp_path / "cap", stream, rng, files=2)
    job = config(
        tmp_path / "cap",
        tmp_path / "out",
        split_by="target-model",
        baseline_constraints=data["tmp"] / "baseline",
    )
    result = run_job(job, engine="local")
    index = result.segments
    assert index[UNKNOWN]["records"] == 50 and index[UNKNOWN]["status"] == "no_baseline"
    assert index["c"]["records"] == 150 and index["c"]["status"] == "checked"
    assert index["newcomer"]["status"] == "no_baseline"
    assert (tmp_path / "out" / UNKNOWN / "statistics.json").is_file()
    assert not (tmp_path / "out" / "newcomer" / "constraint_violations.json").exists()
    for model in ("churn-a.tar.gz", DRIFTED_MODEL):
        assert index[model] == {
            "path": None,
            "item_count": 0,
            "records": 0,
            "violations": 0,
            "status": "no_traffic",
        }


def test_record_reader_keeps_each_models_columns(tmp_path):
    """Models of different widths in one file: the columnar reader declines, the record reader
    must still give each model exactly its own columns (and a numeric model value its text)."""
    rng = random.Random(5)
    lines, alone = [], {"wide": [], "7": []}
    for i in range(300):
        model = "wide" if i % 3 else 7
        data = "1,2,3,4" if model == "wide" else f"{i},{i % 5}"
        record = capture_record(data, "0.5", iso(HOUR), event_id(rng), target_model=model)
        lines.append(record)
        alone[str(model)].append(record)
    write_lines(tmp_path / "mixed" / "f.jsonl", lines)
    result = run_job(config(tmp_path / "mixed", tmp_path / "out", split_by="target-model"), engine="local")
    assert {m: e["records"] for m, e in result.segments.items()} == {"7": 100, "wide": 200}
    for model, records in alone.items():
        write_lines(tmp_path / "alone" / model / "f.jsonl", records)
        reference = run_job(config(tmp_path / "alone" / model, tmp_path / "ref" / model), engine="local")
        assert result.statistics[model] == reference.statistics


def test_preprocessor_sees_records_and_segments_come_from_the_record(tmp_path):
    script = tmp_path / "pre.py"
    script.write_text(
        "def preprocess_handler(inference_record):\n"
        "    values = inference_record.endpoint_input.data.split(',')\n"
        "    return {'x': float(values[0]) * 2}\n"
    )
    rng = random.Random(6)
    lines = [
        capture_record(f"{i},1", "0.1", iso(HOUR), event_id(rng), target_model="ab"[i % 2]) for i in range(40)
    ]
    write_lines(tmp_path / "cap" / "f.jsonl", lines)
    job = config(
        tmp_path / "cap", tmp_path / "out", split_by="target-model", record_preprocessor_script=script
    )
    result = run_job(job, engine="local")
    for model, parity in (("a", 0), ("b", 1)):
        x = features_by_name(result.statistics[model])["x"]["numerical_statistics"]
        assert x["sum"] == sum(2.0 * i for i in range(40) if i % 2 == parity)


def test_variant_split_from_the_directory_layout(tmp_path):
    rng = random.Random(7)
    counts = {"VariantA": 120, "VariantB": 80}
    for variant, n in counts.items():
        lines = [capture_record(f"{i},{i % 3}", "0.5", iso(HOUR), event_id(rng)) for i in range(n)]
        write_lines(capture_file(tmp_path / "cap", ENDPOINT, HOUR, HOUR, rng, variant=variant), lines)
    write_lines(
        tmp_path / "cap" / "loose.jsonl", [capture_record("1,1", "0.5", iso(HOUR), event_id(rng))] * 5
    )
    result = run_job(config(tmp_path / "cap", tmp_path / "out", split_by="variant"), engine="local")
    assert {v: e["records"] for v, e in result.segments.items()} == {**counts, UNKNOWN: 5}
    assert json.loads((tmp_path / "out" / "segments.json").read_text())["dimension"] == "Variant"
    assert variant_of(f"/x/{ENDPOINT}/AllTraffic/2026/11/22/10/a.jsonl") == "AllTraffic"
    assert variant_of("/x/AllTraffic/2026/11/a.jsonl") is None


def test_split_none_is_todays_job(data, tmp_path):
    plain = run_job(config(data["tmp"] / "base", tmp_path / "plain"), engine="local")
    assert plain.segments is None and not (tmp_path / "plain" / "segments.json").exists()
    assert plain.statistics["dataset"]["item_count"] == PER_MODEL * len(MODELS)


def test_spark_engine_gives_the_same_segments(data, tmp_path):
    spark = run_job(config(data["tmp"] / "base", tmp_path / "spark", split_by="target-model"), engine="spark")
    for model in MODELS:
        directory = directory_name(model)
        for name in ("statistics.json", "constraints.json"):
            local = data["tmp"] / "baseline" / directory / name
            assert (tmp_path / "spark" / directory / name).read_bytes() == local.read_bytes()
    assert spark.segments == data["baseline"].segments


def test_configuration_keys_and_errors(tmp_path):
    env = {"dataset_source": "/d", "dataset_format": '{"sagemakerCaptureJson": {}}', "output_path": "/o"}
    parsed = job_config_from_env({**env, "split_by": "TargetModel", "split_attribute": "$.eventMetadata.m"})
    assert (parsed.split_by, parsed.split_attribute) == ("target-model", "$.eventMetadata.m")
    assert job_config_from_env(env).split_by == "none"
    with pytest.raises(ConfigError, match="split_by must be one of"):
        job_config_from_env({**env, "split_by": "model-id"})
    assert parse_path("$.eventMetadata['target model'].x[0]") == ("eventMetadata", "target model", "x", 0)
    with pytest.raises(ConfigError, match="split_attribute"):
        parse_path("eventMetadata.targetModel")
    source = tmp_path / "in"
    source.mkdir()
    csv = JobConfig(source, DatasetFormat(kind="csv"), tmp_path / "o", split_by="target-model")
    with pytest.raises(ConfigError, match="dataset_format must be sagemakerCaptureJson"):
        run_job(csv)
    assert directory_name("..") == "%2E." and segment_name("%2E.") == ".."
    unsplit = JobConfig(source, CAPTURE, tmp_path / "o", baseline_constraints=tmp_path)
    with pytest.raises(ConfigError, match="is a directory"):
        run_job(unsplit)


def test_cli_flags_take_a_split_baseline_directory(data, tmp_path):
    from click.testing import CliRunner

    from analyzer.cli.main import main

    baseline = str(data["tmp"] / "baseline")
    args = ["monitor", "--dataset", str(data["tmp"] / "current"), "--format", "capture", "--engine", "local"]
    args += [
        "--output",
        str(tmp_path / "out"),
        "--baseline-constraints",
        baseline,
        "--split-by",
        "target-model",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    index = json.loads((tmp_path / "out" / "segments.json").read_text())["segments"]
    # Without baseline_statistics the statistics beside each constraints.json serve for drift.
    assert index[DRIFTED_MODEL]["violations"] == 1 and index[DOMAIN_MODEL]["violations"] == 1


METRICS_SCRIPT = Path(__file__).resolve().parents[2] / "preprocessors" / "custom_metrics_example.py"
NAMING = (  # the example's metrics name their features: the payload's two columns under those names
    "def preprocess_handler(inference_record):\n"
    "    income, comment = inference_record.endpoint_input.data.split(',')\n"
    "    row = {'income': float(income)} if income else {}\n"
    "    if comment:\n"
    "        row['comment'] = comment\n"
    "    return row\n"
)
COMMENTS = ["ok", "great product", "bad", "would buy again", ""]
INCOME = {"a": 50.0, "b": 40.0}  # mean income per model; sd 30, so some incomes are negative


def income_rows(rng: random.Random, model: str, n: int, shift: float = 0.0) -> list[dict]:
    rows = []
    for _ in range(n):
        income = "" if rng.random() < 0.04 else f"{rng.gauss(INCOME[model] - shift, 30):.2f}"
        rows.append({"income": income, "comment": rng.choice(COMMENTS)})
    return rows


def write_income_capture(root: Path, by_model: dict[str, list[dict]], rng: random.Random) -> Path:
    stream = interleave(rng, by_model)
    lines = [
        capture_record(f"{r['income']},{r['comment']}", "0.5", iso(HOUR), event_id(rng), target_model=m)
        for m, r in stream
    ]
    write_lines(capture_file(root, ENDPOINT, HOUR, HOUR, rng), lines)
    return root


def custom_reference(rows: list[dict]) -> dict:
    """The example's three metrics by pandas over one model's generated rows."""
    df = pd.DataFrame(rows).replace("", None)
    income = pd.to_numeric(df["income"])
    return {
        "dataset": {"rows_with_missing_share": float(df.isna().any(axis=1).mean())},
        "features": {
            "income": {"negative_share": float((income < 0).sum() / income.notna().sum())},
            "comment": {"mean_length": float(df["comment"].dropna().str.len().mean())},
        },
    }


def test_custom_metrics_per_segment_with_violation_and_cloudwatch_record(tmp_path):
    rng = random.Random(11)
    pre = tmp_path / "pre.py"
    pre.write_text(NAMING)
    base = {m: income_rows(rng, m, 600) for m in INCOME}
    current = {"a": income_rows(rng, "a", 500), "b": income_rows(rng, "b", 500, shift=40.0)}
    write_income_capture(tmp_path / "base", base, rng)
    write_income_capture(tmp_path / "current", current, rng)
    common = dict(
        split_by="target-model", record_preprocessor_script=pre, custom_metrics_script=METRICS_SCRIPT
    )
    baseline = run_job(config(tmp_path / "base", tmp_path / "baseline", **common), engine="local")
    for model, rows in base.items():
        expected = custom_reference(rows)
        custom = baseline.statistics[model]["custom"]
        assert custom["dataset"] == pytest.approx(expected["dataset"], abs=1e-15)
        assert custom["features"]["income"] == pytest.approx(expected["features"]["income"], abs=1e-15)
        assert custom["features"]["comment"] == pytest.approx(expected["features"]["comment"], rel=1e-12)
        written = json.loads((tmp_path / "baseline" / model / "constraints.json").read_text())
        assert {c["metric"] for c in written["custom_constraints"]} == {
            "negative_share",
            "mean_length",
            "rows_with_missing_share",
        }
    monitor = config(
        tmp_path / "current",
        tmp_path / "monitor",
        baseline_constraints=tmp_path / "baseline",
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=tmp_path / "cw",
        endpoint_name=ENDPOINT,
        **common,
    )
    result = run_job(monitor, engine="local")
    custom_violations = [v for v in result.violations if v["constraint_check_type"] == "custom_metric_check"]
    assert [(v["TargetModel"], v["feature_name"], v["metric_name"]) for v in custom_violations] == [
        ("b", "income", "negative_share")
    ]
    written = json.loads((tmp_path / "monitor" / "b" / "constraint_violations.json").read_text())
    assert "custom_metric_check" in [v["constraint_check_type"] for v in written["violations"]]
    records = [
        r for r in read_metrics(tmp_path / "cw") if r["MetricName"] == "custom_metric_income_negative_share"
    ]
    by_model = {next(d["Value"] for d in r["Dimensions"] if d["Name"] == "TargetModel"): r for r in records}
    assert set(by_model) == set(INCOME)
    for model, rows in current.items():
        expected = custom_reference(rows)["features"]["income"]["negative_share"]
        assert by_model[model]["Value"] == pytest.approx(expected, abs=1e-15)
        assert {"Name": "Endpoint", "Value": ENDPOINT} in by_model[model]["Dimensions"]


SETTINGS = (("kll_sketch_size", 64), ("histogram_buckets", 20))


def buckets(statistics: dict) -> list[int]:
    return [
        len(f["numerical_statistics"]["distribution"]["kll"]["buckets"])
        for f in statistics["features"]
        if "numerical_statistics" in f
    ]


def test_analyzer_settings_apply_to_every_segment_and_come_back_from_each_baseline(data, tmp_path):
    tmp = data["tmp"]
    baseline = run_job(
        config(tmp / "base", tmp_path / "baseline", split_by="target-model", analyzer_settings=SETTINGS),
        engine="local",
    )
    for model in MODELS:
        assert buckets(baseline.statistics[model]) == [20, 20, 20]
        written = json.loads((tmp_path / "baseline" / directory_name(model) / "constraints.json").read_text())
        assert written["monitoring_config"]["analyzer_settings"] == dict(SETTINGS)
        kll = features_by_name(baseline.statistics[model])["_c1"]["numerical_statistics"]["distribution"][
            "kll"
        ]
        assert kll["sketch"]["parameters"]["k"] == 64.0
    # One segment's baseline recorded other settings: that segment alone is profiled with them.
    edited = tmp_path / "baseline" / directory_name(DOMAIN_MODEL) / "constraints.json"
    document = json.loads(edited.read_text())
    document["monitoring_config"]["analyzer_settings"]["histogram_buckets"] = 5
    edited.write_text(json.dumps(document))
    monitor = config(
        tmp / "current",
        tmp_path / "monitor",
        split_by="target-model",
        baseline_constraints=tmp_path / "baseline",
    )
    result = run_job(monitor, engine="local")
    for model in MODELS:
        expected = 5 if model == DOMAIN_MODEL else 20
        assert buckets(result.statistics[model]) == [expected] * 3, model
        recorded = result.constraints[model]["monitoring_config"]["analyzer_settings"]
        assert recorded == {**dict(SETTINGS), "histogram_buckets": expected}


def test_numerical_drift_method_reaches_every_segments_constraints(data, tmp_path):
    job = config(
        data["tmp"] / "base", tmp_path / "out", split_by="target-model", numerical_drift_method="PSI"
    )
    run_job(job, engine="local")
    for model in MODELS:
        written = json.loads((tmp_path / "out" / directory_name(model) / "constraints.json").read_text())
        assert written["monitoring_config"]["distribution_constraints"]["numerical_drift_method"] == "PSI"


def model_capture(root: Path, models: list[str], rng: random.Random) -> Path:
    lines = [
        capture_record(f"{i},{i % 7}", "0.5", iso(HOUR), event_id(rng), target_model=models[i % len(models)])
        for i in range(60 * len(models))
    ]
    write_lines(root / "f.jsonl", lines)
    return root


REPORTS = ("statistics.json", "constraints.json", "constraint_violations.json", "report.html")


def test_a_new_split_run_removes_only_the_earlier_runs_segment_reports(tmp_path):
    rng = random.Random(13)
    out = tmp_path / "out"
    earlier = ["gone-a", "gone/b", "kept", "shared"]
    first = run_job(config(model_capture(tmp_path / "one", earlier, rng), out, split_by="target-model"))
    assert set(first.segments) == set(earlier)
    folders = {m: out / directory_name(m) for m in earlier}
    assert folders["gone/b"].name == "gone%2Fb"
    # What the earlier run did not write: a user's note beside the reports, a quarantine left in a
    # folder, a killed writer's temporary, a folder segments.json never listed, and a file outside.
    (folders["kept"] / "notes.txt").write_text("mine")
    (folders["gone-a"] / "quarantine").mkdir()
    (folders["gone-a"] / "quarantine" / "skipped.jsonl").write_text("{}\n")
    (folders["gone-a"] / ".report.html.tmp123").write_text("half")
    (out / "unlisted").mkdir()
    (out / "unlisted" / "statistics.json").write_text("{}")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "statistics.json").write_text("{}")
    index = json.loads((out / "segments.json").read_text())
    index["segments"]["forged"] = {"path": "../victim", "status": "baselined"}
    index["segments"]["absolute"] = {"path": str(victim), "status": "baselined"}
    (out / "segments.json").write_text(json.dumps(index))

    second = run_job(
        config(model_capture(tmp_path / "two", ["shared", "new"], rng), out, split_by="target-model")
    )
    assert set(second.segments) == {"shared", "new"}
    assert not folders["gone-a"].exists() and not folders["gone/b"].exists()
    assert sorted(p.name for p in folders["kept"].iterdir()) == ["notes.txt"]
    for name in REPORTS[:2]:  # a baseline run writes statistics and constraints
        assert (out / "shared" / name).is_file() and (out / "new" / name).is_file()
    assert json.loads((out / "shared" / "statistics.json").read_text()) == second.statistics["shared"]
    assert (out / "unlisted" / "statistics.json").read_text() == "{}"
    assert (victim / "statistics.json").read_text() == "{}"
    document = json.loads((out / "segments.json").read_text())
    assert {s: e["path"] for s, e in document["segments"].items()} == {"new": "new", "shared": "shared"}
    assert sorted(p.name for p in out.iterdir()) == ["kept", "new", "segments.json", "shared", "unlisted"]
    assert not [p for p in out.rglob(".*")]  # no temporaries: segments.json went through write_atomic


def test_a_damaged_earlier_index_removes_nothing(tmp_path):
    rng = random.Random(14)
    out = tmp_path / "out"
    run_job(config(model_capture(tmp_path / "one", ["x", "y"], rng), out, split_by="target-model"))
    (out / "segments.json").write_text('{"segments": {"x": ')
    run_job(config(model_capture(tmp_path / "two", ["y"], rng), out, split_by="target-model"))
    assert (out / "x" / "statistics.json").is_file()
    assert list(json.loads((out / "segments.json").read_text())["segments"]) == ["y"]
