"""Endpoint data capture (sagemakerCaptureJson / sagemakerMergeJson) end to end (real local Spark).

Each part is decoded on its own (CSV / JSON / BASE64) and the parts are joined output-first
(START, the default) or output-last (END); positional fields are ``_c{position in the joined row}``.
"""

from __future__ import annotations

import base64
import json

import pytest

from analyzer.config.formats import parse_dataset_format
from tests.conftest import features_by_name

CAPTURE = parse_dataset_format(
    '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}'
)
CAPTURE_END = parse_dataset_format(
    {
        "sagemakerCaptureJson": {
            "captureIndexNames": ["endpointInput", "endpointOutput"],
            "output_columns_position": "END",
        }
    }
)
MERGE_OUTPUT_ONLY = parse_dataset_format('{"sagemakerMergeJson":{"captureIndexNames":["endpointOutput"]}}')


def check_accounting(result) -> None:
    ledger = result.ledger
    assert ledger.records_read == ledger.records_analyzed + ledger.records_dropped + ledger.records_skipped


def names(statistics: dict) -> list[str]:
    return [f["name"] for f in statistics["features"]]


def total(statistics: dict, name: str) -> float:
    return features_by_name(statistics)[name]["numerical_statistics"]["sum"]


def part(data: str, encoding: str = "CSV", content_type: str | None = None, mode: str = "INPUT") -> dict:
    if content_type is None:
        content_type = {"CSV": "text/csv", "JSON": "application/json"}.get(
            encoding, "application/octet-stream"
        )
    return {"observedContentType": content_type, "mode": mode, "data": data, "encoding": encoding}


def b64(text: str | bytes) -> str:
    return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()


def event(inp: dict | None, out: dict | None, n: int = 0, **metadata) -> str:
    capture = {}
    if inp is not None:
        capture["endpointInput"] = inp
    if out is not None:
        capture["endpointOutput"] = {**out, "mode": "OUTPUT"}
    meta = {
        "eventId": f"00000000-0000-0000-0000-{n:012d}",
        "inferenceTime": "2024-01-01T00:00:00Z",
        **metadata,
    }
    return json.dumps({"captureData": capture, "eventMetadata": meta, "eventVersion": "0"})


def write_lines(path, lines: list[str]):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def csv_capture(tmp_path):
    lines = [
        event(part("1,10,100"), part("0.5")),
        event(
            part("2,20,200\n"), part("0.25\n", content_type="text/csv; charset=utf-8")
        ),  # docs: trailing \n
        event(part("3,30,300"), part("0.125", content_type=None)),
    ]
    return write_lines(tmp_path / "ep" / "variant" / "2024" / "01" / "01" / "00" / "00-00-000-x.jsonl", lines)


def test_csv_in_csv_out_output_first(baseline, tmp_path, csv_capture):
    stats, _, result = baseline(tmp_path / "ep", CAPTURE)
    assert names(stats) == ["_c0", "_c1", "_c2", "_c3"]
    assert stats["dataset"]["item_count"] == 3
    assert features_by_name(stats)["_c0"]["inferred_type"] == "Fractional"
    assert total(stats, "_c0") == 0.875  # the output
    assert (total(stats, "_c1"), total(stats, "_c2"), total(stats, "_c3")) == (6.0, 60.0, 600.0)
    assert (result.ledger.records_read, result.ledger.records_analyzed) == (3, 3)
    check_accounting(result)


def test_csv_in_csv_out_output_last(baseline, tmp_path, csv_capture):
    stats, _, result = baseline(tmp_path / "ep", CAPTURE_END)
    assert names(stats) == ["_c0", "_c1", "_c2", "_c3"]
    assert (total(stats, "_c0"), total(stats, "_c1"), total(stats, "_c2")) == (6.0, 60.0, 600.0)
    assert total(stats, "_c3") == 0.875
    assert features_by_name(stats)["_c3"]["inferred_type"] == "Fractional"
    check_accounting(result)


def test_golden_csv_capture(baseline, tmp_path, golden):
    data = tmp_path / "capture.jsonl"
    data.write_bytes((golden / "sdk_monitor_testdata" / "capture.jsonl").read_bytes())  # last line has no \n
    stats, _, result = baseline(data, CAPTURE)
    assert stats["dataset"]["item_count"] == 44
    assert names(stats) == [f"_c{i}" for i in range(8)]
    f = features_by_name(stats)
    assert f["_c0"]["inferred_type"] == "Fractional"
    assert total(stats, "_c0") == pytest.approx(21.214652538296004, rel=1e-12)
    assert all(f[f"_c{i}"]["inferred_type"] == "Integral" for i in range(1, 8))
    assert total(stats, "_c1") == 599.0
    assert (result.ledger.records_read, result.ledger.records_analyzed) == (44, 44)
    check_accounting(result)


def test_golden_json_capture_with_pretty_printed_payloads(baseline, tmp_path, golden):
    data = tmp_path / "captured-data.jsonl"
    data.write_bytes((golden / "sdk_monitor_testdata" / "captured-data.jsonl").read_bytes())
    stats, _, result = baseline(data, CAPTURE)
    # output first; JSON fields keep their flattened names, arrays by index
    assert names(stats) == [
        "predictions[0]",
        "predictions[1]",
        "predictions[2]",
        "instances[0]",
        "instances[1]",
        "instances[2]",
    ]
    assert stats["dataset"]["item_count"] == 2
    f = features_by_name(stats)
    assert all(feature["inferred_type"] == "Fractional" for feature in f.values())
    assert total(stats, "predictions[2]") == 11.0
    assert total(stats, "instances[2]") == 10.0
    check_accounting(result)

    stats_end, _, _ = baseline(data, CAPTURE_END, output_path=tmp_path / "end")
    assert names(stats_end)[:3] == ["instances[0]", "instances[1]", "instances[2]"]


def test_csv_in_json_out(baseline, tmp_path):
    # the prebuilt analyzer rejects this mix; here each part is decoded on its own
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            event(part("1,2,3"), part('{"score": 0.9, "label": "yes"}', "JSON")),
            event(part("4,5,6"), part('{"score": 0.1, "label": "no"}', "JSON")),
        ],
    )
    stats, _, result = baseline(data, CAPTURE)
    # named output fields first; the inputs keep their place in the joined row (after 2 fields)
    assert names(stats) == ["label", "score", "_c2", "_c3", "_c4"]
    assert total(stats, "score") == 1.0
    assert (total(stats, "_c2"), total(stats, "_c4")) == (5.0, 9.0)
    check_accounting(result)

    stats_end, _, _ = baseline(data, CAPTURE_END, output_path=tmp_path / "end")
    assert names(stats_end) == ["_c0", "_c1", "_c2", "label", "score"]
    assert total(stats_end, "_c0") == 5.0


def test_json_list_output_is_positional(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [event(part("1,2"), part("[0.5, 0.25]", "JSON")), event(part("3,4"), part("[0.125, 0.75]", "JSON"))],
    )
    stats, _, result = baseline(data, CAPTURE)
    assert names(stats) == ["_c0", "_c1", "_c2", "_c3"]
    assert (total(stats, "_c0"), total(stats, "_c1")) == (0.625, 1.0)
    assert (total(stats, "_c2"), total(stats, "_c3")) == (4.0, 6.0)
    check_accounting(result)


def test_base64_payloads(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            # BASE64 + CSV content type -> CSV; BASE64 + JSON content type -> JSON
            event(
                part(b64("1,東京"), "BASE64", "text/csv"),
                part(b64('{"p": 0.5}'), "BASE64", "application/json"),
            ),
            event(
                part(b64("2,Paris"), "BASE64", "text/csv"),
                part(b64('{"p": 0.25}'), "BASE64", "application/json; charset=utf-8"),
            ),
            # mixed with plain encodings across records
            event(part("3,NYC"), part('{"p": 0.125}', "JSON")),
            # undecodable: bad padding, and bytes that are not UTF-8
            event(part("abc", "BASE64", "text/csv"), part('{"p": 1}', "JSON")),
            event(part(b64(b"\xff\xfe"), "BASE64", "text/csv"), part('{"p": 1}', "JSON")),
        ],
    )
    stats, _, result = baseline(data, CAPTURE, max_skipped_fraction=1.0)
    assert names(stats) == ["p", "_c1", "_c2"]
    assert stats["dataset"]["item_count"] == 3
    assert total(stats, "p") == 0.875
    assert total(stats, "_c1") == 6.0
    buckets = features_by_name(stats)["_c2"]["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert {b["value"] for b in buckets} == {"東京", "Paris", "NYC"}
    assert result.ledger.skipped == {"undecodable BASE64 payload": 2}
    examples = result.ledger.describe_examples()
    assert [e.split(": ")[0] for e in examples] == [f"{data}:4", f"{data}:5"]
    assert all("undecodable BASE64 payload: endpointInput" in e for e in examples)
    check_accounting(result)


def test_base64_with_other_content_type_is_csv(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [event(None, part(b64(f"{i},{i * 2}"), "BASE64", "text/html; charset=utf-8")) for i in range(1, 4)],
    )
    stats, _, result = baseline(data, CAPTURE)
    assert names(stats) == ["_c0", "_c1"]
    assert (total(stats, "_c0"), total(stats, "_c1")) == (6.0, 12.0)
    check_accounting(result)


def test_output_only_index_names(baseline, tmp_path):
    lines = [event(part(f"{i},{i}"), part(f"0.{i}")) for i in range(1, 4)]
    merged = json.loads(event(part("9,9"), part("0.4")))
    merged["groundTruthData"] = {"data": "1", "encoding": "CSV"}
    data = write_lines(tmp_path / "d.jsonl", [*lines, json.dumps(merged)])
    stats, _, result = baseline(data, MERGE_OUTPUT_ONLY)
    assert names(stats) == ["_c0"]
    assert total(stats, "_c0") == 1.0
    assert stats["dataset"]["item_count"] == 4
    check_accounting(result)

    capture_output_only = parse_dataset_format(
        '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointOutput"]}}'
    )
    stats2, _, _ = baseline(data, capture_output_only, output_path=tmp_path / "capture")
    assert names(stats2) == ["_c0"] and total(stats2, "_c0") == 1.0


def test_missing_endpoint_output(baseline, tmp_path):
    # capture configured for input only: the inputs are the whole row
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            event(part("1,2,3"), None),
            event(part("4,5,6"), None),
            event(None, None),
            event(part("7,8,9"), None),
        ],
    )
    stats, _, result = baseline(data, CAPTURE, max_skipped_fraction=1.0)
    assert names(stats) == ["_c0", "_c1", "_c2"]
    assert (total(stats, "_c0"), total(stats, "_c2")) == (12.0, 18.0)
    assert result.ledger.skipped == {"no capture data": 1}
    assert result.ledger.describe_examples() == [
        f"{data}:3: no capture data: none of endpointInput, endpointOutput present"
    ]
    check_accounting(result)


def test_shadow_traffic_dropped_and_counted(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            event(part("1,2"), part("0.5"), 1),
            event(part("100,200"), part("9.5"), 2, invocationSource="ShadowExperiment"),
            event(part("3,4"), part("0.25"), 3, invocationSource="RealTime"),
            event(part("300,400"), part("9.5"), 4, invocationSource="ShadowExperiment"),
        ],
    )
    stats, _, result = baseline(data, CAPTURE)
    assert stats["dataset"]["item_count"] == 2
    assert total(stats, "_c0") == 0.75
    assert total(stats, "_c1") == 4.0
    ledger = result.ledger
    assert ledger.dropped == {"shadow-variant traffic": 2}
    assert (ledger.records_read, ledger.records_analyzed, ledger.records_skipped) == (4, 2, 0)
    check_accounting(result)


def test_malformed_lines_skipped_with_location(baseline, tmp_path):
    data = tmp_path / "d.jsonl"
    lines = [
        event(part("1,2"), part("0.5")).encode(),
        b'{"captureData": {"endpointInput": ',  # truncated
        b"",
        b"[1, 2]",  # JSON, but not a capture record
        event(part("3,4"), part("0.25")).encode(),
        b'{"captureData": "oops", "eventVersion": "0"}',
        event(part("\xff"), part("0.1")).encode().replace(b"\\u00ff", b"\xff"),  # raw invalid UTF-8
        event(part("5,6"), part("x", "XML")).encode(),
        event(part("5,6"), part("not json", "JSON")).encode(),
        event(part("5,6"), part("0.125")).encode(),
        event(None, part("")).encode(),  # nothing to analyze: a skip, not a preprocessor drop
    ]
    data.write_bytes(b"\n".join(lines) + b"\n")
    stats, _, result = baseline(data, CAPTURE, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 3
    assert total(stats, "_c0") == 0.875
    ledger = result.ledger
    assert ledger.skipped == {
        "invalid JSON": 1,
        "not a capture record": 1,
        "no capture data": 1,
        "not UTF-8": 1,
        "unknown encoding": 1,
        "invalid JSON payload": 1,
        "empty payload": 1,
    }
    assert not ledger.dropped
    assert ledger.records_read == 10  # the blank line is not a record
    located = {e.split(": ")[1]: e.split(": ")[0] for e in ledger.describe_examples()}
    assert located == {
        "invalid JSON": f"{data}:2",
        "not a capture record": f"{data}:4",
        "no capture data": f"{data}:6",
        "not UTF-8": f"{data}:7",
        "unknown encoding": f"{data}:8",
        "invalid JSON payload": f"{data}:9",
        "empty payload": f"{data}:11",
    }
    check_accounting(result)


def test_multi_line_csv_payloads(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            event(part("1,2\n3,4\n5,6\n"), part("0.1\n0.2\n0.3")),  # a batch of 3 rows
            event(part("7,8"), part("0.4")),
            event(part("1,1\n2,2"), part("0.9")),  # 2 input rows, 1 output row
            event(part("9,9\r\n10,10\r\n"), part("0.5\r\n0.5\r\n")),
        ],
    )
    stats, _, result = baseline(data, CAPTURE, max_skipped_fraction=1.0)
    assert stats["dataset"]["item_count"] == 6
    assert names(stats) == ["_c0", "_c1", "_c2"]
    assert total(stats, "_c0") == pytest.approx(2.0)
    assert total(stats, "_c1") == 1 + 3 + 5 + 7 + 9 + 10
    assert features_by_name(stats)["_c2"]["inferred_type"] == "Integral"  # no "\r" left over
    ledger = result.ledger
    assert ledger.records_analyzed == 3
    assert ledger.skipped == {"payload row counts differ": 1}
    assert ledger.describe_examples() == [f"{data}:3: payload row counts differ: parts hold [1, 2] rows"]
    check_accounting(result)


def test_json_lines_payload_gives_one_row_per_document(baseline, tmp_path):
    data = write_lines(
        tmp_path / "d.jsonl",
        [
            event(
                part('{"x": 1}\n{"x": 2}', "JSON", "application/jsonlines"),
                part('{"y": 0.5}\n{"y": 0.25}\n', "JSON", "application/jsonlines"),
            )
        ],
    )
    stats, _, result = baseline(data, CAPTURE)
    assert names(stats) == ["y", "x"]
    assert stats["dataset"]["item_count"] == 2
    assert (total(stats, "x"), total(stats, "y")) == (3.0, 0.75)
    assert result.ledger.records_analyzed == 1
    check_accounting(result)
