"""JSON Lines datasets end to end: flattening, column order, number text, bad lines (real local Spark)."""

from __future__ import annotations

import json

from analyzer.config.formats import parse_dataset_format
from tests.conftest import features_by_name

JSON_LINES = parse_dataset_format('{"json": {"lines": true}}')


def check_accounting(result) -> None:
    ledger = result.ledger
    assert ledger.records_read == ledger.records_analyzed + ledger.records_dropped + ledger.records_skipped
    assert result.statistics["dataset"]["item_count"] == ledger.records_analyzed


def write_lines(path, lines: list[str]):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def names(statistics: dict) -> list[str]:
    return [f["name"] for f in statistics["features"]]


def common(feature: dict) -> dict:
    kind = "numerical_statistics" if "numerical_statistics" in feature else "string_statistics"
    return feature[kind]["common"]


def test_flat_objects(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            '{"age": 30, "height": 1.75, "city": "Paris"}',
            '{"age": 40, "height": 1.8, "city": "Lyon"}',
            '{"age": 50, "height": 1.62, "city": "Paris"}',
        ],
    )
    stats, constraints, result = baseline(data, JSON_LINES)
    assert names(stats) == ["age", "city", "height"]
    f = features_by_name(stats)
    assert f["age"]["inferred_type"] == "Integral"
    assert f["age"]["numerical_statistics"]["sum"] == 120.0
    assert f["height"]["inferred_type"] == "Fractional"
    assert f["height"]["numerical_statistics"]["min"] == 1.62
    assert f["city"]["inferred_type"] == "String"
    assert stats["dataset"]["item_count"] == 3
    assert [c["name"] for c in constraints["features"]] == names(stats)
    check_accounting(result)


def test_nested_objects_and_arrays_flattened_in_key_path_order(baseline, tmp_path):
    record = {
        "z": 1,
        "a": {"y": [10, 20], "b": {"c": "deep"}},
        "arr": list(range(12)),  # indices sort numerically: arr[2] before arr[10]
        "objs": [{"k": "v1", "n": 1}, {"k": "v2"}],
        "a_b": 5,  # "a_b" > "a" but must not interleave with the "a.*" paths
    }
    data = write_lines(tmp_path / "d.jsonl", [json.dumps(record), json.dumps(record)])
    stats, _, result = baseline(data, JSON_LINES)
    expected = (
        ["a.b.c", "a.y[0]", "a.y[1]", "a_b"]
        + [f"arr[{i}]" for i in range(12)]
        + ["objs[0].k", "objs[0].n", "objs[1].k", "z"]
    )
    assert names(stats) == expected
    f = features_by_name(stats)
    assert f["a.y[1]"]["numerical_statistics"]["sum"] == 40.0
    assert f["arr[11]"]["numerical_statistics"]["max"] == 11.0
    assert f["a.b.c"]["inferred_type"] == "String"
    check_accounting(result)


def test_key_order_across_lines_and_missing_keys(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            '{"b": 1, "a": "x", "c": 1.5}',
            '{"c": 2.5, "a": "y", "b": 2}',
            '{"a": "z"}',
            '{"b": null, "a": null, "d": true}',
        ],
    )
    stats, _, result = baseline(data, JSON_LINES)
    assert names(stats) == ["a", "b", "c", "d"]
    assert stats["dataset"]["item_count"] == 4
    f = features_by_name(stats)
    assert common(f["a"]) == {"num_present": 3, "num_missing": 1}
    assert common(f["b"]) == {"num_present": 2, "num_missing": 2}
    assert common(f["c"]) == {"num_present": 2, "num_missing": 2}
    assert common(f["d"]) == {"num_present": 1, "num_missing": 3}
    assert f["b"]["numerical_statistics"]["sum"] == 3.0
    check_accounting(result)


def test_numbers_keep_their_text(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            '{"frac": 3.0, "int": 3, "big": 12345678901234567890, "mixed": 1}',
            '{"frac": 4.0, "int": 4, "big": 1, "mixed": 2.0}',
        ],
    )
    stats, _, result = baseline(data, JSON_LINES)
    f = features_by_name(stats)
    assert f["frac"]["inferred_type"] == "Fractional"  # 3.0 is not turned into 3
    assert f["int"]["inferred_type"] == "Integral"
    assert f["big"]["inferred_type"] == "Integral"
    assert f["mixed"]["inferred_type"] == "Fractional"
    assert f["frac"]["numerical_statistics"]["sum"] == 7.0
    check_accounting(result)


def test_invalid_lines_skipped_with_location(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            '{"a": 1}',
            '{"a": 2',
            "",
            '{"a": 3}',
            "not json",
        ],
    )
    (tmp_path / "d.jsonl").write_bytes(data.read_bytes() + b'{"a": "\xff"}\n{"a": 4}')
    stats, _, result = baseline(data, JSON_LINES, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 3
    assert features_by_name(stats)["a"]["numerical_statistics"]["sum"] == 8.0
    ledger = result.ledger
    assert ledger.skipped == {"invalid JSON": 2, "not UTF-8": 1}
    assert ledger.records_read == 6  # the blank line is not a record
    examples = ledger.describe_examples()
    assert examples[0] == f"{data}:2: invalid JSON: Expecting ',' delimiter at column 8"
    assert examples[1] == f"{data}:5: invalid JSON: Expecting value at column 1"
    assert examples[2].startswith(f"{data}:6: not UTF-8: ")
    check_accounting(result)


def test_byte_order_mark_at_file_start(baseline, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_bytes('\ufeff{"a": 1}\n{"a": 2}\n'.encode())
    stats, _, result = baseline(data, JSON_LINES)
    assert stats["dataset"]["item_count"] == 2
    assert not result.ledger.skipped
    check_accounting(result)


def test_non_ascii_keys_and_values_unescaped(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        ['{"都市": "東京", "年齢": 30}', '{"都市": "Zürich", "年齢": 41}'],
    )
    stats, _, result = baseline(data, JSON_LINES)
    assert set(names(stats)) == {"都市", "年齢"}
    text = (tmp_path / "out" / "statistics.json").read_text(encoding="utf-8")
    assert '"都市"' in text and '"東京"' in text and '"Zürich"' in text
    assert "\\u" not in text
    check_accounting(result)


def test_directory_of_json_lines_files(baseline, tmp_path):
    root = tmp_path / "data"
    write_lines(root / "2024" / "a.jsonl", ['{"x": 1}', '{"x": 2}'])
    write_lines(root / "2025" / "b.jsonl", ['{"x": 3, "y": "new"}'])
    write_lines(root / "_SUCCESS", ['{"x": "hidden"}'])
    stats, _, result = baseline(root, JSON_LINES)
    assert names(stats) == ["x", "y"]
    f = features_by_name(stats)
    assert f["x"]["inferred_type"] == "Integral"
    assert f["x"]["numerical_statistics"]["sum"] == 6.0
    assert common(f["y"]) == {"num_present": 1, "num_missing": 2}
    check_accounting(result)
