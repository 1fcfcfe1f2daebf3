"""The preprocess_handler / postprocess_handler contract (spec §7), through real baseline jobs.

Handlers run in Spark's Python workers, so the probe scripts here report what they were given by
appending JSON lines to a file the test reads back.
"""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import pytest

from analyzer.common.errors import ConfigError, InputError, ScriptError, TooManySkipped
from analyzer.config.formats import CAPTURE, CSV, JSON, PARQUET, DatasetFormat
from tests.conftest import features_by_name

DROPPED = "dropped by preprocess_handler"


def write_script(path: Path, source: str, **constants: object) -> Path:
    """A script file; ``constants`` become module-level assignments (paths the probe writes to)."""
    header = "".join(f"{name} = {value!r}\n" for name, value in constants.items())
    path.write_text(header + textwrap.dedent(source), encoding="utf-8")
    return path


def observations(path: Path) -> list:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def capture_event(event_id, input_part=None, output_part=None, **metadata) -> dict:
    capture = {}
    if input_part is not None:
        capture["endpointInput"] = input_part
    if output_part is not None:
        capture["endpointOutput"] = output_part
    meta = {"eventId": event_id, "inferenceTime": "2024-05-06T07:08:09Z", **metadata}
    return {"captureData": capture, "eventMetadata": meta, "eventVersion": "0"}


def part(data: str, encoding: str, content_type: str | None, mode: str) -> dict:
    return {"observedContentType": content_type, "mode": mode, "data": data, "encoding": encoding}


# ---------------------------------------------------------------- what the handler receives


def test_capture_record_is_captured_data_object_and_logger_is_passed(baseline, tmp_path):
    output_json = '{"predictions": [0.25]}'
    events = [
        capture_event(
            "ev-1",
            part("1,2,3", "CSV", "text/csv", "INPUT"),
            part("0.5\n", "CSV", "text/csv; charset=utf-8", "OUTPUT"),
            inferenceId="inf-42",
            customAttributes=["tenant=a", "ab=test"],
        ),
        capture_event(
            "ev-2",
            part('{"instances": [4, 5, 6]}', "JSON", "application/json", "INPUT"),
            part(base64.b64encode(output_json.encode()).decode(), "BASE64", "application/json", "OUTPUT"),
        ),
        capture_event("ev-3", part("7,8,9", "CSV", "text/csv", "INPUT")),  # no output captured
        capture_event(
            "ev-shadow",
            part("1,1,1", "CSV", "text/csv", "INPUT"),
            part("0.1", "CSV", "text/csv", "OUTPUT"),
            invocationSource="ShadowExperiment",
        ),
    ]
    data = tmp_path / "data"
    data.mkdir()
    (data / "capture.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    seen = tmp_path / "seen.jsonl"
    script = write_script(
        tmp_path / "probe.py",
        """
        import json
        import logging

        def _part(e):
            if e is None:
                return None
            return {"data": e.data, "encoding": e.encoding,
                    "observedContentType": e.observedContentType, "mode": e.mode}

        def preprocess_handler(inference_record, logger):
            m = inference_record.event_metadata
            seen = {
                "type": type(inference_record).__name__,
                "input": _part(inference_record.endpoint_input),
                "output": _part(inference_record.endpoint_output),
                "event_id": m.event_id,
                "event_time": m.event_time,
                "inference_id": m.inference_id,
                "custom_attribute": m.custom_attribute,
                "event_version": inference_record.event_version,
                "event_dict": inference_record.event_dict,
                "as_dict_is_event_dict": inference_record.as_dict() is inference_record.event_dict,
                "logger": [isinstance(logger, logging.Logger), logger.name],
            }
            with open(SEEN, "a", encoding="utf-8") as f:
                f.write(json.dumps(seen) + "\\n")
            logger.info("preprocessed %s", m.event_id)
            return {"event": m.event_id, "n": len(inference_record.endpoint_input.data)}
        """,
        SEEN=str(seen),
    )
    statistics, _, result = baseline(data, DatasetFormat(CAPTURE), record_preprocessor_script=script)

    got = sorted(observations(seen), key=lambda o: o["event_id"])
    expected = []
    for event in events[:3]:
        capture, meta = event["captureData"], event["eventMetadata"]
        expected.append(
            {
                "type": "CapturedData",
                "input": capture.get("endpointInput"),
                "output": capture.get("endpointOutput"),
                "event_id": meta["eventId"],
                "event_time": meta["inferenceTime"],
                "inference_id": meta.get("inferenceId"),
                "custom_attribute": meta.get("customAttributes"),
                "event_version": "0",
                "event_dict": event,
                "as_dict_is_event_dict": True,
                "logger": [True, "Preprocessing"],
            }
        )
    assert got == expected  # the shadow record never reached the handler
    assert result.ledger.dropped == {"shadow-variant traffic": 1}
    assert statistics["dataset"]["item_count"] == 3
    assert [f["name"] for f in statistics["features"]] == ["event", "n"]
    n = features_by_name(statistics)["n"]["numerical_statistics"]
    assert n["sum"] == len("1,2,3") + len('{"instances": [4, 5, 6]}') + len("7,8,9")


CSV_LINES = ["1,10,x", '2,20,"a,b"', "3,,y", "4,40,z"]


@pytest.mark.parametrize("header", [False, True])
def test_csv_handler_gets_raw_line_with_newline_and_one_argument_signature(baseline, tmp_path, header):
    data = tmp_path / "data"
    data.mkdir()
    lines = (["id,value,tag"] if header else []) + CSV_LINES
    (data / "part.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = tmp_path / "seen.jsonl"
    script = write_script(
        tmp_path / "probe.py",
        """
        import json

        def preprocess_handler(inference_record):
            with open(SEEN, "a", encoding="utf-8") as f:
                f.write(json.dumps(inference_record) + "\\n")
            first = inference_record.split(",")[0]
            if first == "id":
                return []  # the header line
            return {"id": first, "length": len(inference_record)}
        """,
        SEEN=str(seen),
    )
    statistics, _, result = baseline(
        data, DatasetFormat(CSV, header=header), record_preprocessor_script=script
    )

    assert sorted(observations(seen)) == sorted(line + "\n" for line in lines)
    assert result.ledger.dropped == ({DROPPED: 1} if header else {})
    assert statistics["dataset"]["item_count"] == len(CSV_LINES)
    length = features_by_name(statistics)["length"]["numerical_statistics"]
    assert length["sum"] == sum(len(line) + 1 for line in CSV_LINES)  # +1: the trailing "\n"


def test_json_handler_gets_dict_and_list_result_makes_rows_in_lexicographic_column_order(baseline, tmp_path):
    records = [{"id": i, "x": i * 1.5, "tag": f"t{i % 2}"} for i in range(10)]
    data = tmp_path / "data"
    data.mkdir()
    (data / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    seen = tmp_path / "seen.jsonl"
    script = write_script(
        tmp_path / "probe.py",
        """
        import json

        def preprocess_handler(inference_record):
            with open(SEEN, "a", encoding="utf-8") as f:
                f.write(json.dumps([type(inference_record).__name__, inference_record]) + "\\n")
            i = inference_record["id"]
            if i % 3 == 0:
                return []
            row = {"zeta": i, "b10": 1, "alpha": inference_record["x"], "b2": "two"}
            if i % 2 == 0:
                return [row, dict(row, zeta=-i)]
            return row
        """,
        SEEN=str(seen),
    )
    statistics, _, result = baseline(data, DatasetFormat(JSON), record_preprocessor_script=script)

    got = sorted(observations(seen), key=lambda o: o[1]["id"])
    assert got == [["dict", r] for r in records]
    kept = [i for i in range(10) if i % 3]
    rows = sum(2 if i % 2 == 0 else 1 for i in kept)
    assert statistics["dataset"]["item_count"] == rows == 9  # item_count counts rows, not records
    assert result.ledger.records_analyzed == len(kept)
    assert result.ledger.dropped == {DROPPED: 10 - len(kept)}
    # Keys become columns in lexicographic order ("b10" < "b2"), not insertion or natural order.
    assert [f["name"] for f in statistics["features"]] == ["alpha", "b10", "b2", "zeta"]
    features = features_by_name(statistics)
    assert features["zeta"]["numerical_statistics"]["sum"] == sum(i for i in kept if i % 2)
    assert features["b2"]["inferred_type"] == "String"


def test_all_records_dropped_fails_with_the_counts(baseline, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n3,4\n5,6\n", encoding="utf-8")
    script = write_script(tmp_path / "drop.py", "def preprocess_handler(inference_record):\n    return []\n")
    with pytest.raises(InputError, match="read 3, dropped 3, skipped 0"):
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=script)


# ---------------------------------------------------------------- failures


@pytest.mark.parametrize(
    "source",
    [
        "def handler(inference_record):\n    return {}\n",
        "preprocess_handler = {'not': 'callable'}\n",
    ],
    ids=["absent", "not-callable"],
)
def test_missing_preprocess_handler_fails_before_reading(baseline, tmp_path, source):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n", encoding="utf-8")
    script = write_script(tmp_path / "no_handler.py", source)
    output = tmp_path / "out"
    with pytest.raises(ScriptError) as info:
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=script, output_path=output)
    assert str(info.value) == "Preprocess Handler not implemented correctly in customer script."
    assert not (output / "statistics.json").exists()


def test_unloadable_script_and_parquet_preprocessor_fail_clearly(baseline, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n", encoding="utf-8")
    broken = write_script(tmp_path / "broken.py", "def preprocess_handler(record)\n    return {}\n")
    with pytest.raises(ScriptError, match=r"Could not load .*broken\.py: SyntaxError"):
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=broken)
    good = write_script(tmp_path / "good.py", "def preprocess_handler(record):\n    return {}\n")
    with pytest.raises(ConfigError, match="Preprocessor script not supported for format parquet"):
        baseline(data, DatasetFormat(PARQUET), record_preprocessor_script=good)
    with pytest.raises(ScriptError, match=r"Script .*missing\.py does not exist"):
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=tmp_path / "missing.py")


def test_handler_exception_skips_the_record_and_past_the_threshold_fails_naming_file_and_line(
    baseline, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("1,2\n3,4\n5,6\n", encoding="utf-8")
    bad_file = data / "b.csv"
    bad_file.write_text("7,8\n9,10\n\n11,boom\n13,14\n", encoding="utf-8")  # "boom" on line 4
    script = write_script(
        tmp_path / "raiser.py",
        """
        def preprocess_handler(inference_record):
            if "boom" in inference_record:
                raise ValueError("cannot parse\\n  the second field")
            return {"a": inference_record.split(",")[0]}
        """,
    )
    output = tmp_path / "out"
    with pytest.raises(TooManySkipped) as info:
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=script, output_path=output)
    message = str(info.value)
    assert message.startswith(
        "There is an exception raised in preprocessor script. Please double check the preprocessor script. "
        f"ValueError: cannot parse the second field (record {bad_file}:4). "
        "Skipped 1 of 7 records (14.29%), more than max_skipped_fraction 0.01 (1%) allows; "
        f"preprocess_handler raised ValueError: 1 (first at {bad_file}:4)."
    )
    assert "--max-skipped-fraction" in message
    assert "\n" not in message
    assert not (output / "statistics.json").exists()

    # Under a threshold that allows it, the record is skipped and the job completes.
    statistics, _, result = baseline(
        data,
        DatasetFormat(CSV),
        record_preprocessor_script=script,
        output_path=output,
        max_skipped_fraction=0.2,
    )
    assert statistics["dataset"]["item_count"] == 6
    assert statistics["dataset"]["skipped"] == {
        "records_read": 7,
        "count": 1,
        "reasons": {"preprocess_handler raised ValueError": 1},
        "examples": [
            {
                "location": f"{bad_file}:4",
                "reason": "preprocess_handler raised ValueError",
                "detail": "cannot parse the second field",
            }
        ],
    }
    assert result.ledger.records_analyzed == 6


@pytest.mark.parametrize(
    ("bad", "reason", "detail"),
    [
        ("None", "preprocess_handler returned NoneType", "return a dict"),
        ("'a,b'", "preprocess_handler returned str", "return a dict"),
        ("[{'a': 1}, 2]", "preprocess_handler returned list", "an element is int; return a dict"),
    ],
)
def test_handler_returning_a_non_dict_skips_naming_the_record(baseline, tmp_path, bad, reason, detail):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n3,4\n5,6\n", encoding="utf-8")
    script = write_script(
        tmp_path / "returns.py",
        f"""
        def preprocess_handler(inference_record):
            if inference_record.startswith("3,"):
                return {bad}
            return {{"a": inference_record.split(",")[0]}}
        """,
    )
    with pytest.raises(TooManySkipped) as info:
        baseline(data, DatasetFormat(CSV), record_preprocessor_script=script)
    assert str(info.value).startswith(f"{reason} for record {data / 'part.csv'}:2; {detail}")
    assert "Skipped 1 of 3 records (33.33%)" in str(info.value)
    statistics, _, _ = baseline(
        data, DatasetFormat(CSV), record_preprocessor_script=script, max_skipped_fraction=0.5
    )
    assert statistics["dataset"]["item_count"] == 2
    assert statistics["dataset"]["skipped"]["reasons"] == {reason: 1}


# ---------------------------------------------------------------- postprocess_handler


def test_postprocess_handler_runs_once_after_the_outputs_exist(baseline, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n3,4\n5,6\n", encoding="utf-8")
    output = tmp_path / "out"
    marker = tmp_path / "marker.txt"
    script = write_script(
        tmp_path / "post.py",
        """
        import json
        import pathlib

        def postprocess_handler():
            out = pathlib.Path(OUTPUT)
            statistics = json.loads((out / "statistics.json").read_text())
            constraints = json.loads((out / "constraints.json").read_text())
            with open(MARKER, "a") as f:
                f.write(f"{statistics['dataset']['item_count']} {len(constraints['features'])}\\n")
        """,
        OUTPUT=str(output),
        MARKER=str(marker),
    )
    statistics, _, result = baseline(
        data, DatasetFormat(CSV), post_analytics_processor_script=script, output_path=output
    )
    assert marker.read_text() == "3 2\n"
    assert statistics["dataset"]["item_count"] == 3
    assert result.message == "Completed: Job completed successfully with no violations."


def test_postprocess_handler_exception_fails_the_job_after_outputs(baseline, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n", encoding="utf-8")
    output = tmp_path / "out"
    script = write_script(
        tmp_path / "post.py", "def postprocess_handler():\n    raise RuntimeError('post failed')\n"
    )
    with pytest.raises(
        ScriptError, match=r"postprocess_handler in .*post\.py raised RuntimeError: post failed"
    ):
        baseline(data, DatasetFormat(CSV), post_analytics_processor_script=script, output_path=output)
    assert (output / "statistics.json").is_file()


def test_missing_postprocess_handler_fails_before_analysis(baseline, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "part.csv").write_text("1,2\n", encoding="utf-8")
    output = tmp_path / "out"
    script = write_script(tmp_path / "post.py", "def post_process_handler():\n    pass\n")
    with pytest.raises(ScriptError) as info:
        baseline(data, DatasetFormat(CSV), post_analytics_processor_script=script, output_path=output)
    assert str(info.value) == "PostProcess Handler not implemented correctly in customer analysis script."
    assert not (output / "statistics.json").exists()
