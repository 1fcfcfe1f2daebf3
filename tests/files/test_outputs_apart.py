"""An output directory inside the input, or the input inside the output, is refused at start: one
line, exit 255, the message file in the container contract, nothing written."""

from __future__ import annotations

import pytest

from tests.cli.test_entrypoint import FAILURE_EXIT, SDK_ENV, message, run_cli, under, write_job_config


def dataset(directory):
    directory.mkdir(parents=True)
    (directory / "data.csv").write_text("a,b\n1,2\n3,4\n")
    return directory


def tree(root) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def last_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len([line for line in lines if line.startswith("error:")]) == 1, result.stderr
    return lines[-1]


@pytest.mark.parametrize(
    ("output", "how"),
    [("data/reports", "is inside"), ("data", "is"), (".", "contains"), ("link/reports", "is inside")],
)
def test_baseline_refuses_an_output_overlapping_the_dataset(tmp_path, output, how):
    data = dataset(tmp_path / "data")
    (tmp_path / "link").symlink_to(data, target_is_directory=True)  # the same place by another name
    before = tree(tmp_path)
    result = run_cli(
        "baseline",
        "--dataset",
        str(data),
        "--header",
        "--engine",
        "local",
        "--output",
        str(tmp_path / output),
    )
    assert result.returncode == FAILURE_EXIT
    assert last_line(result).startswith(
        f"error: output_path {tmp_path / output} {how} dataset_source {data}:"
    )
    assert tree(tmp_path) == before


def test_a_single_file_dataset_may_sit_in_the_output_directory(tmp_path):
    data = dataset(tmp_path / "work") / "data.csv"
    result = run_cli(
        "baseline", "--dataset", str(data), "--header", "--engine", "local", "--output", str(data.parent)
    )
    assert result.returncode == 0, result.stderr
    assert tree(data.parent) == ["constraints.json", "data.csv", "report.html", "statistics.json"]


def test_merge_refuses_an_output_inside_the_ground_truth(tmp_path):
    capture = dataset(tmp_path / "capture")
    truth = dataset(tmp_path / "truth")
    result = run_cli(
        "merge", "--capture", str(capture), "--ground-truth", str(truth), "--output", str(truth / "merged"),
        "--engine", "local",
    )  # fmt: skip
    assert result.returncode == FAILURE_EXIT
    assert f"output_path {truth / 'merged'} is inside ground_truth_source {truth}" in last_line(result)
    assert not (truth / "merged").exists()


def test_the_container_run_refuses_it_with_its_message_file(tmp_path):
    opt_ml = tmp_path / "opt_ml"
    source = dataset(under(opt_ml, SDK_ENV["dataset_source"]))
    inside = f"{SDK_ENV['dataset_source']}/out"
    write_job_config(opt_ml, {**SDK_ENV, "output_path": inside})
    result = run_cli("run", opt_ml=opt_ml)
    assert result.returncode == FAILURE_EXIT
    assert message(opt_ml).startswith(f"output_path {under(opt_ml, inside)} is inside dataset_source")
    assert tree(source) == ["data.csv"]


def test_schedule_run_refuses_reports_inside_the_capture(tmp_path):
    capture = tmp_path / "capture"
    (capture / "ep" / "AllTraffic").mkdir(parents=True)
    baseline = dataset(tmp_path / "baseline") / "data.csv"
    result = run_cli(
        "schedule", "run", "--cron", "NOW", "--capture", str(capture), "--endpoint", "ep",
        "--schedule-name", "hourly", "--baseline-constraints", str(baseline),
        "--output", str(capture / "ep" / "AllTraffic" / "reports"),
    )  # fmt: skip
    assert result.returncode == FAILURE_EXIT
    assert "is inside --capture" in last_line(result)
    assert tree(capture) == ["ep", "ep/AllTraffic"]
