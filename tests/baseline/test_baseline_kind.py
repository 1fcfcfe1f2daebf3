"""Baseline files are checked for what they are (analyzer/baseline/kind.py): every golden file is
recognised and still loads; a file in the wrong place fails with one line naming it and what it looks
like, through the CLI and through the container's ``run``, before any report is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.baseline import kind as kinds
from analyzer.baseline.baseline import load_baseline
from analyzer.cli.main import main
from analyzer.quality.constraints import load_constraints
from tests.cli.test_entrypoint import FAILURE_EXIT, describe, message, run_cli, write_job_config

DQ, MQ = "sdk_pipeline_data_quality", "sdk_pipeline_model_quality"
CLARIFY = {
    "version": "1.0",
    "post_training_bias_metrics": {"label": "target", "facets": {"age": [{"value_or_threshold": "40"}]}},
}
VIOLATIONS = {"violations": [{"feature_name": "a", "constraint_check_type": "data_type_check"}]}

GOLDEN_KINDS = {
    f"{DQ}/statistics.json": kinds.DQ_STATISTICS,
    f"{DQ}/constraints_good_cases.json": kinds.DQ_CONSTRAINTS,
    f"{DQ}/constraints_bad_cases.json": kinds.DQ_CONSTRAINTS,
    "sdk_monitor_testdata/statistics.json": kinds.DQ_STATISTICS,
    "sdk_monitor_testdata/constraints.json": kinds.DQ_CONSTRAINTS,
    "sdk_monitor_testdata/constraint_violations.json": kinds.VIOLATIONS,
    f"{MQ}/statistics.json": kinds.MQ_STATISTICS,
    f"{MQ}/constraints_good_cases.json": kinds.MQ_CONSTRAINTS,
    f"{MQ}/constraints_bad_cases.json": kinds.MQ_CONSTRAINTS,
    "sdk_model_card/model_monitor_model_quality_regression.json": kinds.MQ_STATISTICS,
    "sdk_model_card/model_monitor_model_quality_binary_classification.json": kinds.MQ_STATISTICS,
}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def dump(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(GOLDEN_KINDS))
def test_every_golden_document_is_recognised(golden, name):
    assert kinds.classify(read(golden / name)).kind == GOLDEN_KINDS[name]


def test_every_golden_baseline_still_loads(golden):
    for folder in (DQ, "sdk_monitor_testdata"):
        stats = golden / folder / "statistics.json"
        for constraints in sorted((golden / folder).glob("constraints*.json")):
            assert load_baseline(constraints, stats).features
    for case in ("good", "bad"):
        assert load_constraints(golden / MQ / f"constraints_{case}_cases.json", None).constraints


@pytest.mark.parametrize(
    "document",
    [
        {"features": [{"name": "a", "inferred_type": "String"}]},  # minimal: no mark of either kind
        {"features": [{"name": "a", "completeness": 1.0, "numerical_statistics": {}}]},  # a hybrid
        {"version": 0.0},
    ],
)
def test_documents_without_one_clear_kind_are_left_to_the_reader(document):
    assert kinds.classify(document).kind == kinds.UNKNOWN


def test_the_message_names_the_file_what_it_looks_like_and_where_it_goes(golden, tmp_path):
    path = golden / DQ / "statistics.json"
    with pytest.raises(kinds.BaselineKindError) as info:
        kinds.expect_kind(read(path), path, kinds.DQ_CONSTRAINTS)
    assert str(info.value) == (
        f"baseline constraints file {path} looks like a data-quality statistics.json (it has "
        "dataset.item_count and features[].inferred_type with numerical_statistics): pass it as "
        "--baseline-statistics / baseline_statistics"
    )


def test_a_constraints_file_without_features_fails_naming_it(tmp_path):
    for document in ({"version": 0.0, "monitoring_config": {}}, {"version": 0.0}):
        path = dump(tmp_path / "constraints.json", document)
        with pytest.raises(kinds.ConfigError, match=r"has no 'features'") as info:
            load_baseline(path)
        assert str(path) in str(info.value)
    empty = dump(tmp_path / "empty.json", {"features": []})
    with pytest.raises(kinds.ConfigError, match="'features' is empty: the baseline has no feature to check"):
        load_baseline(empty)


# -- through the CLI and the container --------------------------------------------------------------


@pytest.fixture(scope="module")
def files(golden, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("baselines")
    return {
        "dq_statistics": golden / DQ / "statistics.json",
        "dq_constraints": golden / DQ / "constraints_good_cases.json",
        "mq_statistics": golden / MQ / "statistics.json",
        "mq_constraints": golden / MQ / "constraints_good_cases.json",
        "clarify": dump(root / "analysis.json", CLARIFY),
        "violations": dump(root / "constraint_violations.json", VIOLATIONS),
        "no_features": dump(root / "constraints.json", {"version": 0.0}),
    }


# (model-quality run?, constraints, statistics, file the message names, what it says it looks like)
PAIRINGS = {
    "dq-statistics-as-constraints": (False, "dq_statistics", None, "dq_statistics", "a data-quality statistics.json"),
    "dq-constraints-as-statistics": (False, "dq_constraints", "dq_constraints", "dq_constraints",
                                     "a data-quality constraints.json"),
    "mq-constraints-in-dq-run": (False, "mq_constraints", None, "mq_constraints", "a model-quality constraints.json"),
    "mq-statistics-in-dq-run": (False, "dq_constraints", "mq_statistics", "mq_statistics",
                                "a model-quality statistics.json"),
    "dq-constraints-in-mq-run": (True, "dq_constraints", None, "dq_constraints", "a data-quality constraints.json"),
    "dq-statistics-in-mq-run": (True, "mq_constraints", "dq_statistics", "dq_statistics",
                                "a data-quality statistics.json"),
    "mq-statistics-as-constraints": (True, "mq_statistics", None, "mq_statistics", "a model-quality statistics.json"),
    "clarify-analysis": (False, "clarify", None, "clarify", "a SageMaker Clarify bias or explainability analysis.json"),
    "violations-as-constraints": (True, "violations", None, "violations", "a constraint_violations.json"),
    "no-features": (False, "no_features", None, "no_features", None),
}  # fmt: skip


def expected_fragments(files, pairing) -> tuple[str, str | None]:
    _, _, _, named, looks = PAIRINGS[pairing]
    return str(files[named]), looks


def assert_one_line(line: str, files, pairing) -> None:
    path, looks = expected_fragments(files, pairing)
    assert path in line, line
    assert f"looks like {looks}" in line if looks else "has no 'features'" in line, line


@pytest.mark.parametrize("pairing", sorted(PAIRINGS))
def test_wrong_pairings_fail_on_the_command_line(golden, files, pairing, tmp_path):
    quality, constraints, statistics, _, _ = PAIRINGS[pairing]
    output = tmp_path / "out"
    if quality:
        args = [
            "--dataset",
            str(golden / MQ / "baseline_dataset.csv"),
            "--header",
            "--problem-type",
            "Regression",
        ]
        args += ["--inference-attribute", "Label", "--ground-truth-attribute", "Prediction"]
    else:
        args = ["--dataset", str(golden / DQ / "baseline_dataset.csv")]
    args += ["--output", str(output), "--baseline-constraints", str(files[constraints])]
    if statistics:
        args += ["--baseline-statistics", str(files[statistics])]
    result = CliRunner().invoke(main, ["monitor", *args], env={"OPT_ML": str(tmp_path / "opt_ml")})

    assert result.exit_code == FAILURE_EXIT, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert_one_line(errors[0], files, pairing)
    assert not output.exists() or not any(output.iterdir())


@pytest.mark.parametrize(
    "pairing", ["dq-statistics-as-constraints", "dq-constraints-as-statistics", "dq-constraints-in-mq-run"]
)
def test_wrong_pairings_fail_in_the_container(golden, files, pairing, tmp_path):
    quality, constraints, statistics, _, _ = PAIRINGS[pairing]
    opt_ml = tmp_path / "opt_ml"
    source = opt_ml / "processing" / "input" / "data"
    source.mkdir(parents=True)
    baseline = opt_ml / "processing" / "baseline"
    env = {
        "dataset_source": "/opt/ml/processing/input/data",
        "output_path": "/opt/ml/processing/output",
        "baseline_constraints": "/opt/ml/processing/baseline/constraints/constraints.json",
    }
    (baseline / "constraints").mkdir(parents=True)
    shutil.copy(files[constraints], baseline / "constraints" / "constraints.json")
    if statistics:
        (baseline / "stats").mkdir(parents=True)
        shutil.copy(files[statistics], baseline / "stats" / "statistics.json")
        env["baseline_statistics"] = "/opt/ml/processing/baseline/stats/statistics.json"
    if quality:
        shutil.copy(golden / MQ / "baseline_dataset.csv", source)
        env.update(
            dataset_format='{"csv": {"header": true}}',
            analysis_type="MODEL_QUALITY",
            problem_type="Regression",
            inference_attribute="Label",
            ground_truth_attribute="Prediction",
        )
    else:
        shutil.copy(golden / DQ / "baseline_dataset.csv", source)
        env["dataset_format"] = '{"csv": {"header": false}}'
    write_job_config(opt_ml, env)
    result = run_cli("run", opt_ml=opt_ml, timeout=120)

    assert result.returncode == FAILURE_EXIT, describe(result)
    text = message(opt_ml)
    assert "\n" not in text and result.stderr.splitlines()[-1] == f"error: {text}"
    named = (
        "stats/statistics.json"
        if pairing == "dq-constraints-as-statistics"
        else "constraints/constraints.json"
    )
    assert f"baseline {'statistics' if 'as-statistics' in pairing else 'constraints'} file " in text
    assert named in text
    assert f"looks like {PAIRINGS[pairing][4]}" in text
    assert not (opt_ml / "processing" / "output").exists()


def test_a_split_baseline_directory_is_checked_segment_by_segment(golden, files, tmp_path):
    """A segment's constraints.json that is really a statistics.json fails naming that segment."""
    split = tmp_path / "split-baseline"
    for segment, source in (("model-a", files["dq_constraints"]), ("model-b", files["dq_statistics"])):
        (split / segment).mkdir(parents=True)
        shutil.copy(source, split / segment / "constraints.json")
    data = tmp_path / "data" / "AllTraffic" / "2024" / "01" / "01" / "00"
    data.mkdir(parents=True)
    shutil.copy(golden / DQ / "baseline_dataset.csv", data)
    output = tmp_path / "out"
    args = ["monitor", "--dataset", str(tmp_path / "data"), "--output", str(output), "--split-by", "variant"]
    result = CliRunner().invoke(main, [*args, "--baseline-constraints", str(split)])

    assert result.exit_code == FAILURE_EXIT, result.output
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert f"baseline constraints file {split / 'model-b' / 'constraints.json'} looks like" in line
    assert not output.exists() or not any(output.iterdir())
