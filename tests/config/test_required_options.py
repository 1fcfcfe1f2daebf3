"""Every required option or argument of every command is enforced: missing, the command ends with one
``error:`` line naming it and the command's --help, exit 255, and writes nothing.

The commands are found by walking the click tree, so a command or required option added later is
checked without editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli.main import main
from analyzer.config.contract import REQUIRED_KEYS
from tests.cli.test_entrypoint import run_cli, write_job_config

FAILURE_EXIT = 255


@dataclass(frozen=True)
class RequiredParam:
    path: tuple[str, ...]  # the subcommand names under main, e.g. ("schedule", "run")
    command: click.Command
    param: click.Parameter

    @property
    def id(self) -> str:
        return " ".join((*self.path, self.param.opts[-1] if self.param.opts else self.param.name))


def leaf_commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command


REQUIRED = [
    RequiredParam(path, command, param)
    for path, command in leaf_commands(main)
    for param in command.params
    if param.required
]


@dataclass
class Workspace:
    """Inputs that exist, and an output directory that must stay empty."""

    inputs: Path
    output: Path

    def value(self, param: click.Parameter) -> str:
        """A value that passes click's own conversion of ``param``: the callback is never reached."""
        kind = param.type
        if isinstance(kind, click.Choice):
            return str(kind.choices[0])
        if isinstance(kind, click.Path):
            if kind.exists:
                return str(self.inputs if not kind.file_okay else self.inputs / "data.csv")
            return str(self.output / param.name)
        if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
            return "1"
        # Free text (names, s3:// or local prefixes): a place under the output directory, so a
        # command that ran anyway would write where the test looks.
        return str(self.output / param.name)

    def args(self, command: click.Command, leave_out: click.Parameter) -> list[str]:
        args: list[str] = []
        for param in command.params:
            if not param.required or param is leave_out:
                continue
            if isinstance(param, click.Argument):
                args.append(self.value(param))
            else:
                args += [param.opts[0], self.value(param)]
        return args


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "data.csv").write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    return Workspace(inputs, tmp_path / "output")


def invoke(args: list[str], tmp_path: Path):
    # OPT_ML: a command that ran anyway must not write into /opt/ml or the developer's machine.
    return CliRunner().invoke(main, args, env={"OPT_ML": str(tmp_path / "opt_ml")}, catch_exceptions=False)


def test_the_walk_finds_the_required_options():
    """The walk itself works: it reaches nested groups and the option behind the original bug."""
    found = {r.id for r in REQUIRED}
    assert "monitor --baseline-constraints" in found
    assert "schedule run --cron" in found
    assert any(isinstance(r.param, click.Argument) for r in REQUIRED)


@pytest.mark.parametrize("required", REQUIRED, ids=lambda r: r.id)
def test_a_missing_required_parameter_is_one_error_line_and_writes_nothing(required, workspace, tmp_path):
    args = [*required.path, *workspace.args(required.command, required.param)]
    result = invoke(args, tmp_path)
    assert result.exit_code == FAILURE_EXIT, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: Missing "), line
    if isinstance(required.param, click.Argument):
        assert required.param.human_readable_name in line, line
    else:
        assert any(f"'{opt}'" in line for opt in required.param.opts), line
    assert f"see 'main {' '.join(required.path)} --help'" in line, line
    assert not workspace.output.exists() or not any(workspace.output.rglob("*"))
    assert not (tmp_path / "opt_ml").exists()


@pytest.mark.parametrize("path", [path for path, _ in leaf_commands(main)], ids=" ".join)
def test_help_still_exits_0(path, tmp_path):
    result = invoke([*path, "--help"], tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")


def test_other_usage_errors_end_the_same_way(workspace, tmp_path):
    unknown = invoke(["no-such-command"], tmp_path)
    assert unknown.exit_code == FAILURE_EXIT
    assert unknown.stderr.splitlines() == ["error: No such command 'no-such-command'; see 'main --help'"]
    bad_choice = invoke(["validate", "--dataset", str(workspace.inputs), "--format", "xml"], tmp_path)
    assert bad_choice.exit_code == FAILURE_EXIT
    [line] = bad_choice.stderr.splitlines()
    assert line.startswith("error: Invalid value for '--format'") and "see 'main validate --help'" in line
    # Raised by a command body (not click's parser): the same one line.
    orphan = invoke(
        ["baseline", "--dataset", str(workspace.inputs), "--output", str(workspace.output)]
        + ["--inference-attribute", "0"],
        tmp_path,
    )
    assert orphan.exit_code == FAILURE_EXIT
    assert orphan.stderr.splitlines() == [
        "error: --inference-attribute needs --problem-type; see 'main baseline --help'"
    ]
    assert not workspace.output.exists()


def test_a_bare_group_prints_its_help(tmp_path):
    for args in ([], ["schedule"]):
        result = invoke(args, tmp_path)
        assert result.exit_code == 0 and result.stdout.startswith("Usage: "), result.output


# -- the container contract: required environment keys ----------------------------------------------

JOB_ENV = {
    "dataset_source": "/opt/ml/processing/input/data",
    "dataset_format": '{"csv": {"header": true}}',
    "output_path": "/opt/ml/processing/output",
}


def run_job_env(tmp_path: Path, environment: dict[str, str]):
    """``monitor-analyzer run`` on this Environment, in a subprocess (the job exports keys to
    os.environ); the data exists, so only the environment can make it fail."""
    opt_ml = tmp_path / "opt_ml"
    data = opt_ml / "processing" / "input" / "data"
    data.mkdir(parents=True)
    (data / "rows.csv").write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    write_job_config(opt_ml, environment)
    return opt_ml, run_cli("run", opt_ml=opt_ml, timeout=60)


def assert_failed_without_output(opt_ml: Path, result, expected: str) -> None:
    assert result.returncode == FAILURE_EXIT, result.stderr
    text = (opt_ml / "output" / "message").read_text(encoding="utf-8")
    assert text.startswith(expected) and "\n" not in text, text
    assert result.stderr.splitlines()[-1] == f"error: {text}"
    assert not (opt_ml / "processing" / "output").exists()


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_run_without_a_required_key_writes_the_message_and_no_report(key, tmp_path):
    environment = {k: v for k, v in JOB_ENV.items() if k != key}
    opt_ml, result = run_job_env(tmp_path, environment)
    assert_failed_without_output(opt_ml, result, f"Missing required environment key(s) {key}:")


@pytest.mark.parametrize("key", ["dataset_source", "output_path"])
def test_a_merge_job_without_a_required_key_fails_the_same_way(key, tmp_path):
    environment = {**JOB_ENV, "ground_truth_source": "/opt/ml/processing/groundtruth"}
    environment.pop(key)
    opt_ml, result = run_job_env(tmp_path, environment)
    assert_failed_without_output(opt_ml, result, f"A ground-truth merge job needs {key}")


@pytest.mark.parametrize("key", ["baseline_constraints", "baseline_statistics"])
def test_a_blank_baseline_key_does_not_make_a_baseline_job(key, tmp_path):
    """A pipeline parameter left empty must not turn the monitoring run into a baseline run."""
    opt_ml, result = run_job_env(tmp_path, {**JOB_ENV, key: " "})
    assert_failed_without_output(opt_ml, result, f"environment key {key} is empty")
