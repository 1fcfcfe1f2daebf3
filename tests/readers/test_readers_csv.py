"""CSV datasets end to end: naming, record accounting, splits, encodings (real local Spark)."""

from __future__ import annotations

import gzip
import json

import pytest

from analyzer.config.formats import parse_dataset_format
from analyzer.files import sources
from tests.conftest import features_by_name

WITH_HEADER = parse_dataset_format('{"csv": {"header": true, "output_columns_position": "START"}}')
NO_HEADER = parse_dataset_format('{"csv": {"header": false}}')


def check_accounting(result, rows_per_record: int | None = 1) -> None:
    ledger = result.ledger
    assert ledger.records_read == ledger.records_analyzed + ledger.records_dropped + ledger.records_skipped
    if rows_per_record is not None:
        assert result.statistics["dataset"]["item_count"] == ledger.records_analyzed * rows_per_record


def write(path, text: str | bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def names(statistics: dict) -> list[str]:
    return [f["name"] for f in statistics["features"]]


def categories(feature: dict) -> dict[str, int]:
    buckets = feature["string_statistics"]["distribution"]["categorical"]["buckets"]
    return {b["value"]: b["count"] for b in buckets}


def test_headerless_names_types_and_missing(baseline, tmp_path):
    data = write(tmp_path / "d.csv", "1,2.5,x\n2,,y\n3,4.0,\n10,3.5,x\n")
    stats, constraints, result = baseline(data, NO_HEADER)
    assert names(stats) == ["_c0", "_c1", "_c2"]
    assert stats["dataset"]["item_count"] == 4
    f = features_by_name(stats)
    assert f["_c0"]["inferred_type"] == "Integral"
    assert f["_c0"]["numerical_statistics"]["sum"] == 16.0
    assert f["_c0"]["numerical_statistics"]["max"] == 10.0
    assert f["_c1"]["inferred_type"] == "Fractional"
    assert f["_c1"]["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert f["_c2"]["inferred_type"] == "String"
    assert f["_c2"]["string_statistics"]["common"] == {"num_present": 3, "num_missing": 1}
    assert categories(f["_c2"]) == {"x": 2, "y": 1}
    assert [c["name"] for c in constraints["features"]] == ["_c0", "_c1", "_c2"]
    assert (result.ledger.records_read, result.ledger.records_skipped) == (4, 0)
    check_accounting(result)


def test_header_names_blank_and_duplicates(baseline, tmp_path):
    # Spark: a blank header is _c{i}; duplicates (case-insensitive) get their index appended
    data = write(tmp_path / "d.csv", "id,,Id,score,score,name\n1,2,3,4,5,a\n6,7,8,9,10,b\n")
    stats, _, result = baseline(data, WITH_HEADER)
    assert names(stats) == ["id0", "_c1", "Id2", "score3", "score4", "name"]
    f = features_by_name(stats)
    assert f["score4"]["numerical_statistics"]["sum"] == 15.0
    assert f["Id2"]["numerical_statistics"]["sum"] == 11.0
    assert stats["dataset"]["item_count"] == 2
    check_accounting(result)


def test_directory_read_recursively_hidden_files_ignored(baseline, tmp_path):
    root = tmp_path / "data"
    write(root / "part-0.csv", "a,b\n1,x\n2,y\n")
    write(root / "2024" / "01" / "part-1.csv", "a,b\n3,x\n")
    write(root / "2024" / "02" / "03" / "part-2.csv", "a,b\n4,z\n5,z\n")
    # would turn a into a String column (and add rows) if they were read
    for hidden in ("_SUCCESS", ".x", "2024/.part-1.csv.crc", "_temporary/0/part-9.csv", ".hidden/p.csv"):
        write(root / hidden, "a,b\nnot-a-number,hidden\n")
    stats, _, result = baseline(root, WITH_HEADER)
    assert stats["dataset"]["item_count"] == 5
    f = features_by_name(stats)
    assert f["a"]["inferred_type"] == "Integral"
    assert f["a"]["numerical_statistics"]["sum"] == 15.0
    assert categories(f["b"]) == {"x": 2, "y": 1, "z": 2}
    assert {path for path, _ in result.ledger.split_lines} == {
        str(root / "part-0.csv"),
        str(root / "2024" / "01" / "part-1.csv"),
        str(root / "2024" / "02" / "03" / "part-2.csv"),
    }
    check_accounting(result)


def test_single_file_as_source(baseline, tmp_path):
    write(tmp_path / "data" / "other.csv", "a\n100\n200\n")
    one = write(tmp_path / "data" / "one.csv", "a\n1\n2\n3\n")
    stats, _, result = baseline(one, WITH_HEADER)
    assert stats["dataset"]["item_count"] == 3
    assert features_by_name(stats)["a"]["numerical_statistics"]["max"] == 3.0
    check_accounting(result)


def test_wrong_field_count_skipped_with_location(baseline, tmp_path):
    text = "a,b,c\n1,2,3\n4,5\n\n6,7,8\n9,10,11,12\n13,14,15\n\n\n"
    data = write(tmp_path / "d.csv", text)
    stats, _, result = baseline(data, WITH_HEADER, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 3
    ledger = result.ledger
    assert ledger.skipped == {"wrong number of fields": 2}
    assert ledger.records_read == 5  # blank lines are not records
    assert ledger.describe_examples() == [
        f"{data}:3: wrong number of fields: expected 3 fields, found 2: 4,5",
        f"{data}:6: wrong number of fields: expected 3 fields, found 4: 9,10,11,12",
    ]
    assert features_by_name(stats)["a"]["numerical_statistics"]["sum"] == 20.0
    check_accounting(result)


def test_blank_lines_are_not_rows(baseline, tmp_path):
    # blank lines before the header, between rows, CRLF blank lines and at the end
    data = write(tmp_path / "d.csv", "\n\r\na,b\r\n1,x\r\n\r\n2,y\n\n3,z\n\n")
    stats, _, result = baseline(data, WITH_HEADER)
    assert stats["dataset"]["item_count"] == 3
    f = features_by_name(stats)
    assert f["a"]["numerical_statistics"]["common"] == {"num_present": 3, "num_missing": 0}
    assert categories(f["b"]) == {"x": 1, "y": 1, "z": 1}  # no "\r" left on the last field
    assert result.ledger.records_read == 3
    check_accounting(result)


def test_single_column_blank_lines_and_bad_row_location(baseline, tmp_path):
    data = write(tmp_path / "d.csv", "v\n1\n\n\n2,3\n4\n")
    stats, _, result = baseline(data, WITH_HEADER, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 2
    assert result.ledger.describe_examples() == [
        f"{data}:5: wrong number of fields: expected 1 fields, found 2: 2,3"
    ]
    check_accounting(result)


def test_quoted_fields_and_empty_values(baseline, tmp_path):
    text = 'name,n,note\n"Smith, John",1,""\n"say ""hi""",,plain\n"multi, comma, field",3,\n'
    data = write(tmp_path / "d.csv", text)
    stats, _, result = baseline(data, WITH_HEADER)
    f = features_by_name(stats)
    assert categories(f["name"]) == {"Smith, John": 1, 'say "hi"': 1, "multi, comma, field": 1}
    assert f["n"]["inferred_type"] == "Integral"
    assert f["n"]["numerical_statistics"]["common"] == {"num_present": 2, "num_missing": 1}
    # an empty field is missing; a quoted "" is an (present) empty string, as in Spark
    assert f["note"]["string_statistics"]["common"] == {"num_present": 2, "num_missing": 1}
    assert stats["dataset"]["item_count"] == 3
    check_accounting(result)


def test_non_ascii_names_and_values_unescaped(baseline, tmp_path):
    data = write(tmp_path / "d.csv", "年齢,都市\n30,東京\n40,大阪\n35,東京\n")
    stats, _, result = baseline(data, WITH_HEADER)
    assert names(stats) == ["年齢", "都市"]
    assert categories(features_by_name(stats)["都市"]) == {"東京": 2, "大阪": 1}
    text = (tmp_path / "out" / "statistics.json").read_text(encoding="utf-8")
    assert '"年齢"' in text and '"東京"' in text and '"大阪"' in text
    assert "\\u" not in text
    constraints_text = (tmp_path / "out" / "constraints.json").read_text(encoding="utf-8")
    assert '"都市"' in constraints_text and "\\u" not in constraints_text
    check_accounting(result)


def test_hostile_column_names(baseline, tmp_path):
    text = 'a.b,my col,x[0],"it\'s ""q""",`tick`\n1,2.5,x,10,a\n3,3.5,y,20,b\n'
    data = write(tmp_path / "d.csv", text)
    stats, constraints, result = baseline(data, WITH_HEADER)
    assert names(stats) == ["a.b", "my col", "x[0]", 'it\'s "q"', "`tick`"]
    f = features_by_name(stats)
    assert f["a.b"]["numerical_statistics"]["sum"] == 4.0
    assert f["my col"]["inferred_type"] == "Fractional"
    assert categories(f["x[0]"]) == {"x": 1, "y": 1}
    assert f['it\'s "q"']["numerical_statistics"]["mean"] == 15.0
    assert [c["name"] for c in constraints["features"]] == names(stats)
    written = json.loads((tmp_path / "out" / "statistics.json").read_text(encoding="utf-8"))
    assert names(written) == names(stats)
    check_accounting(result)


def test_non_utf8_line_skipped(baseline, tmp_path):
    data = write(tmp_path / "d.csv", b"a,b\n1,x\n2,\xff\xfe\n3,y\n4,caf\xc3\xa9\n")
    stats, _, result = baseline(data, WITH_HEADER, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 3
    assert result.ledger.skipped == {"not UTF-8": 1}
    (example,) = result.ledger.describe_examples()
    assert example.startswith(f"{data}:3: not UTF-8: ")
    f = features_by_name(stats)
    assert f["a"]["numerical_statistics"]["sum"] == 8.0
    assert categories(f["b"]) == {"x": 1, "y": 1, "café": 1}
    check_accounting(result)


def test_byte_order_mark_not_in_first_name(baseline, tmp_path):
    # Excel's "CSV UTF-8"; Spark (Hadoop's line reader) drops the BOM
    data = write(tmp_path / "d.csv", "\ufeffid,名前\n1,a\n2,b\n".encode())
    stats, _, result = baseline(data, WITH_HEADER)
    assert names(stats) == ["id", "名前"]
    assert features_by_name(stats)["id"]["inferred_type"] == "Integral"
    check_accounting(result)


def test_gzip_csv(baseline, tmp_path):
    root = tmp_path / "data"
    write(root / "a.csv.gz", gzip.compress("a,b\n1,東京\n2,x\n3\n".encode()))
    write(root / "b.csv", "a,b\n4,x\n")
    stats, _, result = baseline(root, WITH_HEADER, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 3
    f = features_by_name(stats)
    assert f["a"]["numerical_statistics"]["sum"] == 7.0
    assert categories(f["b"]) == {"東京": 1, "x": 2}
    assert result.ledger.describe_examples() == [
        f"{root / 'a.csv.gz'}:4: wrong number of fields: expected 2 fields, found 1: 3"
    ]
    check_accounting(result)


def test_headerless_directory_width_from_first_file(baseline, tmp_path):
    root = tmp_path / "data"
    write(root / "a.csv", "1,2\n3,4\n")
    write(root / "b.csv", "5,6\n7,8,9\n")
    stats, _, result = baseline(root, NO_HEADER, max_skipped_fraction=1.0)
    assert names(stats) == ["_c0", "_c1"]
    assert stats["dataset"]["item_count"] == 3
    assert result.ledger.describe_examples() == [
        f"{root / 'b.csv'}:2: wrong number of fields: expected 2 fields, found 3: 7,8,9"
    ]
    check_accounting(result)


@pytest.fixture(scope="module")
def split_dataset(tmp_path_factory):
    """~20 KB of CSV with a short row at line 601 and a non-UTF-8 row at line 801."""
    rows = ["id,price,city,flag"]
    for i in range(1, 1000):
        line = i + 1
        if line == 601:
            rows.append(f"{i},{i * 0.25}")
        elif line == 801:
            rows.append(f"{i},{i * 0.25},\udcff,x")
        else:
            rows.append(f"{i},{(i * 7919) % 1000 / 8},{['東京', 'Paris', 'NYC'][i % 3]},{i % 2 == 0}")
    path = tmp_path_factory.mktemp("split") / "big.csv"
    path.write_bytes("\n".join(rows).encode("utf-8", errors="surrogateescape") + b"\n")
    return path


def test_split_across_tasks_matches_one_task(baseline, spark, tmp_path, split_dataset, monkeypatch):
    size = split_dataset.stat().st_size
    whole, whole_constraints, whole_result = baseline(split_dataset, WITH_HEADER, output_path=tmp_path / "a")
    assert len(whole_result.ledger.split_lines) == 1

    # run_profile reads the split size from the module at call time
    monkeypatch.setattr(sources, "DEFAULT_SPLIT_BYTES", 1000)
    split, split_constraints, split_result = baseline(split_dataset, WITH_HEADER, output_path=tmp_path / "b")
    assert len(split_result.ledger.split_lines) == -(-size // 1000) > 15
    tasks = sources.group_splits(
        sources.plan_splits([split_dataset], splittable=True, split_bytes=1000),
        spark.defaultParallelism * 2,
    )
    assert len(tasks) > 1

    assert split["dataset"]["item_count"] == whole["dataset"]["item_count"] == 997
    assert split == whole
    assert split_constraints == whole_constraints
    for result in (whole_result, split_result):
        ledger = result.ledger
        assert ledger.records_read == 999
        assert ledger.skipped == {"wrong number of fields": 1, "not UTF-8": 1}
        examples = ledger.describe_examples()
        assert len(examples) == 2
        assert (
            f"{split_dataset}:601: wrong number of fields: expected 4 fields, found 2: 600,150.0" in examples
        )
        assert any(e.startswith(f"{split_dataset}:801: not UTF-8: ") for e in examples)
        check_accounting(result)
