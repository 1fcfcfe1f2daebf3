"""Reports and the quarantine get the permissions the process umask asks for; input-made text is
escaped before it reaches a log line or an error message."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from analyzer.common.errors import InputError
from analyzer.common.log_text import printable
from analyzer.config.contract import JobConfig
from analyzer.config.formats import CSV, DatasetFormat
from analyzer.files.sources import plan_splits, read_split
from analyzer.jobs.job import run_job
from analyzer.readers.quarantine import quarantine_path


@pytest.fixture
def umask():
    """Set the process umask for one test, restore it after."""
    original = os.umask(0o022)
    yield os.umask
    os.umask(original)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_reports_and_quarantine_honour_the_umask(tmp_path, umask, mask, expected):
    data = tmp_path / "data" / "a.csv"
    data.parent.mkdir()
    data.write_bytes(b"a,b\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(200)) + b"1,\xff\n")
    output = tmp_path / "out"
    umask(mask)
    config = JobConfig(
        dataset_source=data.parent,
        dataset_format=DatasetFormat(CSV, header=True),
        output_path=output,
        quarantine=True,
    )
    run_job(config, engine="local")
    written = [output / n for n in ("statistics.json", "constraints.json", "report.html")]
    written.append(quarantine_path(output))
    assert {p.name: mode(p) for p in written} == {p.name: expected for p in written}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain/name.csv", "plain/name.csv"),
        ("café/漢字/😀.csv", "café/漢字/😀.csv"),  # readable non-ASCII stays as it is
        ("a\nb", "a\\nb"),
        ("x\x1b[31mred", "x\\x1b[31mred"),
        ("tab\there\r", "tab\\there\\r"),
        ("bad\udcff.csv", "bad\\udcff.csv"),  # an undecodable byte of a file name
        ("\u202egnp.exe", "\\u202egnp.exe"),  # a right-to-left override
        ("back\\slash", "back\\\\slash"),  # so "\\n" in a name cannot pass for an escaped newline
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown


def test_a_reader_error_escapes_the_file_name(tmp_path):
    path = tmp_path / "wide\n1970 INFO all good.csv"
    path.write_bytes(b"\xff\xfea\x00")
    (split,) = plan_splits([path], splittable=True)
    with pytest.raises(InputError) as raised:
        read_split(split)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(f"{tmp_path}/wide\\n1970 INFO all good.csv starts with a UTF-16")
