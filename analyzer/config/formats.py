"""``dataset_format``: the JSON string the SageMaker SDK and service pass, parsed into a dataclass."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from analyzer.common.errors import ConfigError

CSV, JSON, PARQUET, CAPTURE, MERGE = "csv", "json", "parquet", "sagemakerCaptureJson", "sagemakerMergeJson"
KNOWN_KINDS = (CSV, JSON, PARQUET, CAPTURE, MERGE)
DEFAULT_CAPTURE_INDEX_NAMES = ("endpointInput", "endpointOutput")
_TOLERATED_KEYS = {"compression"}


@dataclass(frozen=True)
class DatasetFormat:
    kind: str
    header: bool = False
    output_columns_position: str = "START"
    delimiter: str = ","
    quote_character: str = '"'
    escape_character: str | None = None
    capture_index_names: tuple[str, ...] = DEFAULT_CAPTURE_INDEX_NAMES
    options: dict = field(default_factory=dict, compare=False)

    @property
    def is_capture(self) -> bool:
        return self.kind in (CAPTURE, MERGE)

    def to_json(self) -> str:
        if self.kind == CSV:
            body = {"header": self.header, "output_columns_position": self.output_columns_position}
        elif self.kind == JSON:
            body = {"lines": True}
        elif self.is_capture:
            body = {"captureIndexNames": list(self.capture_index_names)}
        else:
            body = {}
        return json.dumps({self.kind: body})


def _position(value: object) -> str:
    position = str(value if value is not None else "START").upper()
    if position not in ("START", "END"):
        raise ConfigError("Invalid value for output_columns_position")
    return position


def parse_dataset_format(text: str | dict | None) -> DatasetFormat:
    """Parse the environment's ``dataset_format`` (accepts SDK, service and API spellings)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        raise ConfigError("Dataset format is missing")
    if isinstance(text, str):
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as e:
            raise ConfigError(
                f"dataset_format is not valid JSON ({e.msg} at column {e.colno}): {text}"
            ) from e
    else:
        spec = text
    if not isinstance(spec, dict):
        raise ConfigError(f"dataset_format must be a JSON object, got: {text}")
    kinds = {k: v for k, v in spec.items() if k not in _TOLERATED_KEYS}
    lowered = {_canonical_kind(k): v for k, v in kinds.items()}
    if not lowered:
        raise ConfigError("Dataset format is missing")
    # Counted before case-folding: {"csv": ..., "Csv": ...} is two formats, not the last one silently.
    if len(kinds) > 1:
        raise ConfigError(f"Multiple formats specified in dataset_format: {sorted(kinds)}")
    ((kind, body),) = lowered.items()
    if kind not in KNOWN_KINDS:
        raise ConfigError(f"Unsupported dataset_format '{kind}'; expected one of {', '.join(KNOWN_KINDS)}")
    if body is not None and not isinstance(body, dict):
        raise ConfigError(f"dataset_format '{kind}' must map to a JSON object, got: {text}")
    body = {str(k).lower(): v for k, v in (body or {}).items()}
    if kind == CSV:
        return DatasetFormat(
            kind=CSV,
            header=_bool(body.get("header", False)),
            output_columns_position=_position(body.get("output_columns_position")),
            delimiter=str(body.get("delimiter", body.get("field_delimiter", ","))),
            quote_character=str(body.get("quote_character", '"')),
            escape_character=body.get("quote_escape_character"),
            options=body,
        )
    if kind in (CAPTURE, MERGE):
        names = body.get("captureindexnames") or DEFAULT_CAPTURE_INDEX_NAMES
        # A bare string would otherwise become a tuple of its characters.
        if not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"captureIndexNames must be a list of names, got: {names!r}")
        return DatasetFormat(
            kind=kind,
            capture_index_names=tuple(names),
            output_columns_position=_position(body.get("output_columns_position")),
            options=body,
        )
    if kind == JSON and not _bool(body.get("lines", body.get("line", True))):
        raise ConfigError('Only JSON Lines datasets are supported: set {"json": {"lines": true}}')
    return DatasetFormat(
        kind=kind, output_columns_position=_position(body.get("output_columns_position")), options=body
    )


def _canonical_kind(key: str) -> str:
    for kind in KNOWN_KINDS:
        if key.lower() == kind.lower():
            return kind
    return key


def _bool(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)
