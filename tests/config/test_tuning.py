"""A tuning variable that is not a positive whole number fails the job in one line naming it,
never a traceback and never a silent default; unset or empty means the default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analyzer.common.errors import ConfigError
from analyzer.config.tuning import positive_int


def test_unset_or_empty_is_the_default_and_a_number_is_taken(monkeypatch):
    monkeypatch.delenv("MONITOR_ANALYZER_TEST_SIZE", raising=False)
    assert positive_int("MONITOR_ANALYZER_TEST_SIZE", 7) == 7
    monkeypatch.setenv("MONITOR_ANALYZER_TEST_SIZE", " ")
    assert positive_int("MONITOR_ANALYZER_TEST_SIZE", 7) == 7
    monkeypatch.setenv("MONITOR_ANALYZER_TEST_SIZE", "4096")
    assert positive_int("MONITOR_ANALYZER_TEST_SIZE", 7) == 4096


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1e6", "4 MiB"])
def test_anything_else_is_a_config_error_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("MONITOR_ANALYZER_TEST_SIZE", value)
    with pytest.raises(
        ConfigError, match=f"MONITOR_ANALYZER_TEST_SIZE must be a positive whole number, got {value!r}"
    ):
        positive_int("MONITOR_ANALYZER_TEST_SIZE", 7)


@pytest.mark.parametrize(
    "variable",
    ["MONITOR_ANALYZER_SPLIT_BYTES", "MONITOR_ANALYZER_LONG_LINE_BYTES", "MONITOR_ANALYZER_TASK_BYTES"],
)
def test_a_job_with_a_misspelled_size_fails_in_one_line_and_writes_nothing(tmp_path, variable):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analyzer.cli",
            "baseline",
            "--dataset",
            str(data),
            "--header",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, variable: "32M"},
    )
    assert done.returncode == 255, done.stderr
    assert f"{variable} must be a positive whole number, got '32M'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (out / "statistics.json").exists()
