"""Folding task states into one as they arrive, in split order, holding as few as possible.

The KLL sketch merge is order-sensitive: states must merge in the order of their splits for the
statistics not to depend on which task finished first. Collecting every state and then sorting
them held all of them at once (gigabytes for 2,000 features); here a state is unpickled and folded
as soon as its turn comes, and only the states that arrive ahead of their turn wait, still pickled.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

from analyzer.common.errors import AnalyzerError


@dataclass
class OrderedMerge:
    """Feed ``add(index, pickled_state)`` for indexes ``first, first+1, ...`` in any order."""

    first: int = 0
    merged: object | None = None
    failure: AnalyzerError | None = None
    waiting: dict[int, bytes] = field(default_factory=dict)
    _next: int | None = None

    @property
    def due(self) -> int:
        """The index of the state to fold next."""
        return self.first if self._next is None else self._next

    def add(self, index: int, state: bytes) -> None:
        if self._next is None:
            self._next = self.first
        if index < self._next or index in self.waiting:
            raise ValueError(f"task state {index} arrived twice")
        self.waiting[index] = state
        while self._next in self.waiting:
            self._fold(self.waiting.pop(self._next))
            self._next += 1

    def _fold(self, pickled: bytes) -> None:
        if self.failure is not None:
            return  # the first failure in split order is the one reported; nothing else matters
        state = pickle.loads(pickled)
        if isinstance(state, AnalyzerError):
            self.failure, self.merged = state, None
        elif self.merged is None:
            self.merged = state
        else:
            self.merged.merge(state)

    def result(self) -> object:
        """The merged state, or the first failure in split order (an AnalyzerError instance)."""
        if self.failure is not None:
            return self.failure
        if self.waiting:
            missing = self._next
            raise ValueError(f"task state {missing} never arrived ({len(self.waiting)} waiting after it)")
        if self.failure is not None:
            return self.failure
        if self.merged is None:
            raise ValueError("no task state arrived")
        return self.merged

    def result_bytes(self) -> bytes:
        return pickle.dumps(self.result(), protocol=pickle.HIGHEST_PROTOCOL)
