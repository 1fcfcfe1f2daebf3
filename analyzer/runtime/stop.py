"""SIGTERM, how SageMaker (and ``docker stop``) ends a job: the run stops where it is, ends its Spark
processes, writes no report, and says so.

Python's default is to die on the spot: no message file, staging left behind, the JVM orphaned. The
handler ends Spark first, then raises ``JobStopped`` in the main thread; it is a BaseException so that
no ``except Exception`` on the way up mistakes a stop for a failure of the step it interrupted. A
blocking call (a py4j socket read while Spark works) is interrupted too: PEP 475 retries it only when
the handler returns. Spark goes first because PySpark makes py4j calls while the exception unwinds
(``collect``'s call-site bookkeeping), which wait for the running Spark job: 6 to 10 s measured. With
the JVM gone they fail at once; a failure on the way out of a stopped run is still a stop
(``received``).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOPPED_EXIT = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM
STOPPED_MESSAGE = "Stopped: the job received SIGTERM before it completed; no report was written."


class JobStopped(BaseException):
    """The process was asked to stop (SIGTERM)."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


_deferring = 0
_pending: int | None = None
_received: int | None = None


def _handler(signum: int, _frame) -> None:
    global _pending, _received
    if _deferring:
        _pending = signum  # raised when the step that must not be cut in half is over
        return
    _received = signum
    from analyzer.runtime.spark import end_spark

    end_spark()
    raise JobStopped(signum)


def received() -> bool:
    """A stop was raised: whatever fails after it is the stop's doing."""
    return _received is not None


def stop_on_sigterm() -> None:
    """Turn SIGTERM into JobStopped (only the main thread may install a handler; elsewhere, a no-op)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _handler)


def stop_requested() -> bool:
    return _pending is not None


@contextmanager
def deferred() -> Iterator[None]:
    """A SIGTERM that arrives inside is held, not raised: the block runs to its end. The caller decides
    what a held stop means afterwards (``stop_requested``)."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1


def raise_if_requested() -> None:
    """A stop held by ``deferred`` (or none) becomes JobStopped now."""
    global _pending
    if _pending is not None:
        signum, _pending = _pending, None
        raise JobStopped(signum)
