"""Parquet datasets end to end: typed columns, strings typed by regex, structs flattened."""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.config.formats import parse_dataset_format
from tests.conftest import features_by_name

PARQUET = parse_dataset_format('{"parquet": {}}')


def check_accounting(result) -> None:
    ledger = result.ledger
    assert ledger.records_read == ledger.records_analyzed + ledger.records_dropped + ledger.records_skipped
    assert result.statistics["dataset"]["item_count"] == ledger.records_analyzed


def names(statistics: dict) -> list[str]:
    return [f["name"] for f in statistics["features"]]


def test_types_structs_and_missing(baseline, tmp_path):
    table = pa.table(
        {
            "count": pa.array([1, 2, None, 4], pa.int64()),
            "small": pa.array([1, 2, 3, 4], pa.int8()),
            "ratio": pa.array([0.5, 1.5, 2.0, math.nan], pa.float64()),
            "numeric_text": pa.array(["1", "2", "3", None], pa.string()),
            "decimal_text": pa.array(["1.5", "2", "3", "4"], pa.string()),
            "label": pa.array(["a", "b", "a", "東京"], pa.string()),
            "s": pa.array(
                [
                    {"x": 1, "t": {"u": "p"}},
                    {"x": 2, "t": {"u": "q"}},
                    {"x": None, "t": None},
                    {"x": 4, "t": {"u": "p"}},
                ],
                pa.struct([("x", pa.int32()), ("t", pa.struct([("u", pa.string())]))]),
            ),
        }
    )
    data = tmp_path / "data" / "part-0.parquet"
    data.parent.mkdir()
    pq.write_table(table, data)
    stats, _, result = baseline(data, PARQUET)
    # Parquet keeps the schema's order (no sorting), nested fields by dotted name
    assert names(stats) == [
        "count",
        "small",
        "ratio",
        "numeric_text",
        "decimal_text",
        "label",
        "s.x",
        "s.t.u",
    ]
    assert stats["dataset"]["item_count"] == 4
    f = features_by_name(stats)
    assert f["count"]["inferred_type"] == "Integral"
    assert f["count"]["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert f["count"]["numerical_statistics"]["sum"] == 7.0
    assert f["small"]["inferred_type"] == "Integral"
    assert f["ratio"]["inferred_type"] == "Fractional"
    assert f["ratio"]["numerical_statistics"]["sum"] == 4.0  # NaN counted missing, not summed
    assert f["ratio"]["numerical_statistics"]["common"]["num_missing"] == 1
    assert f["numeric_text"]["inferred_type"] == "Integral"  # a string column is typed by regex
    assert f["numeric_text"]["numerical_statistics"]["sum"] == 6.0
    assert f["decimal_text"]["inferred_type"] == "Fractional"
    assert f["label"]["inferred_type"] == "String"
    assert f["s.x"]["inferred_type"] == "Integral"
    assert f["s.x"]["numerical_statistics"]["sum"] == 7.0
    assert f["s.t.u"]["inferred_type"] == "String"
    assert f["s.t.u"]["string_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    text = (tmp_path / "out" / "statistics.json").read_text(encoding="utf-8")
    assert '"東京"' in text and "\\u" not in text
    check_accounting(result)


def test_directory_of_parts(baseline, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    for i in range(3):
        pq.write_table(
            pa.table({"v": pa.array([i * 10 + j for j in range(5)], pa.int64())}), root / f"part-{i}.parquet"
        )
    (root / "_SUCCESS").write_bytes(b"")
    (root / ".part-0.parquet.crc").write_bytes(b"not parquet")
    stats, _, result = baseline(root, PARQUET)
    assert stats["dataset"]["item_count"] == 15
    v = features_by_name(stats)["v"]["numerical_statistics"]
    assert (v["min"], v["max"], v["sum"]) == (0.0, 24.0, sum(i * 10 + j for i in range(3) for j in range(5)))
    assert result.ledger.records_read == 15
    check_accounting(result)
