"""Merge laws of every state the engine folds batches into, checked by one harness.

The engine (profile_job) gives each task a fresh state, calls ``begin_split`` (when the state has
it) and ``update`` for every batch of every split, pickles the state, and folds the task states in
split order with ``merge`` (ordered_merge). The result may not depend on how the splits were cut
into tasks, so for every state kind and several random inputs:

* folding every split into one state gives the same output as folding consecutive groups of splits
  (empty groups and one-split groups included) into states of their own, pickling them, and merging
  them in split order whatever order they arrive in;
* merging with an empty state, on either side, changes nothing;
* a pickled and unpickled state gives the same output.

"The same output" is the document the product writes from the state (statistics.json, the
model-quality metrics, the custom metrics' section), compared after a JSON round trip. It is exact,
KLL sketches and counts included, except the floats that come from sums the grouping reassociates
(means, sums, deviations: Chan's merge is not associative in floating point), which must agree to
12 significant digits. KLL sketches are exact only while no level compacts (Deequ's merge compacts
at full capacity, its update one item later), which is what the default sketch holds for inputs
below 2,050 numbers; the kinds with small sketches check everything else exactly, KLL weights included.
"""

from __future__ import annotations

import functools
import json
import math
import pickle
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from analyzer.custom import hooks as custom
from analyzer.files.sources import Split
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.ordered_merge import OrderedMerge
from analyzer.profiling.segmented import SegmentBaseline, SegmentedProfile
from analyzer.profiling.statistics import build_statistics, dataset_section
from analyzer.quality.metrics import evaluate
from analyzer.quality.spec import BINARY, METRICS_KEY, MULTICLASS, REGRESSION, QualitySpec
from analyzer.quality.states import QualityProfile
from analyzer.readers.batch import Batch, Column, positional
from analyzer.readers.ledger import Location

SEEDS = (0, 1, 2, 3)
SIGNIFICANT_DIGITS = 12
LONG = 1100  # past the default max_value_length (1024): histogram keys are cut


# -- the harness ------------------------------------------------------------------------------------
@dataclass
class Part:
    """One split as a task reads it: its batches, and the records its reader skipped."""

    split: Split
    batches: list[Batch]
    skipped: list[tuple[str, int]] = field(default_factory=list)  # (reason, line within the split)


@dataclass(frozen=True)
class StateKind:
    name: str
    make: Callable[[], object]  # an empty state, as a task starts it
    parts: Callable[[np.random.Generator], list[Part]]  # a random input
    output: Callable[[object], object]  # the document the product writes from a merged state
    # Keys whose float values come from reassociated sums: compared to SIGNIFICANT_DIGITS.
    rounded: frozenset[str] = frozenset()
    # Path endings left out of the comparison (sketch contents, guaranteed for one task layout only).
    ignored: frozenset[str] = frozenset()


def fold(state, parts: list[Part]):
    """What a task does with its splits (profile_job.fold_split), the reader's ledger included."""
    for part in parts:
        if hasattr(state, "begin_split"):
            state.begin_split(part.split)
        ledger = state.ledger
        rows = sum(b.num_rows for b in part.batches)
        ledger.records_read += rows + len(part.skipped)
        ledger.records_analyzed += rows
        ledger.split_lines[(part.split.path, part.split.start)] = rows + len(part.skipped)
        for reason, line in part.skipped:
            ledger.skip(reason, Location(part.split.path, part.split.start, line), f"line {line}")
        for batch in part.batches:
            state.update(batch)
    return state


def merged_in_order(kind: StateKind, groups: list[list[Part]], rng: np.random.Generator):
    """Task states pickled as Spark ships them, arriving in random order, merged in split order."""
    merger = OrderedMerge()
    tasks = [
        (i, pickle.dumps(fold(kind.make(), group), protocol=pickle.HIGHEST_PROTOCOL))
        for i, group in enumerate(groups)
    ]
    for index in rng.permutation(len(tasks)):
        merger.add(*tasks[index])
    return merger.result()


def random_groups(parts: list[Part], rng: np.random.Generator) -> list[list[Part]]:
    """Consecutive groups of the parts, some empty, some of one part."""
    cuts = sorted(rng.integers(0, len(parts) + 1, size=rng.integers(1, len(parts) + 2)).tolist())
    bounds = [0, *cuts, len(parts)]
    return [parts[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def layouts(parts: list[Part], rng: np.random.Generator) -> list[list[list[Part]]]:
    n = len(parts)
    return [
        [parts],  # one task
        [[p] for p in parts],  # a task per split
        [[], parts[: n // 2], [], parts[n // 2 :], []],  # empty tasks around the halves
        *(random_groups(parts, rng) for _ in range(4)),
    ]


def document(kind: StateKind, state) -> object:
    return json.loads(json.dumps(kind.output(state)))


def assert_same(kind: StateKind, expected, actual, where: str = "$") -> None:
    """Exact, except floats under ``kind.rounded`` keys (to 12 significant digits); paths ending
    in one of ``kind.ignored`` are not compared."""
    assert type(expected) is type(actual), f"{where}: {expected!r} != {actual!r}"
    if isinstance(expected, dict):
        assert list(expected) == list(actual), f"{where}: keys {list(expected)} != {list(actual)}"
        for key in expected:
            path = f"{where}.{key}"
            if any(path.endswith(f".{ignored}") for ignored in kind.ignored):
                continue
            if key in kind.rounded and isinstance(expected[key], float):
                a, b = expected[key], actual[key]
                close = math.isclose(a, b, rel_tol=10.0**-SIGNIFICANT_DIGITS)
                assert a == b or close, f"{path}: {a!r} != {b!r}"
            else:
                assert_same(kind, expected[key], actual[key], path)
    elif isinstance(expected, list):
        assert len(expected) == len(actual), f"{where}: length {len(expected)} != {len(actual)}"
        for i, (a, b) in enumerate(zip(expected, actual, strict=True)):
            assert_same(kind, a, b, f"{where}[{i}]")
    else:
        assert expected == actual, f"{where}: {expected!r} != {actual!r}"


def check_merge_laws(kind: StateKind, seed: int) -> None:
    rng = np.random.default_rng(seed)
    parts = kind.parts(rng)
    whole = document(kind, fold(kind.make(), parts))
    for groups in layouts(parts, rng):
        sizes = [len(g) for g in groups]
        try:
            assert_same(kind, whole, document(kind, merged_in_order(kind, groups, rng)))
        except AssertionError as e:
            raise AssertionError(f"{kind.name}, seed {seed}, tasks of {sizes} splits: {e}") from None
    empty_first = kind.make().merge(fold(kind.make(), parts))
    assert_same(kind, whole, document(kind, empty_first), "empty.merge(state)")
    empty_last = fold(kind.make(), parts).merge(kind.make())
    assert_same(kind, whole, document(kind, empty_last), "state.merge(empty)")
    shipped = pickle.loads(pickle.dumps(fold(kind.make(), parts), protocol=pickle.HIGHEST_PROTOCOL))
    assert_same(kind, whole, document(kind, shipped), "unpickled")


# -- random inputs ----------------------------------------------------------------------------------
SKIP_REASONS = ("reason one", "reason two", "reason three")  # any text: the ledger counts by reason


def with_missing(rng: np.random.Generator, values: list, share: float) -> list:
    return [None if rng.random() < share else v for v in values]


def strings(values: list) -> pa.Array:
    return pa.array(values, type=pa.string())


def random_parts(
    rng: np.random.Generator, make_batch: Callable[[np.random.Generator, int, int], Batch], rows: int
) -> list[Part]:
    """Splits of 0-3 batches of random sizes (empty batches too), ``rows`` rows in all."""
    sizes = np.diff(np.sort(np.concatenate([[0, rows], rng.integers(0, rows, 11)]))).tolist()
    parts, index, file = [], 0, 0
    while sizes:
        count = int(rng.integers(0, 4))
        batches = []
        for _ in range(min(count, len(sizes))):
            batches.append(make_batch(rng, sizes.pop(0), index))
            index += 1
        start = int(rng.integers(0, 4)) * 1000
        file += int(rng.random() < 0.5)
        skipped = [
            (str(rng.choice(SKIP_REASONS)), int(line)) for line in rng.integers(1, 50, rng.integers(0, 3))
        ]
        parts.append(Part(Split(f"/data/part-{file}.csv", start, start + 1000, 10_000), batches, skipped))
    return parts


def data_batch(rng: np.random.Generator, rows: int, index: int) -> Batch:
    """What the readers hand over: string columns (CSV), typed columns (Parquet), missing values,
    long values, a column that turns out to be a string late, a column only some batches have."""
    words = ["ok", "great product", "bad", "x" * LONG, "y" * (LONG + 5)]
    columns = {
        "income": strings(
            with_missing(rng, [repr(round(float(v), 2)) for v in rng.normal(50, 30, rows)], 0.1)
        ),
        "age": pa.array(with_missing(rng, rng.integers(18, 90, rows).tolist(), 0.05), type=pa.int64()),
        "score": pa.array(
            with_missing(
                rng, [float(v) for v in rng.choice([0.5, -1.25, np.nan, np.inf, 3.0, 1e300], rows)], 0.1
            ),
            type=pa.float64(),
        ),
        "comment": strings(with_missing(rng, [str(w) for w in rng.choice(words, rows)], 0.1)),
        "late_word": strings(
            [
                ("oops" if index == 5 and i == rows - 1 else str(v))
                for i, v in enumerate(rng.integers(0, 9, rows))
            ]
        ),
        "category": strings(with_missing(rng, [f"k{v}" for v in rng.integers(0, 40, rows)], 0.2)),
    }
    if index % 3 == 1:
        columns["sometimes"] = strings([f"s{v}" for v in rng.integers(0, 5, rows)])
    return Batch(
        rows, [Column(name, positional(i), values) for i, (name, values) in enumerate(columns.items())]
    )


def data_parts(rng: np.random.Generator) -> list[Part]:
    # Below 2,050 numbers per column: the default KLL sketch never compacts.
    return random_parts(rng, data_batch, int(rng.integers(200, 2000)))


def wide_batch(rng: np.random.Generator, rows: int, index: int) -> Batch:
    """Values enough to outgrow small sketches: compactions, the histogram limit, top-k."""
    columns = {
        "number": strings([repr(float(v)) for v in rng.normal(0, 1, rows)]),
        "many": strings(with_missing(rng, [f"v{v}" for v in rng.zipf(1.3, rows)], 0.1)),
        "long": strings([f"{v}" * (LONG // 2) if v < 3 else f"w{v}" for v in rng.integers(0, 400, rows)]),
    }
    return Batch(
        rows, [Column(name, positional(i), values) for i, (name, values) in enumerate(columns.items())]
    )


DOMAINS = ProfileSettings(
    domains=(("comment", ("ok", "bad", "x" * LONG)), ("category", ("k1", "k2", "k3")), ("age", ("20", "21")))
)
SMALL = ProfileSettings(kll_sketch_size=32, histogram_max_values=50, top_k=5)


def wide_parts(rng: np.random.Generator) -> list[Part]:
    return random_parts(rng, wide_batch, int(rng.integers(2000, 5000)))


def segmented_batch(rng: np.random.Generator, rows: int, index: int) -> Batch:
    """Positional columns, tagged with a segment per batch or per row (capture data by variant)."""
    columns = [
        Column(f"_c{i}", positional(i), values)
        for i, values in enumerate(
            [
                strings(with_missing(rng, [repr(float(v)) for v in rng.normal(0, 2, rows)], 0.1)),
                strings([f"c{v}" for v in rng.integers(0, 6, rows)]),
                pa.array(rng.integers(0, 100, rows), type=pa.int64()),
            ]
        )
    ]
    choice = rng.integers(0, 3)
    segments = (
        str(rng.choice(["a", "b"]))
        if choice == 0
        else None
        if choice == 1
        else strings(rng.choice(["a", "b", "c"], rows).tolist())
    )
    return Batch(rows, columns, segments=segments)


def segmented_parts(rng: np.random.Generator) -> list[Part]:
    return random_parts(rng, segmented_batch, int(rng.integers(200, 1500)))


LABELS = ("cat", "dog", "bird")


def quality_batch(problem_type: str) -> Callable[[np.random.Generator, int, int], Batch]:
    """Label, prediction and score columns as a headered CSV gives them to the quality state."""

    def make(rng: np.random.Generator, rows: int, index: int) -> Batch:
        if problem_type == REGRESSION:
            truth = rng.normal(10, 3, rows)
            label = [repr(round(float(v), 3)) for v in truth]
            prediction = [
                repr(round(float(v + e), 3)) for v, e in zip(truth, rng.normal(0, 1, rows), strict=True)
            ]
            probability = [repr(float(v)) for v in rng.random(rows)]
        elif problem_type == BINARY:
            score = rng.random(rows).round(int(rng.integers(2, 6)))
            label = [str(int(s + rng.normal(0, 0.3) > 0.5)) for s in score]
            prediction = [str(int(s >= 0.5)) for s in score]
            probability = [repr(float(s)) for s in score]
        else:
            label = [str(v) for v in rng.choice(LABELS, rows)]
            prediction = [v if rng.random() < 0.7 else str(rng.choice(LABELS)) for v in label]
            probability = [repr(float(v)) for v in rng.random(rows)]
        columns = {
            "label": strings(with_missing(rng, label, 0.05)),
            "prediction": strings(with_missing(rng, prediction, 0.05)),
            "probability": strings(probability),
        }
        return Batch(
            rows, [Column(name, positional(i), values) for i, (name, values) in enumerate(columns.items())]
        )

    return make


def quality_parts(problem_type: str) -> Callable[[np.random.Generator], list[Part]]:
    return lambda rng: random_parts(rng, quality_batch(problem_type), int(rng.integers(300, 3000)))


# -- outputs, as the jobs write them ----------------------------------------------------------------
def statistics(profile: DatasetProfile) -> dict:
    document = build_statistics(profile)
    # A KLL sketch weighs every number it saw, however it was compacted.
    document["kll_weights"] = {
        c.name: c.kll.total_weight() for c in profile.ordered_columns() if c.kll is not None
    }
    # What a monitoring run's baseline-drift check reads off the state.
    document["in_domain"] = {
        c.name: c.in_domain for c in profile.ordered_columns() if c.in_domain is not None
    }
    if profile.custom is not None:
        constraints: dict = {}
        custom.add_to_reports(profile, document, constraints, set())
        document["custom_constraints"] = constraints
    return document


def segmented_statistics(profile: SegmentedProfile) -> dict:
    return {
        "segments": {name: statistics(profile.segments[name]) for name in sorted(profile.segments)},
        "dataset": dataset_section(profile.item_count, profile.ledger),
        "records": dict(sorted(profile.ledger.segment_records.items())),
    }


def quality_statistics(profile: QualityProfile) -> dict:
    return {
        "dataset": dataset_section(profile.item_count, profile.ledger),
        METRICS_KEY[profile.spec.problem_type]: evaluate(profile),
        "left_out": [profile.rows, profile.missing_truth, profile.missing_prediction],
    }


CUSTOM_SCRIPT = """
import numpy as np


def first_update(state, values):
    present = values[~np.isnan(values)]
    return state if state is not None or not len(present) else float(present[0])


def metrics_handler():
    add = lambda a, b: a + b
    return [
        {"name": "total", "feature": "income", "input": "numbers", "init": float,
         "update": lambda s, v: s + float(np.nansum(v)), "merge": add, "result": float},
        {"name": "first", "feature": "income", "input": "numbers", "init": lambda: None,
         "update": first_update, "merge": lambda a, b: a if a is not None else b,
         "result": lambda s: float("nan") if s is None else s},
        {"name": "longest", "feature": "comment", "input": "text", "init": int,
         "update": lambda s, t: max(s, int(t.str.len().max()) if t.notna().any() else 0),
         "merge": max, "result": float},
        {"name": "rows", "input": "arrow", "init": int, "update": lambda s, table: s + table.num_rows,
         "merge": add, "result": float},
        {"name": "missing_rows", "input": "text", "init": int,
         "update": lambda s, frame: s + int(frame.isna().any(axis=1).sum()), "merge": add, "result": float},
    ]
"""

MOMENTS = frozenset({"mean", "sum", "std_dev"})
QUALITY_FLOATS = frozenset({"value", "standard_deviation"})
# Compacted KLL levels (and the buckets read from them) and top-k counters depend on the task
# layout; their total weights, distinct counts and every other field do not.
SKETCHED = frozenset({"kll.buckets", "sketch.data", "top_k"})

KINDS = [
    StateKind("data quality", DatasetProfile, data_parts, statistics, MOMENTS),
    StateKind(
        "data quality with baseline domains",
        functools.partial(DatasetProfile, DOMAINS),
        data_parts,
        statistics,
        MOMENTS,
    ),
    StateKind(
        "data quality past the sketch limits",
        lambda: DatasetProfile(SMALL),
        wide_parts,
        statistics,
        MOMENTS,
        SKETCHED,
    ),
    StateKind("segmented", SegmentedProfile, segmented_parts, segmented_statistics, MOMENTS),
    StateKind(
        "segmented with segment baselines",
        lambda: SegmentedProfile(
            DatasetProfile,
            {"a": SegmentBaseline(("x", "y", "z"), functools.partial(DatasetProfile, SMALL))},
        ),
        segmented_parts,
        segmented_statistics,
        MOMENTS,
        SKETCHED,
    ),
    *(
        StateKind(
            f"model quality {problem}",
            lambda problem=problem: QualityProfile(
                QualitySpec(
                    problem,
                    inference_attribute="prediction",
                    probability_attribute="probability" if problem == BINARY else None,
                    ground_truth_attribute="label",
                    positive_label="1" if problem == BINARY else None,
                    seed=7,
                    data_root="/data",
                ).validate()
            ),
            quality_parts(problem),
            quality_statistics,
            QUALITY_FLOATS,
        )
        for problem in (REGRESSION, BINARY, MULTICLASS)
    ),
    StateKind(
        "custom metrics",
        lambda: custom.ProfileFactory(ProfileSettings(), str(SCRIPTS["custom"]))(),
        data_parts,
        statistics,
        MOMENTS | {"total"},
    ),
]


SCRIPTS: dict[str, Path] = {}


@pytest.fixture(scope="module", autouse=True)
def custom_script(tmp_path_factory):
    SCRIPTS["custom"] = tmp_path_factory.mktemp("merge_laws") / "metrics.py"
    SCRIPTS["custom"].write_text(textwrap.dedent(CUSTOM_SCRIPT))


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
@pytest.mark.parametrize("seed", SEEDS)
def test_merge_laws(kind: StateKind, seed: int):
    check_merge_laws(kind, seed)
