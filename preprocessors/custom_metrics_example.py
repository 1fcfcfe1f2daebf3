"""Three custom metrics: a per-feature share, a per-feature mean and a dataset-level share.

* ``negative_share`` of a numeric feature: the share of its numbers that are below zero;
* ``mean_length`` of a text feature: the mean length, in characters, of its present values;
* ``rows_with_missing_share`` (dataset): the share of rows with at least one missing value.

Each metric is a mergeable state: ``init()`` makes an empty one, ``update(state, values)`` folds in
one batch of rows, ``merge(earlier, later)`` combines two parts of the data, ``result(state)`` gives
the number. Here every state is a pair of counts, so merging is adding. ``suggest(value)`` turns the
baseline's value into the threshold written to constraints.json; edit the file to tighten it.

The feature names come from the environment (a processing job's Environment keys that the analyzer
does not use are exported to the scripts), with defaults for the test data::

    CUSTOM_METRICS_NUMERIC_FEATURE=income CUSTOM_METRICS_TEXT_FEATURE=comment

Use it: ``monitor-analyzer baseline --metrics-script preprocessors/custom_metrics_example.py ...``
(the same flag on ``monitor``) or the job's ``custom_metrics_script`` key.
"""

import os

import numpy as np

NUMERIC_FEATURE = os.environ.get("CUSTOM_METRICS_NUMERIC_FEATURE", "income")
TEXT_FEATURE = os.environ.get("CUSTOM_METRICS_TEXT_FEATURE", "comment")
TOLERANCE = 0.05  # absolute slack over a baseline share before a run counts as a violation


def pair():
    return (0, 0)


def add(a, b):
    return (a[0] + b[0], a[1] + b[1])


def ratio(state):
    hits, total = state
    return hits / total if total else float("nan")


def negative_update(state, values):
    # values: float64, one per row, NaN where the row has no number
    present = ~np.isnan(values)
    return add(state, (int(np.count_nonzero(values[present] < 0)), int(np.count_nonzero(present))))


def length_update(state, values):
    # values: a pandas Series of str, one per row, NA where missing
    return add(state, (int(values.str.len().sum()), int(values.notna().sum())))


def missing_rows_update(state, frame):
    # frame: a pandas DataFrame of the batch, one str column per feature, NA where missing
    return add(state, (int(frame.isna().any(axis=1).sum()), len(frame)))


def metrics_handler():
    return [
        {
            "name": "negative_share",
            "feature": NUMERIC_FEATURE,
            "input": "numbers",
            "init": pair,
            "update": negative_update,
            "merge": add,
            "result": ratio,
            "suggest": lambda value: ("GreaterThanThreshold", min(value + TOLERANCE, 1.0)),
        },
        {
            "name": "mean_length",
            "feature": TEXT_FEATURE,
            "input": "text",
            "init": pair,
            "update": length_update,
            "merge": add,
            "result": ratio,
            "suggest": lambda value: ("GreaterThanThreshold", value * 1.5),
        },
        {
            "name": "rows_with_missing_share",
            "input": "text",
            "init": pair,
            "update": missing_rows_update,
            "merge": add,
            "result": ratio,
            "suggest": lambda value: ("GreaterThanThreshold", min(value + TOLERANCE, 1.0)),
        },
    ]
