"""Running the profile's tasks on Spark and folding their states into one as they come back.

``collect()`` holds every task's state at once, in the JVM and again in Python, before any merge
(2,000 features x 64 tasks: gigabytes). Here every task is its own one-task job, submitted at most
``window`` ahead of the state due next, so the driver holds the merged state, the state being
folded and at most ``window`` early arrivals. Spark still runs ``window`` tasks at a time and
retries each failed task as in one job.
"""

from __future__ import annotations

import logging
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from analyzer.profiling.ordered_merge import OrderedMerge

log = logging.getLogger("monitor_analyzer.spark")

PROGRESS_SECONDS = 2.0


def window_of(sc) -> int:
    """Jobs in flight: enough to keep every core busy while a slow task holds up the merge."""
    return int(sc.defaultParallelism) + 1


def fold_on_spark(sc, rdd, partitions: int, label: str, window: int | None = None) -> object:
    """Fold the (index, pickled state) items of ``rdd``'s partitions 0..partitions-1 in index order.
    Returns the merged state, or the first AnalyzerError in split order (as a value)."""
    window = window or window_of(sc)
    merger = OrderedMerge()
    group = f"monitor-analyzer-{label}-{uuid.uuid4().hex}"

    def run(partition: int) -> list:
        # Local properties are per thread: each job joins the group cancelled on failure.
        sc.setJobGroup(group, f"{label} task {partition}")
        return sc.runJob(rdd, lambda items: list(items), [partition])

    pending: dict[Future, int] = {}
    submitted = 0
    reported = time.monotonic()
    with ThreadPoolExecutor(max_workers=window, thread_name_prefix=label) as pool:
        try:
            while merger.due < partitions:
                # Never more than ``window`` past the state due next: that bounds the early arrivals.
                while submitted < partitions and submitted < merger.due + window:
                    pending[pool.submit(run, submitted)] = submitted
                    submitted += 1
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    del pending[future]
                    for index, state in future.result():
                        merger.add(index, state)
                if merger.failure is not None:
                    # The first failure in split order is final: the tasks after it need not run.
                    sc.cancelJobGroup(group)
                    break
                if time.monotonic() - reported >= PROGRESS_SECONDS:
                    log.info("%s: %d/%d tasks done", label, submitted - len(pending), partitions)
                    reported = time.monotonic()
        except BaseException:
            sc.cancelJobGroup(group)
            raise
    return merger.result()
