"""Where the CPU goes: seconds per million values for each step of profiling capture data.

Profiles capture files of the capture bench's shape (26 columns, 5 of them categorical; generated
once, reused) in this process, one task after the other as the local engine runs them, through the
package's own functions: plan the splits, read each task's splits with the capture reader, fold the
batches into a ``DatasetProfile``, pickle each task's state and merge the states in split order,
then build ``statistics.json``'s content. No Spark, no worker process: one core, CPU time
(``time.process_time``).

Each step is one or more of the package's functions, wrapped in a timer for the instrumented runs;
a step's time excludes the steps called inside it (``classify_counted`` calls ``classify``: each
second counts once). Steps (values = records x columns):

    read          the split's bytes off the disk
    scan lines    line index and the checks that keep unusual lines from pyarrow
    parse         JSON lines -> table of capture records (pyarrow's JSON reader)
    split         CSV payloads -> one string column per field
    type          Deequ's type of every value (regexes, or once per distinct value)
    cast          numeric text -> float64
    moments       count, sum, mean, M2, min, max
    KLL           the quantile sketch's updates and merges
    HLL           distinct-count registers (XXH64 of the values) and the estimate
    histogram     value counts, exact histograms and the cut of long values
    top-k         the most-frequent-values summaries
    merge         pickling each task's state, unpickling and merging the states in split order
    memory        handing Arrow's and malloc's freed memory back to the system between batches
    statistics    statistics.json's content from the merged profile
    column glue   ColumnState.update's own work (masks, filters, sums) outside the steps above
    reader glue   the capture reader's own work (window, shadow traffic, batch) outside them

The end-to-end time is measured without the timers (the same path, the same process); its excess
over the sum of the steps is printed as unaccounted (the timers' own cost, and whatever no step
covers). Each figure is the median of ``--repeat`` runs. Appends to bench/results/steps.jsonl.

    .venv/bin/python -m bench.step_bench                      (100k records; --records, --repeat)
"""

from __future__ import annotations

import functools
import gc
import inspect
import pickle
import statistics
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

from analyzer.config.formats import CAPTURE, DatasetFormat
from analyzer.files import sources
from analyzer.profiling import column, datatypes, engine, hll, ordered_merge, xxh64
from analyzer.profiling import statistics as profile_statistics
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.engine import plan_reading, profile_task
from analyzer.profiling.kll import KLLSketch
from analyzer.profiling.moments import MomentsState
from analyzer.profiling.ordered_merge import OrderedMerge
from analyzer.profiling.topk import TopKSketch
from analyzer.readers import capture_columnar, capture_reader, long_lines
from analyzer.readers.line_index import LineIndex
from analyzer.runtime.tasks import task_count
from bench.capture_bench import dataset
from bench.results_file import append_result, bench_arguments

FEATURES = 25  # and the output: 26 columns


class PyarrowCompute:
    """``pyarrow.compute`` as column.py sees it, with ``value_counts`` timed as the histogram."""

    def __init__(self, module, timer):
        self._module = module
        self.value_counts = timer("histogram", module.value_counts)

    def __getattr__(self, name):
        return getattr(self._module, name)


class PickleTimed:
    """``pickle`` as the engine and the ordered merge see it, its calls timed as the merge."""

    def __init__(self, timer):
        self.dumps = timer("merge", pickle.dumps)
        self.loads = timer("merge", pickle.loads)
        self.HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL


_DONE = object()


class Steps:
    """Exclusive CPU seconds per step: a timed call's time less that of the timed calls inside it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def timer(self, step: str, function):
        if inspect.isgeneratorfunction(function):
            return self._generator_timer(step, function)

        @functools.wraps(function)
        def timed(*args, **kwargs):
            with self._timing(step):
                return function(*args, **kwargs)

        return timed

    def _generator_timer(self, step: str, function):
        """A reader yields batches: its time is that of each resumption, not the consumer's."""

        @functools.wraps(function)
        def timed(*args, **kwargs):
            items = function(*args, **kwargs)
            while True:
                with self._timing(step):
                    item = next(items, _DONE)
                if item is _DONE:
                    return
                yield item

        return timed

    @contextmanager
    def _timing(self, step: str):
        self._inner.append(0.0)
        start = time.process_time()
        try:
            yield
        finally:
            spent = time.process_time() - start
            inner = self._inner.pop()
            self.seconds[step] += spent - inner
            if self._inner:
                self._inner[-1] += spent

    @contextmanager
    def instrumented(self):
        """The package's functions wrapped in timers, in the modules that call them."""
        t = self.timer
        targets = [
            (long_lines, "read_split_at", "read"),
            (capture_reader, "read_split", "read"),
            (LineIndex, "of", "scan lines"),
            (capture_columnar, "_unusual_lines", "scan lines"),
            (capture_columnar, "_unusual_rows", "scan lines"),
            (capture_columnar, "_parse_runs", "parse"),
            (capture_columnar, "_csv_fields", "split"),
            (column, "classify", "type"),
            (column, "classify_counted", "type"),
            (datatypes, "classify", "type"),  # called by classify_counted
            (column, "to_double", "cast"),
            (MomentsState, "of", "moments"),
            (MomentsState, "merge", "moments"),
            (KLLSketch, "update", "KLL"),
            (KLLSketch, "merge", "KLL"),
            (hll, "add_strings", "HLL"),
            (hll, "add_hashes", "HLL"),
            (hll, "estimate", "HLL"),
            (xxh64, "hash_strings", "HLL"),
            (column.ColumnState, "_count_values", "histogram"),
            (column.ColumnState, "_registers_of", "HLL"),
            (column, "cut_long", "histogram"),
            (engine, "give_back", "memory"),
            (engine, "trim_heap", "memory"),
            (capture_reader, "give_back", "memory"),
            (capture_columnar, "give_back", "memory"),
            (TopKSketch, "add", "top-k"),
            (TopKSketch, "merge", "top-k"),
            (OrderedMerge, "_fold", "merge"),
            (profile_statistics, "build_statistics", "statistics"),
            (column.ColumnState, "update", "column glue"),
            (capture_reader, "read", "reader glue"),
        ]
        with ExitStack() as stack:
            for owner, name, step in targets:
                original = owner.__dict__.get(name)
                if original is None:  # renamed or gone: its time counts as its caller's
                    print(f"  (no {owner.__name__}.{name} to time for {step})")
                    continue
                if isinstance(original, staticmethod | classmethod):
                    wrapped = type(original)(t(step, original.__func__))
                else:
                    wrapped = t(step, original)
                stack.enter_context(mock.patch.object(owner, name, wrapped))
            stack.enter_context(mock.patch.object(column, "pc", PyarrowCompute(column.pc, t)))
            stack.enter_context(mock.patch.object(engine, "pickle", PickleTimed(t)))
            stack.enter_context(mock.patch.object(ordered_merge, "pickle", PickleTimed(t)))
            yield self


def profile_in_process(root: Path) -> tuple[dict, int]:
    """The local engine's path, task by task in this process: statistics.json's content and the
    number of values (records x columns)."""
    files = sources.list_files(str(root))
    splits = sources.plan_splits(files, splittable=True, split_bytes=sources.split_bytes_setting())
    plan, _ = plan_reading(files, DatasetFormat(kind=CAPTURE), None)
    groups = sources.group_splits(splits, task_count(sum(s.end - s.start for s in splits)))
    make_state = DatasetProfile
    merger = OrderedMerge()
    for i, group in enumerate(groups):
        merger.add(i, profile_task(group, plan, make_state))
    profile = merger.result()
    result = profile_statistics.build_statistics(profile)
    return result, profile.item_count * len(profile.columns)


def cpu_seconds(run) -> float:
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def main() -> None:
    def options(parser) -> None:
        parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (medians are shown)")

    args = bench_arguments(__doc__, [100_000], options)
    for records in args.records:
        root, size_mb = dataset(args.workdir, records, FEATURES, drift=False)
        _, values = profile_in_process(root)  # warm: imports, the bias table, the page cache
        plain = [cpu_seconds(lambda root=root: profile_in_process(root)) for _ in range(args.repeat)]
        runs = []
        for _ in range(args.repeat):
            steps = Steps()
            with steps.instrumented():
                total = cpu_seconds(lambda root=root: profile_in_process(root))
            runs.append((total, dict(steps.seconds)))
        report(records, values, size_mb, statistics.median(plain), runs)


def report(records: int, values: int, size_mb: float, end_to_end: float, runs: list) -> None:
    names = {name for _, seconds in runs for name in seconds}
    step = {name: statistics.median(seconds.get(name, 0.0) for _, seconds in runs) for name in names}
    instrumented = statistics.median(total for total, _ in runs)
    per_million = 1e6 / values
    accounted = sum(step.values())
    print(
        f"\n{records:,} capture records x {FEATURES + 1} columns = {values / 1e6:.2f}M values, {size_mb:.0f} MB;"
        " CPU seconds (one core, median of the runs)"
    )
    print(f"  {'step':12s} {'s / M values':>13s} {'seconds':>8s} {'share':>6s}")
    for name, seconds in sorted(step.items(), key=lambda item: -item[1]):
        share = seconds / end_to_end
        print(f"  {name:12s} {seconds * per_million:13.3f} {seconds:8.3f} {share:6.1%}")
    unaccounted = end_to_end - accounted
    print(
        f"  {'sum of steps':12s} {accounted * per_million:13.3f} {accounted:8.3f} {accounted / end_to_end:6.1%}"
    )
    print(f"  {'end to end':12s} {end_to_end * per_million:13.3f} {end_to_end:8.3f} {1:6.1%}  (no timers)")
    print(
        f"  {'unaccounted':12s} {unaccounted * per_million:13.3f} {unaccounted:8.3f} {unaccounted / end_to_end:6.1%}"
    )
    print(
        f"  with timers: {instrumented:.3f} s end to end ({instrumented / end_to_end - 1:+.1%} for the timers)"
    )
    append_result(
        "steps",
        {
            "records": records,
            "columns": FEATURES + 1,
            "values": values,
            "mb": round(size_mb, 1),
            "end_to_end_seconds": round(end_to_end, 3),
            "instrumented_seconds": round(instrumented, 3),
            "seconds_per_million_values": {k: round(v * per_million, 4) for k, v in step.items()},
            "end_to_end_per_million_values": round(end_to_end * per_million, 4),
        },
    )


if __name__ == "__main__":
    main()
