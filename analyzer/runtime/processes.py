"""Running a job's tasks in worker processes on this machine: every core, no JVM.

The tasks are the ones Spark would run (the same splits grouped the same way) and the task function
is the same, so the results are the same bytes. Results are handed back in task order as they
arrive; at most ``workers + 1`` tasks are outstanding past the one due next, which bounds the early
arrivals the caller holds (the same window as on Spark).

Workers are forked from this process (or from a fork server when this process runs other threads,
``start_method``). A worker ignores Ctrl-C (the driver decides), takes the default action on
SIGTERM (the driver's stop handler ends every descendant), and dies with its parent (a driver
killed with SIGKILL leaves no worker behind).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from analyzer.common.errors import AnalyzerError
from analyzer.config.tuning import positive_int

log = logging.getLogger("monitor_analyzer.processes")

PROGRESS_SECONDS = 2.0
# Imported once by the fork server, before it forks any worker.
PRELOAD = ["analyzer.profiling.engine", "analyzer.jobs.merge"]
_PR_SET_PDEATHSIG = 1

# In a worker: the task function and the arguments every task shares, set once when it starts.
_shared: tuple[Callable, tuple] | None = None


def worker_count(tasks: int | None = None) -> int:
    """Processes to run: $MONITOR_ANALYZER_WORKERS, else the container's cores, else the cores this
    process may run on; never more than there are tasks."""
    name = (
        "MONITOR_ANALYZER_WORKERS" if os.environ.get("MONITOR_ANALYZER_WORKERS") else "MONITOR_ANALYZER_CORES"
    )
    count = positive_int(name, len(os.sched_getaffinity(0)))
    return max(1, min(count, tasks) if tasks else count)


def _start_worker(function: Callable, shared: tuple, environment: dict[str, str]) -> None:
    global _shared
    # A fork server keeps the environment it started with; the readers' settings are the driver's now.
    if dict(os.environ) != environment:
        os.environ.clear()
        os.environ.update(environment)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):  # Linux only: elsewhere the pipe's end ends it
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _shared = (function, shared)


def _run_task(item) -> object:
    function, shared = _shared
    return function(item, *shared)


def start_method() -> str:
    """fork when this process runs no other Python thread: the workers start at once with everything
    imported, and the native libraries' own threads (Arrow, jemalloc, BLAS) are reset in the child by
    their fork handlers. With other Python threads (a Spark session's, a host application's) a lock
    could be held across the fork: then the fork server, a clean process that has imported the
    profiling code (about half a second, once per process)."""
    return os.environ.get("MONITOR_ANALYZER_START_METHOD") or (
        "fork" if threading.active_count() == 1 else "forkserver"
    )


def _context():
    method = start_method()
    log.debug("worker processes start by %s", method)
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


def in_order(
    function: Callable, items: Sequence, shared: tuple = (), workers: int | None = None, label: str = "tasks"
) -> Iterator[object]:
    """``function(item, *shared)`` for every item, run in worker processes; the results in item order.
    ``shared`` goes to each worker once, not with every task. Closing the iterator early (a failure
    found by the caller) or an exception (a stop) ends the workers at once."""
    workers = workers or worker_count(len(items))
    window = workers + 1
    started = time.monotonic()
    pool = ProcessPoolExecutor(
        workers, _context(), initializer=_start_worker, initargs=(function, shared, dict(os.environ))
    )
    pending: dict[Future, int] = {}
    processes: dict = {}  # every worker started, for its exit code if one dies
    arrived: dict[int, object] = {}
    submitted = due = 0
    reported = time.monotonic()
    try:
        while due < len(items):
            while submitted < len(items) and submitted < due + window:
                pending[pool.submit(_run_task, items[submitted])] = submitted
                submitted += 1
            processes.update(getattr(pool, "_processes", None) or {})
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                index = pending.pop(future)
                try:
                    arrived[index] = future.result()
                except BrokenProcessPool:
                    raise AnalyzerError(worker_lost(processes.values())) from None
            while due in arrived:
                result = arrived.pop(due)
                due += 1
                yield result
            if time.monotonic() - reported >= PROGRESS_SECONDS:
                log.info("%s: %d/%d tasks done", label, due + len(arrived), len(items))
                reported = time.monotonic()
    finally:
        if pending or due < len(items):
            end_workers(pool)
        else:
            pool.shutdown(wait=True)
    log.debug(
        "%s: %d task(s) in %d process(es), %.2f s", label, len(items), workers, time.monotonic() - started
    )


def worker_lost(processes) -> str:
    """The one line for a dead worker, with how it ended. The pool then stops the others (SIGTERM):
    their ends are not the cause."""
    processes = list(processes)
    deadline = time.monotonic() + 5
    # The pool's own thread may be reaping them: their exit codes appear once it has.
    while any(p.exitcode is None for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    codes = sorted({p.exitcode for p in processes if p.exitcode not in (None, 0)})
    if len(codes) > 1:
        codes = [c for c in codes if c != -signal.SIGTERM]
    how = ", ".join(f"killed by {signal.Signals(-c).name}" if c < 0 else f"exit code {c}" for c in codes)
    return (
        f"A worker process ended unexpectedly ({how or 'no exit code'}; out of memory, or killed) "
        "before its task was done"
    )


def end_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and kill what runs: its result is no longer wanted.

    A worker killed while it wrote a result (a stop's SIGTERM reaches the workers first) leaves half a
    message in the result pipe, and the pool's own thread waits for the rest: once the workers are
    gone, our copy of the pipe's write end is the last one, and closing it ends that wait (end of
    file). Otherwise the interpreter, which joins that thread at exit, would never exit. (Whether a
    worker has ended cannot be asked here: the stop handler may have reaped it already.)"""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    if results is not None:  # only the workers write to it: once they are gone, nothing will
        with contextlib.suppress(Exception):
            results._writer.close()
