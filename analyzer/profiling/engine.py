"""The one Spark job: every split is read and profiled in a task, states merge in split order.

Spark distributes the splits (and retries failed tasks); each task reads its splits with the
readers, applies the preprocessor, and folds the rows into a ``DatasetProfile`` of sketches and
counters. Only those states travel back, never rows, so driver memory is bounded by sketch sizes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
import pickle
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from analyzer.common.errors import AnalyzerError, InputError, RowError, TooManyColumns
from analyzer.common.log_text import printable
from analyzer.config.formats import CSV, PARQUET
from analyzer.config.segments import SplitSpec
from analyzer.config.window import TimeWindow
from analyzer.files import sources
from analyzer.files.sources import (
    Split,
    first_line,
    first_nonblank,
    group_splits,
    list_files,
    plan_splits,
    read_head,
)
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.ordered_merge import OrderedMerge
from analyzer.profiling.state import ProfileState, SplitAware
from analyzer.profiling.task_states import fold_on_spark
from analyzer.readers import ReadPlan, read_batches
from analyzer.readers import header_like as header_check
from analyzer.readers.arrow_memory import give_back, trim_heap, use_returning_pool
from analyzer.readers.header_like import HeaderLike
from analyzer.runtime import processes
from analyzer.runtime.tasks import LOCAL, PROCESSES, choose_engine, describe, spark_context, task_count

log = logging.getLogger("monitor_analyzer.profile")


def make_read_plan(*args, **kwargs) -> ReadPlan:
    """The read plan alone (``plan_reading``'s arguments): for callers that log no header warnings."""
    return plan_reading(*args, **kwargs)[0]


def plan_reading(
    files: list[Path],
    dataset_format,
    preprocessor: str | None,
    feature_names: tuple[str, ...] = (),
    window: TimeWindow | None = None,
    ground_truth: bool = False,
    quarantine: bool = False,
    split: SplitSpec | None = None,
) -> tuple[ReadPlan, list[HeaderLike]]:
    """The plan, and the files whose first line looks like a header read as data: both come from
    the first bytes of each file, read once here on the driver."""
    headers: dict[str, list[str]] = {}
    width = 0
    header_like: list[HeaderLike] = []
    # A preprocessor sees the raw lines and may drop a header itself: no guessing then.
    if dataset_format.kind == CSV and not preprocessor:
        from analyzer.readers.csv_reader import parse_line
        from analyzer.readers.records import SkipRecord

        probe = ReadPlan(dataset_format)
        limit = header_check.lines_per_file(len(files))
        for path in files:
            # Headerless files: the first bytes, to compare the first line with the lines below it.
            head = first_line(path) if dataset_format.header else read_head(path, header_check.HEAD_BYTES)
            line = first_nonblank(head).decode("utf-8", errors="replace").rstrip("\r\n")
            try:
                fields = parse_line(line, probe) if line else []
            except SkipRecord as e:
                # The header (or the line that sets the width) decides every column: no skipping it.
                which = "header" if dataset_format.header else "first line"
                raise InputError(f"{printable(str(path))}: the {which} is {e.reason}: {e.detail}") from None
            if dataset_format.header:
                headers[str(path)] = header_names(fields)
            else:
                width = width or len(fields)
                header_like += header_check.check_head(str(path), head, dataset_format, limit)
    elif dataset_format.is_capture and not preprocessor:
        limit = header_check.lines_per_file(len(files))
        for path in files:
            head = read_head(path, header_check.HEAD_BYTES)
            header_like += header_check.check_head(str(path), head, dataset_format, limit)
    plan = ReadPlan(
        dataset_format,
        headers=headers,
        csv_width=width,
        preprocessor=preprocessor,
        feature_names=tuple(feature_names),
        window=window,
        ground_truth=ground_truth,
        quarantine=quarantine,
        split=split,
    )
    return plan, header_like


def header_names(fields: list[str | None]) -> list[str]:
    """Header names as Spark makes them: blanks become _c{i}, duplicates get their index appended."""
    names = [f.strip() if f and f.strip() else f"_c{i}" for i, f in enumerate(fields)]
    # Counted once, not per name: list.count per name took minutes on a 100k-column header.
    counts = Counter(n.lower() for n in names)
    return [f"{n}{i}" if counts[n.lower()] > 1 else n for i, n in enumerate(names)]


# DatasetProfile is the data-quality one.
StateFactory = Callable[[], ProfileState]


def profile_task(splits: list[Split], plan: ReadPlan, make_state: StateFactory) -> bytes:
    """Profile some splits. An AnalyzerError (bad script, ...) is returned, not raised: it is
    deterministic, so Spark must not retry it, and the driver re-raises it with its one-line cause
    instead of a JVM stack trace."""
    use_returning_pool()
    state = make_state()
    state.ledger.keep_raw = plan.quarantine
    try:
        for split in splits:
            fold_split(state, split, plan, make_state)
    except AnalyzerError as e:
        return pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL)
    pickled = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    del state
    trim_heap()
    return pickled


def fold_split(state: ProfileState, split: Split, plan: ReadPlan, make_state: StateFactory) -> None:
    if isinstance(state, SplitAware):
        state.begin_split(split)
    for batch in read_batches(split, plan, state.ledger):
        give_back()  # what parsing the batch freed, before the profile allocates
        try:
            state.update(batch)
        except RowError as e:
            raise locate(e, batch, split, plan, make_state) from None
        except TooManyColumns as e:
            raise TooManyColumns(f"{split.path}: {e}") from None
        del batch
        give_back()


def locate(error: RowError, batch, split: Split, plan: ReadPlan, make_state: StateFactory) -> InputError:
    """The error with its file:line. Fast readers do not track lines, so the split is read again
    record by record (a failing job only) until the same value is rejected with its location."""
    from analyzer.readers.records import where

    if batch.locations is not None and error.row < len(batch.locations):
        return InputError(f"{error} ({where(batch.locations[error.row])})")
    if not plan.exact_locations:
        try:
            fold_split(make_state(), split, dataclasses.replace(plan, exact_locations=True), make_state)
        except InputError as located:
            return located
    return InputError(f"{error} (in {printable(split.path)})")


def merge_in_order(indexed: list[tuple[int, bytes]]) -> bytes:
    """Merge states in split order, so the sketches do not depend on which task finished first."""
    merger = OrderedMerge()
    for index, state in indexed:
        merger.add(index, state)
    return merger.result_bytes()


def run_profile(
    spark,
    dataset_source: str | Path,
    dataset_format,
    preprocessor: str | None = None,
    settings: ProfileSettings | None = None,
    tasks: int | None = None,
    feature_names: tuple[str, ...] = (),
    window: TimeWindow | None = None,
    split_bytes: int | None = None,
    engine: str = "auto",
    make_state: StateFactory | None = None,
    ground_truth: bool = False,
    quarantine: bool = False,
    split: SplitSpec | None = None,
) -> DatasetProfile:
    """Profile a dataset in one pass. ``spark``: a session, a zero-argument factory, or None.
    ``engine``: "local" (this process), "processes" (worker processes on this machine), "spark", or
    "auto" (``runtime.tasks.choose_engine``).
    ``make_state``: the state each task folds its batches into (default: a DatasetProfile).
    ``quarantine``: keep the raw lines of skipped records in the ledger.
    ``split``: tag every batch with its segment (the state must be a segmented one)."""
    make_state = make_state or functools.partial(DatasetProfile, settings or ProfileSettings())
    files = list_files(dataset_source)
    if not files:
        raise InputError(f"No data files found under dataset_source {dataset_source}")
    # Splits first: each file's stamp (size, mtime, inode) is taken before any byte of it is read.
    splittable = dataset_format.kind != PARQUET
    splits = plan_splits(
        files, splittable=splittable, split_bytes=split_bytes or sources.split_bytes_setting()
    )
    plan, header_like = plan_reading(
        files, dataset_format, preprocessor, feature_names, window, ground_truth, quarantine, split
    )
    header_check.warn(header_like)
    total_bytes = sum(s.end - s.start for s in splits)
    groups = group_splits(splits, tasks or task_count(total_bytes))
    engine = choose_engine(spark, total_bytes, len(groups), engine)
    log.info(
        "Profiling %d file(s), %.1f MB, in %d task(s) %s",
        len(files),
        total_bytes / 1e6,
        len(groups),
        describe(engine, len(groups)),
    )
    if engine == LOCAL:
        merger = OrderedMerge()
        for i, group in enumerate(groups):  # each state folded as soon as it is made
            merger.add(i, profile_task(group, plan, make_state))
        result = merger.result()
    elif engine == PROCESSES:
        result = _run_in_processes(groups, plan, make_state)
    else:
        with spark_context(spark) as context:  # one started here is ended: the one pass is over
            result = _run_on_spark(context, groups, plan, make_state)
    if isinstance(result, AnalyzerError):
        raise result
    return result


def _run_in_processes(groups: list[list[Split]], plan: ReadPlan, make_state: StateFactory) -> object:
    merger = OrderedMerge()
    states = processes.in_order(profile_task, groups, (plan, make_state), label="profile")
    with contextlib.closing(states):
        for i, state in enumerate(states):  # in split order, each folded as soon as its turn comes
            merger.add(i, state)
            if merger.failure is not None:
                break  # the first failure in split order is final: the tasks after it need not run
    return merger.result()


def _run_on_spark(sc, groups: list[list[Split]], plan: ReadPlan, make_state: StateFactory) -> object:
    states = sc.parallelize(list(enumerate(groups)), len(groups)).map(
        lambda item: (item[0], profile_task(item[1], plan, make_state))
    )
    return fold_on_spark(sc, states, len(groups), "profile")
