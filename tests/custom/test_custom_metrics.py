"""Custom metrics (metrics_handler) end to end: the example script through real baseline and
monitoring jobs, compared with independent pandas computations of the same metrics."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.common.errors import AnalyzerError, ConfigError, ScriptError
from analyzer.config.contract import JobConfig
from analyzer.config.formats import CSV, JSON, DatasetFormat
from analyzer.files import sources
from analyzer.jobs.job import run_job
from tests.cli.test_entrypoint import run_cli, under, write_job_config

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "preprocessors" / "custom_metrics_example.py"
HEADERED = DatasetFormat(CSV, header=True)
COMMENTS = ["ok", "great product", "bad", "meh, fine", "would buy again", ""]


def write_data(path: Path, rows: int, seed: int, income_mean: float, missing: float = 0.04) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.integers(18, 90, rows).astype(object),
            "income": rng.normal(income_mean, 30, rows).round(2).astype(object),
            "comment": rng.choice(COMMENTS, rows).astype(object),
        }
    )
    for column in frame.columns:
        frame.loc[rng.random(rows) < missing, column] = None
    frame.loc[frame["comment"] == "", "comment"] = None
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return frame


def reference(path: Path) -> dict:
    """The example's three metrics computed by pandas from the file alone."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)
    income = pd.to_numeric(frame["income"])
    comment = frame["comment"].dropna()
    return {
        "dataset": {"rows_with_missing_share": float(frame.isna().any(axis=1).mean())},
        "income": {"negative_share": float((income < 0).sum() / income.notna().sum())},
        "comment": {"mean_length": float(comment.str.len().mean())},
    }


def job(dataset: Path, output: Path, script: Path | None = EXAMPLE, **config) -> JobConfig:
    return JobConfig(
        dataset_source=dataset,
        dataset_format=config.pop("dataset_format", HEADERED),
        output_path=output,
        custom_metrics_script=script,
        **config,
    )


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_script(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


@pytest.fixture
def baseline_run(tmp_path):
    data = tmp_path / "base" / "data.csv"
    write_data(data, 4000, seed=1, income_mean=50)
    out = tmp_path / "baseline"
    run_job(job(data.parent, out), engine="local")
    return data, out


def test_baseline_values_and_suggested_constraints_match_pandas(baseline_run):
    data, out = baseline_run
    expected = reference(data)
    custom = read(out / "statistics.json")["custom"]
    assert list(custom) == ["dataset", "features"]
    assert list(custom["features"]) == ["income", "comment"]  # the statistics' feature order
    assert custom["dataset"]["rows_with_missing_share"] == pytest.approx(
        expected["dataset"]["rows_with_missing_share"], abs=1e-15
    )
    assert custom["features"]["income"]["negative_share"] == pytest.approx(
        expected["income"]["negative_share"], abs=1e-15
    )
    assert custom["features"]["comment"]["mean_length"] == pytest.approx(
        expected["comment"]["mean_length"], rel=1e-12
    )
    suggested = read(out / "constraints.json")["custom_constraints"]
    assert suggested == [
        {
            "metric": "negative_share",
            "feature": "income",
            "comparison_operator": "GreaterThanThreshold",
            "threshold": pytest.approx(expected["income"]["negative_share"] + 0.05),
        },
        {
            "metric": "mean_length",
            "feature": "comment",
            "comparison_operator": "GreaterThanThreshold",
            "threshold": pytest.approx(expected["comment"]["mean_length"] * 1.5),
        },
        {
            "metric": "rows_with_missing_share",
            "comparison_operator": "GreaterThanThreshold",
            "threshold": pytest.approx(expected["dataset"]["rows_with_missing_share"] + 0.05),
        },
    ]
    assert "Custom metrics" in (out / "report.html").read_text(encoding="utf-8")


def test_without_a_script_outputs_have_no_custom_keys(tmp_path, baseline_run):
    data, with_script = baseline_run
    out = tmp_path / "plain"
    run_job(job(data.parent, out, script=None), engine="local")
    statistics, constraints = read(out / "statistics.json"), read(out / "constraints.json")
    assert "custom" not in statistics and "custom_constraints" not in constraints
    scripted = read(with_script / "statistics.json")
    del scripted["custom"]
    assert scripted == statistics  # the profile itself is untouched by the metrics
    assert "Custom metrics" not in (out / "report.html").read_text(encoding="utf-8")


def test_monitoring_on_drifted_data_raises_the_violation_and_its_cloudwatch_record(tmp_path, baseline_run):
    _, base = baseline_run
    current = tmp_path / "current" / "data.csv"
    write_data(current, 3000, seed=2, income_mean=15)  # far more negative incomes
    expected = reference(current)
    out, cw = tmp_path / "monitor", tmp_path / "cw"
    result = run_job(
        job(
            current.parent,
            out,
            baseline_constraints=base / "constraints.json",
            baseline_statistics=base / "statistics.json",
            publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=cw,
            endpoint_name="ep-1",
            schedule_name="hourly",
            metric_time="2024-05-06T07:00:00Z",
        ),
        engine="local",
    )
    custom = [
        v
        for v in read(out / "constraint_violations.json")["violations"]
        if v["constraint_check_type"] == "custom_metric_check"
    ]
    assert [(v["feature_name"], v["metric_name"]) for v in custom] == [("income", "negative_share")]
    assert "GreaterThanThreshold" in custom[0]["description"] and "negative_share" in custom[0]["description"]
    assert result.message.startswith("CompletedWithViolations")
    records = {
        r["MetricName"]: r
        for r in map(json.loads, (cw / "cloudwatch_metrics.jsonl").read_text().splitlines())
    }
    record = records["custom_metric_income_negative_share"]
    assert record["Value"] == pytest.approx(expected["income"]["negative_share"], abs=1e-15)
    assert record["Timestamp"] == "2024-05-06T07:00:00Z"
    assert record["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep-1"},
        {"Name": "MonitoringSchedule", "Value": "hourly"},
    ]
    assert records["custom_metric_rows_with_missing_share"]["Value"] == pytest.approx(
        expected["dataset"]["rows_with_missing_share"], abs=1e-15
    )
    assert records["custom_metric_comment_mean_length"]["Value"] == pytest.approx(
        expected["comment"]["mean_length"], rel=1e-12
    )


def test_same_data_as_baseline_is_clean_and_hand_edited_thresholds_fire(tmp_path, baseline_run):
    data, base = baseline_run
    monitor = dict(
        baseline_constraints=base / "constraints.json", baseline_statistics=base / "statistics.json"
    )
    clean = run_job(job(data.parent, tmp_path / "same", **monitor), engine="local")
    assert clean.violations == []
    constraints = read(base / "constraints.json")
    constraints["custom_constraints"][1].update(comparison_operator="LessThanThreshold", threshold="1e3")
    constraints["custom_constraints"].append(
        {"metric": "gone", "feature": "age", "comparison_operator": "LessThanThreshold", "threshold": 1}
    )
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(constraints))
    result = run_job(job(data.parent, tmp_path / "edited", baseline_constraints=edited), engine="local")
    assert [(v["metric_name"], v["feature_name"]) for v in result.violations] == [
        ("mean_length", "comment"),
        ("gone", "age"),
    ]
    assert "does not define it" in result.violations[1]["description"]


ORDERED = """
import numpy as np

def first_update(state, values):
    if state is None:
        present = values[~np.isnan(values)]
        return float(present[0]) if len(present) else None
    return state

def metrics_handler():
    return [
        {"name": "first_income", "feature": "income", "input": "numbers", "init": lambda: None,
         "update": first_update, "merge": lambda a, b: a if a is not None else b,
         "result": lambda s: float("nan") if s is None else s},
        {"name": "batches", "input": "arrow", "init": lambda: 0, "update": lambda s, table: s + 1,
         "merge": lambda a, b: a + b, "result": lambda s: s},
    ]
"""


def test_many_splits_and_tasks_merge_in_split_order_to_the_one_task_result(
    tmp_path, monkeypatch, baseline_run
):
    data, one_task = baseline_run
    ordered = write_script(tmp_path / "ordered.py", ORDERED)
    monkeypatch.setattr(sources, "DEFAULT_SPLIT_BYTES", 997)
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "5000")
    run_job(job(data.parent, tmp_path / "split"), engine="local")
    assert (
        read(tmp_path / "split" / "statistics.json")["custom"] == read(one_task / "statistics.json")["custom"]
    )
    run_job(job(data.parent, tmp_path / "ordered", script=ordered), engine="local")
    custom = read(tmp_path / "ordered" / "statistics.json")["custom"]
    first = pd.to_numeric(pd.read_csv(data, dtype=str)["income"]).dropna().iloc[0]
    assert custom["features"]["income"]["first_income"] == first
    assert custom["dataset"]["batches"] > 50  # one batch per split at least: many states were merged


def test_spark_engine_gives_the_local_result(tmp_path, spark, baseline_run, monkeypatch):
    data, local = baseline_run
    monkeypatch.setattr(sources, "DEFAULT_SPLIT_BYTES", 20_000)
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "40000")
    run_job(job(data.parent, tmp_path / "spark"), spark=spark, engine="spark")
    assert read(tmp_path / "spark" / "statistics.json")["custom"] == read(local / "statistics.json")["custom"]
    failing = write_script(
        tmp_path / "failing.py",
        """
        def metrics_handler():
            return [{"name": "boom", "init": lambda: 0, "update": lambda s, frame: 1 / 0,
                     "merge": lambda a, b: a, "result": float}]
        """,
    )
    with pytest.raises(ScriptError) as raised:
        run_job(job(data.parent, tmp_path / "fail", script=failing), spark=spark, engine="spark")
    assert str(raised.value) == (
        f"custom_metrics_script {failing}: update of metric 'boom' (dataset) raised "
        "ZeroDivisionError: division by zero (failing.py:3)"
    )


BROKEN = {
    "no handler": ("x = 1\n", "does not define a function metrics_handler()"),
    "not a list": (
        "def metrics_handler():\n    return {'name': 'a'}\n",
        "must return a list of metric definitions",
    ),
    "no merge": (
        "def metrics_handler():\n    return [{'name': 'a', 'init': int, 'update': max, 'result': float}]\n",
        "metrics_handler()[0] (a).merge must be a function",
    ),
    "bad name": (
        "def metrics_handler():\n    return [{'name': 'a b', 'init': int, 'update': max, 'merge': max, 'result': float}]\n",
        "metrics_handler()[0].name must be",
    ),
    "bad input": (
        "def metrics_handler():\n    return [{'name': 'a', 'input': 'rows', 'init': int, 'update': max, 'merge': max, 'result': float}]\n",
        "metrics_handler()[0].input must be one of numbers, text, arrow, got 'rows'",
    ),
    "twice": (
        "M = {'name': 'a', 'init': int, 'update': lambda s, v: s, 'merge': max, 'result': float}\n"
        "def metrics_handler():\n    return [M, M]\n",
        "metric 'a' (dataset) is defined twice",
    ),
    "handler raises": (
        "def metrics_handler():\n    raise KeyError('cfg')\n",
        "metrics_handler() raised KeyError: 'cfg' (s.py:2)",
    ),
    "init raises": (
        "def metrics_handler():\n    return [{'name': 'a', 'feature': 'age', 'init': lambda: [][1], 'update': max, "
        "'merge': max, 'result': float}]\n",
        "init of metric 'a' of feature 'age' raised IndexError: list index out of range (s.py:2)",
    ),
    "result not a number": (
        "def metrics_handler():\n    return [{'name': 'a', 'init': lambda: 'x', 'update': lambda s, v: s, "
        "'merge': max, 'result': str}]\n",
        "result of metric 'a' (dataset) must return a number, got str",
    ),
    "unpicklable state": (
        "def metrics_handler():\n    return [{'name': 'a', 'init': lambda: (lambda: 0), 'update': lambda s, v: s, "
        "'merge': lambda a, b: a, 'result': lambda s: 0.0}]\n",
        "the state of metric 'a' (dataset) cannot be pickled",
    ),
    "bad suggestion": (
        "def metrics_handler():\n    return [{'name': 'a', 'init': int, 'update': lambda s, v: s, 'merge': max, "
        "'result': float, 'suggest': lambda v: ('Above', v)}]\n",
        "suggest of metric 'a' (dataset) returned operator 'Above'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_user_code_errors_are_one_line_and_name_script_metric_and_function(tmp_path, case, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "100")  # several tasks: states are pickled
    monkeypatch.setattr(sources, "DEFAULT_SPLIT_BYTES", 100)
    source, expected = BROKEN[case]
    script = write_script(tmp_path / "s.py", source)
    data = tmp_path / "d.csv"
    write_data(data, 50, seed=3, income_mean=0)
    with pytest.raises(ScriptError) as raised:
        run_job(job(data, tmp_path / "out", script=script), engine="local")
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"custom_metrics_script {script}")
    assert expected in message


def test_baseline_custom_constraints_need_the_script_and_must_parse(tmp_path, baseline_run):
    data, base = baseline_run
    with pytest.raises(ConfigError, match="has custom_constraints but no custom_metrics_script"):
        run_job(
            job(data, tmp_path / "o", script=None, baseline_constraints=base / "constraints.json"),
            engine="local",
        )
    constraints = read(base / "constraints.json")
    constraints["custom_constraints"][2]["comparison_operator"] = "Bigger"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(constraints))
    with pytest.raises(AnalyzerError, match=r"'custom_constraints\[2\]\.comparison_operator' must be one of"):
        run_job(job(data, tmp_path / "o", baseline_constraints=bad), engine="local")
    with pytest.raises(ConfigError, match="data-quality jobs only"):
        run_job(
            job(data, tmp_path / "o", analysis_type="MODEL_QUALITY", problem_type="Regression"),
            engine="local",
        )


def test_json_lines_with_typed_values_and_absent_keys(tmp_path):
    lines = [{"income": -1.5}] * 3 + [{"comment": "abc"}] * 3 + [{"income": 2, "comment": "de"}]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(line) + "\n" for line in lines))
    run_job(job(data, tmp_path / "o", dataset_format=DatasetFormat(JSON)), engine="local")
    custom = read(tmp_path / "o" / "statistics.json")["custom"]
    assert custom["features"]["income"]["negative_share"] == 3 / 4
    assert custom["features"]["comment"]["mean_length"] == (3 * 3 + 2) / 4
    assert custom["dataset"]["rows_with_missing_share"] == 6 / 7


def test_excluded_features_leave_their_custom_metrics_out(tmp_path, baseline_run):
    data, base = baseline_run
    result = run_job(
        job(
            data.parent,
            tmp_path / "o",
            baseline_constraints=base / "constraints.json",
            exclude_features=("income",),
        ),
        engine="local",
    )
    assert "income" not in result.statistics["custom"]["features"]
    assert all(v.get("feature_name") != "income" for v in result.violations)


def test_cli_baseline_and_container_run_with_the_environment_key(tmp_path):
    base_data = tmp_path / "base" / "data.csv"
    write_data(base_data, 2000, seed=4, income_mean=50)
    base = tmp_path / "baseline"
    done = run_cli(
        "baseline", "--dataset", str(base_data), "--header", "--output", str(base),
        "--metrics-script", str(EXAMPLE), "--engine", "local",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert read(base / "statistics.json")["custom"]["features"]["income"]["negative_share"] == pytest.approx(
        reference(base_data)["income"]["negative_share"], abs=1e-15
    )
    opt_ml = tmp_path / "opt_ml"
    current = under(opt_ml, "/opt/ml/processing/input/baseline_dataset_input/data.csv")
    write_data(current, 2000, seed=5, income_mean=10)
    script = under(opt_ml, "/opt/ml/processing/input/metrics/custom_metrics_example.py")
    script.parent.mkdir(parents=True)
    script.write_text(EXAMPLE.read_text())
    environment = {
        "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
        "dataset_format": json.dumps({"csv": {"header": True}}),
        "output_path": "/opt/ml/processing/output",
        "baseline_constraints": str(base / "constraints.json"),
        "baseline_statistics": str(base / "statistics.json"),
        "publish_cloudwatch_metrics": "Enabled",
        "custom_metrics_script": "/opt/ml/processing/input/metrics/custom_metrics_example.py",
        "sagemaker_endpoint_name": "ep",
    }
    write_job_config(opt_ml, environment)
    ran = run_cli("run", opt_ml=opt_ml)
    assert ran.returncode == 0, ran.stderr
    violations = read(under(opt_ml, "/opt/ml/processing/output/constraint_violations.json"))["violations"]
    assert ("income", "custom_metric_check") in [
        (v.get("feature_name"), v["constraint_check_type"]) for v in violations
    ]
    metrics = (opt_ml / "output" / "metrics" / "cloudwatch" / "cloudwatch_metrics.jsonl").read_text()
    names = [json.loads(line)["MetricName"] for line in metrics.splitlines()]
    assert "custom_metric_income_negative_share" in names
    bad = run_cli(
        "monitor", "--dataset", str(base_data), "--header", "--output", str(tmp_path / "m"), "--engine", "local",
        "--baseline-constraints", str(base / "constraints.json"),
    )  # fmt: skip
    assert bad.returncode == 255 and bad.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "--metrics-script" in bad.stderr


def with_income_override(base: Path, target: Path, spelling: str, switch: str) -> tuple[dict, Path]:
    """The baseline's constraints with one override on the feature ``income``, saved to ``target``."""
    constraints = read(base / "constraints.json")
    income = next(f for f in constraints["features"] if f["name"] == "income")
    income[spelling] = {switch: "Disabled"}
    target.write_text(json.dumps(constraints))
    return constraints, target


def test_monitoring_config_switches_govern_custom_checks_and_records(tmp_path, baseline_run):
    _, base = baseline_run
    current = tmp_path / "current" / "data.csv"
    write_data(current, 1000, seed=6, income_mean=0)
    constraints, silenced = with_income_override(
        base, tmp_path / "silenced.json", "monitoringConfigOverrides", "emit_metrics"
    )
    cw = tmp_path / "cw"
    result = run_job(
        job(current.parent, tmp_path / "a", baseline_constraints=silenced, publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=cw),
        engine="local",
    )  # fmt: skip
    names = [r["MetricName"] for r in result.metrics]
    assert "custom_metric_income_negative_share" not in names
    assert "custom_metric_rows_with_missing_share" in names
    assert "custom_metric_check" in [v["constraint_check_type"] for v in result.violations]
    report = (tmp_path / "a" / "report.html").read_text(encoding="utf-8")
    assert "Custom metrics" in report and "custom_metric_check" in report
    constraints["monitoring_config"]["evaluate_constraints"] = "Disabled"
    off = tmp_path / "off.json"
    off.write_text(json.dumps(constraints))
    result = run_job(job(current.parent, tmp_path / "b", baseline_constraints=off), engine="local")
    assert result.violations == []


def test_a_feature_switched_off_is_not_judged_on_its_custom_metrics(tmp_path, baseline_run):
    _, base = baseline_run
    current = tmp_path / "current" / "data.csv"
    write_data(current, 1000, seed=6, income_mean=0)
    checked = run_job(
        job(current.parent, tmp_path / "a", baseline_constraints=base / "constraints.json"), engine="local"
    )
    assert ("income", "custom_metric_check") in [
        (v.get("feature_name"), v["constraint_check_type"]) for v in checked.violations
    ]
    # The spelling the SDK's Constraints.set_monitoring(False, "income") writes.
    _, off = with_income_override(
        base, tmp_path / "off.json", "monitoring_config_overrides", "evaluate_constraints"
    )
    cw = tmp_path / "cw"
    result = run_job(
        job(current.parent, tmp_path / "b", baseline_constraints=off, publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=cw),
        engine="local",
    )  # fmt: skip
    assert "income" not in [v.get("feature_name") for v in result.violations]
    assert "custom_metric_income_negative_share" in [r["MetricName"] for r in result.metrics]


def test_a_feature_the_data_lacks_gives_nan_and_a_warning(tmp_path, caplog):
    data = tmp_path / "base" / "data.csv"
    write_data(data, 500, seed=3, income_mean=50).drop(columns=["comment"]).to_csv(data, index=False)
    with caplog.at_level("WARNING", logger="monitor_analyzer.custom"):
        run_job(job(data.parent, tmp_path / "out"), engine="local")
    custom = read(tmp_path / "out" / "statistics.json")["custom"]
    assert custom["features"]["comment"] == {"mean_length": "NaN"}
    assert [r.getMessage() for r in caplog.records] == [
        "custom metrics of feature comment are NaN: the data has no column comment"
    ]
