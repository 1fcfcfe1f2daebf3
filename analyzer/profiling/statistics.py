"""statistics.json from a merged profile, in the prebuilt analyzer's schema and key order."""

from __future__ import annotations

from analyzer.profiling.column import ColumnState
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.datatypes import InferredType, determine_type
from analyzer.readers.ledger import Ledger


def build_statistics(profile: DatasetProfile) -> dict:
    return {
        "version": 0.0,
        "dataset": dataset_section(profile.item_count, profile.ledger),
        "features": [feature_statistics(c, profile.item_count) for c in profile.ordered_columns()],
    }


def dataset_section(item_count: int, ledger: Ledger) -> dict:
    """``skipped`` only when something was: clean datasets keep the prebuilt analyzer's layout."""
    section: dict = {"item_count": item_count}
    skipped = ledger.skipped_section()
    if skipped is not None:
        section["skipped"] = skipped
    return section


def feature_statistics(column: ColumnState, item_count: int) -> dict:
    inferred = determine_type(column.type_counts)
    feature: dict = {"name": column.name, "inferred_type": inferred.value}
    if inferred == InferredType.UNKNOWN:
        return feature
    common = {"num_present": column.num_present, "num_missing": item_count - column.num_present}
    if inferred.is_numeric:
        feature["numerical_statistics"] = numerical_statistics(column, common)
    else:
        feature["string_statistics"] = string_statistics(column, common)
    return feature


def numerical_statistics(column: ColumnState, common: dict) -> dict:
    m = column.moments
    kll = column.kll
    return {
        "common": common,
        "mean": m.average,
        "sum": m.sum,
        "std_dev": m.std_dev,
        "min": m.minimum,
        "max": m.maximum,
        "distribution": {
            "kll": {
                "buckets": [
                    {"lower_bound": lo, "upper_bound": hi, "count": n}
                    for lo, hi, n in kll.equal_width_buckets(
                        m.minimum, m.maximum, column.settings.histogram_buckets
                    )
                ],
                "sketch": {
                    "parameters": {"c": kll.shrinking_factor, "k": float(kll.sketch_size)},
                    "data": kll.levels(),
                },
            }
        },
    }


def string_statistics(column: ColumnState, common: dict) -> dict:
    stats: dict = {"common": common, "distinct_count": column.distinct_count()}
    if column.histogram is not None:
        buckets = sorted(column.histogram.items(), key=lambda kv: (-kv[1], kv[0]))
        stats["distribution"] = {"categorical": {"buckets": [{"value": v, "count": n} for v, n in buckets]}}
    elif column.topk is not None:
        # Beside, not inside, "distribution": readers take that as the exact histogram of every value.
        stats["top_k"] = column.topk.to_json(column.num_present)
    return stats
