"""One DatasetProfile per segment (target model or variant), folded in the same pass.

Readers tag every batch with its segments (``Batch.segments``: one name for the whole batch, or
one per row). Rows of a segment reach its profile in read order, so each segment's sketches are
the ones a run over that segment's records alone would build. The ledger is the run's, shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from analyzer.config.segments import UNKNOWN
from analyzer.profiling.dataset import DatasetProfile
from analyzer.readers.batch import GROUND_TRUTH_SEGMENT, Batch, Column
from analyzer.readers.ledger import Ledger


@dataclass(frozen=True)
class SegmentBaseline:
    """What a monitoring run reads a segment with: the baseline's feature names (positional columns
    take them) and the factory of its profile (the baseline's settings and domains)."""

    feature_names: tuple[str, ...]
    make_profile: Callable[[], DatasetProfile]


@dataclass
class SegmentedProfile:
    # A segment's empty profile, unless its baseline has its own (both picklable: tasks make them).
    make_profile: Callable[[], DatasetProfile] = DatasetProfile
    baselines: dict[str, SegmentBaseline] = field(default_factory=dict)
    segments: dict[str, DatasetProfile] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def item_count(self) -> int:
        return sum(p.item_count for p in self.segments.values())

    def profile(self, segment: str) -> DatasetProfile:
        profile = self.segments.get(segment)
        if profile is None:
            baseline = self.baselines.get(segment)
            profile = self.segments[segment] = (baseline.make_profile if baseline else self.make_profile)()
        return profile

    def update(self, batch: Batch) -> None:
        segments = batch.segments if batch.segments is not None else UNKNOWN
        if isinstance(segments, str):
            self.profile(segments).update(self.named(segments, batch))
            return
        for segment, part in split_rows(batch, segments):
            self.profile(segment).update(self.named(segment, part))

    def named(self, segment: str, batch: Batch) -> Batch:
        baseline = self.baselines.get(segment)
        if baseline is None or not baseline.feature_names:
            return batch
        return Batch(
            batch.num_rows, [rename(c, baseline.feature_names) for c in batch.columns], batch.locations
        )

    def merge(self, other: SegmentedProfile) -> SegmentedProfile:
        """Combine with the state of a later part of the data, segment by segment."""
        for segment, profile in other.segments.items():
            mine = self.segments.get(segment)
            if mine is None:
                self.segments[segment] = profile
            else:
                mine.merge(profile)
        self.ledger.merge(other.ledger)
        return self


def rename(column: Column, names: tuple[str, ...]) -> Column:
    """A positional column (``_c{i}``) under the segment baseline's i-th feature name, as a plain
    monitoring run names it while reading."""
    order = column.order
    if len(order) == 3 and order[1] == 0 and order[0] != GROUND_TRUTH_SEGMENT:
        position = order[2]
        if position < len(names) and column.name == f"_c{position}":
            return Column(names[position], order, column.values)
    return column


def split_rows(batch: Batch, segments: pa.Array) -> list[tuple[str, Batch]]:
    """The batch as one batch per segment, each keeping its rows' order: zero-copy slices when the
    reader grouped the rows by segment already (the columnar capture reader does), else one stable
    sort of the row indices by segment and one take per column first."""
    encoded = segments.dictionary_encode()
    names = encoded.dictionary.to_pylist()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    if len(names) == 1:
        return [(names[0], batch)]
    counts = np.bincount(codes, minlength=len(names))
    if np.all(codes[1:] >= codes[:-1]):
        taken = [(c, c.values) for c in batch.columns]
        locations = batch.locations
    else:
        order = np.argsort(codes, kind="stable")
        taken = [(c, c.values.take(pa.array(order))) for c in batch.columns]
        locations = [batch.locations[i] for i in order] if batch.locations is not None else None
    parts = []
    start = 0
    for code, name in enumerate(names):
        n = int(counts[code])
        columns = [Column(c.name, c.order, values.slice(start, n)) for c, values in taken]
        parts.append((name, Batch(n, columns, locations[start : start + n] if locations else None)))
        start += n
    return parts
