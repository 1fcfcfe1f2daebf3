"""Counts of examples per (score, true label): what ROC and precision-recall curves are made of.

Exact while there are at most MAX_SCORES distinct scores, so AUC matches a sort-based computation.
Beyond that, scores are floored onto a power-of-two grid, coarsened one step at a time until the
histogram fits. Floors on nested grids compose, so the final grid is the finest one on which the
whole dataset fits, whatever order the partial histograms merge in: results do not depend on how
the data was split into tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_SCORES = 100_000
MAX_LABELS = 2  # a curve needs one positive and one negative class
FINEST_STEP_EXPONENT = -30  # level 1 floors scores to multiples of 2**-30


def quantize(scores: np.ndarray, level: int) -> np.ndarray:
    if level == 0:
        return scores
    step = 2.0 ** (FINEST_STEP_EXPONENT + level - 1)
    return np.floor(scores / step) * step


@dataclass
class ScoreHistogram:
    labels: list[str] = field(default_factory=list)
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    level: int = 0
    # More than two classes: no curve (the job reports the labels as not binary).
    overflow: bool = False

    @classmethod
    def of(cls, scores: np.ndarray, codes: np.ndarray, labels: list[str]) -> ScoreHistogram:
        """``codes[i]`` indexes ``labels`` for the example with ``scores[i]``."""
        histogram = cls()
        if not len(scores):
            return histogram
        used, codes = np.unique(codes, return_inverse=True)
        histogram.labels = [labels[i] for i in used]
        if len(used) > MAX_LABELS:
            histogram.overflow = True
            return histogram
        histogram.scores, histogram.counts = _tally(scores, codes, len(used))
        histogram._compress()
        return histogram

    @property
    def exact(self) -> bool:
        return self.level == 0

    def merge(self, other: ScoreHistogram) -> ScoreHistogram:
        if other.overflow or self.overflow:
            self.overflow = True
            self.labels = sorted(set(self.labels) | set(other.labels))
            return self
        if not len(other.scores):
            return self
        if not len(self.scores):
            return _copy(other, into=self)
        labels = self.labels + [label for label in other.labels if label not in self.labels]
        if len(labels) > MAX_LABELS:
            self.overflow, self.labels = True, labels
            self.scores, self.counts = np.empty(0), np.zeros((0, 0), dtype=np.int64)
            return self
        level = max(self.level, other.level)
        mine = quantize(self.scores, level)
        theirs = quantize(other.scores, level)
        other_codes = np.array([labels.index(label) for label in other.labels], dtype=np.int64)
        scores = np.concatenate([mine, theirs])
        width = len(labels)
        counts = np.zeros((len(scores), width), dtype=np.int64)
        counts[: len(mine), : self.counts.shape[1]] = self.counts
        counts[len(mine) :, other_codes] = other.counts
        self.labels, self.level = labels, level
        self.scores, self.counts = _combine(scores, counts)
        self._compress()
        return self

    def _compress(self) -> None:
        while len(self.scores) > MAX_SCORES:
            self.level += 1
            self.scores, self.counts = _combine(quantize(self.scores, self.level), self.counts)

    def column(self, label: str) -> np.ndarray:
        """Counts of examples with this true label, by ascending score (zeros when none)."""
        if label not in self.labels:
            return np.zeros(len(self.scores), dtype=np.int64)
        return self.counts[:, self.labels.index(label)]


def _tally(scores: np.ndarray, codes: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(scores, return_inverse=True)
    flat = np.bincount(inverse * width + codes, minlength=len(unique) * width)
    return unique, flat.reshape(len(unique), width).astype(np.int64)


def _combine(scores: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    unique, inverse = np.unique(scores, return_inverse=True)
    combined = np.stack(
        [np.bincount(inverse, weights=counts[:, j], minlength=len(unique)) for j in range(counts.shape[1])],
        axis=1,
    )
    # Counts below 2**53 are exact in the float weights.
    return unique, np.rint(combined).astype(np.int64).reshape(len(unique), counts.shape[1])


def _copy(source: ScoreHistogram, into: ScoreHistogram) -> ScoreHistogram:
    into.labels = list(source.labels)
    into.scores, into.counts = source.scores.copy(), source.counts.copy()
    into.level, into.overflow = source.level, source.overflow
    return into
