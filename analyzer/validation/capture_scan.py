"""What capture records hold, beyond their columns: payload encodings and content types per part,
CSV widths, shadow traffic and the inferenceTime range. Lines that do not parse are left to the
reader's accounting (the skipped records)."""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter

from analyzer.common.errors import ConfigError
from analyzer.config.window import parse_time
from analyzer.readers.capture import SHADOW_INVOCATION
from analyzer.validation.findings import CaptureInfo, PartInfo


def content_type(value) -> str:
    """``text/csv; charset=utf-8`` and ``text/csv`` are the same content for the reader."""
    return str(value).split(";")[0].strip().lower() if value else "(none)"


def payload_kind(part: dict) -> tuple[str, str | None]:
    """(how the payload is encoded, its text once decoded: None when it does not decode)."""
    encoding = str(part.get("encoding") or "CSV").upper()
    data = part.get("data")
    if not isinstance(data, str):
        return encoding, None
    if encoding == "BASE64":
        try:
            return encoding, base64.b64decode(data, validate=False).decode("utf-8")
        except (binascii.Error, ValueError):
            return encoding, None
    return encoding, data


def csv_width(text: str) -> int | None:
    first = text.strip().split("\n", 1)[0]
    if not first or '"' in first:
        return None  # quoted fields: the reader's csv parser decides, not a comma count
    return first.count(",") + 1


class CaptureScan:
    def __init__(self, parts: tuple[str, ...]):
        self.info = CaptureInfo(parts={name: PartInfo(name) for name in parts})
        self.counters = {
            name: (Counter(), Counter(), Counter()) for name in parts
        }  # encodings, content types, widths
        # Where each (part, encoding or content type or width) was first seen, to point at.
        self.first_at: dict[tuple[str, object], str] = {}

    def add_lines(self, data: bytes, where: str) -> None:
        for number, line in enumerate(data.split(b"\n"), start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                continue
            if isinstance(event, dict):
                self.add(event, f"{where}:{number}")

    def add(self, event: dict, location: str) -> None:
        info = self.info
        info.records += 1
        metadata = event.get("eventMetadata") if isinstance(event.get("eventMetadata"), dict) else {}
        if metadata.get("invocationSource") == SHADOW_INVOCATION:
            info.shadow += 1
        when = metadata.get("inferenceTime")
        if when is not None:
            try:
                moment = parse_time(str(when), "inferenceTime").isoformat().replace("+00:00", "Z")
            except ConfigError:
                info.bad_times += 1
            else:
                info.first_time = min(info.first_time or moment, moment)
                info.last_time = max(info.last_time or moment, moment)
        capture = event.get("captureData") if isinstance(event.get("captureData"), dict) else {}
        for name, (encodings, types, widths) in self.counters.items():
            part = capture.get(name)
            if not isinstance(part, dict):
                continue
            encoding, text = payload_kind(part)
            kind = content_type(part.get("observedContentType"))
            encodings[encoding] += 1
            types[kind] += 1
            self.first_at.setdefault((name, encoding), location)
            self.first_at.setdefault((name, kind), location)
            if text is not None and not (encoding == "JSON" or (encoding == "BASE64" and "json" in kind)):
                width = csv_width(text)
                if width is not None:
                    widths[width] += 1
                    self.first_at.setdefault((name, width), location)

    def result(self) -> CaptureInfo:
        for name, (encodings, types, widths) in self.counters.items():
            part = self.info.parts[name]
            part.encodings = dict(encodings.most_common())
            part.content_types = dict(types.most_common())
            part.widths = dict(widths.most_common())
        return self.info
