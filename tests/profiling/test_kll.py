"""KLLSketch against a literal port of Deequ's QuantileNonSample / NonSampleCompactor.

The reference below follows deequ ``analyzers/QuantileNonSample.scala`` and
``analyzers/NonSampleCompactor.scala`` statement by statement (item-by-item update, one condense per
overflow, merge by concatenation), on plain Python lists, so it shares no code with the numpy
version under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.profiling.kll import KLLSketch, level_capacity

K, C = 2048, 0.64


# -- reference: Deequ, item by item ----------------------------------------------------------------
class RefCompactor:
    def __init__(self) -> None:
        self.num_of_compress = 0
        self.offset = 0
        self.buffer: list[float] = []

    def _find_odd(self, items: int) -> float | None:
        return self.buffer[max(items - 1, 0)] if items % 2 == 1 else None

    def compact(self) -> list[float]:
        items = len(self.buffer)
        length = items - (items % 2)
        if self.num_of_compress % 2 == 1:
            self.offset = 1 - self.offset
        s_buff = sorted(self.buffer[0:length])
        output = [s_buff[i] for i in range(self.offset, length, 2)]
        tail = self._find_odd(items)
        self.buffer = [tail] if tail is not None else []
        self.num_of_compress += 1
        return output


class RefQuantileNonSample:
    def __init__(self, sketch_size: int = K, shrinking_factor: float = C) -> None:
        self.sketch_size = sketch_size
        self.shrinking_factor = shrinking_factor
        self.cur_num_of_compactors = 0
        self.compactor_actual_size = 0
        self.compactor_total_size = 0
        self.compactors: list[RefCompactor] = []
        self.expand()

    def expand(self) -> None:
        self.compactors.append(RefCompactor())
        self.cur_num_of_compactors = len(self.compactors)
        self.compactor_total_size = sum(self.capacity(h) for h in range(self.cur_num_of_compactors))

    def capacity(self, height: int) -> int:
        return 2 * (math.ceil(self.sketch_size * self.shrinking_factor**height / 2) + 1)

    def items_count(self) -> int:
        return sum(len(c.buffer) for c in self.compactors[: self.cur_num_of_compactors])

    def update(self, item: float) -> None:
        self.compactors[0].buffer.append(item)
        self.compactor_actual_size += 1
        if self.compactor_actual_size > self.compactor_total_size:
            self.condense()

    def condense(self) -> None:
        for height in range(len(self.compactors)):
            if len(self.compactors[height].buffer) >= self.capacity(height):
                if height + 1 >= self.cur_num_of_compactors:
                    self.expand()
                output = self.compactors[height].compact()
                self.compactors[height + 1].buffer.extend(output)
                self.compactor_actual_size = self.items_count()
                break

    def merge(self, that: RefQuantileNonSample) -> RefQuantileNonSample:
        while self.cur_num_of_compactors < that.cur_num_of_compactors:
            self.expand()
        for i in range(that.cur_num_of_compactors):
            self.compactors[i].buffer = self.compactors[i].buffer + that.compactors[i].buffer
        self.compactor_actual_size = self.items_count()
        while self.compactor_actual_size >= self.compactor_total_size:
            self.condense()
        return self

    def levels(self) -> list[list[float]]:
        return [list(c.buffer) for c in self.compactors]


def ref_sketch(values: np.ndarray, sketch_size: int = K, shrinking_factor: float = C) -> RefQuantileNonSample:
    ref = RefQuantileNonSample(sketch_size, shrinking_factor)
    for v in values.tolist():
        ref.update(v)
    return ref


def ours_chunked(values: np.ndarray, chunks: list[int], sketch_size: int = K, shrinking_factor: float = C):
    sketch = KLLSketch(sketch_size, shrinking_factor)
    start = 0
    for size in chunks:
        sketch.update(values[start : start + size])
        start += size
    assert start == len(values)
    return sketch


def chunking(n: int, kind: str, rng: np.random.Generator) -> list[int]:
    if kind == "whole":
        return [n]
    if kind == "ones":
        return [1] * n
    if kind == "random":
        sizes = []
        while sum(sizes) < n:
            sizes.append(int(rng.integers(1, 5000)))
        sizes[-1] -= sum(sizes) - n
        return sizes
    size = int(kind)
    return [size] * (n // size) + ([n % size] if n % size else [])


def stream(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Ties and a drift so the sort inside compaction matters and the input order is not random.
    return np.round(rng.normal(0, 100, n), 1) + np.linspace(0, 50, n)


SIZES = [1, 2, 3, 2049, 2050, 2051, 3364, 3365, 10_000, 100_000]


def test_capacities_match_deequ():
    assert [level_capacity(K, C, h) for h in range(4)] == [2050, 1314, 842, 540]
    ref = RefQuantileNonSample()
    assert [level_capacity(K, C, h) for h in range(20)] == [ref.capacity(h) for h in range(20)]


@pytest.mark.parametrize("n", SIZES)
def test_update_matches_deequ_for_every_chunking(n):
    values = stream(n, seed=n)
    expected = ref_sketch(values).levels()
    rng = np.random.default_rng(7)
    kinds = ["whole", "random", "1000", "2050", "2051", "4096"]
    if n <= 10_000:
        kinds += ["ones", "7"]
    for kind in kinds:
        sketch = ours_chunked(values, chunking(n, kind, rng))
        assert sketch.levels() == expected, f"chunking {kind}"
        assert sketch.total_weight() == n


def test_compaction_really_happens_and_weights_add_up():
    values = stream(100_000, seed=1)
    ref = ref_sketch(values)
    levels = ref.levels()
    assert len(levels) > 3
    assert sum(len(level) << h for h, level in enumerate(levels)) == 100_000
    # Offsets flip 0,1,1,0,0,...: level 0 was compacted many times, so both offsets were used.
    assert ref.compactors[0].num_of_compress > 4
    assert ours_chunked(values, [100_000]).levels() == levels


def test_small_sketch_parameters_match_deequ():
    values = stream(5000, seed=3)
    for k, c in ((16, 0.64), (64, 0.5), (200, 0.9)):
        expected = ref_sketch(values, k, c).levels()
        assert len(expected) > 2
        for size in (1, 13, 5000):
            assert ours_chunked(
                values, chunking(5000, str(size), np.random.default_rng()), k, c
            ).levels() == (expected)


@pytest.mark.parametrize(
    "parts",
    [
        [1, 1],
        [1000, 1050],
        [1000, 1051],
        [2050, 2050],
        [3000, 10],
        [10, 3000],
        [10_000, 10_000, 10_000],
        [50_000, 50_000],
        [100, 40_000, 7, 20_000, 2051],
        [25_000] * 4,
    ],
)
def test_merge_matches_deequ(parts):
    values = stream(sum(parts), seed=len(parts) * 1000 + parts[0])
    refs, ours = [], []
    start = 0
    for size in parts:
        chunk = values[start : start + size]
        start += size
        refs.append(ref_sketch(chunk))
        ours.append(ours_chunked(chunk, chunking(size, "random", np.random.default_rng(size))))
        assert ours[-1].levels() == refs[-1].levels()
    ref_merged, our_merged = refs[0], ours[0]
    for ref, mine in zip(refs[1:], ours[1:], strict=True):
        ref_merged = ref_merged.merge(ref)
        our_merged = our_merged.merge(mine)
        assert our_merged.levels() == ref_merged.levels()
    assert our_merged.total_weight() == sum(parts)


def test_merge_into_smaller_sketch_and_tree_merge_match_deequ():
    values = stream(60_000, seed=11)
    bounds = [0, 500, 30_000, 31_000, 60_000]
    chunks = [values[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    refs = [ref_sketch(c) for c in chunks]
    ours = [ours_chunked(c, [len(c)]) for c in chunks]
    # ((0 + 1) + (2 + 3)): the left side has fewer levels than the right in both merges.
    ref_tree = refs[0].merge(refs[1]).merge(refs[2].merge(refs[3]))
    our_tree = ours[0].merge(ours[1]).merge(ours[2].merge(ours[3]))
    assert our_tree.levels() == ref_tree.levels()
    assert our_tree.total_weight() == 60_000


def test_merge_with_empty_sketch_is_identity():
    values = stream(5000, seed=5)
    expected = ref_sketch(values).levels()
    assert ours_chunked(values, [5000]).merge(KLLSketch()).levels() == expected
    assert KLLSketch().merge(ours_chunked(values, [5000])).levels() == expected


def test_small_input_is_kept_raw_in_input_order():
    values = np.array([3.0, 1.0, 2.0, 3.0, -0.5, 1e300, -1e-300])
    sketch = KLLSketch()
    sketch.update(values[:3])
    sketch.update(values[3:])
    assert sketch.levels() == [values.tolist()]


# -- accuracy ----------------------------------------------------------------------------------------
def exact_rank_fraction(sorted_data: np.ndarray, x: float) -> tuple[float, float]:
    n = len(sorted_data)
    return np.searchsorted(sorted_data, x, side="left") / n, np.searchsorted(sorted_data, x, side="right") / n


@pytest.mark.parametrize("distribution", ["normal", "lognormal", "integers"])
def test_quantiles_within_rank_error(distribution):
    rng = np.random.default_rng(42)
    n = 150_000
    data = {
        "normal": lambda: rng.normal(10, 3, n),
        "lognormal": lambda: rng.lognormal(0, 2, n),
        "integers": lambda: rng.integers(0, 500, n).astype(float),
    }[distribution]()
    sketch = KLLSketch()
    for chunk in np.array_split(data, 37):
        sketch.update(chunk)
    assert len(sketch.levels()) > 1
    sorted_data = np.sort(data)
    for q in np.linspace(0.01, 0.99, 99):
        estimate = sketch.quantile(q)
        low, high = exact_rank_fraction(sorted_data, estimate)
        # The estimate's exact rank interval must come within 1% of q (generous for k=2048).
        assert low - 0.01 <= q <= high + 0.01, (q, estimate, low, high)
    for x in np.quantile(data, [0.05, 0.25, 0.5, 0.75, 0.95]):
        true_rank = np.searchsorted(sorted_data, x, side="right")
        assert abs(int(sketch.rank(x)) - true_rank) <= 0.01 * n


def test_merged_sketch_quantiles_within_rank_error():
    rng = np.random.default_rng(9)
    parts = [rng.exponential(5, 40_000) for _ in range(6)]
    merged = KLLSketch()
    for part in parts:
        s = KLLSketch()
        s.update(part)
        merged.merge(s)
    data = np.sort(np.concatenate(parts))
    assert merged.total_weight() == len(data)
    for q in (0.1, 0.5, 0.9, 0.99):
        low, high = exact_rank_fraction(data, merged.quantile(q))
        assert low - 0.01 <= q <= high + 0.01


def test_quantile_of_small_data_is_exact_and_empty_is_nan():
    sketch = KLLSketch()
    sketch.update(np.arange(1, 101, dtype=float)[::-1])
    assert sketch.quantile(0.5) == 50.0
    assert sketch.quantile(0.0) == 1.0
    assert sketch.quantile(1.0) == 100.0
    assert math.isnan(KLLSketch().quantile(0.5))


# -- buckets -----------------------------------------------------------------------------------------
def exact_buckets(values: np.ndarray, count: int = 10) -> list[tuple[float, float, float]]:
    low, high = float(values.min()), float(values.max())
    out = []
    for i in range(count):
        lower = low + (high - low) * i / float(count)
        upper = low + (high - low) * (i + 1) / float(count)
        if i == count - 1:
            n = np.count_nonzero((values >= lower) & (values <= upper))
        else:
            n = np.count_nonzero((values >= lower) & (values < upper))
        out.append((lower, upper, float(n)))
    return out


@pytest.mark.parametrize(
    "values",
    [
        np.array([1.0, 2.0, 3.0, 3.0, 2.0, 1.0, 3.0]),
        np.arange(0, 11, dtype=float),  # values sit exactly on bucket bounds
        np.array([-5.0, 5.0]),
        np.round(np.random.default_rng(0).normal(0, 1, 2000), 2),
        np.random.default_rng(1).integers(-3, 4, 1500).astype(float),
        np.array([0.1, 0.2, 0.3, 0.7, 1.3, 1.9]),
    ],
    ids=["golden-like", "on-bounds", "two", "normal", "few-ints", "decimals"],
)
def test_equal_width_buckets_equal_exact_counts(values):
    sketch = KLLSketch()
    sketch.update(values)
    buckets = sketch.equal_width_buckets(float(values.min()), float(values.max()), 10)
    assert buckets == exact_buckets(values)
    assert buckets[0][0] == values.min()
    # Deequ computes the last upper bound as min + (max-min)*10/10, which can land an ulp off max
    # (0.1 + 1.8 -> 1.9000000000000001); when it is not below max, every value is counted once.
    if buckets[-1][1] >= values.max():
        assert sum(b[2] for b in buckets) == len(values)


def test_buckets_when_min_equals_max():
    sketch = KLLSketch()
    sketch.update(np.full(17, 4.5))
    buckets = sketch.equal_width_buckets(4.5, 4.5, 10)
    assert [b[:2] for b in buckets] == [(4.5, 4.5)] * 10
    assert [b[2] for b in buckets] == [0.0] * 9 + [17.0]


def test_last_bucket_bound_follows_deequ_arithmetic_even_below_max():
    """Deequ's quirk, reproduced on purpose: -9.42 + 6.52*10/10 = -2.9000000000000012 < max = -2.9,
    so values equal to max fall outside the last bucket and the counts sum to less than n."""
    values = np.array([-9.42, -5.0, -2.9, -2.9])
    sketch = KLLSketch()
    sketch.update(values)
    buckets = sketch.equal_width_buckets(-9.42, -2.9, 10)
    assert buckets == exact_buckets(values)
    assert buckets[-1][1] == -2.9000000000000012
    assert sum(b[2] for b in buckets) == 2.0


def test_buckets_after_compaction_sum_to_total_weight():
    values = np.random.default_rng(3).gamma(2.0, 2.0, 50_000)
    sketch = KLLSketch()
    sketch.update(values)
    assert len(sketch.levels()) > 1
    buckets = sketch.equal_width_buckets(float(values.min()), float(values.max()), 10)
    assert sum(b[2] for b in buckets) == 50_000
    for got, want in zip(buckets, exact_buckets(values), strict=True):
        assert got[:2] == want[:2]
        assert abs(got[2] - want[2]) <= 0.01 * 50_000


# -- serialisation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 5, 2051, 30_000])
def test_from_levels_round_trip(n):
    values = stream(n, seed=n + 1)
    sketch = KLLSketch(1024, 0.7)
    sketch.update(values)
    levels = sketch.levels()
    back = KLLSketch.from_levels(levels, 1024, 0.7)
    assert back.levels() == levels
    assert (back.sketch_size, back.shrinking_factor) == (1024, 0.7)
    assert back.total_weight() == n
    if n:
        assert back.quantile(0.3) == sketch.quantile(0.3)
        lo, hi = float(values.min()), float(values.max())
        assert back.equal_width_buckets(lo, hi, 10) == sketch.equal_width_buckets(lo, hi, 10)


def test_from_levels_sketch_keeps_merging_like_deequ():
    """A sketch read back from statistics.json merges into the same level layout as Deequ's.

    statistics.json does not carry numOfCompress/offset, so the promoted items may differ from a
    never-serialised sketch, but how many items each level holds depends only on buffer sizes.
    """
    first, second = stream(9000, seed=21), stream(4000, seed=22)
    ref = ref_sketch(first).merge(ref_sketch(second))
    restored = KLLSketch.from_levels(ours_chunked(first, [9000]).levels())
    restored.merge(ours_chunked(second, [4000]))
    assert [len(level) for level in restored.levels()] == [len(level) for level in ref.levels()]
    assert restored.total_weight() == 13_000
