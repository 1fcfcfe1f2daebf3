"""Flatten an array-valued model output and a CSV input into one flat row per capture record.

Use with endpoint data capture (``dataset_format`` ``{"sagemakerCaptureJson": {}}``) when the model
answers with an array, for example a multiclass model returning class probabilities::

    endpointOutput.data  '{"predictions": [0.1, 0.7, 0.2]}'   (JSON; a bare [0.1, 0.7, 0.2] or the
                                                                CSV text "0.1,0.7,0.2" work too)
    endpointInput.data   '5.1,3.5,1.4,0.2'                     (CSV; a JSON list or {"instances": [...]}
                                                                works too)

Without a preprocessor such an output is one nested column; with this script each record becomes::

    {"feature_0000": "5.1", "feature_0001": "3.5", "feature_0002": "1.4", "feature_0003": "0.2",
     "prediction_000": 0.1, "prediction_001": 0.7, "prediction_002": 0.2}

Columns come out in lexicographic key order. The numbers are zero-padded so that this order is
the numeric order inside each group (unpadded, ``feature_10`` would sort before ``feature_2``); the
``feature_*`` group sorts before the ``prediction_*`` group. Rename the prefixes below to change
the names or the group order (e.g. ``"a_prediction_"`` to put the outputs first).

A payload holding several rows (a CSV input with N lines and an output of N arrays, e.g.
``{"predictions": [[...], [...]]}``) yields N rows; a mismatch raises an error naming the record.
Empty CSV fields become missing values. BASE64-encoded parts are decoded first.

Copy this file, adjust it, and pass it as ``record_preprocessor_script`` (SageMaker SDK:
``suggest_baseline(record_preprocessor_script=...)``) or ``monitor-analyzer baseline --preprocessor``.
"""

import base64
import csv
import json

PREDICTION_PREFIX = "prediction_"
PREDICTION_DIGITS = 3
FEATURE_PREFIX = "feature_"
FEATURE_DIGITS = 4
OUTPUT_KEYS = ("predictions", "prediction", "probabilities", "scores", "outputs")
INPUT_KEYS = ("instances", "features", "inputs")


def _text(event):
    """The payload text of one capture part, BASE64 decoded when needed; None when absent."""
    if event is None or event.data is None:
        return None, None
    encoding = (event.encoding or "CSV").upper()
    data = event.data
    if encoding == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
        content_type = (event.observedContentType or "").lower()
        encoding = "JSON" if "json" in content_type else "CSV"
    return data, encoding


def _csv_rows(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return [[value if value != "" else None for value in row] for row in csv.reader(lines)]


def _json_rows(value, keys):
    """JSON payload -> list of rows (each a list of values)."""
    if isinstance(value, dict):
        for key in keys:
            if key in value:
                value = value[key]
                break
        else:
            raise ValueError(f"expected one of the keys {', '.join(keys)} in {sorted(value)}")
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return value  # several rows
    if isinstance(value, list):
        return [value]
    return [[value]]  # a single scalar


def _rows(event, keys):
    text, encoding = _text(event)
    if text is None:
        return None
    if encoding == "JSON":
        return _json_rows(json.loads(text), keys)
    stripped = text.strip()
    if stripped.startswith(("[", "{")):  # JSON sent with a CSV content type
        return _json_rows(json.loads(stripped), keys)
    return _csv_rows(text)


def _named(values, prefix, digits):
    return {f"{prefix}{str(i).zfill(digits)}": v for i, v in enumerate(values)}


def preprocess_handler(inference_record, logger):
    outputs = _rows(inference_record.endpoint_output, OUTPUT_KEYS)
    inputs = _rows(inference_record.endpoint_input, INPUT_KEYS)
    if outputs is None and inputs is None:
        logger.warning("record %s has neither input nor output", inference_record.event_metadata)
        return []
    if outputs is not None and inputs is not None and len(outputs) != len(inputs):
        raise ValueError(f"{len(inputs)} input row(s) but {len(outputs)} output row(s)")
    count = len(outputs if outputs is not None else inputs)
    rows = []
    for i in range(count):
        row = {}
        if inputs is not None:
            row.update(_named(inputs[i], FEATURE_PREFIX, FEATURE_DIGITS))
        if outputs is not None:
            row.update(_named(outputs[i], PREDICTION_PREFIX, PREDICTION_DIGITS))
        rows.append(row)
    return rows[0] if len(rows) == 1 else rows
