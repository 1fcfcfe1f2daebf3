"""The Python API against the CLI: the same data gives the same files, byte for byte.

A DataFrame is profiled as the CLI profiles it written with ``to_csv(index=False)`` and read with
``--format csv --header``; a suggestion is the CLI's baseline, a check its monitoring run.
"""

from __future__ import annotations

import csv
import importlib.metadata
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import analyzer
from analyzer.api.csv_text import arrow_text, pandas_text
from analyzer.common.errors import InputError
from tests.cli.test_entrypoint import run_cli

BASELINE_FILES = ("statistics.json", "constraints.json", "report.html")
MONITOR_FILES = ("statistics.json", "constraints.json", "constraint_violations.json", "report.html")
WORDS = ["alpha", "beta", "gamma", "δέλτα", "naïve, with comma", 'say "hi"', "日本語", "1.5", "7"]


def random_frame(seed: int, rows: int = 2000, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    floats = rng.normal(shift, 1, rows) * 10.0 ** rng.integers(-6, 7, rows)
    floats[rng.random(rows) < 0.1] = np.nan
    words = rng.choice(WORDS, rows).astype(object)
    words[rng.random(rows) < 0.1] = None
    words[rng.random(rows) < 0.02] = ""
    return pd.DataFrame(
        {
            "count": rng.integers(-50, 100 + int(shift * 50), rows),
            "amount": floats,
            "category": words,
            "flag": rng.random(rows) < 0.3 + shift / 4,
            "whole": np.round(rng.normal(3, 1, rows) + shift),  # floats written as 2.0, 3.0, ...
            "ident": [f"id-{k}" for k in rng.integers(0, 10**6, rows)],
        }
    )


def cli_baseline(csv_path: Path, output: Path, *flags: str, env: dict | None = None) -> Path:
    done = run_cli(
        "baseline",
        *("--dataset", str(csv_path), "--output", str(output), "--format", "csv", "--header"),
        *("--engine", "local", *flags),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return output


def cli_monitor(csv_path: Path, baseline: Path, output: Path) -> Path:
    done = run_cli(
        "monitor",
        *("--dataset", str(csv_path), "--output", str(output), "--format", "csv", "--header"),
        *("--engine", "local"),
        *("--baseline-statistics", str(baseline / "statistics.json")),
        *("--baseline-constraints", str(baseline / "constraints.json")),
    )
    assert done.returncode == 0, done.stderr
    return output


def assert_same_files(expected: Path, actual: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (actual / name).read_bytes() == (expected / name).read_bytes(), name


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """A baseline and a monitoring run of the CLI on two random frames written as CSV."""
    root = tmp_path_factory.mktemp("cli")
    train, today = random_frame(1), random_frame(2, shift=0.6)
    train.to_csv(root / "train.csv", index=False)
    today.to_csv(root / "today.csv", index=False)
    baseline = cli_baseline(root / "train.csv", root / "baseline")
    monitoring = cli_monitor(root / "today.csv", baseline, root / "monitoring")
    return train, today, baseline, monitoring


def test_profile_of_a_dataframe_is_the_cli_statistics(cli_runs, tmp_path):
    train, _, baseline, _ = cli_runs
    result = analyzer.profile(train)
    assert result.statistics == json.loads((baseline / "statistics.json").read_text(encoding="utf-8"))
    result.save(tmp_path)
    assert_same_files(baseline, tmp_path, ("statistics.json",))
    features = result.features
    assert list(features["name"]) == list(train.columns)
    amount = features.set_index("name").loc["amount"]
    assert amount["inferred_type"] == "Fractional"
    assert amount["num_missing"] == train["amount"].isna().sum()
    assert amount["mean"] == pytest.approx(train["amount"].mean())
    assert features.set_index("name").loc["flag", "inferred_type"] == "String"


def test_suggest_on_a_dataframe_is_the_cli_baseline(cli_runs, tmp_path):
    train, _, baseline, _ = cli_runs
    result = analyzer.suggest(train)
    written = result.save(tmp_path)
    assert sorted(p.name for p in written) == sorted(BASELINE_FILES)
    assert_same_files(baseline, tmp_path, BASELINE_FILES)
    # From a profile too: the profile keeps what the suggestion needs.
    again = analyzer.suggest(analyzer.profile(train))
    assert again.constraints == result.constraints
    frame = result.to_pandas()
    assert set(frame["name"]) == set(train.columns)


def test_check_on_a_dataframe_is_the_cli_monitoring_run(cli_runs, tmp_path):
    train, today, baseline, monitoring = cli_runs
    result = analyzer.check(today, analyzer.suggest(train))
    result.save(tmp_path / "from-suggest")
    assert_same_files(monitoring, tmp_path / "from-suggest", MONITOR_FILES)
    # The CLI's own baseline folder, and its files as dicts, check the same way.
    from_folder = analyzer.check(today, baseline)
    assert from_folder.violations == result.violations
    documents = {n: json.loads((baseline / n).read_text(encoding="utf-8")) for n in BASELINE_FILES[:2]}
    from_dicts = analyzer.check(
        today,
        baseline_statistics=documents["statistics.json"],
        baseline_constraints=documents["constraints.json"],
    )
    assert from_dicts.violations == result.violations

    violations = result.violations_frame()
    assert list(violations.columns) == ["feature_name", "constraint_check_type", "description"]
    assert len(violations) == len(result.violations["violations"]) > 0
    drift = result.drift
    assert {"feature_name", "method", "score", "threshold", "drifted"} <= set(drift.columns)
    assert set(drift["method"]) <= {"Robust", "LInfinity"}
    drifted = set(drift.loc[drift["drifted"], "feature_name"])
    flagged = set(
        violations.loc[violations["constraint_check_type"] == "baseline_drift_check", "feature_name"]
    )
    assert drifted == flagged and drifted


def test_many_splits_and_tasks_and_long_lines_match_the_cli(tmp_path, monkeypatch):
    """A frame cut into many splits, tasks and long-line batches, and a cardinality limit its
    columns cross: the sketches depend on the cut, and the API cuts where the CLI does."""
    frame = random_frame(3, rows=1500)
    frame.loc[::97, "category"] = "x" * 700  # longer than the long-line limit below
    env = {
        "MONITOR_ANALYZER_SPLIT_BYTES": "3000",
        "MONITOR_ANALYZER_TASK_BYTES": "9000",
        "MONITOR_ANALYZER_LONG_LINE_BYTES": "600",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    frame.to_csv(tmp_path / "data.csv", index=False)
    cli = cli_baseline(
        tmp_path / "data.csv", tmp_path / "cli", "--categorical-cardinality-limit", "40", env=env
    )
    analyzer.suggest(frame, settings={"categorical_cardinality_limit": 40}).save(tmp_path / "api")
    assert_same_files(cli, tmp_path / "api", BASELINE_FILES)
    # The cut mattered: one batch for everything gives other sketches.
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", str(10**9))
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", str(10**9))
    whole = analyzer.profile(frame, settings={"categorical_cardinality_limit": 40})
    assert whole.statistics != json.loads((cli / "statistics.json").read_text(encoding="utf-8"))


def test_arrow_and_polars_tables_profile_as_the_dataframe(cli_runs):
    train, _, baseline, _ = cli_runs
    expected = json.loads((baseline / "statistics.json").read_text(encoding="utf-8"))
    table = pa.Table.from_pandas(train, preserve_index=False)
    assert analyzer.profile(table).statistics == expected
    polars = pytest.importorskip("polars")
    assert analyzer.profile(polars.from_pandas(train)).statistics == expected


def test_integers_with_nulls_in_a_table_stay_integers():
    table = pa.table({"n": pa.array([1, None, 3, 40], pa.int64()), "x": pa.array(["a", "b", None, "c"])})
    assert arrow_text(table.column("n")).to_pylist() == ["1", None, "3", "40"]
    features = analyzer.profile(table).features.set_index("name")
    assert features.loc["n", "inferred_type"] == "Integral"
    assert features.loc["n", "num_missing"] == 1


def test_paths_are_read_as_the_cli_reads_them(cli_runs, tmp_path):
    train, _, baseline, _ = cli_runs
    expected = json.loads((baseline / "statistics.json").read_text(encoding="utf-8"))
    train.to_csv(tmp_path / "train.csv", index=False)
    assert analyzer.profile(tmp_path / "train.csv", header=True).statistics == expected
    assert analyzer.profile(
        str(tmp_path / "train.csv"), dataset_format={"csv": {"header": True}}
    ).statistics == (expected)
    pq.write_table(pa.Table.from_pandas(train, preserve_index=False), tmp_path / "train.parquet")
    cli = run_cli(
        "baseline",
        *(
            "--dataset",
            str(tmp_path / "train.parquet"),
            "--output",
            str(tmp_path / "cli"),
            "--format",
            "parquet",
        ),
        *("--engine", "local"),
    )
    assert cli.returncode == 0, cli.stderr
    parquet = analyzer.profile(tmp_path / "train.parquet")  # the format follows the suffix
    assert parquet.statistics == json.loads(
        (tmp_path / "cli" / "statistics.json").read_text(encoding="utf-8")
    )


def csv_fields(frame: pd.DataFrame) -> list[list[str | None]]:
    """What the CSV reader sees per column in ``frame.to_csv(index=False)``: empty fields missing."""
    rows = list(csv.reader(io.StringIO(frame.to_csv(index=False))))[1:]
    return [[row[i] if row[i] != "" else None for row in rows] for i in range(frame.shape[1])]


def test_values_become_the_text_to_csv_writes():
    frame = pd.DataFrame(
        {
            "float": [0.1, np.nan, 1e16, 1.0, -0.0, np.inf, 1e-5, 123456789.123456789],
            "float32": np.array([0.1, np.nan, 1e16, 1.0, -0.0, 3.3, 1e-5, 2.5], dtype="float32"),
            "int": [1, 2, 3, 4, 5, 6, 7, -8],
            "bool": [True, False] * 4,
            "text": ["a", None, "", "é,x", 'q"q', "  sp ", "NaN", "1.5"],
            "Int64": pd.array([1, None, 3, 4, 5, 6, 7, 8], dtype="Int64"),
            "boolean": pd.array([True, None, False, True, True, True, True, False], dtype="boolean"),
            "dates": pd.Series(pd.to_datetime([f"2020-01-0{d}" if d != 2 else None for d in range(1, 9)])),
            "times": pd.to_datetime(
                ["2020-01-01 10:00:00.5"] + [f"2020-01-0{d} 00:00:00" for d in range(2, 9)], format="ISO8601"
            ),
            "utc": pd.to_datetime([f"2020-01-0{d} 10:00" for d in range(1, 9)]).tz_localize("UTC"),
            "delta": pd.to_timedelta([1, None, 3, 4, 5, 6, 7, 8], unit="h"),
            "object": [1, "x", 2.5, None, np.nan, True, pd.NA, 3],
            "category": pd.Categorical(["a", "b", None, "a", "b", "a", "b", "c"]),
        }
    )
    expected = csv_fields(frame)
    for i, name in enumerate(frame.columns):
        assert pandas_text(frame[name]).to_pylist() == expected[i], name
    table = pa.Table.from_pandas(frame[["float", "float32", "int", "bool", "text", "dates", "category"]])
    for name in table.column_names:
        assert arrow_text(table.column(name)).to_pylist() == expected[list(frame.columns).index(name)], name


def test_header_names_are_the_readers():
    frame = pd.DataFrame([[1, 2, 3, 4]], columns=["a", " a ", "", 5])
    assert list(analyzer.profile(frame).features["name"]) == ["a0", "a1", "_c2", "5"]


def test_report_renders_inline_and_saves_the_cli_page(cli_runs, tmp_path):
    _, today, baseline, monitoring = cli_runs
    report = analyzer.check(today, baseline).report
    inline = report._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "<html" not in inline  # the page is escaped
    assert 'src="http' not in report.html and "<link" not in report.html  # self-contained
    assert report.save(tmp_path) == tmp_path / "report.html"
    assert_same_files(monitoring, tmp_path, ("report.html",))


def test_wrong_inputs_fail_with_a_cause():
    with pytest.raises(InputError, match="No records"):
        analyzer.profile(pd.DataFrame({"a": pd.Series([], dtype=float)}))
    with pytest.raises(ValueError, match="unknown analyzer setting"):
        analyzer.profile(pd.DataFrame({"a": [1]}), settings={"kll_size": 3})
    with pytest.raises(ValueError, match="needs a baseline"):
        analyzer.check(pd.DataFrame({"a": [1]}))
    with pytest.raises(TypeError, match="pandas or polars DataFrame"):
        analyzer.profile([[1, 2]])
    with pytest.raises(ValueError, match="are for paths"):
        analyzer.profile(pd.DataFrame({"a": [1]}), dataset_format="json")
    with pytest.raises(ValueError, match="not a numeric drift method"):
        analyzer.suggest(pd.DataFrame({"a": [1]}), numerical_drift_method="LInfinity")


def test_version_is_the_package_version():
    expected = importlib.metadata.version("monitor-analyzer")
    assert analyzer.__version__ == expected
    done = run_cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"monitor-analyzer {expected}\n"


def test_import_is_light_and_the_api_names_are_not_stage_folders():
    # The stages are folders named profiling/, suggestions/, checks/: importing them never
    # replaces the functions of the same short names on the package.
    code = (
        "import sys, analyzer\n"
        "heavy = sorted(m for m in ('pandas', 'pyspark', 'pyarrow') if m in sys.modules)\n"
        "from analyzer.profiling.column import ColumnState\n"
        "from analyzer.suggestions.suggest import suggest_constraints\n"
        "import analyzer.checks.constraint_checks\n"
        "print(heavy, analyzer.profile.__module__, analyzer.suggest.__module__, analyzer.check.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "analyzer.api.calls", "analyzer.api.calls", "analyzer.api.calls"]
