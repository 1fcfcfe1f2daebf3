"""Model quality on merged capture data whose model answers in JSON.

For ``sagemakerMergeJson`` data (capture records joined with their ground truth) where the endpoint
returns JSON such as ``{"predictions": [{"score": 0.82, "predicted_label": 1}]}`` (SageMaker's
built-in linear learner and XGBoost JSON answers look like this) or a bare ``{"score": 0.82}``, and
the ground truth is CSV (``"1"``) or JSON (``{"label": 1}``). Returns one row:
``{"score": ..., "predicted_label": ..., "label": ...}``; use it with

    monitor-analyzer monitor --format merged --problem-type BinaryClassification \
        --probability-attribute score --ground-truth-attribute label \
        --preprocessor preprocessors/model_quality_json_output.py ...

(or ``--inference-attribute predicted_label`` to judge the model's own labels). A record without
ground truth yields a row without ``label``, which the analyzer leaves out and counts.
"""

import json

SCORE_KEYS = ("score", "probability", "prediction")
LABEL_KEYS = ("predicted_label", "label")


def _first_prediction(output):
    if isinstance(output, dict) and isinstance(output.get("predictions"), list) and output["predictions"]:
        output = output["predictions"][0]
    if isinstance(output, list) and output:
        output = output[0]
    return output


def _pick(values, keys):
    for key in keys:
        if key in values:
            return values[key]
    return None


def preprocess_handler(inference_record):
    output = inference_record.endpoint_output
    row = {}
    if output is not None and output.data is not None:
        if (output.encoding or "").upper() == "JSON":
            prediction = _first_prediction(json.loads(output.data))
            if isinstance(prediction, dict):
                row["score"] = _pick(prediction, SCORE_KEYS)
                row["predicted_label"] = _pick(prediction, LABEL_KEYS)
            else:
                row["score"] = prediction
        else:
            row["score"] = output.data.strip().split(",")[0]
    truth = inference_record.ground_truth
    if truth is not None and truth.data is not None:
        if (truth.encoding or "").upper() == "JSON":
            value = json.loads(truth.data)
            row["label"] = value.get("label") if isinstance(value, dict) else value
        else:
            row["label"] = truth.data.strip().split(",")[0]
    return row
