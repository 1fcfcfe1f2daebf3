"""Where a job's tasks run, decided one way for every job kind: in this process, in worker
processes on this machine, or on Spark.

Spark runs them when it is asked for: a master named (``SPARK_MASTER``, ``--master``) or a Spark
session handed in. Otherwise they run on this machine, without a JVM: in worker processes, one per
core, or in this process when the input is small (a pool's start would cost more than it saves) or
there is one core. Every way the input is cut into the same tasks and their states merge in the
same order, so the result does not depend on where they ran.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

from analyzer.config.tuning import positive_int
from analyzer.runtime.processes import worker_count
from analyzer.runtime.spark import active_context, get_context, release

# Engines: the tasks run in this process, in worker processes, or on Spark.
LOCAL, PROCESSES, SPARK, AUTO = "local", "processes", "spark", "auto"
ENGINES = (AUTO, LOCAL, PROCESSES, SPARK)
# Inputs up to this size run in this process when the engine is chosen for them (one task's worth).
# Bytes per task. Fixed, not derived from the cluster's cores, so that a laptop and a cluster cut the
# data into the same tasks and merge the same states: identical results everywhere.
TASK_BYTES = 32 * 1024 * 1024
LOCAL_MAX_BYTES = int(os.environ.get("MONITOR_ANALYZER_LOCAL_MAX_BYTES", TASK_BYTES))


def task_count(total_bytes: int) -> int:
    task_bytes = positive_int("MONITOR_ANALYZER_TASK_BYTES", TASK_BYTES)
    return max(math.ceil(total_bytes / task_bytes), 1)


def as_context(spark):
    """A SparkSession's context, or what was given (a context, a factory, or None)."""
    return getattr(spark, "sparkContext", spark)


def is_context(spark) -> bool:
    return spark is not None and hasattr(spark, "statusTracker")


def choose_engine(spark, total_bytes: int, tasks: int, engine: str = AUTO) -> str:
    """The engine ``engine`` stands for: LOCAL, PROCESSES or SPARK as asked; AUTO is SPARK with a
    master or a session, else LOCAL for a small input, one task or one core, else PROCESSES."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if engine != AUTO:
        return engine
    if os.environ.get("SPARK_MASTER") or is_context(as_context(spark)):
        return SPARK
    if total_bytes <= LOCAL_MAX_BYTES or tasks < 2 or worker_count(tasks) < 2:
        return LOCAL
    return PROCESSES


def describe(engine: str, tasks: int) -> str:
    """How the log line says where ``tasks`` tasks run."""
    if engine == LOCAL:
        return "in this process"
    if engine == PROCESSES:
        return f"in {worker_count(tasks)} worker process(es)"
    return "of one Spark job"


@contextmanager
def spark_context(spark, release_started: bool = True) -> Iterator:
    """The SparkContext to run on: the one given, one the factory makes, or this process's. One this
    call started is ended afterwards (its JVM and workers would hold memory while the job writes its
    reports) unless ``release_started`` is False."""
    spark = as_context(spark)
    if is_context(spark):
        yield spark
        return
    started_here = active_context() is None
    context = spark() if callable(spark) else get_context()
    try:
        yield context
    finally:
        if started_here and release_started:
            release(context)
