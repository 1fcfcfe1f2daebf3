"""A wide dataset: 2,000 columns x 300 rows baselines in column order with the right statistics."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from analyzer.config.formats import DatasetFormat

COLUMNS, ROWS = 2000, 300


def wide_frame() -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(2000)
    data, kinds = {}, {}
    for i in range(COLUMNS):
        # Names whose text order differs from column order (c10 < c2), so order is really checked.
        name = f"c{i}"
        if i % 10 == 7:
            data[name] = [f"v{k}" for k in rng.integers(0, 5, ROWS)]
            kinds[name] = "String"
        elif i % 3 == 0:
            data[name] = [str(v) for v in rng.integers(-100, 100, ROWS)]
            kinds[name] = "Integral"
        else:
            values = [repr(float(v)) for v in rng.normal(i, 1 + i % 7, ROWS)]
            if i % 4 == 1:
                values[i % ROWS] = None  # one missing value
            data[name] = values
            kinds[name] = "Fractional"
    return pd.DataFrame(data), kinds


def deequ_buckets(values: np.ndarray) -> list[dict]:
    """Exact counts in Deequ's 10 equal-width buckets (the last one closed at its upper bound)."""
    low, high = float(values.min()), float(values.max())
    out = []
    for i in range(10):
        lower, upper = low + (high - low) * i / 10.0, low + (high - low) * (i + 1) / 10.0
        inside = (values >= lower) & ((values <= upper) if i == 9 else (values < upper))
        out.append({"lower_bound": lower, "upper_bound": upper, "count": float(np.count_nonzero(inside))})
    return out


def test_wide_dataset(baseline, tmp_path):
    frame, kinds = wide_frame()
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    started = time.monotonic()
    statistics, constraints, _ = baseline(path, DatasetFormat(kind="csv", header=True))
    elapsed = time.monotonic() - started
    print(f"wide baseline: {COLUMNS} columns x {ROWS} rows in {elapsed:.1f} s")
    assert elapsed < 60

    features = statistics["features"]
    assert statistics["dataset"]["item_count"] == ROWS
    assert [f["name"] for f in features] == [f"c{i}" for i in range(COLUMNS)]
    assert [f["inferred_type"] for f in features] == [kinds[f"c{i}"] for i in range(COLUMNS)]
    assert [f["name"] for f in constraints["features"]] == [f"c{i}" for i in range(COLUMNS)]

    for i in [0, 1, 2, 5, 7, 999, 1000, 1001, 1997, 1998, 1999]:
        name, feature = f"c{i}", features[i]
        present = [v for v in frame[name] if isinstance(v, str)]
        if kinds[name] == "String":
            stats = feature["string_statistics"]
            assert stats["common"] == {"num_present": ROWS, "num_missing": 0}
            counts = pd.Series(present).value_counts().to_dict()
            assert {b["value"]: b["count"] for b in stats["distribution"]["categorical"]["buckets"]} == counts
            assert stats["distinct_count"] == float(len(counts))
            continue
        values = np.array([float(v) for v in present])
        stats = feature["numerical_statistics"]
        assert stats["common"] == {"num_present": len(values), "num_missing": ROWS - len(values)}
        assert stats["sum"] == pytest.approx(math.fsum(values), rel=1e-9, abs=1e-9)
        assert stats["mean"] == pytest.approx(math.fsum(values) / len(values), rel=1e-9, abs=1e-9)
        assert stats["std_dev"] == pytest.approx(float(np.std(values)), rel=1e-9)
        assert (stats["min"], stats["max"]) == (values.min(), values.max())
        assert stats["distribution"]["kll"]["sketch"]["data"] == [values.tolist()]
        assert stats["distribution"]["kll"]["buckets"] == deequ_buckets(values)
    # A column with one missing value is found as such.
    assert features[1]["numerical_statistics"]["common"] == {"num_present": ROWS - 1, "num_missing": 1}
    assert constraints["features"][1]["completeness"] == (ROWS - 1) / ROWS
