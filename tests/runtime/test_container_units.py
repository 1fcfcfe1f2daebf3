"""Unit tests of the container entrypoint's helpers, local-job and the schedule-execution request.

No Docker, no Spark: cgroup trees are fake directories, privilege changes are intercepted, S3 is a
moto server on loopback, and the one end-to-end job is small enough to run in this process.
"""

from __future__ import annotations

import json
import os
import pwd
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analyzer.cli import entrypoint
from analyzer.common.errors import ConfigError
from analyzer.files import storage
from analyzer.files.ownership import hand_over
from analyzer.runtime import container, local_job
from analyzer.runtime.container import Hosts, Sizing, cgroup_cpus, cgroup_memory, container_sizing
from analyzer.schedule.request import CAPTURE_FORMAT, execution_request, hour_prefixes
from tests.helpers.aws import moto_server

GiB = 1024**3
OPT_ML = "/opt/ml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def files_under(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


# -- cgroup sizing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cpu_max", "expected"), [("150000 100000", 1.5), ("max 100000", None), ("50000 100000\n", 0.5)]
)
def test_cgroup_v2_cpu_max(tmp_path, cpu_max, expected):
    write(tmp_path / "cpu.max", cpu_max)
    assert cgroup_cpus(tmp_path) == expected


@pytest.mark.parametrize(("quota", "expected"), [("-1\n", None), ("200000\n", 2.0), ("50000", 0.5)])
def test_cgroup_v1_cfs_quota(tmp_path, quota, expected):
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", quota)
    write(tmp_path / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert cgroup_cpus(tmp_path) == expected


def test_cgroup_v1_quota_without_period_is_unknown(tmp_path):
    write(tmp_path / "cpu" / "cpu.cfs_quota_us", "200000")
    assert cgroup_cpus(tmp_path) is None


@pytest.mark.parametrize(("memory_max", "expected"), [("max\n", None), ("2147483648\n", 2147483648)])
def test_cgroup_v2_memory_max(tmp_path, memory_max, expected):
    write(tmp_path / "memory.max", memory_max)
    assert cgroup_memory(tmp_path) == expected


@pytest.mark.parametrize(
    ("limit", "expected"), [("9223372036854771712\n", None), ("4294967296\n", 4294967296)]
)
def test_cgroup_v1_memory_limit(tmp_path, limit, expected):
    write(tmp_path / "memory" / "memory.limit_in_bytes", limit)
    assert cgroup_memory(tmp_path) == expected


def test_cgroup_v2_memory_wins_over_v1(tmp_path):
    write(tmp_path / "memory.max", "1073741824")
    write(tmp_path / "memory" / "memory.limit_in_bytes", "4294967296")
    assert cgroup_memory(tmp_path) == GiB


def test_empty_cgroup_tree_is_unknown(tmp_path):
    assert cgroup_cpus(tmp_path) is None
    assert cgroup_memory(tmp_path) is None
    assert cgroup_cpus(tmp_path / "missing") is None
    assert cgroup_memory(tmp_path / "missing") is None


@pytest.fixture
def eight_cpus_16g_host(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(container, "host_memory", lambda: 16 * GiB)


@pytest.mark.parametrize(
    ("cpu_max", "cores"),
    [("150000 100000", 1), ("50000 100000", 1), ("370000 100000", 3), ("1600000 100000", 8), (None, 8)],
)
def test_container_sizing_cores(tmp_path, eight_cpus_16g_host, cpu_max, cores):
    """The quota floored, at least 1, at most the machine's CPUs; the machine's CPUs without a quota."""
    if cpu_max:
        write(tmp_path / "cpu.max", cpu_max)
    assert container_sizing(tmp_path).cores == cores


@pytest.mark.parametrize(("limit", "memory"), [(None, 16 * GiB), (4 * GiB, 4 * GiB), (64 * GiB, 16 * GiB)])
def test_container_sizing_memory(tmp_path, eight_cpus_16g_host, limit, memory):
    """The cgroup limit when it is below the host's memory, else the host's memory."""
    if limit:
        write(tmp_path / "memory.max", str(limit))
    assert container_sizing(tmp_path) == Sizing(8, memory)


def test_container_sizing_on_this_machine(tmp_path):
    write(tmp_path / "cpu.max", "150000 100000")
    write(tmp_path / "memory.max", str(GiB))
    assert container_sizing(tmp_path) == Sizing(1, GiB)  # this machine has more than 1 GiB
    unlimited = container_sizing(tmp_path / "none")
    assert unlimited.cores == os.cpu_count()
    assert unlimited.memory_bytes == container.host_memory() > GiB


@pytest.mark.parametrize(
    ("memory", "driver_mb"),
    [(GiB, 512), (2 * GiB + 1, 512), (3 * GiB, 768), (8 * GiB, 2048), (16 * GiB, 4096), (64 * GiB, 4096)],
)
def test_driver_memory_is_a_quarter_between_512m_and_4g(memory, driver_mb):
    assert Sizing(2, memory).driver_memory_mb == driver_mb


def test_sizing_environment():
    assert Sizing(3, 8 * GiB).environment() == {"MONITOR_ANALYZER_CORES": "3", "SPARK_DRIVER_MEMORY": "2048m"}
    assert Sizing(1, GiB).environment()["SPARK_DRIVER_MEMORY"] == "512m"


# -- hosts ----------------------------------------------------------------------------------------


def test_read_hosts_without_resourceconfig_is_one_host(tmp_path, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    hosts = container.read_hosts()
    assert hosts == Hosts("localhost", ("localhost",))
    assert hosts.is_master and not hosts.multi


@pytest.mark.parametrize(("current", "is_master"), [("algo-1", True), ("algo-2", False)])
def test_read_hosts_two_hosts(tmp_path, monkeypatch, current, is_master):
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    write(
        tmp_path / "config" / "resourceconfig.json",
        json.dumps({"current_host": current, "hosts": ["algo-1", "algo-2"]}),
    )
    hosts = container.read_hosts()
    assert hosts.current == current
    assert hosts.hosts == ("algo-1", "algo-2")
    assert hosts.master == "algo-1"
    assert hosts.is_master is is_master
    assert hosts.multi


def test_read_hosts_single_host_file(tmp_path, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    write(tmp_path / "config" / "resourceconfig.json", json.dumps({"current_host": "algo-1"}))
    assert container.read_hosts() == Hosts("algo-1", ("algo-1",))


# -- user -----------------------------------------------------------------------------------------


def test_writable_paths_are_rebased_under_opt_ml(tmp_path, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    env = {
        "output_path": "/opt/ml/processing/output",
        "cloudwatch_metrics_directory": "/opt/ml/output/metrics/cw",
        "dataset_source": "/opt/ml/processing/input",
    }
    assert container.writable_paths(env) == [
        tmp_path / "output",
        tmp_path / "processing" / "output",
        tmp_path / "output" / "metrics" / "cw",
    ]
    elsewhere = tmp_path.parent / "results"
    assert container.writable_paths({"output_path": str(elsewhere)}) == [tmp_path / "output", elsewhere]


class PrivilegeSpy:
    """Stands in for os.setuid & co.: drop_root must never change this process's identity."""

    def __init__(self, monkeypatch, chown: bool = True):
        self.calls: list[tuple] = []
        for name in ("setuid", "setgid", "setgroups", *(("chown", "fchown") if chown else ())):
            monkeypatch.setattr(os, name, self.recorder(name))
        # drop_root rewrites HOME and USER: make the test restore them.
        monkeypatch.setenv("HOME", os.environ.get("HOME", "/root"))
        monkeypatch.setenv("USER", os.environ.get("USER", "root"))

    def recorder(self, name):
        def record(*args, **kwargs):
            self.calls.append((name, *args))

        return record

    def identity_calls(self) -> list[tuple]:
        return [c for c in self.calls if c[0] != "chown"]


def test_drop_root_keeps_root_when_asked(tmp_path, monkeypatch):
    spy = PrivilegeSpy(monkeypatch)
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    monkeypatch.setenv("MONITOR_ANALYZER_KEEP_ROOT", "1")
    monkeypatch.setattr(os, "getuid", lambda: 0)
    uid = os.geteuid()
    container.drop_root({"output_path": "/opt/ml/processing/output"})
    assert spy.calls == []
    assert os.geteuid() == uid
    assert not (tmp_path / "output").exists()


def test_drop_root_without_the_analyzer_user_stays(tmp_path, monkeypatch):
    spy = PrivilegeSpy(monkeypatch)
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    monkeypatch.delenv("MONITOR_ANALYZER_KEEP_ROOT", raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 0)

    def no_such_user(name):
        raise KeyError(name)

    try:
        pwd.getpwnam(container.RUN_USER)
        monkeypatch.setattr(container.pwd, "getpwnam", no_such_user)  # this machine has the user
    except KeyError:
        pass  # the real lookup is exercised
    uid, home = os.geteuid(), os.environ["HOME"]
    container.drop_root({"output_path": "/opt/ml/processing/output"})
    assert spy.calls == []
    assert os.geteuid() == uid
    assert os.environ["HOME"] == home
    assert not (tmp_path / "processing").exists()


def test_drop_root_as_another_user_does_nothing(tmp_path, monkeypatch):
    spy = PrivilegeSpy(monkeypatch)
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    monkeypatch.delenv("MONITOR_ANALYZER_KEEP_ROOT", raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    looked_up = []
    monkeypatch.setattr(container.pwd, "getpwnam", lambda name: looked_up.append(name))
    container.drop_root({"output_path": "/opt/ml/processing/output"})
    assert spy.calls == [] and looked_up == []


AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="handing files to another uid needs root")


def owner(path: Path) -> tuple[int, int]:
    st = os.lstat(path)
    return st.st_uid, st.st_gid


@AS_ROOT
def test_drop_root_as_root_hands_the_outputs_over(tmp_path, monkeypatch):
    """With the user present (faked) the output directories are really chowned, then gid and uid
    change (intercepted: this process keeps its identity)."""
    spy = PrivilegeSpy(monkeypatch, chown=False)
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    monkeypatch.delenv("MONITOR_ANALYZER_KEEP_ROOT", raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 0)
    fake = pwd.struct_passwd(("analyzer", "x", 4242, 4343, "", "/home/analyzer", "/bin/sh"))
    monkeypatch.setattr(container.pwd, "getpwnam", lambda name: fake if name == "analyzer" else None)
    write(tmp_path / "output" / "message", "old")
    container.drop_root({"output_path": "/opt/ml/processing/output"})
    for path in (tmp_path / "output", tmp_path / "output" / "message", tmp_path / "processing" / "output"):
        assert owner(path) == (4242, 4343)
    assert owner(tmp_path / "processing") == (0, 0)  # created on the way, not an output
    assert spy.identity_calls() == [("setgroups", []), ("setgid", 4343), ("setuid", 4242)]
    assert os.environ["HOME"] == "/home/analyzer" and os.environ["USER"] == "analyzer"


@AS_ROOT
def test_handing_over_never_follows_a_planted_link(tmp_path):
    """Links planted in an output directory (to a root-only file, to a directory outside) are
    changed themselves; what they point to keeps its owner, and nothing outside is descended into."""
    secret = write(tmp_path / "secret" / "shadow", "root only")
    secret.chmod(0o600)
    outside = write(tmp_path / "elsewhere" / "deep" / "file", "x").parent.parent
    output = tmp_path / "output"
    write(output / "reports" / "statistics.json", "{}")
    (output / "shadow-link").symlink_to(secret)
    (output / "reports" / "dir-link").symlink_to(outside, target_is_directory=True)
    (output / "up").symlink_to(tmp_path, target_is_directory=True)
    hand_over(output, 4242, 4343)
    for path in (output, output / "reports", output / "reports" / "statistics.json"):
        assert owner(path) == (4242, 4343)
    for link in (output / "shadow-link", output / "reports" / "dir-link", output / "up"):
        assert owner(link) == (4242, 4343)  # the link itself (lchown)
    for untouched in (secret, secret.parent, outside, outside / "deep", outside / "deep" / "file", tmp_path):
        assert owner(untouched) == (0, 0), untouched


@AS_ROOT
def test_an_output_path_that_is_a_link_is_not_followed(tmp_path):
    target = write(tmp_path / "real" / "file", "x").parent
    link = tmp_path / "output"
    link.symlink_to(target, target_is_directory=True)
    hand_over(link, 4242, 4343)
    assert owner(link) == (4242, 4343)
    assert owner(target) == (0, 0) and owner(target / "file") == (0, 0)


# -- local_job: requests, paths, files ------------------------------------------------------------


def test_load_request(tmp_path):
    good = write(tmp_path / "good.json", json.dumps({"AppSpecification": {"ImageUri": "x"}}))
    assert local_job.load_request(good) == {"AppSpecification": {"ImageUri": "x"}}
    no_app = write(tmp_path / "no_app.json", json.dumps({"ProcessingJobName": "j"}))
    with pytest.raises(ConfigError, match="no AppSpecification"):
        local_job.load_request(no_app)
    a_list = write(tmp_path / "list.json", json.dumps([{"AppSpecification": {}}]))
    with pytest.raises(ConfigError, match="no AppSpecification"):
        local_job.load_request(a_list)
    bad = write(tmp_path / "bad.json", '{"AppSpecification": ')
    with pytest.raises(ConfigError, match="Cannot read"):
        local_job.load_request(bad)
    with pytest.raises(ConfigError, match="Cannot read"):
        local_job.load_request(tmp_path / "missing.json")


def test_under_job(tmp_path):
    assert local_job.under_job(tmp_path, "/opt/ml/processing/input/data") == (
        tmp_path / "processing" / "input" / "data"
    )
    # The Processing API's rule: under /opt/ml/processing/, after ".." is resolved.
    for outside in (
        "/tmp/data", "/opt/mlx/data", "opt/ml/processing/x", "/opt/ml", "/opt", "/opt/ml/config",
        "/opt/ml/input/data/train", "/opt/ml/processing/../../../etc/cron.d", "/opt/ml/processing/../config",
    ):  # fmt: skip
        with pytest.raises(ConfigError, match="is not under /opt/ml/processing/"):
            local_job.under_job(tmp_path, outside)


def test_fetch_a_directory_keeps_relative_paths(tmp_path):
    source = tmp_path / "source"
    write(source / "a.csv", "1\n")
    write(source / "nested" / "deeper" / "b.csv", "2\n")
    write(source / "nested" / "c.json", "{}")
    target = tmp_path / "job" / "processing" / "input"
    assert storage.fetch(f"file://{source}", target) == storage.Fetched(3)
    assert files_under(target) == {"a.csv": "1\n", "nested/deeper/b.csv": "2\n", "nested/c.json": "{}"}
    other = tmp_path / "plain"
    assert storage.fetch(str(source), other) == storage.Fetched(3)  # a plain path works as well
    assert files_under(other) == files_under(target)


def test_fetch_a_file_puts_it_under_its_name(tmp_path):
    source = write(tmp_path / "data" / "statistics.json", '{"version": 0}')
    target = tmp_path / "baseline"
    assert storage.fetch(str(source), target) == storage.Fetched(1)
    assert files_under(target) == {"statistics.json": '{"version": 0}'}
    again = tmp_path / "again"
    assert storage.fetch(f"file://{source}", again) == storage.Fetched(1)
    assert files_under(again) == {"statistics.json": '{"version": 0}'}


def test_fetch_a_missing_path_fails(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        storage.fetch(f"file://{tmp_path}/missing", tmp_path / "target")
    with pytest.raises(ConfigError, match="does not exist"):
        storage.fetch(str(tmp_path / "missing.csv"), tmp_path / "target")


def test_publish_to_a_directory(tmp_path):
    source = tmp_path / "processing" / "output"
    write(source / "statistics.json", "s")
    write(source / "constraints.json", "c")
    write(source / "sub" / "extra.txt", "e")
    destination = tmp_path / "results"
    written = storage.publish(source, f"file://{destination}")
    assert written == [
        str(destination / "constraints.json"),
        str(destination / "statistics.json"),
        str(destination / "sub" / "extra.txt"),
    ]
    assert files_under(destination) == {"constraints.json": "c", "statistics.json": "s", "sub/extra.txt": "e"}
    plain = tmp_path / "plain"
    assert len(storage.publish(source, str(plain))) == 3
    assert files_under(plain) == files_under(destination)
    assert storage.publish(tmp_path / "nothing", str(tmp_path / "empty")) == []


@pytest.mark.parametrize(
    ("resources", "hosts"),
    [
        (
            {"ClusterConfig": {"InstanceCount": 3, "InstanceType": "ml.m5.xlarge"}},
            ["algo-1", "algo-2", "algo-3"],
        ),
        ({"ClusterConfig": {"InstanceCount": 1}}, ["algo-1"]),
        ({"ClusterConfig": {}}, ["algo-1"]),
        (None, ["algo-1"]),
    ],
)
def test_hosts_of(resources, hosts):
    request = {"AppSpecification": {}} if resources is None else {"ProcessingResources": resources}
    assert local_job.hosts_of(request) == hosts


def test_write_config(tmp_path):
    request = {
        "ProcessingJobName": "my-job",
        "Environment": {"dataset_source": "/opt/ml/processing/input", "team": "a"},
        "AppSpecification": {"ImageUri": "x"},
    }
    config = tmp_path / "hosts" / "algo-2" / "config"
    local_job.write_config(request, config, "algo-2", ["algo-1", "algo-2"])
    document = json.loads((config / "processingjobconfig.json").read_text())
    assert document["Environment"] == request["Environment"]
    assert document["ProcessingJobName"] == "my-job"
    assert document["ProcessingJobArn"] == "arn:aws:sagemaker:local:000000000000:processing-job/my-job"
    resources = json.loads((config / "resourceconfig.json").read_text())
    assert resources == {"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]}

    described = {**request, "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:1:processing-job/my-job"}
    local_job.write_config(described, tmp_path / "c2", "algo-1", ["algo-1"])
    document = json.loads((tmp_path / "c2" / "processingjobconfig.json").read_text())
    assert document["ProcessingJobArn"] == described["ProcessingJobArn"]  # the request's own ARN wins
    unnamed = tmp_path / "c3"
    local_job.write_config({"AppSpecification": {}}, unnamed, "algo-1", ["algo-1"])
    assert json.loads((unnamed / "processingjobconfig.json").read_text())["ProcessingJobArn"].endswith(
        "/local-job"
    )


def pairs(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a == flag]


def test_docker_run_args(tmp_path):
    request = {
        "Environment": {"dataset_source": "/opt/ml/processing/input", "team": "a=b"},
        "AppSpecification": {"ImageUri": "x", "ContainerArguments": ["--flag", "value"]},
    }
    args = local_job.docker_run_args(request, tmp_path, "algo-2", "img:1", "run1", "net-1")
    assert args[:3] == ["docker", "run", "--rm"]
    assert pairs(args, "--name") == ["monitor-analyzer-run1-algo-2"]
    assert pairs(args, "--hostname") == ["algo-2"]
    assert pairs(args, "--network") == ["net-1"]
    assert pairs(args, "-v") == [
        f"{tmp_path / 'processing'}:/opt/ml/processing",
        f"{tmp_path / 'hosts' / 'algo-2' / 'config'}:/opt/ml/config",
        f"{tmp_path / 'hosts' / 'algo-2' / 'output'}:/opt/ml/output",
    ]
    assert pairs(args, "-e") == ["dataset_source=/opt/ml/processing/input", "team=a=b"]
    assert "--entrypoint" not in args
    assert args[-3:] == ["img:1", "--flag", "value"]
    assert max(i for i, a in enumerate(args) if a.startswith("-") and a != "--flag") < args.index("img:1")

    single = local_job.docker_run_args({"AppSpecification": {}}, tmp_path, "algo-1", "img:1", "r", None)
    assert "--network" not in single
    assert "-e" not in single
    assert single[-1] == "img:1"
    assert pairs(single, "--hostname") == ["algo-1"]


def test_docker_run_args_with_an_entrypoint(tmp_path):
    request = {
        "AppSpecification": {"ContainerEntrypoint": ["python3", "run.py"], "ContainerArguments": ["a"]}
    }
    args = local_job.docker_run_args(request, tmp_path, "algo-1", "img", "r", None)
    assert pairs(args, "--entrypoint") == ["python3"]
    assert args[args.index("img") :] == ["img", "run.py", "a"]


# -- local_job against S3 (moto on loopback) ------------------------------------------------------

BUCKET = "units"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 on loopback with one bucket; the AWS variables local_job's boto3 client picks up."""
    with moto_server(tmp_path_factory.mktemp("moto")):
        client = storage.s3_client()
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(client, key: str, body: str) -> None:
    client.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def test_fetch_an_s3_prefix_keeps_relative_keys(s3, tmp_path):
    put(s3, "data/one/a.csv", "a")
    put(s3, "data/one/nested/b.csv", "b")
    put(s3, "data/one/folder/", "")  # a console "folder" marker: no file
    put(s3, "data/other/c.csv", "c")
    target = tmp_path / "input"
    assert storage.fetch(f"s3://{BUCKET}/data/one", target) == storage.Fetched(2)
    assert files_under(target) == {"a.csv": "a", "nested/b.csv": "b"}
    slash = tmp_path / "slash"
    assert storage.fetch(f"s3://{BUCKET}/data/one/", slash) == storage.Fetched(2)
    assert files_under(slash) == files_under(target)


def test_fetch_an_s3_object_puts_it_under_its_basename(s3, tmp_path):
    put(s3, "baselining/results/constraints.json", '{"features": []}')
    target = tmp_path / "baseline" / "constraints"
    assert storage.fetch(f"s3://{BUCKET}/baselining/results/constraints.json", target) == storage.Fetched(1)
    assert files_under(target) == {"constraints.json": '{"features": []}'}


def test_fetch_an_empty_s3_prefix_fails(s3, tmp_path):
    with pytest.raises(ConfigError, match="No objects under"):
        storage.fetch(f"s3://{BUCKET}/nothing/here", tmp_path / "input")


def test_publish_to_s3(s3, tmp_path):
    source = tmp_path / "output"
    write(source / "statistics.json", "s")
    write(source / "sub" / "constraints.json", "c")
    written = storage.publish(source, f"s3://{BUCKET}/out/")
    assert written == [f"s3://{BUCKET}/out/statistics.json", f"s3://{BUCKET}/out/sub/constraints.json"]
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="out/")["Contents"]
    assert sorted(o["Key"] for o in listed) == ["out/statistics.json", "out/sub/constraints.json"]
    body = s3.get_object(Bucket=BUCKET, Key="out/sub/constraints.json")["Body"].read()
    assert body == b"c"
    back = tmp_path / "back"
    assert storage.fetch(f"s3://{BUCKET}/out", back) == storage.Fetched(2)  # the round trip keeps the layout
    assert files_under(back) == files_under(source)


# -- local_job end to end, in this process --------------------------------------------------------


def baseline_request(tmp_path: Path, dataset_format: str) -> dict:
    data = tmp_path / "data"
    write(data / "part.csv", "a,b\n" + "".join(f"{i},{i * 0.5}\n" for i in range(50)))
    return {
        "ProcessingJobName": "baseline-suggestion-job-units",
        "ProcessingInputs": [
            {
                "InputName": "baseline_dataset_input",
                "S3Input": {
                    "S3Uri": f"file://{data}",
                    "LocalPath": "/opt/ml/processing/input/baseline_dataset_input",
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
                        "S3Uri": f"file://{tmp_path / 'results'}",
                        "LocalPath": "/opt/ml/processing/output",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.xlarge"}},
        "AppSpecification": {"ImageUri": "monitor-analyzer:latest"},
        "Environment": {
            "dataset_format": dataset_format,
            "dataset_source": "/opt/ml/processing/input/baseline_dataset_input",
            "output_path": "/opt/ml/processing/output",
            "publish_cloudwatch_metrics": "Disabled",
        },
    }


@pytest.fixture
def in_process(monkeypatch, tmp_path):
    """What run_in_process and the entrypoint set in os.environ comes back out after the test."""
    monkeypatch.setenv("OPT_ML", str(tmp_path / "untouched"))
    monkeypatch.setenv("MONITOR_ANALYZER_CORES", "1")
    monkeypatch.setenv("SPARK_DRIVER_MEMORY", "512m")
    monkeypatch.setenv("MONITOR_ANALYZER_KEEP_ROOT", "1")  # drop_root must never run here
    monkeypatch.delenv("SPARK_MASTER", raising=False)
    for key in ("dataset_source", "dataset_format", "output_path", "publish_cloudwatch_metrics"):
        monkeypatch.delenv(key, raising=False)


def test_run_local_job_in_process(tmp_path, in_process):
    request = baseline_request(tmp_path, '{"csv": {"header": true, "output_columns_position": "START"}}')
    job_dir = tmp_path / "job"
    result = local_job.run_local_job(request, job_dir, docker=False, entrypoint=entrypoint.main)
    assert result.exit_code == 0, result.message
    assert result.message.startswith("Completed")
    assert result.job_dir == job_dir
    results = tmp_path / "results"
    assert sorted(result.outputs) == [
        str(results / n) for n in ("constraints.json", "report.html", "statistics.json")
    ]
    statistics = json.loads((results / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 50
    assert sorted(f["name"] for f in statistics["features"]) == ["a", "b"]
    constraints = json.loads((results / "constraints.json").read_text())
    assert sorted(f["name"] for f in constraints["features"]) == ["a", "b"]
    # Staged where the request said, with the job's config beside it.
    assert (job_dir / "processing" / "input" / "baseline_dataset_input" / "part.csv").is_file()
    config = json.loads((job_dir / "config" / "processingjobconfig.json").read_text())
    assert config["Environment"] == request["Environment"]
    assert json.loads((job_dir / "config" / "resourceconfig.json").read_text()) == {
        "current_host": "algo-1",
        "hosts": ["algo-1"],
    }
    assert os.environ["OPT_ML"] == str(tmp_path / "untouched")  # restored by run_in_process


def test_run_local_job_in_process_failure_publishes_nothing(tmp_path, in_process):
    request = baseline_request(tmp_path, '{"avro": {}}')
    result = local_job.run_local_job(request, tmp_path / "job", docker=False, entrypoint=entrypoint.main)
    assert result.exit_code == 255
    assert result.message and not result.message.startswith("Completed")
    assert result.outputs == []
    assert not (tmp_path / "results").exists()


# -- schedule_request ----------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 22, hour, minute, tzinfo=UTC)


def test_hour_prefixes():
    assert hour_prefixes(at(10, 30), at(12)) == ["2026/11/22/10", "2026/11/22/11"]
    assert hour_prefixes(at(10), at(11)) == ["2026/11/22/10"]
    assert hour_prefixes(at(10), at(10)) == []
    assert hour_prefixes(datetime(2026, 12, 31, 23, tzinfo=UTC), datetime(2027, 1, 1, 1, tzinfo=UTC)) == [
        "2026/12/31/23",
        "2027/01/01/00",
    ]


def schedule() -> dict:
    return {
        "MonitoringScheduleName": "sched",
        "MonitoringScheduleConfig": {
            "ScheduleConfig": {"ScheduleExpression": "cron(0 * ? * * *)"},
            "MonitoringJobDefinition": {
                "BaselineConfig": {
                    "ConstraintsResource": {"S3Uri": "s3://b/baseline/constraints.json"},
                    "StatisticsResource": {"S3Uri": "s3://b/baseline/statistics.json"},
                },
                "MonitoringInputs": [
                    {
                        "EndpointInput": {
                            "EndpointName": "ep",
                            "LocalPath": "/opt/ml/processing/input/endpoint",
                        }
                    }
                ],
                "MonitoringOutputConfig": {
                    "MonitoringOutputs": [
                        {"S3Output": {"S3Uri": "s3://b/reports", "LocalPath": "/opt/ml/processing/output"}}
                    ]
                },
                "MonitoringResources": {
                    "ClusterConfig": {
                        "InstanceCount": 1,
                        "InstanceType": "ml.m5.xlarge",
                        "VolumeSizeInGB": 20,
                    }
                },
                "MonitoringAppSpecification": {
                    "ImageUri": "x",
                    "RecordPreprocessorSourceUri": "s3://b/code/pre.py",
                },
                "Environment": {"team": "a"},
                "RoleArn": "arn:aws:iam::123456789012:role/r",
            },
        },
    }


def test_execution_request_environment_is_the_schedule_contract():
    request = execution_request(schedule(), at(10), at(11), "s3://cap")
    assert request["Environment"] == {
        "baseline_constraints": "/opt/ml/processing/baseline/constraints/constraints.json",
        "baseline_statistics": "/opt/ml/processing/baseline/stats/statistics.json",
        "dataset_format": '{"sagemakerCaptureJson":{"captureIndexNames":["endpointInput","endpointOutput"]}}',
        "dataset_source": "/opt/ml/processing/input/endpoint",
        "end_time": "2026-11-22T11:00:00Z",
        "metric_time": "2026-11-22T10:00:00Z",
        "output_path": "/opt/ml/processing/output",
        "publish_cloudwatch_metrics": "Enabled",
        "record_preprocessor_script": "/opt/ml/processing/code/preprocessing/pre.py",
        "sagemaker_endpoint_name": "ep",
        "sagemaker_monitoring_schedule_name": "sched",
        "start_time": "2026-11-22T10:00:00Z",
        "team": "a",
    }
    assert request["Environment"]["dataset_format"] == CAPTURE_FORMAT
    assert json.loads(CAPTURE_FORMAT) == {
        "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
    }


def test_execution_request_inputs_outputs_and_job():
    definition = schedule()["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    request = execution_request(schedule(), at(10), at(11), "s3://cap/")
    inputs = {i["InputName"]: i["S3Input"] for i in request["ProcessingInputs"]}
    assert set(inputs) == {"constraints", "baseline", "endpoint_input_1", "record_preprocessor_script"}
    assert inputs["endpoint_input_1"]["S3Uri"] == "s3://cap/ep/AllTraffic/2026/11/22/10"
    assert (
        inputs["endpoint_input_1"]["LocalPath"]
        == "/opt/ml/processing/input/endpoint/ep/AllTraffic/2026/11/22/10"
    )
    assert inputs["constraints"]["S3Uri"] == "s3://b/baseline/constraints.json"
    assert inputs["constraints"]["LocalPath"] == "/opt/ml/processing/baseline/constraints"
    assert inputs["baseline"]["S3Uri"] == "s3://b/baseline/statistics.json"
    assert inputs["baseline"]["LocalPath"] == "/opt/ml/processing/baseline/stats"
    # The script lands (fetch: an object goes under its basename) where the environment points.
    script = inputs["record_preprocessor_script"]
    assert script["S3Uri"] == "s3://b/code/pre.py"
    assert f"{script['LocalPath']}/pre.py" == request["Environment"]["record_preprocessor_script"]
    for item in inputs.values():
        assert item["LocalPath"].startswith("/opt/ml/processing/")
        assert (item["S3DataType"], item["S3InputMode"]) == ("S3Prefix", "File")
    # Every baseline path the environment names is inside an input's LocalPath.
    for key in ("baseline_constraints", "baseline_statistics"):
        assert any(request["Environment"][key].startswith(i["LocalPath"] + "/") for i in inputs.values())

    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"]["S3Uri"] == "s3://b/reports/ep/sched/2026/11/22/11"
    assert output["S3Output"]["LocalPath"] == "/opt/ml/processing/output"
    assert output["S3Output"]["S3UploadMode"] == "Continuous"
    assert request["ProcessingResources"] == definition["MonitoringResources"]
    assert request["AppSpecification"] == {"ImageUri": "x"}
    assert request["RoleArn"] == definition["RoleArn"]
    assert request["ProcessingJobName"] == f"model-monitoring-202611221100-{zlib.crc32(b'sched'):08x}"

    again = execution_request(schedule(), at(10), at(11), "s3://cap")
    assert again == request  # same schedule, same window: the same job (and name)
    later = execution_request(schedule(), at(11), at(12), "s3://cap")
    assert later["ProcessingJobName"] != request["ProcessingJobName"]
    other = schedule()
    other["MonitoringScheduleName"] = "sched-2"
    assert (
        execution_request(other, at(10), at(11), "s3://cap")["ProcessingJobName"]
        != request["ProcessingJobName"]
    )


def test_execution_request_over_two_hours_and_user_choices():
    definition = schedule()["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
    definition["Environment"] = {"publish_cloudwatch_metrics": "Disabled"}
    del definition["BaselineConfig"]
    definition["MonitoringAppSpecification"] = {
        "ImageUri": "x",
        "PostAnalyticsProcessorSourceUri": "s3://b/code/post.py",
        "ContainerArguments": ["--verbose"],
    }
    document = schedule()
    document["MonitoringScheduleConfig"]["MonitoringJobDefinition"] = definition
    request = execution_request(document, at(10, 30), at(12), "s3://cap", variant="Canary")
    env = request["Environment"]
    assert env["publish_cloudwatch_metrics"] == "Disabled"  # the user's choice stands
    assert "baseline_constraints" not in env and "baseline_statistics" not in env
    assert env["start_time"] == env["metric_time"] == "2026-11-22T10:30:00Z"
    assert env["post_analytics_processor_script"].endswith("/post.py")
    assert env["post_analytics_processor_script"].startswith("/opt/ml/processing/")
    endpoint_inputs = [
        i["S3Input"] for i in request["ProcessingInputs"] if i["InputName"].startswith("endpoint")
    ]
    assert [i["S3Uri"] for i in endpoint_inputs] == [
        "s3://cap/ep/Canary/2026/11/22/10",
        "s3://cap/ep/Canary/2026/11/22/11",
    ]
    assert request["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"].endswith("/2026/11/22/12")
    assert request["AppSpecification"] == {"ImageUri": "x", "ContainerArguments": ["--verbose"]}


def test_fetch_a_prefix_that_is_part_of_a_name(s3, tmp_path):
    put(s3, "part/a.csv", "a")
    put(s3, "part/ab/x.csv", "x")
    put(s3, "part/base/constraints.json", "c")
    put(s3, "part/base/constraints.json.bak", "old")
    assert storage.fetch(f"s3://{BUCKET}/part/a", tmp_path / "names") == storage.Fetched(2)
    assert files_under(tmp_path / "names") == {"a.csv": "a", "ab/x.csv": "x"}
    assert storage.fetch(f"s3://{BUCKET}/part/base/constraints.json", tmp_path / "object") == storage.Fetched(
        2
    )
    assert files_under(tmp_path / "object") == {"constraints.json": "c", "constraints.json.bak": "old"}


def test_schedule_times_are_utc_whatever_zone_they_come_in():
    from datetime import timedelta, timezone

    plus_two = timezone(timedelta(hours=2))
    assert hour_prefixes(
        datetime(2026, 11, 22, 12, tzinfo=plus_two), datetime(2026, 11, 22, 13, tzinfo=plus_two)
    ) == ["2026/11/22/10"]
    from analyzer.schedule.request import iso

    assert iso(datetime(2026, 11, 22, 12, tzinfo=plus_two)) == "2026-11-22T10:00:00Z"
    assert iso(datetime(2026, 11, 22, 12)) == "2026-11-22T12:00:00Z"  # naive: UTC
