"""The interface every profile state keeps, so the engine can fold any of them: the data-quality
profile, the segmented one, the model-quality one and custom metrics.

A state folds batches in (``update``) and absorbs the state of the records that come after its own
(``merge(later)``); updating with every batch equals merging the states of any split of them, taken
in order. The engine pickles states between tasks, so they must pickle.
"""

from __future__ import annotations

from typing import Protocol, Self, runtime_checkable

from analyzer.readers.batch import Batch
from analyzer.readers.ledger import Ledger


class BatchState(Protocol):
    """A state over batches of records."""

    def update(self, batch: Batch) -> None: ...

    def merge(self, later: Self) -> Self: ...


class ProfileState(BatchState, Protocol):
    """What the engine folds: a state that also counts the records read and skipped."""

    ledger: Ledger


@runtime_checkable
class SplitAware(Protocol):
    """A state told where each split begins (to seed per-split sampling)."""

    def begin_split(self, split) -> None: ...
