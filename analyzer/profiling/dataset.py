"""The whole profile of a dataset: row count, one state per column, and the record ledger."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.common.errors import TooManyColumns
from analyzer.profiling.column import ColumnState, ProfileSettings
from analyzer.profiling.state import BatchState
from analyzer.readers.batch import Batch
from analyzer.readers.ledger import Ledger


@dataclass
class DatasetProfile:
    settings: ProfileSettings = field(default_factory=ProfileSettings)
    item_count: int = 0
    columns: dict[str, ColumnState] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    # The user's custom metric states (custom_metrics_script), folded in the same pass.
    custom: BatchState | None = None  # analyzer/custom/state.py

    def update(self, batch: Batch) -> None:
        self.check_width(batch)
        self.item_count += batch.num_rows
        for column in batch.columns:
            state = self.columns.get(column.name)
            if state is None:
                state = self.columns[column.name] = ColumnState(column.name, column.order, self.settings)
            state.update(column.values)
        if self.custom is not None:
            self.custom.update(batch)

    def check_width(self, batch: Batch) -> None:
        """Every column costs its sketches (about 30 KB): a dataset of 100k columns would take
        minutes and gigabytes before it failed, so it fails here, on its first batch."""
        limit = self.settings.max_columns
        if len(batch.columns) > limit or len(self.columns) + len(batch.columns) > limit:
            names = set(self.columns) | {c.name for c in batch.columns}
            if len(names) > limit:
                raise TooManyColumns(
                    f"{len(names)} columns, more than max_columns={limit}; set the max_columns "
                    "analyzer setting higher to profile a dataset this wide"
                )

    def merge(self, other: DatasetProfile) -> DatasetProfile:
        """Combine with the profile of a later part of the data."""
        self.item_count += other.item_count
        for name, state in other.columns.items():
            mine = self.columns.get(name)
            self.columns[name] = state if mine is None else mine.merge(state)
        self.ledger.merge(other.ledger)
        if self.custom is not None and other.custom is not None:
            self.custom.merge(other.custom)
        return self

    def ordered_columns(self) -> list[ColumnState]:
        return sorted(self.columns.values(), key=lambda c: (c.order, c.name))
