"""Where a job's tasks run, decided one way for every job kind: in this process, or on Spark.

Small inputs without a Spark session at hand run in this process (starting a JVM costs more than
reading them), unless a cluster is named (``SPARK_MASTER``). Either way the input is cut into the
same tasks, so the result does not depend on where they ran.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

from analyzer.runtime.spark import active_context, get_context, release

# Inputs up to this size run in this process when no Spark session is at hand.
LOCAL_MAX_BYTES = int(os.environ.get("MONITOR_ANALYZER_LOCAL_MAX_BYTES", 256 * 1024 * 1024))
# Bytes per task. Fixed, not derived from the cluster's cores, so that a laptop and a cluster cut the
# data into the same tasks and merge the same states: identical results everywhere.
TASK_BYTES = 32 * 1024 * 1024


def task_count(total_bytes: int) -> int:
    task_bytes = int(os.environ.get("MONITOR_ANALYZER_TASK_BYTES") or TASK_BYTES)
    return max(math.ceil(total_bytes / task_bytes), 1)


def as_context(spark):
    """A SparkSession's context, or what was given (a context, a factory, or None)."""
    return getattr(spark, "sparkContext", spark)


def is_context(spark) -> bool:
    return spark is not None and hasattr(spark, "statusTracker")


def runs_here(spark, total_bytes: int, engine: str) -> bool:
    """``engine``: "local" (this process), "spark", or "auto" (here when small and no session)."""
    small = total_bytes <= LOCAL_MAX_BYTES and not os.environ.get("SPARK_MASTER")
    return engine == "local" or (engine == "auto" and not is_context(as_context(spark)) and small)


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
