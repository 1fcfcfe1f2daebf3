"""The image's entrypoint: size the job to the container, take this host's role, drop root, run the job.

* **Sizing.** Cores and memory come from the container's cgroup limits (v2 or v1), not from the
  host's: ``docker run --cpus 2 --memory 4g`` gives two worker processes (or Spark ``local[2]``)
  and a Spark driver sized to 4 GB.
* **Hosts.** ``/opt/ml/config/resourceconfig.json`` lists the job's hosts. With one host the job
  runs here, without a JVM unless Spark is asked for. With several, the first host starts a Spark standalone master and a worker (the scripts
  that ship with PySpark) and runs the job as one Spark application over every host's worker; the
  other hosts run a worker until the master goes away, then exit 0.
* **User.** Started as root (SageMaker may run the image as root), the job's output directories are
  given to the ``analyzer`` user and the process drops to it; started as another user, it runs as is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import pwd
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.common.errors import AnalyzerError
from analyzer.common.logs import setup_logging
from analyzer.config import contract
from analyzer.files.ownership import hand_over
from analyzer.files.path_overlap import overlap
from analyzer.files.writers import write_message
from analyzer.runtime.children import end_children
from analyzer.runtime.stop import STOPPED_EXIT, STOPPED_MESSAGE, JobStopped, stop_on_sigterm

log = logging.getLogger("monitor_analyzer.container")

CGROUP = Path("/sys/fs/cgroup")
RUN_USER = "analyzer"
MASTER_PORT = 7077
MASTER_UI_PORT = 8080
MiB = 1024 * 1024


# -- sizing ---------------------------------------------------------------------------------------


def cgroup_cpus(root: Path = CGROUP) -> float | None:
    """CPUs the cgroup may use (quota / period), or None when unlimited or unknown."""
    v2 = root / "cpu.max"
    if v2.is_file():
        quota, _, period = v2.read_text().strip().partition(" ")
        return None if quota == "max" else int(quota) / int(period or 100000)
    quota, period = root / "cpu" / "cpu.cfs_quota_us", root / "cpu" / "cpu.cfs_period_us"
    if quota.is_file() and period.is_file():
        q = int(quota.read_text())
        return None if q <= 0 else q / int(period.read_text())
    return None


def cgroup_memory(root: Path = CGROUP) -> int | None:
    """The cgroup's memory limit in bytes, or None when unlimited or unknown."""
    for path in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        if path.is_file():
            text = path.read_text().strip()
            if text == "max":
                return None
            value = int(text)
            return None if value >= 2**60 else value  # v1 says "unlimited" with a huge number
    return None


def host_memory() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


@dataclass(frozen=True)
class Sizing:
    cores: int
    memory_bytes: int

    @property
    def driver_memory_mb(self) -> int:
        """A quarter of the container for the driver JVM (it schedules tasks and holds sketch states;
        the Python workers that read the data need the rest), between 512 MB and 4 GB."""
        return int(min(max(self.memory_bytes // 4 // MiB, 512), 4096))

    def environment(self) -> dict[str, str]:
        return {"MONITOR_ANALYZER_CORES": str(self.cores), "SPARK_DRIVER_MEMORY": f"{self.driver_memory_mb}m"}


def container_sizing(root: Path = CGROUP) -> Sizing:
    cpus = cgroup_cpus(root)
    cores = max(1, math.floor(cpus)) if cpus else (os.cpu_count() or 1)
    cores = min(cores, os.cpu_count() or cores)
    memory = cgroup_memory(root)
    return Sizing(cores, min(memory, host_memory()) if memory else host_memory())


# -- hosts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hosts:
    current: str
    hosts: tuple[str, ...]

    @property
    def master(self) -> str:
        return self.hosts[0]

    @property
    def is_master(self) -> bool:
        return self.current == self.master

    @property
    def multi(self) -> bool:
        return len(self.hosts) > 1


def read_hosts() -> Hosts:
    path = contract.opt_ml() / "config" / "resourceconfig.json"
    if not path.is_file():
        return Hosts("localhost", ("localhost",))
    document = json.loads(path.read_text(encoding="utf-8"))
    hosts = tuple(document.get("hosts") or [document.get("current_host", "localhost")])
    return Hosts(document.get("current_host", hosts[0]), hosts)


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def start(args: list[str], log_name: str) -> subprocess.Popen:
    logs = Path(os.environ.get("SPARK_LOG_DIR") or "/tmp/spark-logs")
    logs.mkdir(parents=True, exist_ok=True)
    out = (logs / log_name).open("w")
    return subprocess.Popen([str(spark_class()), *args], stdout=out, stderr=subprocess.STDOUT)


def start_worker(hosts: Hosts, sizing: Sizing) -> subprocess.Popen:
    memory = max(sizing.memory_bytes // MiB - sizing.driver_memory_mb - 512, 512)
    return start(
        [
            "org.apache.spark.deploy.worker.Worker",
            "--host", hosts.current, "--cores", str(sizing.cores), "--memory", f"{memory}m",
            "--work-dir", tempfile.mkdtemp(prefix="spark-work-"),
            f"spark://{hosts.master}:{MASTER_PORT}",
        ],
        "worker.log",
    )  # fmt: skip


def registered_workers(master: str) -> int:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{master}:{MASTER_UI_PORT}/json/", timeout=2) as response:
            return sum(1 for w in json.load(response).get("workers", []) if w.get("state") == "ALIVE")
    except (OSError, ValueError):
        return 0


def run_master(hosts: Hosts, sizing: Sizing, job, wait_seconds: float = 120) -> int:
    """Master, a worker here, every host's worker registered (or the wait over), then the job."""
    master = start(
        [
            "org.apache.spark.deploy.master.Master",
            "--host", hosts.current, "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI_PORT),
        ],
        "master.log",
    )  # fmt: skip
    worker = start_worker(hosts, sizing)
    try:
        deadline = time.monotonic() + wait_seconds
        while registered_workers(hosts.current) < len(hosts.hosts) and time.monotonic() < deadline:
            time.sleep(1)
        log.info(
            "Spark master on %s with %d of %d hosts' workers",
            hosts.current,
            registered_workers(hosts.current),
            len(hosts.hosts),
        )
        os.environ["SPARK_MASTER"] = f"spark://{hosts.current}:{MASTER_PORT}"
        os.environ["MONITOR_ANALYZER_DRIVER_HOST"] = hosts.current
        return job()
    finally:
        for process in (worker, master):  # the other hosts see the master go and exit
            process.terminate()
            process.wait(timeout=30)


def run_worker(hosts: Hosts, sizing: Sizing, appear_seconds: float = 600) -> int:
    """A worker for the master's application; exit 0 once the master has come and gone."""
    log.info("Host %s: Spark worker for the master on %s", hosts.current, hosts.master)
    worker = start_worker(hosts, sizing)
    try:
        deadline = time.monotonic() + appear_seconds
        while not reachable(hosts.master, MASTER_PORT):
            if time.monotonic() > deadline:
                log.error("The master %s did not come up in %d s", hosts.master, appear_seconds)
                return 1
            time.sleep(1)
        while reachable(hosts.master, MASTER_PORT):
            time.sleep(2)
        log.info("The master on %s is done; this host is done", hosts.master)
        return 0
    finally:
        worker.terminate()
        worker.wait(timeout=30)


# -- user -----------------------------------------------------------------------------------------


def writable_paths(env: dict[str, str]) -> list[Path]:
    """What the job writes: output_path, /opt/ml/output (message, metrics), the metrics directory."""
    paths = [contract.opt_ml() / "output"]
    for key in ("output_path", "cloudwatch_metrics_directory", "CLOUDWATCH_METRICS_DIRECTORY"):
        if env.get(key):
            paths.append(contract.rebase(env[key]))
    return paths


def drop_root(env: dict[str, str]) -> None:
    if os.getuid() != 0 or os.environ.get("MONITOR_ANALYZER_KEEP_ROOT"):
        return
    try:
        user = pwd.getpwnam(RUN_USER)
    except KeyError:
        return  # not our image: stay as we are
    inputs = [contract.rebase(env[k]) for k in ("dataset_source", "ground_truth_source") if env.get(k)]
    for path in writable_paths(env):
        if any(overlap(path, source) for source in inputs):
            continue  # the job refuses it in one line; nothing is created or handed over in the input
        path.mkdir(parents=True, exist_ok=True)
        hand_over(path, user.pw_uid, user.pw_gid)
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ["HOME"] = user.pw_dir
    os.environ["USER"] = RUN_USER


# -- entrypoint -----------------------------------------------------------------------------------


def run(argv: list[str] | None, commands) -> int:
    """The container's entrypoint around ``commands`` (the command line's click group): its ``run``
    command, on this host's part of the job."""
    setup_logging()
    stop_on_sigterm()  # from the first moment: SageMaker may stop a job that is still starting
    try:
        return _main(argv, commands)
    except JobStopped:  # outside the job itself (the job ends its own stop): starting up, or a worker host
        end_children()
        log.error(STOPPED_MESSAGE)
        with contextlib.suppress(AnalyzerError):  # an unwritable message file must not hide the stop
            write_message(contract.message_path(), STOPPED_MESSAGE)
        return STOPPED_EXIT


def _main(argv: list[str] | None, commands) -> int:
    sizing = container_sizing()
    for key, value in sizing.environment().items():
        os.environ.setdefault(key, value)
    hosts = read_hosts()
    try:
        env = contract.load_environment()
    except Exception:  # a broken config file is reported by the job itself
        env = {}
    drop_root(env)
    log.info(
        "Container: %d core(s), %d MB; host %s of %s",
        sizing.cores,
        sizing.memory_bytes // MiB,
        hosts.current,
        ", ".join(hosts.hosts),
    )

    def job() -> int:
        try:
            commands.main(["run", *(argv or [])], standalone_mode=False)
        except SystemExit as e:
            return int(e.code or 0)
        return 0

    if not hosts.multi:
        return job()
    if hosts.is_master:
        return run_master(hosts, sizing, job)
    return run_worker(hosts, sizing)
