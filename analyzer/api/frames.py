"""The JSON documents as pandas DataFrames, one row per feature or per violation."""

from __future__ import annotations

FEATURE_COLUMNS = (
    "name",
    "inferred_type",
    "completeness",
    "num_present",
    "num_missing",
    "distinct_count",
    "mean",
    "std_dev",
    "min",
    "max",
    "sum",
)
VIOLATION_COLUMNS = ("feature_name", "constraint_check_type", "description")
DRIFT_COLUMNS = (
    "feature_name",
    "inferred_type",
    "kind",
    "method",
    "score",
    "threshold",
    "p_value",
    "drifted",
)


def feature_row(feature: dict) -> dict:
    numbers = feature.get("numerical_statistics")
    stats = numbers or feature.get("string_statistics") or {}
    common = stats.get("common", {})
    present, missing = common.get("num_present"), common.get("num_missing")
    total = (present or 0) + (missing or 0)
    row = {
        "name": feature.get("name"),
        "inferred_type": feature.get("inferred_type"),
        "completeness": present / total if total else None,
        "num_present": present,
        "num_missing": missing,
        "distinct_count": stats.get("distinct_count"),
    }
    for key in ("mean", "std_dev", "min", "max", "sum"):
        row[key] = numbers.get(key) if numbers else None
    return row


def features_frame(statistics: dict):
    import pandas as pd

    rows = [feature_row(f) for f in statistics.get("features", [])]
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))


def constraints_frame(constraints: dict):
    import pandas as pd

    rows = []
    for feature in constraints.get("features", []):
        rows.append(
            {
                "name": feature.get("name"),
                "inferred_type": feature.get("inferred_type"),
                "completeness": feature.get("completeness"),
                "is_non_negative": feature.get("num_constraints", {}).get("is_non_negative"),
                "domains": feature.get("string_constraints", {}).get("domains"),
            }
        )
    return pd.DataFrame(rows, columns=["name", "inferred_type", "completeness", "is_non_negative", "domains"])


def violations_frame(violations: dict):
    import pandas as pd

    rows = [{k: v.get(k) for k in VIOLATION_COLUMNS} for v in violations.get("violations", [])]
    return pd.DataFrame(rows, columns=list(VIOLATION_COLUMNS))


def drift_frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))
