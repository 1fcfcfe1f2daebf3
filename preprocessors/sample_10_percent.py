"""Deterministic 10% sampling: analyze about one record in ten, the same ones on every run.

Each record is kept iff ``zlib.crc32(key) % ONE_IN == 0`` (``ONE_IN = 10``), where the key is

* the ``eventId`` of a capture record (``sagemakerCaptureJson`` / ``sagemakerMergeJson``),
* the line text without its line break for CSV,
* the record serialised with sorted keys for JSON Lines.

Every other record is dropped by returning ``[]`` (the analyzer counts it as dropped). Unlike
``random.random() < 0.1`` the choice does not depend on the run, the process or the order in which
Spark reads the files, so a baseline can be reproduced exactly. Lower ``ONE_IN`` to sample more.

What a kept record becomes:

* capture records: the decoded CSV (or BASE64-encoded CSV, or JSON list) output and input as one
  row, output columns first, named ``_c000``, ``_c001``, ... (zero-padded so that lexicographic
  order is the column order); a payload of N lines gives N rows;
* CSV lines: the fields as ``_c000``, ``_c001``, ... (a line in which no field is a number is taken
  for the header and dropped);
* JSON Lines records: the record itself.

Copy this file and pass it as ``record_preprocessor_script`` or
``monitor-analyzer baseline --preprocessor``.
"""

import base64
import csv
import json
import zlib

ONE_IN = 10  # keep one record in ONE_IN (10 -> 10%, 4 -> 25%)
KEY_DIGITS = 3


def keep(key):
    """The sampling decision for a key (a str): stable across runs, processes and machines."""
    return zlib.crc32(key.encode("utf-8")) % ONE_IN == 0


def _is_number(text):
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _decoded_rows(event):
    """The rows (lists of values) of one capture part; None when the part is absent."""
    if event is None or event.data is None:
        return None
    data = event.data
    encoding = (event.encoding or "CSV").upper()
    if encoding == "BASE64":
        data = base64.b64decode(data).decode("utf-8")
        encoding = "JSON" if "json" in (event.observedContentType or "").lower() else "CSV"
    if encoding == "JSON":
        value = json.loads(data)
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            return value
        return [value if isinstance(value, list) else [value]]
    lines = [line for line in data.splitlines() if line.strip()]
    return [[v if v != "" else None for v in row] for row in csv.reader(lines)]


def _named(values):
    return {f"_c{str(i).zfill(KEY_DIGITS)}": v for i, v in enumerate(values)}


def _capture(record):
    event_id = record.event_metadata.event_id if record.event_metadata else None
    if not keep(event_id or json.dumps(record.event_dict, sort_keys=True)):
        return []
    parts = [p for p in (_decoded_rows(record.endpoint_output), _decoded_rows(record.endpoint_input)) if p]
    if not parts:
        return []
    if len({len(p) for p in parts}) > 1:
        raise ValueError(f"event {event_id}: output and input hold different numbers of rows")
    rows = [_named([v for part in pieces for v in part]) for pieces in zip(*parts, strict=True)]
    return rows[0] if len(rows) == 1 else rows


def preprocess_handler(inference_record):
    if isinstance(inference_record, str):  # a CSV line
        line = inference_record.rstrip("\r\n")
        if not keep(line):
            return []
        fields = next(csv.reader([line]), [])
        if not any(_is_number(f) for f in fields):
            return []  # the header
        return _named([f if f != "" else None for f in fields])
    if isinstance(inference_record, dict):  # a JSON Lines record
        return inference_record if keep(json.dumps(inference_record, sort_keys=True)) else []
    return _capture(inference_record)  # a CapturedData object
