"""Mergeable model-quality states, folded over batches in the one Spark job.

``QualityProfile`` holds one state for all rows and one for each of five Bernoulli(0.8) subsamples
(the standard deviations). The subsample draws are seeded per split, from the job's seed and the
split's file and offset, so they do not depend on which task read the split.
"""

from __future__ import annotations

import os
import zlib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from analyzer.common.errors import InputError
from analyzer.profiling.moments import MomentsState
from analyzer.quality.scores import ScoreHistogram
from analyzer.quality.spec import BINARY, REGRESSION, QualitySpec, find_column, split_ground_truth
from analyzer.quality.values import label_codes, numbers
from analyzer.readers.batch import GROUND_TRUTH_SEGMENT, Batch
from analyzer.readers.ledger import Ledger

SUBSAMPLES = 5
SUBSAMPLE_FRACTION = 0.8
# Predicted classes that come from probability >= threshold, named once the positive class is known.
PREDICTED_POSITIVE, PREDICTED_NEGATIVE = "\x00positive", "\x00negative"
MAX_CLASSES = 10_000


def named(key: str, attribute: str, column) -> str:
    """How a message names a column: as the user gave it, with the column's own name if different."""
    return f"{key} {attribute!r}" + (f" (column {column.name!r})" if column.name != attribute else "")


@dataclass
class RegressionState:
    abs_error: float = 0.0
    squared_error: float = 0.0
    truth: MomentsState = field(default_factory=MomentsState)  # its m2: the total sum of squares

    @property
    def n(self) -> int:
        return self.truth.n

    def update(self, truth: np.ndarray, prediction: np.ndarray) -> None:
        if not len(truth):
            return
        error = truth - prediction
        # cumsum adds left to right, as Spark's summarizer does row by row; np.sum's pairwise
        # order would differ from the prebuilt analyzer in the last bits.
        self.merge(
            RegressionState(
                float(np.cumsum(np.abs(error))[-1]),
                float(np.cumsum(error * error)[-1]),
                MomentsState.of(truth),
            )
        )

    def merge(self, other: RegressionState) -> RegressionState:
        self.abs_error += other.abs_error
        self.squared_error += other.squared_error
        self.truth = self.truth.merge(other.truth)
        return self


@dataclass
class ClassificationState:
    """Counts of (true class, predicted class) pairs, and for scored binary models the scores."""

    pairs: Counter = field(default_factory=Counter)
    scores: ScoreHistogram | None = None

    @property
    def n(self) -> int:
        return sum(self.pairs.values())

    def update(
        self,
        truth: np.ndarray,
        truth_labels: list[str],
        predicted: np.ndarray,
        predicted_labels: list[str],
        scores: np.ndarray | None,
    ) -> None:
        if not len(truth):
            return
        width = max(len(predicted_labels), 1)
        keys, counts = np.unique(truth * width + predicted, return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            self.pairs[(truth_labels[key // width], predicted_labels[key % width])] += count
        if len(self.pairs) > MAX_CLASSES:
            raise InputError(
                f"More than {MAX_CLASSES} distinct (label, prediction) pairs: these look like continuous "
                "values, not classes; is problem_type Regression?"
            )
        if scores is not None:
            self.merge_scores(ScoreHistogram.of(scores, truth, truth_labels))

    def merge_scores(self, histogram: ScoreHistogram) -> None:
        self.scores = histogram if self.scores is None else self.scores.merge(histogram)

    def merge(self, other: ClassificationState) -> ClassificationState:
        self.pairs.update(other.pairs)
        if other.scores is not None:
            self.merge_scores(other.scores)
        return self


@dataclass
class QualityProfile:
    spec: QualitySpec
    full: RegressionState | ClassificationState = None
    samples: list = None
    ledger: Ledger = field(default_factory=Ledger)
    rows: int = 0
    missing_truth: int = 0
    missing_prediction: int = 0
    _rng: np.random.Generator | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        kind = RegressionState if self.spec.problem_type == REGRESSION else ClassificationState
        self.full = self.full or kind()
        self.samples = self.samples or [kind() for _ in range(SUBSAMPLES)]

    @property
    def item_count(self) -> int:
        return self.full.n

    def begin_split(self, split) -> None:
        relative = os.path.relpath(split.path, self.spec.data_root) if self.spec.data_root else split.path
        self._rng = np.random.default_rng([self.spec.seed, zlib.crc32(relative.encode()), split.start])

    def update(self, batch: Batch) -> None:
        if batch.num_rows == 0:
            return
        self.rows += batch.num_rows
        extracted = self._extract(batch)
        keep = extracted.pop("keep")
        rng = self._rng or np.random.default_rng(self.spec.seed)
        draws = rng.random((SUBSAMPLES, batch.num_rows)) < SUBSAMPLE_FRACTION
        self._fold(self.full, extracted, keep)
        for state, draw in zip(self.samples, draws, strict=True):
            self._fold(state, extracted, keep & draw)

    def _fold(self, state, extracted: dict, mask: np.ndarray) -> None:
        if self.spec.problem_type == REGRESSION:
            state.update(extracted["truth"][mask], extracted["prediction"][mask])
            return
        scores = extracted.get("scores")
        state.update(
            extracted["truth"][mask],
            extracted["truth_labels"],
            extracted["predicted"][mask],
            extracted["predicted_labels"],
            scores[mask] if scores is not None else None,
        )

    def _extract(self, batch: Batch) -> dict:
        """Label, prediction (and score) arrays for the batch's rows, and which rows have both."""
        spec = self.spec
        data, truth_columns = split_ground_truth(batch.columns)
        attribute = spec.ground_truth_attribute
        if not spec.merged:
            truth_column = find_column("ground_truth_attribute", attribute, data)
        elif truth_columns:
            truth_column = (
                find_column("ground_truth_attribute", attribute, truth_columns)
                if attribute
                else truth_columns[0]
            )
        else:
            # No groundTruthData columns: records without labels, or a preprocess_handler that returned
            # the label itself under ground_truth_attribute.
            truth_column = next((c for c in data if attribute and c.name == attribute), None)
        truth_values = None if truth_column is None else truth_column.values  # None: no groundTruthData
        inference = (
            find_column("inference_attribute", spec.inference_attribute, data)
            if spec.inference_attribute
            else None
        )
        probability = (
            find_column("probability_attribute", spec.probability_attribute, data)
            if spec.probability_attribute
            else None
        )
        truth_name = (
            "ground truth (groundTruthData)"
            if truth_column is None or truth_column.order[0] == GROUND_TRUTH_SEGMENT
            else named("ground_truth_attribute", attribute, truth_column)
        )
        out: dict = {}
        if spec.problem_type == REGRESSION:
            if truth_values is None:
                truth, truth_present = np.full(batch.num_rows, np.nan), np.zeros(batch.num_rows, bool)
            else:
                truth, truth_present = numbers(truth_values, truth_name)
            prediction, predicted_present = numbers(
                inference.values, named("inference_attribute", spec.inference_attribute, inference)
            )
            out.update(truth=truth, prediction=prediction)
        else:
            if truth_values is None:
                truth, labels = np.full(batch.num_rows, -1, dtype=np.int64), []
            else:
                truth, labels = label_codes(truth_values)
            truth_present = truth >= 0
            out.update(truth=np.maximum(truth, 0), truth_labels=labels or [""])
            scores = None
            predicted_present = np.ones(batch.num_rows, dtype=bool)
            if probability is not None:
                scores, predicted_present = numbers(
                    probability.values,
                    named("probability_attribute", spec.probability_attribute, probability),
                )
                out["scores"] = np.where(predicted_present, scores, 0.0)
            if inference is not None:
                predicted, predicted_labels = label_codes(inference.values)
                predicted_present &= predicted >= 0
                out.update(predicted=np.maximum(predicted, 0), predicted_labels=predicted_labels or [""])
            else:  # BinaryClassification from the score alone
                out.update(
                    predicted=(out["scores"] >= spec.probability_threshold).astype(np.int64),
                    predicted_labels=[PREDICTED_NEGATIVE, PREDICTED_POSITIVE],
                )
            if spec.problem_type != BINARY:
                out.pop("scores", None)
        self.missing_truth += int((~truth_present).sum())
        self.missing_prediction += int((truth_present & ~predicted_present).sum())
        out["keep"] = truth_present & predicted_present
        return out

    def merge(self, other: QualityProfile) -> QualityProfile:
        self.full.merge(other.full)
        for mine, theirs in zip(self.samples, other.samples, strict=True):
            mine.merge(theirs)
        self.ledger.merge(other.ledger)
        self.rows += other.rows
        self.missing_truth += other.missing_truth
        self.missing_prediction += other.missing_prediction
        return self

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_rng"] = None  # a task's generator is not part of the result
        return state
