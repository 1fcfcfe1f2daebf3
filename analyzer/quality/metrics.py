"""Model-quality metrics from the merged states, in the key order of SageMaker's statistics.json.

Definitions follow scikit-learn (and Spark MLlib where scikit-learn has no single answer): a ratio
with a zero denominator is 0.0; ROC and precision-recall curves have one point per distinct score,
the ROC curve starting at (0, 0) and the PR curve at recall 0 with the first threshold's precision
(MLlib); ``auc`` and ``au_prc`` are trapezoid areas under those curves. The "best constant
classifier" predicts the positive class for every example (binary) or the most frequent true class
(multiclass). ``standard_deviation`` is the sample standard deviation of the metric over the five
subsamples, or "NaN" with fewer than 200 examples.
"""

from __future__ import annotations

import math

import numpy as np

from analyzer.common.errors import InputError
from analyzer.quality.spec import BINARY, MULTICLASS, REGRESSION
from analyzer.quality.states import (
    PREDICTED_NEGATIVE,
    PREDICTED_POSITIVE,
    ClassificationState,
    QualityProfile,
    RegressionState,
)
from analyzer.quality.values import canonical_label, sort_labels

MIN_EXAMPLES_FOR_DEVIATION = 200
MAX_CURVE_POINTS = 1_000  # points written per curve; the areas use every point
BETAS = (("f0_5", 0.5), ("f1", 1.0), ("f2", 2.0))


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def fbeta(tp: float, fp: float, fn: float, beta: float) -> float:
    b2 = beta * beta
    return ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)


# -- regression ----------------------------------------------------------------------------------


def regression(state: RegressionState) -> dict[str, float]:
    n = state.n
    mse = state.squared_error / n
    return {
        "mae": state.abs_error / n,
        "mse": mse,
        "rmse": math.sqrt(mse),
        # Total sum of squares around the mean of the ground truth, as the prebuilt analyzer does.
        "r2": 1 - state.squared_error / state.truth.m2 if state.truth.m2 else r2_constant_truth(state),
    }


def r2_constant_truth(state: RegressionState) -> float:
    """scikit-learn's finite answer when the ground truth never varies: 1 for a perfect model, else 0."""
    return 1.0 if state.squared_error == 0 else 0.0


# -- binary --------------------------------------------------------------------------------------


def binary_classes(profile_state: ClassificationState, positive_label: str | None) -> tuple[str, str]:
    """(negative, positive) class labels, or an error saying why the data is not binary."""
    truth = {t for t, _ in profile_state.pairs}
    predicted = {p for _, p in profile_state.pairs if p not in (PREDICTED_POSITIVE, PREDICTED_NEGATIVE)}
    seen = sort_labels(truth | predicted)
    if len(seen) > 2:
        shown = ", ".join(seen[:10]) + (", ..." if len(seen) > 10 else "")
        raise InputError(
            f"problem_type BinaryClassification, but the data has {len(seen)} distinct labels "
            f"({shown}) in ground truth and predictions; use MulticlassClassification"
        )
    if positive_label is not None:
        positive = canonical_label(positive_label)
        if positive not in seen and len(seen) == 2:
            raise InputError(
                f"positive_label {positive_label!r} is not one of the labels in the data ({', '.join(seen)}); "
                "labels are compared exactly, so check its spelling and case"
            )
        others = [label for label in seen if label != positive]
        negative = others[0] if others else ("0" if positive == "1" else f"not {positive}")
        return negative, positive
    if set(seen) <= {"0", "1"}:
        return "0", "1"
    if set(seen) <= {"false", "true"}:
        return "false", "true"
    raise InputError(
        f"BinaryClassification labels are {', '.join(seen)}, not 0/1 or true/false: set positive_label "
        "to the label of the positive class"
    )


def binary(state: ClassificationState, classes: tuple[str, str], curves: bool) -> dict:
    negative, positive = classes

    def named(label: str) -> str:
        return {PREDICTED_POSITIVE: positive, PREDICTED_NEGATIVE: negative}.get(label, label)

    counts = {(t, named(p)): c for (t, p), c in state.pairs.items()}
    tp = counts.get((positive, positive), 0)
    fp = counts.get((negative, positive), 0)
    fn = counts.get((positive, negative), 0)
    tn = counts.get((negative, negative), 0)
    n = tp + fp + fn + tn
    positives = tp + fn
    metrics: dict = {
        "confusion_matrix": {
            negative: {negative: tn, positive: fp},
            positive: {negative: fn, positive: tp},
        },
        "recall": ratio(tp, tp + fn),
        "precision": ratio(tp, tp + fp),
        "accuracy": ratio(tp + tn, n),
        "recall_best_constant_classifier": ratio(positives, positives),
        "precision_best_constant_classifier": ratio(positives, n),
        "accuracy_best_constant_classifier": ratio(positives, n),
        "true_positive_rate": ratio(tp, tp + fn),
        "true_negative_rate": ratio(tn, tn + fp),
        "false_positive_rate": ratio(fp, fp + tn),
        "false_negative_rate": ratio(fn, fn + tp),
    }
    if curves and state.scores is not None and not state.scores.overflow:
        metrics.update(score_curves(state, positive, negative))
    for name, beta in BETAS:
        metrics[name] = fbeta(tp, fp, fn, beta)
    for name, beta in BETAS:  # always predicting positive: tp = positives, fp = negatives, fn = 0
        metrics[f"{name}_best_constant_classifier"] = fbeta(positives, n - positives, 0, beta)
    return metrics


def score_curves(state: ClassificationState, positive: str, negative: str) -> dict:
    histogram = state.scores
    pos = histogram.column(positive)[::-1]  # descending score: lowering the threshold step by step
    neg = histogram.column(negative)[::-1]
    tp, fp = np.cumsum(pos), np.cumsum(neg)
    total_pos, total_neg = (tp[-1], fp[-1]) if len(tp) else (0, 0)
    if not total_pos or not total_neg:
        return {"auc": float("nan"), "au_prc": float("nan")}
    fpr = np.concatenate([[0.0], fp / total_neg])
    tpr = np.concatenate([[0.0], tp / total_pos])
    precision = tp / (tp + fp)
    recall = tp / total_pos
    precision = np.concatenate([[precision[0]], precision])
    recall = np.concatenate([[0.0], recall])
    return {
        "receiver_operating_characteristic_curve": {
            "false_positive_rates": thin(fpr),
            "true_positive_rates": thin(tpr),
        },
        "precision_recall_curve": {"precisions": thin(precision), "recalls": thin(recall)},
        "auc": float(np.trapezoid(tpr, fpr)),
        "au_prc": float(np.trapezoid(precision, recall)),
    }


def thin(points: np.ndarray) -> list[float]:
    """At most MAX_CURVE_POINTS of the curve's points, evenly spaced, first and last included."""
    if len(points) <= MAX_CURVE_POINTS:
        return points.tolist()
    keep = np.unique(np.linspace(0, len(points) - 1, MAX_CURVE_POINTS).round().astype(np.int64))
    return points[keep].tolist()


# -- multiclass ----------------------------------------------------------------------------------


def multiclass(state: ClassificationState) -> dict:
    labels = sort_labels({t for t, _ in state.pairs} | {p for _, p in state.pairs})
    support = dict.fromkeys(labels, 0)
    predicted = dict.fromkeys(labels, 0)
    correct = dict.fromkeys(labels, 0)
    for (t, p), count in state.pairs.items():
        support[t] += count
        predicted[p] += count
        if t == p:
            correct[t] += count
    n = sum(support.values())

    def weighted(per_class) -> float:
        return sum(support[c] * per_class(c) for c in labels if support[c]) / n

    def recall(c):
        return ratio(correct[c], support[c])

    def precision(c):
        return ratio(correct[c], predicted[c])

    metrics: dict = {
        "confusion_matrix": {t: {p: state.pairs.get((t, p), 0) for p in labels} for t in labels},
        "accuracy": ratio(sum(correct.values()), n),
        "weighted_recall": weighted(recall),
        "weighted_precision": weighted(precision),
    }
    for name, beta in BETAS:
        metrics[f"weighted_{name}"] = weighted(
            lambda c, beta=beta: fbeta(correct[c], predicted[c] - correct[c], support[c] - correct[c], beta)
        )
    majority = max(labels, key=lambda c: support[c])  # first of equals in label order
    share = support[majority] / n
    metrics["accuracy_best_constant_classifier"] = share
    metrics["weighted_recall_best_constant_classifier"] = share
    metrics["weighted_precision_best_constant_classifier"] = share * share
    for name, beta in BETAS:
        f = fbeta(support[majority], n - support[majority], 0, beta)
        metrics[f"weighted_{name}_best_constant_classifier"] = share * f
    return metrics


# -- all -----------------------------------------------------------------------------------------


def evaluate(profile: QualityProfile) -> dict:
    """The ``<problem>_metrics`` object: every scalar as {value, standard_deviation}."""
    spec = profile.spec
    classes = None
    if spec.problem_type == BINARY:
        classes = binary_classes(profile.full, spec.positive_label)

    def compute(state, curves: bool) -> dict:
        if spec.problem_type == REGRESSION:
            return regression(state)
        if spec.problem_type == MULTICLASS:
            return multiclass(state)
        return binary(state, classes, curves)

    values = compute(profile.full, curves=True)
    enough = profile.item_count >= MIN_EXAMPLES_FOR_DEVIATION
    samples = [compute(s, curves=True) for s in profile.samples] if enough else []
    result = {}
    for name, value in values.items():
        if not isinstance(value, float):  # confusion matrix and curves are written as they are
            result[name] = value
            continue
        deviation = float("nan")
        if samples:
            draws = [s.get(name, float("nan")) for s in samples]
            deviation = float(np.std(draws, ddof=1))
        result[name] = {"value": value, "standard_deviation": deviation}
    return result


def scalar_metrics(metrics: dict) -> dict[str, float]:
    return {name: m["value"] for name, m in metrics.items() if isinstance(m, dict) and "value" in m}
