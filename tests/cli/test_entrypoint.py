"""The ``monitor-analyzer`` console script as real subprocesses: the container entrypoint (``run``)
fed the exact request the SageMaker SDK sends, its failure contract, and the ``baseline`` command.

Each successful job starts a JVM (~8 s), so the cases are few and each checks a lot.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from analyzer.config.contract import ANALYZER_KEYS
from tests.conftest import ROOT
from tests.helpers.capture import write_processing_job_config

CLI = ROOT / ".venv" / "bin" / "monitor-analyzer"
COMPLETED = "Completed: Job completed successfully with no violations."
FAILURE_EXIT = 255

# contract §1.5.1: DefaultModelMonitor.suggest_baseline, byte for byte.
SDK_DATASET_FORMAT = '{"csv": {"header": true, "output_columns_position": "START"}}'
SDK_ENV = {
    "dataset_format": SDK_DATASET_FORMAT,
    "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
    "output_path": "/opt/ml/processing/output",
    "publish_cloudwatch_metrics": "Disabled",
}
PREPROCESSOR = "/opt/ml/processing/input/record_preprocessor_script_input/preprocessor.py"
POSTPROCESSOR = "/opt/ml/processing/input/post_analytics_processor_script_input/postprocessor.py"


def run_cli(*args: str, opt_ml: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300):
    """The console script in a clean environment: no analyzer keys inherited from ours."""
    process_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ANALYZER_KEYS and k.upper() != "CLOUDWATCH_METRICS_DIRECTORY" and k != "OPT_ML"
    }
    process_env["SPARK_MASTER"] = "local[2]"
    if opt_ml is not None:
        process_env["OPT_ML"] = str(opt_ml)
    process_env.update(env or {})
    assert CLI.is_file(), f"{CLI} missing: pip install -e . in the venv"
    return subprocess.run(
        [str(CLI), *args], env=process_env, capture_output=True, text=True, timeout=timeout, check=False
    )


def under(opt_ml: Path, container_path: str) -> Path:
    """Where a /opt/ml/... path of the request lives when OPT_ML rebases it."""
    return opt_ml / Path(container_path).relative_to("/opt/ml")


def write_job_config(opt_ml: Path, environment: dict[str, str]) -> Path:
    """$OPT_ML/config/processingjobconfig.json shaped like the one Processing writes."""
    document = {
        "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:111122223333:processing-job/baseline-suggestion-job-1",
        "ProcessingJobName": "baseline-suggestion-job-2024-01-02-03-04-05-678",
        "Environment": environment,
        "AppSpecification": {
            "ImageUri": "111122223333.dkr.ecr.us-east-1.amazonaws.com/monitor-analyzer:latest",
            "ContainerEntrypoint": None,
            "ContainerArguments": None,
        },
        "ProcessingInputs": [
            {
                "InputName": "baseline_dataset_input",
                "S3Input": {
                    "LocalPath": "/opt/ml/processing/input/baseline_dataset_input",
                    "S3Uri": "s3://bucket/prefix/baseline.csv",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            }
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "monitoring_output",
                    "S3Output": {
                        "LocalPath": "/opt/ml/processing/output",
                        "S3Uri": "s3://bucket/prefix/results",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
    }
    return write_processing_job_config(opt_ml, document)


def headered_golden_csv(golden: Path, directory: Path) -> list[str]:
    """The golden 100-row CSV with a header line (the SDK request says header: true)."""
    rows = (golden / "sdk_pipeline_data_quality" / "baseline_dataset.csv").read_text().splitlines()
    header = [f"f{i}" for i in range(len(rows[0].split(",")))]
    directory.mkdir(parents=True)
    (directory / "baseline.csv").write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")
    return header


def message(opt_ml: Path) -> str:
    return (opt_ml / "output" / "message").read_text(encoding="utf-8")


def describe(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"


# ---------------------------------------------------------------- the container entrypoint


def test_run_with_the_sdk_suggest_baseline_request(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    header = headered_golden_csv(golden, under(opt_ml, SDK_ENV["dataset_source"]))
    write_job_config(opt_ml, SDK_ENV)
    # The file wins over the process environment: this bogus source must be ignored.
    result = run_cli("run", opt_ml=opt_ml, env={"dataset_source": str(tmp_path / "nowhere")})

    assert result.returncode == 0, describe(result)
    output = under(opt_ml, SDK_ENV["output_path"])
    assert sorted(p.name for p in output.iterdir()) == ["constraints.json", "report.html", "statistics.json"]
    assert not (output / "constraint_violations.json").exists()
    assert message(opt_ml) == COMPLETED
    assert result.stdout.split() == [
        str(output / n) for n in ("statistics.json", "constraints.json", "report.html")
    ]
    statistics = json.loads((output / "statistics.json").read_text())
    constraints = json.loads((output / "constraints.json").read_text())
    assert statistics["dataset"]["item_count"] == 100
    assert [f["name"] for f in statistics["features"]] == header
    assert [f["name"] for f in constraints["features"]] == header
    drift = constraints["monitoring_config"]["distribution_constraints"]
    assert drift["categorical_drift_method"] == "LInfinity"  # the default when the SDK sends none


def test_run_with_scripts_drift_method_and_user_keys(tmp_path, golden):
    opt_ml = tmp_path / "opt_ml"
    headered_golden_csv(golden, under(opt_ml, SDK_ENV["dataset_source"]))
    report = tmp_path / "report.json"
    environment = {
        **SDK_ENV,
        "record_preprocessor_script": PREPROCESSOR,
        "post_analytics_processor_script": POSTPROCESSOR,
        "categorical_drift_method": "ChiSquared",
        "MY_THRESHOLD": "0.25",
        "REPORT_FILE": str(report),
    }
    write_job_config(opt_ml, environment)
    pre = under(opt_ml, PREPROCESSOR)
    pre.parent.mkdir(parents=True)
    pre.write_text(
        textwrap.dedent(
            """
            import os

            def preprocess_handler(inference_record, logger):
                # User keys are exported to the Spark workers; the analyzer's own keys are not.
                assert os.environ["MY_THRESHOLD"] == "0.25"
                assert "dataset_source" not in os.environ and "output_path" not in os.environ
                fields = inference_record.rstrip("\\n").split(",")
                if fields[0] == "f0":
                    return []  # the header line
                value = float(fields[0])
                return {"f0": fields[0], "above": "yes" if value / 10 > float(os.environ["MY_THRESHOLD"]) else "no"}
            """
        )
    )
    post = under(opt_ml, POSTPROCESSOR)
    post.parent.mkdir(parents=True)
    post.write_text(
        textwrap.dedent(
            """
            import json
            import os
            import pathlib

            def postprocess_handler():
                out = pathlib.Path(os.environ["OPT_ML"]) / "processing" / "output"
                report = {
                    "outputs": sorted(p.name for p in out.iterdir()),
                    "MY_THRESHOLD": os.environ.get("MY_THRESHOLD"),
                    "analyzer_keys_exported": sorted(
                        k for k in ("dataset_source", "output_path", "categorical_drift_method",
                                    "record_preprocessor_script", "publish_cloudwatch_metrics")
                        if k in os.environ
                    ),
                }
                pathlib.Path(os.environ["REPORT_FILE"]).write_text(json.dumps(report))
            """
        )
    )
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)
    assert message(opt_ml) == COMPLETED
    output = under(opt_ml, SDK_ENV["output_path"])
    assert not (output / "constraint_violations.json").exists()
    assert json.loads(report.read_text()) == {
        "outputs": ["constraints.json", "report.html", "statistics.json"],
        "MY_THRESHOLD": "0.25",
        "analyzer_keys_exported": [],
    }
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 100  # the header line was dropped by the script
    assert [f["name"] for f in statistics["features"]] == ["above", "f0"]
    constraints = json.loads((output / "constraints.json").read_text())
    drift = constraints["monitoring_config"]["distribution_constraints"]
    assert drift["categorical_drift_method"] == "ChiSquared"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"dataset_source": None}, "Missing required environment key(s) dataset_source"),
        ({"dataset_format": "{}"}, "Dataset format is missing"),
        (
            {"dataset_format": '{"csv": {"header": true, "output_columns_position": "MIDDLE"}}'},
            "Invalid value for output_columns_position",
        ),
        ({"categorical_drift_method": "KL"}, "categorical_drift_method must be one of"),
    ],
    ids=["no-dataset-source", "empty-format", "bad-position", "bad-drift-method"],
)
def test_run_config_errors_exit_255_with_a_one_line_message(tmp_path, change, expected):
    opt_ml = tmp_path / "opt_ml"
    environment = {k: v for k, v in {**SDK_ENV, **change}.items() if v is not None}
    write_job_config(opt_ml, environment)
    result = run_cli("run", opt_ml=opt_ml, timeout=120)

    assert result.returncode == FAILURE_EXIT, describe(result)
    text = message(opt_ml)
    assert text.startswith(expected)
    assert "\n" not in text
    assert f"error: {text}" in result.stderr
    assert not under(opt_ml, SDK_ENV["output_path"]).exists()


def test_run_preprocessor_exception_exits_255_naming_the_record(tmp_path):
    opt_ml = tmp_path / "opt_ml"
    source = under(opt_ml, SDK_ENV["dataset_source"])
    source.mkdir(parents=True)
    bad_file = source / "part-2.csv"
    (source / "part-1.csv").write_text("1,2\n3,4\n")
    bad_file.write_text("5,6\n7,8\n9,oops\n")
    write_job_config(
        opt_ml,
        {
            **SDK_ENV,
            "dataset_format": '{"csv": {"header": false}}',
            "record_preprocessor_script": PREPROCESSOR,
            "MY_THRESHOLD": "0.25",
        },
    )
    pre = under(opt_ml, PREPROCESSOR)
    pre.parent.mkdir(parents=True)
    pre.write_text(
        textwrap.dedent(
            """
            import os

            def preprocess_handler(inference_record):
                if "oops" in inference_record:
                    # Reports what the Spark worker sees of the job environment.
                    raise ValueError(
                        f"threshold={os.environ.get('MY_THRESHOLD')} "
                        f"source={os.environ.get('dataset_source')}"
                    )
                return {"a": inference_record.split(",")[0]}
            """
        )
    )
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == FAILURE_EXIT, describe(result)
    assert message(opt_ml).startswith(
        "There is an exception raised in preprocessor script. Please double check the preprocessor "
        f"script. ValueError: threshold=0.25 source=None (record {bad_file}:3). Skipped 1 of 5 records (20%)"
    )
    assert not (under(opt_ml, SDK_ENV["output_path"]) / "statistics.json").exists()


def test_run_without_job_config_uses_the_process_environment(tmp_path):
    opt_ml = tmp_path / "opt_ml"
    dataset = tmp_path / "data"
    dataset.mkdir()
    (dataset / "rows.jsonl").write_text(
        "".join(json.dumps({"x": i, "c": "ab"[i % 2]}) + "\n" for i in range(20))
    )
    output = tmp_path / "results"
    result = run_cli(
        "run",
        opt_ml=opt_ml,
        env={
            "dataset_source": str(dataset),
            "dataset_format": '{"json": {"lines": true}}',
            "output_path": str(output),
            "categorical_drift_method": "ChiSquared",
        },
    )

    assert result.returncode == 0, describe(result)
    assert not (opt_ml / "config").exists()
    assert message(opt_ml) == COMPLETED
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 20
    assert [f["name"] for f in statistics["features"]] == ["c", "x"]
    constraints = json.loads((output / "constraints.json").read_text())
    assert (
        constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"]
        == "ChiSquared"
    )


# ---------------------------------------------------------------- help and the baseline command


def test_help_texts():
    top = run_cli("--help", timeout=60)
    assert top.returncode == 0 and "run" in top.stdout and "baseline" in top.stdout
    run_help = run_cli("run", "--help", timeout=60)
    assert run_help.returncode == 0
    assert "processingjobconfig.json" in run_help.stdout and "255" in run_help.stdout
    baseline_help = run_cli("baseline", "--help", timeout=60)
    assert baseline_help.returncode == 0
    for option in ("--dataset", "--format", "--header", "--output", "--preprocessor", "--postprocessor"):
        assert option in baseline_help.stdout
    missing = run_cli("baseline", timeout=60)
    assert missing.returncode == FAILURE_EXIT and missing.stderr.splitlines() == [
        "error: Missing option '--dataset'; see 'monitor-analyzer baseline --help'"
    ]


def test_baseline_command_with_header(tmp_path):
    dataset = tmp_path / "data.csv"
    dataset.write_text("age,city\n30,Paris\n41,Lyon\n,Paris\n52,Nice\n")
    output = tmp_path / "out"
    result = run_cli(
        "baseline", "--dataset", str(dataset), "--header", "--output", str(output),
        "--categorical-drift-method", "ChiSquared",
    )  # fmt: skip

    assert result.returncode == 0, describe(result)
    assert result.stdout.split() == [
        str(output / n) for n in ("statistics.json", "constraints.json", "report.html")
    ]
    statistics = json.loads((output / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 4
    features = {f["name"]: f for f in statistics["features"]}
    assert list(features) == ["age", "city"]
    assert features["age"]["inferred_type"] == "Integral"
    assert features["age"]["numerical_statistics"]["common"]["num_missing"] == 1
    assert features["age"]["numerical_statistics"]["sum"] == 123
    assert features["city"]["string_statistics"]["distinct_count"] == 3
    constraints = json.loads((output / "constraints.json").read_text())
    assert (
        constraints["monitoring_config"]["distribution_constraints"]["categorical_drift_method"]
        == "ChiSquared"
    )


def test_baseline_command_with_preprocessor_and_postprocessor(tmp_path):
    dataset = tmp_path / "data"
    dataset.mkdir()
    (dataset / "part.csv").write_text("".join(f"{i},{-1 if i % 4 == 0 else i * 2}\n" for i in range(1, 21)))
    output = tmp_path / "out"
    marker = tmp_path / "post.txt"
    post = tmp_path / "post.py"
    post.write_text(
        "import json, pathlib\n"
        "def postprocess_handler():\n"
        f"    stats = json.loads(pathlib.Path({str(output / 'statistics.json')!r}).read_text())\n"
        f"    pathlib.Path({str(marker)!r}).write_text(str(stats['dataset']['item_count']))\n"
    )
    result = run_cli(
        "baseline", "--dataset", str(dataset), "--output", str(output),
        "--preprocessor", str(ROOT / "preprocessors" / "map_minus_one_to_missing.py"),
        "--postprocessor", str(post),
    )  # fmt: skip

    assert result.returncode == 0, describe(result)
    assert marker.read_text() == "20"
    statistics = json.loads((output / "statistics.json").read_text())
    assert [f["name"] for f in statistics["features"]] == ["_c000", "_c001"]
    second = statistics["features"][1]["numerical_statistics"]
    assert second["common"]["num_missing"] == 5  # i = 4, 8, 12, 16, 20 had -1
    assert second["sum"] == sum(i * 2 for i in range(1, 21) if i % 4)

    failing = run_cli(
        "baseline", "--dataset", str(dataset), "--output", str(tmp_path / "out2"),
        "--preprocessor", str(post),  # no preprocess_handler in it
    )  # fmt: skip
    assert failing.returncode == FAILURE_EXIT
    assert "error: Preprocess Handler not implemented correctly in customer script." in failing.stderr
