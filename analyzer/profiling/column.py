"""Per-column mergeable profile state: data types, moments, KLL sketch, histogram, distinct count."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.config.settings import ProfileSettings
from analyzer.profiling import hll
from analyzer.profiling.datatypes import (
    BOOLEAN,
    FRACTIONAL,
    INTEGRAL,
    NULL,
    STRING,
    classify_counted,
    numeric_mask,
    to_double,
)
from analyzer.profiling.kll import KLLSketch
from analyzer.profiling.long_values import cut_long, is_cut
from analyzer.profiling.moments import MomentsState
from analyzer.profiling.topk import TopKSketch
from analyzer.readers.arrow_memory import one_array


@dataclass
class ColumnState:
    name: str
    order: tuple
    settings: ProfileSettings
    type_counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0, 0])
    moments: MomentsState | None = field(default_factory=MomentsState)
    kll: KLLSketch | None = None
    histogram: dict[str, int] | None = field(default_factory=dict)
    registers: np.ndarray | None = None
    in_domain: int | None = None
    topk: TopKSketch | None = None
    # HyperLogLog registers of the values whose histogram keys were cut: the distinct count hashes
    # the whole text, as it does for every other value.
    long_registers: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.in_domain is None and self.name in self.settings.domain_values:
            self.in_domain = 0
        if self.kll is None and self.moments is not None:
            self.kll = KLLSketch(self.settings.kll_sketch_size, self.settings.kll_shrinking_factor)

    # -- derived ---------------------------------------------------------------------------------
    @property
    def num_present(self) -> int:
        return sum(self.type_counts) - self.type_counts[NULL]

    @property
    def is_string(self) -> bool:
        return self.type_counts[STRING] > 0 or self.type_counts[BOOLEAN] > 0

    def distinct_count(self) -> float:
        """Deequ's HyperLogLog++ estimate at every cardinality (exact counts are not what the
        prebuilt analyzer reports, even for a handful of values)."""
        return hll.estimate(self._all_registers())

    def _all_registers(self) -> np.ndarray:
        if self.histogram is None:
            return self.registers
        return self._registers_of(self.histogram, self.long_registers, self.settings.max_value_length)

    # -- updates ---------------------------------------------------------------------------------
    def update(self, values: pa.Array) -> None:
        values = one_array(values)
        kind = values.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            self._update_strings(values)
        elif pa.types.is_integer(kind) or pa.types.is_floating(kind):
            self._update_typed_numeric(values)
        else:
            # Booleans, timestamps and the like are categories (Model Monitor has no such types).
            self._update_strings(pc.cast(values, pa.string()))

    def _update_strings(self, values: pa.Array) -> None:
        # Long values are cut to their keys before anything copies them: value_counts would hold a
        # 190 MB value twice (its hash table and its result). Types and numbers still come from the
        # whole values; their distinct count from ``long_hashes``, taken over the whole text.
        keyed, long_hashes = cut_long(values, self.settings.max_value_length)
        counted = None
        if (self.histogram is not None or self.topk is not None) and len(values) > values.null_count:
            counted = pc.value_counts(pc.drop_null(keyed))
        if counted is not None and long_hashes is None and len(counted) * 4 <= len(values):
            # Few distinct values: type each once and weight by its count (a value's type depends
            # only on its text), instead of running the regexes over every row. Not with cut keys:
            # a cut key has lost the text its type depends on.
            is_number, counts = classify_counted(counted, values)
        else:
            mask, counts = numeric_mask(values)
            is_number = pa.array(mask)
        for i, c in enumerate(counts):
            self.type_counts[i] += c
        if self.is_string:
            self._drop_numeric()
        elif counts[FRACTIONAL] or counts[INTEGRAL]:
            self._add_numbers(to_double(pc.filter(values, is_number)).to_numpy(zero_copy_only=False))
        self._count_values(keyed, long_hashes, counted)
        self._count_in_domain(values)

    def _update_typed_numeric(self, values: pa.Array) -> None:
        if pa.types.is_floating(values.type):
            # NaN and infinities in typed columns are not numbers a baseline can use: count them missing.
            finite = pc.is_finite(values)
            values = pc.if_else(finite, values, pa.scalar(None, values.type))
        present = len(values) - values.null_count
        self.type_counts[NULL] += values.null_count
        self.type_counts[FRACTIONAL if pa.types.is_floating(values.type) else INTEGRAL] += present
        numbers = pc.drop_null(pc.cast(values, pa.float64())).to_numpy(zero_copy_only=False)
        if not self.is_string:
            self._add_numbers(numbers)
        text = pc.cast(values, pa.string())
        self._count_values(*cut_long(text, self.settings.max_value_length))
        self._count_in_domain(text)

    def _count_in_domain(self, values: pa.Array) -> None:
        if self.in_domain is not None:
            domain = self.settings.domain_values[self.name]
            self.in_domain += pc.sum(pc.is_in(values, value_set=domain)).as_py() or 0

    def _add_numbers(self, numbers: np.ndarray) -> None:
        if len(numbers):
            self.moments = self.moments.merge(MomentsState.of(numbers))
            self.kll.update(numbers)

    def _drop_numeric(self) -> None:
        self.moments = None
        self.kll = None

    def _count_values(
        self, keyed: pa.Array, long_hashes: np.ndarray | None, counted: pa.Array | None = None
    ) -> None:
        """Exact value counts while they stay small, else HyperLogLog registers. ``keyed``: the
        values with the long ones cut to their keys (``cut_long``), whose whole-text hashes are
        ``long_hashes``; ``counted``: its value counts, when at hand."""
        if len(keyed) == keyed.null_count:
            return
        if self.histogram is not None:
            counts = counted if counted is not None else pc.value_counts(pc.drop_null(keyed))
            # A batch that alone holds more distinct values than we keep goes straight to the sketch.
            if len(counts) <= self.settings.histogram_max_values:
                if long_hashes is not None:
                    if self.long_registers is None:
                        self.long_registers = hll.new_registers()
                    hll.add_hashes(self.long_registers, long_hashes)
                keys = counts.field("values").to_pylist()
                for value, count in zip(keys, counts.field("counts").to_pylist(), strict=True):
                    self.histogram[value] = self.histogram.get(value, 0) + count
                self._check_overflow()
                return
            self._overflow()
            counted = counts
        counted = self._count_top(keyed, counted)
        # Registers keep a maximum, so the distinct values are enough when they are at hand.
        known = counted.field("values") if counted is not None else keyed
        if long_hashes is not None:
            # Cut keys stand for long values, hashed whole in ``long_hashes``.
            known = pc.filter(known, pc.less_equal(pc.utf8_length(known), self.settings.max_value_length))
            hll.add_hashes(self.registers, long_hashes)
        hll.add_strings(self.registers, known)

    def _count_top(self, keyed: pa.Array, counted: pa.Array | None) -> pa.Array | None:
        """Feed the top-k sketch; returns the batch's value counts when it had or made them."""
        if self.topk is None and self.is_string and self.settings.top_k:
            self.topk = TopKSketch(self.settings.top_k)
        if self.topk is not None:
            counted = counted if counted is not None else pc.value_counts(pc.drop_null(keyed))
            self.topk.add(counted.field("values"), counted.field("counts").to_numpy(zero_copy_only=False))
        return counted

    def _top_of(self, state: ColumnState) -> TopKSketch | None:
        """A part's top-k summary, made from its exact counts if it has not outgrown them; kept only
        for String columns (this column's type decides: the part may have been numeric so far)."""
        if not self.is_string or not self.settings.top_k:
            return None
        if state.topk is not None:
            return state.topk
        if state.histogram is None:
            return None
        return TopKSketch.of_histogram(self.settings.top_k, state.histogram)

    def _merged_top(self, other: ColumnState) -> TopKSketch | None:
        mine, theirs = self._top_of(self), self._top_of(other)
        if mine is None or theirs is None:
            return mine or theirs
        return mine.merge(theirs)

    def _check_overflow(self) -> None:
        if self.histogram is not None and len(self.histogram) > self.settings.histogram_max_values:
            self._overflow()

    def _overflow(self) -> None:
        self.registers = self._all_registers()
        self.topk = self._top_of(self)
        self.histogram = None
        self.long_registers = None

    # -- merge -----------------------------------------------------------------------------------
    def merge(self, other: ColumnState) -> ColumnState:
        """Combine with the state of a later part of the data (order matters for the sketch)."""
        self.type_counts = [a + b for a, b in zip(self.type_counts, other.type_counts, strict=True)]
        if self.is_string or self.moments is None or other.moments is None:
            self._drop_numeric()
        else:
            self.moments = self.moments.merge(other.moments)
            self.kll.merge(other.kll)
        self.order = min(self.order, other.order)
        if self.in_domain is not None and other.in_domain is not None:
            self.in_domain += other.in_domain
        if self.histogram is not None and other.histogram is not None:
            for value, count in other.histogram.items():
                self.histogram[value] = self.histogram.get(value, 0) + count
            if other.long_registers is not None:
                mine = self.long_registers
                self.long_registers = (
                    other.long_registers if mine is None else np.maximum(mine, other.long_registers)
                )
            self._check_overflow()
        else:
            self.registers = np.maximum(self._all_registers(), other._all_registers())
            self.topk = self._merged_top(other)
            self.histogram = None
            self.long_registers = None
        return self

    @staticmethod
    def _registers_of(histogram: dict[str, int], long_registers: np.ndarray | None, limit: int) -> np.ndarray:
        """HyperLogLog registers of known values, hashed as ``_count_values`` hashes them; a cut key
        stands for a long value whose registers are in ``long_registers``."""
        registers = hll.new_registers()
        keys = (
            [key for key in histogram if not is_cut(key, limit)]
            if long_registers is not None
            else list(histogram)
        )
        hll.add_strings(registers, pa.array(keys, type=pa.string()))
        return registers if long_registers is None else np.maximum(registers, long_registers)
