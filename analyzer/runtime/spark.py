"""A quiet Spark session: our log lines and a progress line, not JVM noise."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from contextlib import contextmanager
from importlib import resources

log = logging.getLogger("monitor_analyzer.spark")


def _log4j_config() -> str:
    return str(resources.files("analyzer").joinpath("resources/log4j2.properties"))


# Lines the JVM prints at start-up that say nothing to our users.
JVM_NOISE = (b"WARNING: Using incubator modules",)


def _filter_jvm_stderr() -> int:
    """Give the JVM (started next) a stderr that drops start-up noise; returns our saved stderr fd.

    The JVM inherits file descriptor 2 when PySpark spawns it, so for the moment of the launch fd 2
    is a pipe read by a thread that forwards everything but ``JVM_NOISE`` to the real stderr.
    """
    saved = os.dup(2)
    read_end, write_end = os.pipe()

    def forward() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not line.startswith(JVM_NOISE):
                    os.write(saved, line)

    threading.Thread(target=forward, daemon=True, name="jvm-stderr").start()
    sys.stderr.flush()
    os.dup2(write_end, 2)
    os.close(write_end)
    return saved


# Attempts per task. Spark retries a failed task (a killed Python worker, a lost executor) on a
# cluster, but in local mode only when the master says how often: local[N] means one attempt.
TASK_ATTEMPTS = 4
_LOCAL = re.compile(r"local(\[(\d+|\*)\])?")


def with_retries(master: str) -> str:
    """``local`` / ``local[N]`` / ``local[*]`` as ``local[N,4]``; other masters (and ``local[N,F]``) as given."""
    match = _LOCAL.fullmatch(master.strip())
    if match is None:
        return master
    return f"local[{match.group(2) or 1},{TASK_ATTEMPTS}]"


def get_context(master: str | None = None, app_name: str = "monitor-analyzer"):
    """Create (or reuse) the SparkContext. ``master`` defaults to $SPARK_MASTER, else local[*];
    local masters get task retries (``with_retries``).

    The profile uses Spark's core only; not creating a SparkSession (Spark SQL) saves seconds of
    start-up on every job.
    """
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # The JVM's many threads each get a glibc malloc arena otherwise: 2,000 features took the JVM to
    # 1.17 GB resident, 0.75 GB with two arenas (bench/memory_bench.py wide). Children inherit it.
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    from pyspark import SparkConf, SparkContext

    java_options = (
        f"-Dlog4j2.configurationFile=file:{_log4j_config()} -Dlog4j.configurationFile=file:{_log4j_config()}"
    )
    cores = os.environ.get("MONITOR_ANALYZER_CORES")  # the container's cgroup limit, set by its entrypoint
    conf = (
        SparkConf()
        .setAppName(app_name)
        .setMaster(
            with_retries(
                master or os.environ.get("SPARK_MASTER") or (f"local[{cores}]" if cores else "local[*]")
            )
        )
        .set("spark.task.maxFailures", str(TASK_ATTEMPTS))
        # The driver JVM only schedules tasks and carries pickled states: C1-compiled code and the
        # serial collector start it seconds faster and cost nothing measurable later.
        .set("spark.driver.extraJavaOptions", f"{java_options} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .set("spark.executor.extraJavaOptions", java_options)
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.python.worker.reuse", "true")
        .set("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "1g"))
    )
    driver_host = os.environ.get("MONITOR_ANALYZER_DRIVER_HOST")
    if driver_host:  # a multi-host job: executors on other hosts connect back to this name
        conf.set("spark.driver.host", driver_host).set("spark.driver.bindAddress", "0.0.0.0")
    saved = _filter_jvm_stderr()
    try:
        context = SparkContext.getOrCreate(conf)
    finally:
        os.dup2(saved, 2)  # our own stderr is the real one again; the JVM keeps the filtered pipe
    context.setLogLevel("ERROR")
    return context


@contextmanager
def progress(context, label: str, interval: float = 2.0):
    """Log 'label: done/total tasks' while a job runs."""
    tracker = context.statusTracker()
    stop = threading.Event()

    def report() -> None:
        last = None
        while not stop.wait(interval):
            for stage_id in tracker.getActiveStageIds():
                info = tracker.getStageInfo(stage_id)
                if info is None:
                    continue
                state = (info.numCompletedTasks, info.numTasks)
                if state != last:
                    log.info("%s: %d/%d tasks done", label, *state)
                    last = state

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)


def end_spark() -> list[int]:
    """End Spark and every other process this one started (a stopped job must leave none). PySpark's
    accumulator server thread would print a traceback when the JVM's connection closes: a stop expects
    that, so it is told to stay quiet first."""
    from analyzer.runtime.children import end_children

    server = getattr(active_context(), "_accumulatorServer", None)
    if server is not None:
        server.handle_error = lambda *_: None
    return end_children()


def active_context():
    """The SparkContext this process has running, if any (without starting one)."""
    context_module = sys.modules.get("pyspark.core.context")
    return getattr(getattr(context_module, "SparkContext", None), "_active_spark_context", None)


def release(context) -> None:
    """Stop a SparkContext this job started and end its JVM (PySpark keeps the JVM for the next
    context otherwise): after the one pass, a job only writes reports, and the idle JVM and its
    Python workers would hold about 1.4 GB beside the driver while it does. A later get_context()
    starts a new JVM."""
    from pyspark import SparkContext

    context.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    with contextlib.suppress(Exception):
        gateway.shutdown()
    if process is not None:
        with contextlib.suppress(Exception):
            process.stdin.close()  # the JVM ends itself when its parent's pipe closes
        try:
            process.wait(timeout=10)
        except Exception:
            process.kill()
            process.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None
