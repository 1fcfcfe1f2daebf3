"""``dataset_format`` parsing: the exact strings the SDK and the service send, and the errors."""

from __future__ import annotations

import pytest

from analyzer.common.errors import ConfigError
from analyzer.config.formats import CAPTURE, CSV, JSON, MERGE, PARQUET, DatasetFormat, parse_dataset_format


@pytest.mark.parametrize(
    ("text", "kind", "header", "position"),
    [
        # SDK DatasetFormat.csv(header=True, output_columns_position="START"), json.dumps spacing
        ('{"csv": {"header": true, "output_columns_position": "START"}}', CSV, True, "START"),
        ('{"csv": {"header": false, "output_columns_position": "END"}}', CSV, False, "END"),
        ('{"csv": {"header": true}}', CSV, True, "START"),
        ('{"csv": {}}', CSV, False, "START"),  # container default: no header
        ('{"csv": null}', CSV, False, "START"),
        ('{"csv": {"header": "true"}}', CSV, True, "START"),
        ('{"csv": {"header": "False"}}', CSV, False, "START"),
        ('{"csv": {"output_columns_position": "end"}}', CSV, False, "END"),
        # API spelling (MonitoringDatasetFormat), as the service may pass it through
        ('{"Csv":{"Header":true}}', CSV, True, "START"),
        ('{"CSV":{"Header":false}}', CSV, False, "START"),
        # a top-level "compression" key is tolerated beside the format
        ('{"csv": {"header": true}, "compression": "gzip"}', CSV, True, "START"),
    ],
)
def test_csv_shapes(text, kind, header, position):
    fmt = parse_dataset_format(text)
    assert (fmt.kind, fmt.header, fmt.output_columns_position) == (kind, header, position)
    assert not fmt.is_capture
    assert (fmt.delimiter, fmt.quote_character, fmt.escape_character) == (",", '"', None)


@pytest.mark.parametrize(
    "text",
    [
        '{"json": {"lines": true}}',  # SDK baseline
        '{"json": {"line": true}}',  # batch transform docs (singular)
        '{"Json":{"Line":true}}',  # API spelling
        '{"json": {}}',
        '{"json": {"lines": "true"}}',
    ],
)
def test_json_lines_shapes(text):
    fmt = parse_dataset_format(text)
    assert fmt.kind == JSON
    assert not fmt.is_capture


@pytest.mark.parametrize("text", ['{"json": {"lines": false}}', '{"Json":{"Line":false}}'])
def test_json_documents_rejected(text):
    with pytest.raises(ConfigError, match="Only JSON Lines"):
        parse_dataset_format(text)


@pytest.mark.parametrize("text", ['{"parquet": {}}', '{"Parquet":{}}', '{"parquet": null}'])
def test_parquet(text):
    assert parse_dataset_format(text).kind == PARQUET


@pytest.mark.parametrize(
    ("text", "kind", "names"),
    [
        (
            '{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}',
            CAPTURE,
            ("endpointInput", "endpointOutput"),
        ),
        ('{"sagemakerCaptureJson": {}}', CAPTURE, ("endpointInput", "endpointOutput")),
        ('{"sagemakerMergeJson":{"captureIndexNames":["endpointOutput"]}}', MERGE, ("endpointOutput",)),
        ('{"SageMakerCaptureJson": {"CaptureIndexNames": ["endpointOutput"]}}', CAPTURE, ("endpointOutput",)),
    ],
)
def test_capture_shapes(text, kind, names):
    fmt = parse_dataset_format(text)
    assert fmt.kind == kind
    assert fmt.is_capture
    assert fmt.capture_index_names == names
    assert fmt.output_columns_position == "START"


def test_capture_end_position():
    fmt = parse_dataset_format('{"sagemakerCaptureJson": {"output_columns_position": "END"}}')
    assert fmt.output_columns_position == "END"


def test_dict_accepted_like_text():
    assert parse_dataset_format({"csv": {"header": True}}) == parse_dataset_format(
        '{"csv": {"header": true}}'
    )


@pytest.mark.parametrize(
    "fmt",
    [
        DatasetFormat(CSV, header=True, output_columns_position="END"),
        DatasetFormat(CSV),
        DatasetFormat(JSON),
        DatasetFormat(PARQUET),
        DatasetFormat(CAPTURE, capture_index_names=("endpointOutput",)),
        DatasetFormat(MERGE, capture_index_names=("endpointOutput",)),
    ],
)
def test_to_json_round_trips(fmt):
    assert parse_dataset_format(fmt.to_json()) == fmt


@pytest.mark.parametrize("text", [None, "", "   ", "{}", '{"compression": "gzip"}', {}])
def test_missing_format(text):
    with pytest.raises(ConfigError, match="^Dataset format is missing$"):
        parse_dataset_format(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"csv": {"output_columns_position": "MIDDLE"}}',
        '{"csv": {"output_columns_position": ""}}',
        '{"sagemakerCaptureJson": {"output_columns_position": "FIRST"}}',
    ],
)
def test_invalid_output_columns_position(text):
    with pytest.raises(ConfigError, match="^Invalid value for output_columns_position$"):
        parse_dataset_format(text)


@pytest.mark.parametrize(
    "text",
    [
        '{"csv": {"header": true}, "json": {"lines": true}}',
        '{"csv": {}, "parquet": {}}',
        # the same kind spelt twice is two formats, not "the last one wins"
        '{"csv": {"header": true}, "Csv": {"Header": false}}',
    ],
)
def test_multiple_formats(text):
    with pytest.raises(ConfigError, match="Multiple formats"):
        parse_dataset_format(text)


@pytest.mark.parametrize("text", ['{"avro": {}}', '{"sagemakerCapture": {}}', '{"jsonl": {"lines": true}}'])
def test_unknown_kind(text):
    with pytest.raises(ConfigError, match="Unsupported dataset_format"):
        parse_dataset_format(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"csv": {"header": true}', "not valid JSON"),
        ("csv", "not valid JSON"),
        ('["csv"]', "must be a JSON object"),
        ('"csv"', "must be a JSON object"),
        ('{"csv": true}', "must map to a JSON object"),
        ('{"csv": "header"}', "must map to a JSON object"),
        ('{"sagemakerCaptureJson": {"captureIndexNames": "endpointOutput"}}', "captureIndexNames"),
        ('{"sagemakerCaptureJson": {"captureIndexNames": [1, 2]}}', "captureIndexNames"),
    ],
)
def test_malformed_is_a_config_error(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_dataset_format(text)
