"""Model-quality metrics of random data against scikit-learn / numpy.

Every expected number comes from scikit-learn or numpy applied to the generated arrays, never from
the analyzer's own quality code. Data comes from numpy ``default_rng`` with fixed seeds.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from analyzer.common.errors import AnalyzerError
from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job

CSV = DatasetFormat("csv", header=True)
CSV_NO_HEADER = DatasetFormat("csv", header=False)
JSONL = DatasetFormat("json")
BINARY, MULTICLASS, REGRESSION = "BinaryClassification", "MulticlassClassification", "Regression"
KEYS = {REGRESSION: "regression", BINARY: "binary_classification", MULTICLASS: "multiclass_classification"}
# The report's key names are the contract's (§3.2, §4.2), not something computed.
METRICS_KEY = {problem: f"{key}_metrics" for problem, key in KEYS.items()}
CONSTRAINTS_KEY = {problem: f"{key}_constraints" for problem, key in KEYS.items()}
BINARY_KEYS = [
    "confusion_matrix", "recall", "precision", "accuracy", "recall_best_constant_classifier",
    "precision_best_constant_classifier", "accuracy_best_constant_classifier", "true_positive_rate",
    "true_negative_rate", "false_positive_rate", "false_negative_rate",
    "receiver_operating_characteristic_curve", "precision_recall_curve", "auc", "au_prc",
    "f0_5", "f1", "f2", "f0_5_best_constant_classifier", "f1_best_constant_classifier",
    "f2_best_constant_classifier",
]  # fmt: skip
SCORE_KEYS = {"receiver_operating_characteristic_curve", "precision_recall_curve", "auc", "au_prc"}
BETAS = {"f0_5": 0.5, "f1": 1.0, "f2": 2.0}
ERROR_METRICS = {"mae", "mse", "rmse", "false_positive_rate", "false_negative_rate"}
COMPLETED = "Completed: Job completed successfully with no violations."


# -- helpers -------------------------------------------------------------------------------------
def close(actual: float, expected: float) -> bool:
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def assert_values(metrics: dict, expected: dict[str, float]) -> None:
    wrong = {k: (metrics[k]["value"], v) for k, v in expected.items() if not close(metrics[k]["value"], v)}
    assert not wrong, f"(analyzer, reference) differ: {wrong}"


def scalars(metrics: dict) -> dict[str, dict]:
    return {k: m for k, m in metrics.items() if isinstance(m, dict) and "value" in m}


def write_csv(path: Path, columns: dict, header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(columns).to_csv(path, index=False, header=header)
    return path


def run(source: Path, out: Path, problem_type: str, fmt: DatasetFormat = CSV, **config):
    """Run a model-quality job in this process (unless engine/spark given); (result, statistics.json)."""
    engine, spark = config.pop("engine", "local"), config.pop("spark", None)
    config.setdefault("ground_truth_attribute", "label")
    job = JobConfig(
        dataset_source=Path(source), dataset_format=fmt, output_path=out, analysis_type="MODEL_QUALITY",
        problem_type=problem_type, **config,
    )  # fmt: skip
    result = run_job(job, spark=spark, engine=engine)
    return result, json.loads((out / "statistics.json").read_text(encoding="utf-8"))


def regression_data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.normal(50.0, 12.0, n) + rng.exponential(3.0, n)
    prediction = 0.9 * truth + 4.0 + rng.normal(0.0, 5.0, n)
    return truth, prediction


def binary_data(seed: int, n: int, separation: float = 1.5, rounded: bool = True):
    """(labels 0/1, scores); rounded scores are k/100 (so 0.3 is exactly the float 0.3)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    score = 1.0 / (1.0 + np.exp(-(separation * (2 * y - 1) + rng.normal(0.0, 1.2, n))))
    if rounded:
        score = np.rint(score * 100).astype(np.int64) / 100
    return y, score


def multiclass_data(seed: int, n: int, classes: list, extra_prediction=None):
    """A noisy classifier: right 65% of the time, else a random class (or an extra, predicted-only one)."""
    rng = np.random.default_rng(seed)
    probabilities = np.array([0.34, 0.26, 0.2, 0.12, 0.08])[: len(classes)]
    truth_index = rng.choice(len(classes), size=n, p=probabilities / probabilities.sum())
    wrong = rng.random(n) > 0.65
    pool = list(classes) + ([extra_prediction] if extra_prediction is not None else [])
    guess = rng.integers(0, len(pool), n)
    truth = np.array(classes, dtype=object)[truth_index]
    prediction = np.where(wrong, np.array(pool, dtype=object)[guess], truth)
    return truth, prediction


def binary_reference(y, predicted, positive=1) -> dict[str, float]:
    """Every scalar that needs only the predicted labels, from scikit-learn."""
    tn, fp, fn, tp = skm.confusion_matrix(y == positive, predicted == positive, labels=[False, True]).ravel()
    ones = np.full(len(y), positive, dtype=np.asarray(y).dtype)
    expected = {
        "recall": skm.recall_score(y, predicted, pos_label=positive, zero_division=0),
        "precision": skm.precision_score(y, predicted, pos_label=positive, zero_division=0),
        "accuracy": skm.accuracy_score(y, predicted),
        "recall_best_constant_classifier": skm.recall_score(y, ones, pos_label=positive, zero_division=0),
        "precision_best_constant_classifier": skm.precision_score(
            y, ones, pos_label=positive, zero_division=0
        ),
        "accuracy_best_constant_classifier": skm.accuracy_score(y, ones),
        "true_positive_rate": tp / (tp + fn),
        "true_negative_rate": tn / (tn + fp),
        "false_positive_rate": fp / (fp + tn),
        "false_negative_rate": fn / (fn + tp),
    }
    for name, beta in BETAS.items():
        expected[name] = skm.fbeta_score(y, predicted, beta=beta, pos_label=positive, zero_division=0)
        expected[f"{name}_best_constant_classifier"] = skm.fbeta_score(
            y, ones, beta=beta, pos_label=positive, zero_division=0
        )
    return expected


def pr_reference(y, score) -> tuple[np.ndarray, np.ndarray, float]:
    """MLlib's PR curve from scikit-learn's: descending thresholds, (0, first precision) prepended."""
    precision, recall, _ = skm.precision_recall_curve(y, score, drop_intermediate=False)
    precision, recall = precision[::-1][1:], recall[::-1][1:]  # drop sklearn's (recall 0, precision 1)
    precision = np.concatenate([[precision[0]], precision])
    recall = np.concatenate([[0.0], recall])
    return precision, recall, skm.auc(recall, precision)


def confusion(y, predicted, labels: list) -> dict:
    matrix = skm.confusion_matrix(y, predicted, labels=labels)
    return {str(t): {str(p): int(matrix[i, j]) for j, p in enumerate(labels)} for i, t in enumerate(labels)}


# -- 1. regression -------------------------------------------------------------------------------
@pytest.mark.parametrize(("seed", "n"), [(1, 50), (2, 1000), (3, 20_000)])
def test_regression_matches_sklearn(tmp_path, seed, n):
    truth, prediction = regression_data(seed, n)
    data = write_csv(tmp_path / "data" / "d.csv", {"id": np.arange(n), "label": truth, "pred": prediction})
    _, statistics = run(data, tmp_path / "out", REGRESSION, inference_attribute="pred")
    assert statistics["dataset"] == {"item_count": n}
    metrics = statistics["regression_metrics"]
    assert list(metrics) == ["mae", "mse", "rmse", "r2"]
    mse = skm.mean_squared_error(truth, prediction)
    assert_values(
        metrics,
        {
            "mae": skm.mean_absolute_error(truth, prediction),
            "mse": mse,
            "rmse": math.sqrt(mse),
            "r2": skm.r2_score(truth, prediction),
        },
    )


def test_regression_r2_is_around_the_ground_truth_mean(tmp_path):
    # A biased model: r2(truth, prediction) and r2(prediction, truth) differ a lot here.
    rng = np.random.default_rng(11)
    truth = rng.normal(0.0, 1.0, 500)
    prediction = 3.0 * truth + 2.0
    data = write_csv(tmp_path / "d.csv", {"label": truth, "pred": prediction})
    _, statistics = run(data, tmp_path / "out", REGRESSION, inference_attribute="pred")
    r2 = statistics["regression_metrics"]["r2"]["value"]
    assert close(r2, skm.r2_score(truth, prediction))
    assert not close(r2, skm.r2_score(prediction, truth))


def test_regression_json_lines_by_jsonpath(tmp_path):
    truth, prediction = regression_data(4, 800)
    path = tmp_path / "data" / "d.jsonl"
    path.parent.mkdir()
    with path.open("w", encoding="utf-8") as f:
        for i, (t, p) in enumerate(zip(truth.tolist(), prediction.tolist(), strict=True)):
            f.write(json.dumps({"id": i, "output": {"prediction": p}, "label": t}) + "\n")
    _, statistics = run(
        path.parent, tmp_path / "out", REGRESSION, JSONL,
        inference_attribute="$.output.prediction", ground_truth_attribute="$.label",
    )  # fmt: skip
    assert statistics["dataset"]["item_count"] == 800
    assert_values(
        statistics["regression_metrics"],
        {"mae": skm.mean_absolute_error(truth, prediction), "r2": skm.r2_score(truth, prediction)},
    )


def test_regression_headerless_csv_by_index(tmp_path):
    truth, prediction = regression_data(5, 600)
    data = write_csv(tmp_path / "d.csv", {"a": truth, "b": prediction, "c": np.arange(600)}, header=False)
    _, statistics = run(
        data, tmp_path / "out", REGRESSION, CSV_NO_HEADER, inference_attribute="1", ground_truth_attribute="0"
    )
    assert statistics["dataset"]["item_count"] == 600
    assert_values(
        statistics["regression_metrics"],
        {"mse": skm.mean_squared_error(truth, prediction), "r2": skm.r2_score(truth, prediction)},
    )


# -- 2. binary -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scored_binary(tmp_path_factory):
    """3000 rows with scores on a 0.01 grid: (y, score, data path, result, statistics)."""
    tmp = tmp_path_factory.mktemp("scored_binary")
    y, score = binary_data(21, 3000)
    y[:3], score[:3] = [0, 1, 1], 1.0  # a negative among the top scores: the PR curve's first point < 1
    data = write_csv(tmp / "data" / "d.csv", {"label": y, "prob": score})
    result, statistics = run(data, tmp / "out", BINARY, probability_attribute="prob")
    return y, score, data, result, statistics


def test_binary_scalars_and_confusion_matrix(scored_binary):
    y, score, _, _, statistics = scored_binary
    assert statistics["dataset"] == {"item_count": 3000}
    metrics = statistics["binary_classification_metrics"]
    assert list(metrics) == BINARY_KEYS
    predicted = (score >= 0.5).astype(np.int64)
    assert metrics["confusion_matrix"] == confusion(y, predicted, [0, 1])
    expected = binary_reference(y, predicted)
    expected["auc"] = skm.roc_auc_score(y, score)
    expected["au_prc"] = pr_reference(y, score)[2]
    assert set(scalars(metrics)) == set(expected)
    assert_values(metrics, expected)
    assert metrics["recall_best_constant_classifier"]["value"] == 1.0


def test_binary_curves_match_sklearn(scored_binary):
    y, score, _, _, statistics = scored_binary
    metrics = statistics["binary_classification_metrics"]
    fpr, tpr, _ = skm.roc_curve(y, score, drop_intermediate=False)
    roc = metrics["receiver_operating_characteristic_curve"]
    assert list(roc) == ["false_positive_rates", "true_positive_rates"]
    assert len(roc["false_positive_rates"]) == len(np.unique(score)) + 1
    assert roc["false_positive_rates"] == pytest.approx(fpr.tolist(), rel=1e-12, abs=1e-15)
    assert roc["true_positive_rates"] == pytest.approx(tpr.tolist(), rel=1e-12, abs=1e-15)
    precision, recall, _ = pr_reference(y, score)
    assert 0 < precision[0] < 1
    pr = metrics["precision_recall_curve"]
    assert list(pr) == ["precisions", "recalls"]
    assert pr["precisions"] == pytest.approx(precision.tolist(), rel=1e-12, abs=1e-15)
    assert pr["recalls"] == pytest.approx(recall.tolist(), rel=1e-12, abs=1e-15)


def test_binary_continuous_scores_areas(tmp_path):
    y, score = binary_data(22, 20_000, separation=1.0, rounded=False)
    data = write_csv(tmp_path / "d.csv", {"label": y, "prob": score})
    _, statistics = run(data, tmp_path / "out", BINARY, probability_attribute="prob")
    metrics = statistics["binary_classification_metrics"]
    assert_values(metrics, {"auc": skm.roc_auc_score(y, score), "au_prc": pr_reference(y, score)[2]})
    roc, pr = metrics["receiver_operating_characteristic_curve"], metrics["precision_recall_curve"]
    # 20,000 distinct scores: the written curves are thinned, keeping the first and last points.
    for curve in (*roc.values(), *pr.values()):
        assert 2 <= len(curve) <= 1000
    assert (roc["false_positive_rates"][0], roc["true_positive_rates"][0]) == (0.0, 0.0)
    assert (roc["false_positive_rates"][-1], roc["true_positive_rates"][-1]) == (1.0, 1.0)
    assert pr["recalls"][0] == 0.0 and pr["recalls"][-1] == 1.0
    assert close(pr["precisions"][-1], y.mean())
    assert np.all(np.diff(roc["false_positive_rates"]) >= 0) and np.all(np.diff(pr["recalls"]) >= 0)


def test_binary_predicted_labels_have_no_curves(tmp_path):
    y, score = binary_data(23, 1500)
    predicted = (score >= 0.42).astype(np.int64)  # labels from some other rule than the default 0.5
    data = write_csv(tmp_path / "d.csv", {"label": y, "pred": predicted, "prob": score})
    _, statistics = run(data, tmp_path / "out", BINARY, inference_attribute="pred")
    metrics = statistics["binary_classification_metrics"]
    assert list(metrics) == [k for k in BINARY_KEYS if k not in SCORE_KEYS]
    assert metrics["confusion_matrix"] == confusion(y, predicted, [0, 1])
    assert_values(metrics, binary_reference(y, predicted))


def test_binary_positive_label_yes_no(tmp_path):
    y, score = binary_data(24, 2000)
    truth = np.where(y == 1, "yes", "no")
    data = write_csv(tmp_path / "d.csv", {"label": truth, "prob": score})
    _, statistics = run(data, tmp_path / "out", BINARY, probability_attribute="prob", positive_label="yes")
    metrics = statistics["binary_classification_metrics"]
    predicted = np.where(score >= 0.5, "yes", "no")
    assert metrics["confusion_matrix"] == confusion(truth, predicted, ["no", "yes"])
    expected = binary_reference(truth, predicted, positive="yes")
    expected["auc"] = skm.roc_auc_score(truth == "yes", score)
    expected["au_prc"] = pr_reference(truth == "yes", score)[2]
    assert_values(metrics, expected)


@pytest.mark.parametrize(("negative", "positive"), [("no", "yes"), ("1", "0")])
def test_binary_positive_label_predicted_labels(tmp_path, negative, positive):
    rng = np.random.default_rng(25)
    truth = np.where(rng.random(700) < 0.3, positive, negative)
    predicted = np.where(rng.random(700) < 0.8, truth, np.where(truth == positive, negative, positive))
    data = write_csv(tmp_path / "d.csv", {"label": truth, "pred": predicted})
    _, statistics = run(data, tmp_path / "out", BINARY, inference_attribute="pred", positive_label=positive)
    metrics = statistics["binary_classification_metrics"]
    assert metrics["confusion_matrix"] == confusion(truth, predicted, [negative, positive])
    assert_values(metrics, binary_reference(truth, predicted, positive=positive))


def test_binary_positive_label_not_among_labels_is_rejected(tmp_path):
    # Labels yes/no, positive_label "Yes" (labels are case-sensitive): rather than count the "yes" rows
    # as neither class, the job stops and names the labels it saw.
    rng = np.random.default_rng(28)
    truth = np.where(rng.random(400) < 0.4, "yes", "no")
    data = write_csv(tmp_path / "d.csv", {"label": truth, "pred": truth})
    with pytest.raises(
        AnalyzerError, match=r"positive_label 'Yes' is not one of the labels in the data \(no, yes\)"
    ):
        run(data, tmp_path / "out", BINARY, inference_attribute="pred", positive_label="Yes")


def test_binary_json_lines_typed_booleans(tmp_path):
    y, score = binary_data(29, 900)
    path = tmp_path / "d.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for t, q in zip(y.tolist(), score.tolist(), strict=True):
            f.write(json.dumps({"truth": bool(t), "model": {"score": q}}) + "\n")
    _, statistics = run(
        path,
        tmp_path / "out",
        BINARY,
        JSONL,
        probability_attribute="$.model.score",
        ground_truth_attribute="$.truth",
    )
    metrics = statistics["binary_classification_metrics"]
    matrix = confusion(y, (score >= 0.5).astype(np.int64), [0, 1])
    names = {"0": "false", "1": "true"}
    assert metrics["confusion_matrix"] == {
        names[t]: {names[p]: c for p, c in row.items()} for t, row in matrix.items()
    }
    assert_values(metrics, {"auc": skm.roc_auc_score(y, score), "au_prc": pr_reference(y, score)[2]})


def test_binary_threshold(tmp_path):
    y, score = binary_data(26, 2500)
    assert np.any(score == 0.3)  # rows exactly at the threshold count as positive
    data = write_csv(tmp_path / "d.csv", {"label": y, "prob": score})
    _, statistics = run(
        data, tmp_path / "out", BINARY, probability_attribute="prob", probability_threshold=0.3
    )
    metrics = statistics["binary_classification_metrics"]
    predicted = (score >= 0.3).astype(np.int64)
    assert metrics["confusion_matrix"] == confusion(y, predicted, [0, 1])
    assert metrics["confusion_matrix"] != confusion(y, (score > 0.3).astype(np.int64), [0, 1])
    assert_values(metrics, binary_reference(y, predicted))
    assert close(metrics["auc"]["value"], skm.roc_auc_score(y, score))  # the curve ignores the threshold


@pytest.mark.parametrize(
    ("spellings", "classes"),
    [
        ({0: ["0", "0.0", " 0 ", "00"], 1: ["1", "1.0", " 1 ", "+1"]}, ["0", "1"]),
        ({0: ["False", "false", "FALSE"], 1: ["True", "true", " true "]}, ["false", "true"]),
    ],
)
def test_binary_label_spellings_are_one_class(tmp_path, spellings, classes):
    rng = np.random.default_rng(27)
    y = (rng.random(900) < 0.4).astype(np.int64)
    predicted = np.where(rng.random(900) < 0.75, y, 1 - y)

    def spell(labels):
        return [spellings[v][k] for v, k in zip(labels, rng.integers(0, 3, len(labels)), strict=True)]

    data = write_csv(tmp_path / "d.csv", {"label": spell(y), "pred": spell(predicted)})
    _, statistics = run(data, tmp_path / "out", BINARY, inference_attribute="pred")
    metrics = statistics["binary_classification_metrics"]
    expected_matrix = confusion(y, predicted, [0, 1])
    assert metrics["confusion_matrix"] == {
        classes[t]: {classes[p]: expected_matrix[str(t)][str(p)] for p in (0, 1)} for t in (0, 1)
    }
    assert_values(metrics, binary_reference(y, predicted))


# -- 3. multiclass -------------------------------------------------------------------------------
def multiclass_reference(truth, predicted) -> dict[str, float]:
    values, counts = np.unique(truth, return_counts=True)
    majority = values[np.argmax(counts)]
    assert np.sort(counts)[-1] > np.sort(counts)[-2]  # no tie for the most frequent class
    constant = np.full(len(truth), majority, dtype=object)
    expected = {}
    for suffix, pred in (("", predicted), ("_best_constant_classifier", constant)):
        expected[f"accuracy{suffix}"] = skm.accuracy_score(truth, pred)
        expected[f"weighted_recall{suffix}"] = skm.recall_score(
            truth, pred, average="weighted", zero_division=0
        )
        expected[f"weighted_precision{suffix}"] = skm.precision_score(
            truth, pred, average="weighted", zero_division=0
        )
        for name, beta in BETAS.items():
            expected[f"weighted_{name}{suffix}"] = skm.fbeta_score(
                truth, pred, beta=beta, average="weighted", zero_division=0
            )
    return expected


@pytest.mark.parametrize(
    ("classes", "extra", "order"),
    [
        ([3, 20, 1, 10, 2], 7, ["1", "2", "3", "7", "10", "20"]),
        (["dog", "cat", "bird", "fish", "ant"], None, ["ant", "bird", "cat", "dog", "fish"]),
    ],
)
def test_multiclass_matches_sklearn(tmp_path, classes, extra, order):
    truth, predicted = multiclass_data(31, 5000, classes, extra)
    truth, predicted = truth.astype(str), predicted.astype(str)
    data = write_csv(tmp_path / "d.csv", {"label": truth, "pred": predicted})
    _, statistics = run(data, tmp_path / "out", MULTICLASS, inference_attribute="pred")
    assert statistics["dataset"] == {"item_count": 5000}
    metrics = statistics["multiclass_classification_metrics"]
    expected = multiclass_reference(truth, predicted)
    assert list(metrics) == ["confusion_matrix", *[k for k in expected if "best" not in k]] + [
        k for k in expected if "best" in k
    ]
    matrix = metrics["confusion_matrix"]
    assert list(matrix) == order and all(list(row) == order for row in matrix.values())
    assert matrix == confusion(truth, predicted, order)
    assert_values(metrics, expected)


# -- 4. standard deviations ----------------------------------------------------------------------
def problem_dataset(tmp: Path, problem_type: str, n: int, seed: int = 41) -> tuple[Path, dict]:
    if problem_type == REGRESSION:
        truth, prediction = regression_data(seed, n)
        columns, config = {"label": truth, "pred": prediction}, {"inference_attribute": "pred"}
    elif problem_type == BINARY:
        y, score = binary_data(seed, n)
        columns, config = {"label": y, "prob": score}, {"probability_attribute": "prob"}
    else:
        truth, prediction = multiclass_data(seed, n, [0, 1, 2, 3, 4])
        columns, config = {"label": truth, "pred": prediction}, {"inference_attribute": "pred"}
    return write_csv(tmp / "data" / "d.csv", columns), config


def deviations(statistics: dict, problem_type: str) -> dict:
    return {k: m["standard_deviation"] for k, m in scalars(statistics[METRICS_KEY[problem_type]]).items()}


@pytest.mark.parametrize("problem_type", [REGRESSION, BINARY, MULTICLASS])
def test_standard_deviations_are_seeded(tmp_path, problem_type):
    data, config = problem_dataset(tmp_path, problem_type, 1200)
    _, first = run(data, tmp_path / "a", problem_type, seed=0, **config)
    _, again = run(data, tmp_path / "b", problem_type, seed=0, **config)
    _, other = run(data, tmp_path / "c", problem_type, seed=1, **config)
    sd = deviations(first, problem_type)
    assert all(isinstance(v, float) and math.isfinite(v) and v >= 0 for v in sd.values()), sd
    assert deviations(again, problem_type) == sd
    assert first == again
    # The seed moves the subsamples only: values identical, deviations different.
    assert {k: m["value"] for k, m in scalars(other[METRICS_KEY[problem_type]]).items()} == {
        k: m["value"] for k, m in scalars(first[METRICS_KEY[problem_type]]).items()
    }
    other_sd = deviations(other, problem_type)
    moving = [k for k, v in sd.items() if v > 0]
    assert moving and all(other_sd[k] != sd[k] for k in moving), (sd, other_sd)
    headline = {REGRESSION: "mae", BINARY: "accuracy", MULTICLASS: "accuracy"}[problem_type]
    assert sd[headline] > 0


@pytest.mark.parametrize("problem_type", [REGRESSION, BINARY, MULTICLASS])
def test_standard_deviation_nan_below_200_examples(tmp_path, problem_type):
    data, config = problem_dataset(tmp_path, problem_type, 150)
    result, statistics = run(data, tmp_path / "out", problem_type, **config)
    assert statistics["dataset"]["item_count"] == 150
    sd = deviations(statistics, problem_type)
    assert sd and all(v == "NaN" for v in sd.values()), sd
    in_memory = deviations(result.statistics, problem_type)
    assert all(isinstance(v, float) and math.isnan(v) for v in in_memory.values())
    assert '"standard_deviation" : "NaN"' in (tmp_path / "out" / "statistics.json").read_text()


def test_accuracy_deviation_has_the_subsampling_magnitude(tmp_path):
    # The sd of an 80% subsample's accuracy around the full sample's is about sqrt(p(1-p)/n * 0.25).
    n = 3000
    data, config = problem_dataset(tmp_path, BINARY, n)
    found = []
    for seed in range(8):
        _, statistics = run(data, tmp_path / f"out{seed}", BINARY, seed=seed, **config)
        accuracy = statistics["binary_classification_metrics"]["accuracy"]
        found.append(accuracy["standard_deviation"])
    p = accuracy["value"]
    expected = math.sqrt(p * (1 - p) / n * 0.25)
    assert expected / 3 < found[0] < expected * 3, (found[0], expected)
    pooled = math.sqrt(np.mean(np.square(found)))  # 8 x 4 degrees of freedom
    assert expected / 1.5 < pooled < expected * 1.5, (pooled, expected)


# -- 5. suggested constraints --------------------------------------------------------------------
@pytest.mark.parametrize("problem_type", [REGRESSION, BINARY, MULTICLASS])
def test_suggested_constraints(tmp_path, problem_type):
    data, config = problem_dataset(tmp_path, problem_type, 1000)
    result, statistics = run(data, tmp_path / "out", problem_type, **config)
    document = json.loads((tmp_path / "out" / "constraints.json").read_text(encoding="utf-8"))
    assert document == result.constraints
    assert set(document) == {"version", CONSTRAINTS_KEY[problem_type]}
    constraints = document[CONSTRAINTS_KEY[problem_type]]
    values = {k: m["value"] for k, m in scalars(statistics[METRICS_KEY[problem_type]]).items()}
    expected = {k for k in values if not k.endswith("_best_constant_classifier")}
    assert set(constraints) == expected
    assert not any("curve" in k or "confusion" in k for k in constraints)
    for name, body in constraints.items():
        assert set(body) == {"threshold", "comparison_operator"}
        assert body["threshold"] == values[name], name
        operator = "GreaterThanThreshold" if name in ERROR_METRICS else "LessThanThreshold"
        assert body["comparison_operator"] == operator, name
    if problem_type == REGRESSION:
        assert set(constraints) == {"mae", "mse", "rmse", "r2"}
    if problem_type == BINARY:
        assert {"auc", "au_prc", "f1", "precision", "recall", "accuracy"} <= set(constraints)


# -- 6. Spark and in-process give the same statistics ---------------------------------------------
def test_spark_and_local_statistics_identical(spark, tmp_path, monkeypatch):
    y, score = binary_data(61, 6000)
    predicted = np.where(score >= 0.5, 1, 0)
    for part, rows in enumerate(np.array_split(np.arange(6000), 3)):
        write_csv(
            tmp_path / "data" / f"part-{part}.csv",
            {"label": y[rows], "pred": predicted[rows], "prob": score[rows]},
        )
    config = {"inference_attribute": "pred", "probability_attribute": "prob", "seed": 7}
    _, local = run(tmp_path / "data", tmp_path / "local", BINARY, **config)
    # Several splits per file and several tasks on Spark; one task in process.
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "20000")
    monkeypatch.setenv("MONITOR_ANALYZER_TASK_BYTES", "40000")
    _, split_local = run(tmp_path / "data", tmp_path / "split_local", BINARY, **config)
    _, on_spark = run(tmp_path / "data", tmp_path / "spark", BINARY, engine="spark", spark=spark, **config)
    assert on_spark == split_local
    assert (tmp_path / "spark" / "statistics.json").read_bytes() == (
        tmp_path / "split_local" / "statistics.json"
    ).read_bytes()
    # Splitting changes only the subsamples: the values are the full data's either way.
    metrics = on_spark["binary_classification_metrics"]
    assert metrics["confusion_matrix"] == local["binary_classification_metrics"]["confusion_matrix"]
    assert close(metrics["auc"]["value"], skm.roc_auc_score(y, score))
    assert all(math.isfinite(m["standard_deviation"]) for m in scalars(metrics).values())


# -- 7. monitoring against the suggested constraints ---------------------------------------------
VIOLATION = re.compile(r"Metric (\S+) with (\S+) was (\S+) (\S+)")


def test_monitoring_own_data_is_clean_and_worse_model_violates(tmp_path):
    y, score = binary_data(71, 2000)
    baseline_data = write_csv(tmp_path / "base" / "d.csv", {"label": y, "prob": score})
    config = {"probability_attribute": "prob"}
    _, baseline = run(baseline_data, tmp_path / "baseline", BINARY, **config)
    constraints_path = tmp_path / "baseline" / "constraints.json"

    result, _ = run(baseline_data, tmp_path / "same", BINARY, baseline_constraints=constraints_path, **config)
    assert json.loads((tmp_path / "same" / "constraint_violations.json").read_text()) == {"violations": []}
    assert result.message == COMPLETED

    _, worse_score = binary_data(71, 2000, separation=0.4)
    worse_data = write_csv(tmp_path / "worse" / "d.csv", {"label": y, "prob": worse_score})
    result, worse = run(worse_data, tmp_path / "mon", BINARY, baseline_constraints=constraints_path, **config)
    violations = json.loads((tmp_path / "mon" / "constraint_violations.json").read_text())["violations"]
    assert violations and result.message.startswith("CompletedWithViolations")
    assert f"with {len(violations)} violations" in result.message
    thresholds = json.loads(constraints_path.read_text())["binary_classification_constraints"]
    now = {k: m["value"] for k, m in scalars(worse["binary_classification_metrics"]).items()}
    for violation in violations:
        assert list(violation) == ["constraint_check_type", "description", "metric_name"]
        name, value, check, threshold = VIOLATION.fullmatch(violation["description"]).groups()
        assert (name, check) == (violation["metric_name"], violation["constraint_check_type"])
        assert float(value) == now[name] and float(threshold) == thresholds[name]["threshold"]
    # Exactly the metrics on the wrong side of their threshold, recomputed here.
    expected = {
        name
        for name, body in thresholds.items()
        if (now[name] > body["threshold"] if body["comparison_operator"] == "GreaterThanThreshold"
            else now[name] < body["threshold"])
    }  # fmt: skip
    assert {v["metric_name"] for v in violations} == expected
    assert {"f1", "accuracy", "auc", "au_prc"} <= expected
    assert now["auc"] < baseline["binary_classification_metrics"]["auc"]["value"]


@pytest.mark.parametrize("perfect", [True, False])
def test_regression_r2_with_constant_ground_truth_is_finite_as_in_sklearn(tmp_path, perfect):
    truth = np.full(50, 3.5)
    predicted = truth if perfect else truth + np.random.default_rng(30).normal(0, 1, 50)
    data = write_csv(tmp_path / "d.csv", {"label": truth, "pred": predicted})
    _, statistics = run(data, tmp_path / "out", REGRESSION, inference_attribute="pred")
    assert statistics["regression_metrics"]["r2"]["value"] == skm.r2_score(truth, predicted)
