"""What a model-quality job evaluates: the problem type and where label, prediction and probability are.

Attributes follow the SageMaker contract: a column name (headered CSV, flat JSON), a 0-based column
index as a string (``"0"``), or a JSONPath (``$.predictions[0].score``) into a JSON payload.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.common.errors import ConfigError
from analyzer.config.jsonpath import jsonpath_steps
from analyzer.config.problem_types import (
    BINARY,
    CONSTRAINTS_KEY,
    DEFAULT_SEED,
    DEFAULT_THRESHOLD,
    METRICS_KEY,
    MULTICLASS,
    PROBLEM_TYPES,
    REGRESSION,
    problem_type_of,
    threshold_of,
)
from analyzer.readers.batch import GROUND_TRUTH, GROUND_TRUTH_SEGMENT, Column

__all__ = [
    "BINARY",
    "CONSTRAINTS_KEY",
    "DEFAULT_SEED",
    "DEFAULT_THRESHOLD",
    "METRICS_KEY",
    "MULTICLASS",
    "PROBLEM_TYPES",
    "REGRESSION",
    "problem_type_of",
    "threshold_of",
    "QualitySpec",
]


@dataclass(frozen=True)
class QualitySpec:
    problem_type: str
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float = DEFAULT_THRESHOLD
    ground_truth_attribute: str | None = None
    positive_label: str | None = None
    # Merged capture data: the label is in groundTruthData, not in a column of the dataset.
    merged: bool = False
    # Seeds the five 80% subsamples behind each standard_deviation (reproducible runs).
    seed: int = DEFAULT_SEED
    # Splits are seeded by their path relative to this directory: the same data gives the same
    # deviations wherever it is mounted (a laptop, a container, a cluster).
    data_root: str = ""

    def validate(self) -> QualitySpec:
        if self.problem_type not in PROBLEM_TYPES:
            raise ConfigError(
                f"A model-quality job needs problem_type, one of {', '.join(PROBLEM_TYPES)}"
                + (f"; got {self.problem_type!r}" if self.problem_type else "")
            )
        if self.problem_type == BINARY:
            if not (self.inference_attribute or self.probability_attribute):
                raise ConfigError(
                    "BinaryClassification needs inference_attribute (the predicted label) or "
                    "probability_attribute (the score, compared with probability_threshold_attribute)"
                )
        elif not self.inference_attribute:
            raise ConfigError(f"{self.problem_type} needs inference_attribute (where the prediction is)")
        if not self.merged and not self.ground_truth_attribute:
            raise ConfigError(
                "A model-quality baseline needs ground_truth_attribute (the column with the true label); "
                "monitoring runs on sagemakerMergeJson data take it from groundTruthData"
            )
        return self


def jsonpath_name(path: str) -> str | None:
    """``$.a.b[0]`` / ``$['a b']`` as the flattened column name (``a.b[0]``, ``a b``); None if not one."""
    text = path.strip()
    if not text.startswith("$"):
        return None
    name = ""
    for step in jsonpath_steps(text, f"JSONPath {path!r}"):
        if isinstance(step, int):
            name += f"[{step}]"
        else:
            name += ("." if name else "") + step
    return name


def ordered(columns: list[Column]) -> list[Column]:
    return sorted(columns, key=lambda c: (c.order, c.name))


def split_ground_truth(columns: list[Column]) -> tuple[list[Column], list[Column]]:
    """(dataset columns, groundTruthData columns with the prefix taken off their names)."""
    data, truth = [], []
    for column in columns:
        if column.order and column.order[0] == GROUND_TRUTH_SEGMENT:
            truth.append(Column(column.name[len(GROUND_TRUTH) + 1 :], column.order, column.values))
        else:
            data.append(column)
    return ordered(data), ordered(truth)


def find_column(key: str, attribute: str, columns: list[Column]) -> Column:
    """The column an attribute names: an exact name, then a JSONPath, then a 0-based index."""
    by_name = {c.name: c for c in columns}
    if attribute in by_name:
        return by_name[attribute]
    path = jsonpath_name(attribute)
    if path is not None and path in by_name:
        return by_name[path]
    text = attribute.strip()
    if text.isdigit() and int(text) < len(columns):
        return columns[int(text)]
    shown = ", ".join(c.name for c in columns[:20]) + (", ..." if len(columns) > 20 else "")
    if text.isdigit():
        raise ConfigError(f"{key} {attribute!r} is a column index, but the data has {len(columns)} columns")
    raise ConfigError(f"{key} {attribute!r} matches no column; the columns are: {shown or '(none)'}")
