"""Misspelled environment keys (analyzer/config/key_spelling.py): a warning with the likely key, a failure
when the misspelling would change the kind of job, and users' own keys left alone for their scripts.

The ``run`` cases are real subprocesses of the console script; the failing ones end before any data
is read, so they take well under a second each.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from analyzer.config.contract import ANALYZER_KEYS
from analyzer.config.key_spelling import (
    WITHOUT_IT,
    edit_distance,
    is_process_variable,
    near_misses,
    nearest_known,
)
from tests.cli.test_entrypoint import FAILURE_EXIT, describe, message, run_cli, under, write_job_config

POSTPROCESSOR = "/opt/ml/processing/input/post_analytics_processor_script_input/post.py"


@pytest.fixture
def job(tmp_path):
    """A baseline job's environment over a small CSV, under a fresh OPT_ML."""
    opt_ml = tmp_path / "opt_ml"
    source = opt_ml / "processing" / "input" / "data"
    source.mkdir(parents=True)
    (source / "rows.csv").write_text("a,b\n" + "".join(f"{i},{'xy'[i % 2]}\n" for i in range(30)))
    env = {
        "dataset_source": "/opt/ml/processing/input/data",
        "dataset_format": '{"csv": {"header": true}}',
        "output_path": "/opt/ml/processing/output",
    }
    return opt_ml, env


def output_of(opt_ml):
    return under(opt_ml, "/opt/ml/processing/output")


# -- the matching itself ----------------------------------------------------------------------------


def test_edit_distance_counts_a_swap_of_neighbours_as_one():
    assert edit_distance("dataset_format", "dataset_fromat") == 1
    assert edit_distance("baseline_constraint", "baseline_constraints") == 1
    assert edit_distance("end_time", "ned_tmie") == 2
    assert edit_distance("kitten", "sitting", limit=5) == 3
    assert edit_distance("start_time", "problem_type") == 3  # capped at limit + 1


@pytest.mark.parametrize(
    ("key", "known"),
    [
        ("baseline_constraint", "baseline_constraints"),
        ("Dataset_Source", "dataset_source"),
        ("DATASET-FORMAT", "dataset_format"),
        ("endtime", "end_time"),
        ("analysis-type", "analysis_type"),
        ("histogram_bucket", "histogram_buckets"),
    ],
)
def test_near_misses_name_the_known_key(key, known):
    assert nearest_known(key, ANALYZER_KEYS) == known


@pytest.mark.parametrize("key", ["THRESHOLD", "my_param", "MY_THRESHOLD", "REPORT_FILE", "seed", "endt"])
def test_users_own_and_short_keys_are_not_near_misses(key):
    assert nearest_known(key, ANALYZER_KEYS) is None


def test_process_variables_are_never_checked():
    assert all(is_process_variable(k) for k in ("PATH", "HOME", "AWS_REGION", "SPARK_HOME", "PYTHONPATH"))
    assert not is_process_variable("baseline_constraint")
    assert near_misses(["dataset_source", "output_path"], ANALYZER_KEYS) == []  # known keys


# -- the container entrypoint -----------------------------------------------------------------------


def test_a_near_miss_of_a_key_that_is_present_is_a_warning_and_the_job_runs(job):
    opt_ml, env = job
    write_job_config(opt_ml, {**env, "histogram_bucket": "20", "Output_Path": "/elsewhere"})
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)
    warnings = [line for line in result.stderr.splitlines() if " WARNING " in line]
    assert any(
        "'histogram_bucket' is not an analyzer key: did you mean 'histogram_buckets'?" in w for w in warnings
    )
    assert any("'Output_Path' is not an analyzer key: did you mean 'output_path'?" in w for w in warnings)
    assert message(opt_ml).startswith("Completed:")
    constraints = json.loads((output_of(opt_ml) / "constraints.json").read_text())
    assert "analyzer_settings" not in constraints["monitoring_config"]  # the misspelled knob did nothing


# One misspelling per family of keys that decides the kind of job: the baseline (monitoring or not),
# the analysis, the inputs and output, the window, the ground truth merge. A case change included.
JOB_KIND = [
    ("baseline_constraint", "/opt/ml/c.json", "baseline_constraints"),
    ("baseline_statistic", "/opt/ml/s.json", "baseline_statistics"),
    ("analysis_typ", "MODEL_QUALITY", "analysis_type"),
    ("problemtype", "Regression", "problem_type"),
    ("Dataset_Source", "/opt/ml/processing/input/data", "dataset_source"),
    ("dataset_fromat", '{"csv": {}}', "dataset_format"),
    ("output-path", "/opt/ml/processing/output", "output_path"),
    ("start_tme", "2024-01-01T00:00:00Z", "start_time"),
    ("END_TIME", "2024-01-01T01:00:00Z", "end_time"),
    ("ground_truth_sorce", "/opt/ml/processing/gt", "ground_truth_source"),
]


@pytest.mark.parametrize(("typo", "value", "known"), JOB_KIND, ids=[t[0] for t in JOB_KIND])
def test_a_near_miss_that_changes_the_kind_of_job_fails_it(job, typo, value, known):
    opt_ml, env = job
    env = {k: v for k, v in env.items() if k != known}
    if known == "baseline_statistics":
        env["baseline_constraints"] = "/opt/ml/c.json"  # statistics alone are an error of their own
    write_job_config(opt_ml, {**env, typo: value})
    result = run_cli("run", opt_ml=opt_ml, timeout=60)

    assert result.returncode == FAILURE_EXIT, describe(result)
    expected = (
        f"environment key '{typo}' is not an analyzer key: did you mean '{known}'? "
        f"Without {known}, {WITHOUT_IT[known]}."
    )
    assert message(opt_ml) == expected
    assert result.stderr.splitlines()[-1] == f"error: {expected}"
    assert not output_of(opt_ml).exists()


def test_near_misses_in_the_process_environment_are_caught_too(job, tmp_path):
    """Without processingjobconfig.json the unknown keys are dropped before the job sees them: the
    misspelled one must not vanish with them."""
    opt_ml, env = job
    result = run_cli(
        "run", opt_ml=opt_ml, env={**env, "BASELINE_CONSTRAINTS": str(tmp_path / "c.json")}, timeout=60
    )
    assert result.returncode == FAILURE_EXIT, describe(result)
    assert "did you mean 'baseline_constraints'?" in message(opt_ml)
    assert not output_of(opt_ml).exists()


def test_users_own_keys_reach_the_scripts_untouched(job):
    opt_ml, env = job
    script = under(opt_ml, POSTPROCESSOR)
    script.parent.mkdir(parents=True)
    seen = opt_ml / "seen.json"
    script.write_text(
        textwrap.dedent(
            f"""
            import json
            import os

            def postprocess_handler():
                keys = ("THRESHOLD", "my_param", "Threshold_Pct")
                with open({str(seen)!r}, "w") as f:
                    json.dump({{k: os.environ.get(k) for k in keys}}, f)
            """
        )
    )
    user_keys = {"THRESHOLD": "0.7", "my_param": "a b", "Threshold_Pct": "5"}
    write_job_config(opt_ml, {**env, "post_analytics_processor_script": POSTPROCESSOR, **user_keys})
    result = run_cli("run", opt_ml=opt_ml)

    assert result.returncode == 0, describe(result)
    assert json.loads(seen.read_text()) == user_keys
    assert "did you mean" not in result.stderr
