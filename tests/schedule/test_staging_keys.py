"""S3 keys chosen by whoever can write the bucket never leave their staging root: ``..``, absolute,
empty and ``.`` segments, control characters and planted links are refused, each with a WARNING
naming the key (escaped), and counted where the user looks: the execution record of ``schedule
run`` and local-job's summary. Against a real HTTP emulator of S3 (moto on loopback)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from analyzer.files.safe_join import UnsafePath, safe_join
from tests.cli.test_entrypoint import describe, run_cli
from tests.helpers.aws import moto_server
from tests.product.test_container import processing_request
from tests.schedule.test_schedule import BUCKET, ENDPOINT, SCHEDULE, objects, prepare, schedule_args

HOUR_PREFIX = f"capture/{ENDPOINT}/AllTraffic/2026/11/22/10"
# From the staged hour (<tmp>/<window>/capture/2026/11/22/10) seven levels up is the test's directory.
ESCAPE = "../" * 7 + "escaped.jsonl"
HOSTILE = {
    ESCAPE: "'..' segment",
    "/absolute.jsonl": "absolute",  # <hour>//absolute.jsonl
    "a//b.jsonl": "empty segment",
    "./dot.jsonl": "'.' segment",
    "clear\x1b[2Jscreen.jsonl": "control character",
}


@pytest.fixture(scope="module")
def aws(tmp_path_factory):
    with moto_server(tmp_path_factory.mktemp("moto")) as url:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield url


def private_dirs(tmp_path: Path) -> dict[str, str]:
    """The run's temporary and lock directories inside the test's own directory."""
    (tmp_path / "tmp").mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    return {"TMPDIR": str(tmp_path / "tmp"), "XDG_RUNTIME_DIR": str(tmp_path / "run")}


def test_safe_join_refuses_every_name_that_could_leave_the_root(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    assert safe_join(root, "2026/11/22/10/a.jsonl") == root / "2026/11/22/10/a.jsonl"
    for name in [
        "",
        "..",
        "a/../../x",
        "/etc/passwd",
        "a//b",
        "./a",
        "a/.",
        "nul\x00x",
        "line\nbreak",
        "del\x7f",
    ]:
        with pytest.raises(UnsafePath):
            safe_join(root, name)
    (tmp_path / "elsewhere").mkdir()
    (root / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UnsafePath, match="resolves outside"):
        safe_join(root, "link/x.jsonl")
    with pytest.raises(UnsafePath, match=r"line\\nbreak"):  # the message escapes what it names
        safe_join(root, "line\nbreak")


def test_schedule_run_stages_no_hostile_key_and_counts_them_in_the_execution_record(aws, golden, tmp_path):
    import boto3

    s3 = boto3.client("s3")
    locations = prepare(s3, golden, "hostile", hours=1)
    for key in HOSTILE:
        s3.put_object(Bucket=BUCKET, Key=f"hostile/{HOUR_PREFIX}/{key}", Body=b'{"not": "capture"}\n')
    result = run_cli(
        *schedule_args(locations, "--backfill", "2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"),
        env=private_dirs(tmp_path),
    )
    assert result.returncode == 0, describe(result)
    assert not (tmp_path / "escaped.jsonl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "tmp"]
    warnings = [line for line in result.stderr.splitlines() if "Skipped S3 object" in line]
    assert len(warnings) == len(HOSTILE), describe(result)
    for key, reason in HOSTILE.items():
        assert any(
            f"hostile/{HOUR_PREFIX}/{key}".replace("\x1b", "\\x1b") in w and reason in w for w in warnings
        )
    assert "\x1b" not in result.stderr  # the terminal escape is shown, not played
    assert "(5 unsafe key(s) skipped)" in result.stdout and "; 5 unsafe key(s) skipped" in result.stdout
    history = [
        json.loads(body)
        for key, body in objects(s3, f"hostile/reports/{ENDPOINT}/{SCHEDULE}/_executions/").items()
    ]
    assert [(e["status"], e["records"], e["skipped_keys"]) for e in history] == [("Completed", 100, 5)]


def test_local_job_stages_no_hostile_key_and_says_how_many_it_skipped(aws, golden, tmp_path):
    import boto3

    s3 = boto3.client("s3")
    workdir = tmp_path / "work"
    workdir.mkdir()
    request = processing_request(workdir, golden, 1)
    data = workdir / "bucket" / "data"
    s3.upload_file(str(data / "baseline.csv"), BUCKET, "local-job/data/baseline.csv")
    # job/processing/input/baseline_dataset_input: four levels up is the work directory.
    for key in ("../../../../escaped.csv", "/absolute.csv"):
        s3.put_object(Bucket=BUCKET, Key=f"local-job/data/{key}", Body=b"1,2,3\n")
    request["ProcessingInputs"][0]["S3Input"]["S3Uri"] = f"s3://{BUCKET}/local-job/data/"
    (workdir / "request.json").write_text(json.dumps(request))
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
    result = run_cli(
        "local-job", str(workdir / "request.json"), "--job-dir", str(workdir / "job"), "--no-docker", env=env
    )
    assert result.returncode == 0, describe(result)
    assert not (workdir / "escaped.csv").exists() and not list(tmp_path.rglob("absolute.csv"))
    assert "skipped: 2 input key(s)" in result.stdout
    assert "Skipped S3 object s3://monitoring/local-job/data/../../../../escaped.csv" in result.stderr
    assert (workdir / "results" / "statistics.json").is_file()
