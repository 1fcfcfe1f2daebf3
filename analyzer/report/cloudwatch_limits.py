"""What CloudWatch's PutMetricData accepts, applied to every metric record before it is written.

Sources (Amazon CloudWatch API Reference): ``MetricDatum`` — MetricName 1 to 255 characters, at most
30 dimensions; "CloudWatch rejects values that are either too small or too large ... special values
(for example, NaN, +Infinity, -Infinity) are not supported", the range being stated as 8.515920e-109
to 1.174271e+108 in magnitude (older text; the current text says -2^360 to 2^360, which contains it,
so the narrower one is what is enforced); ``StatisticSet`` — the same for SampleCount, Sum, Minimum and
Maximum; ``Dimension`` — Name 1 to 255 and Value 1 to 1024 characters, ASCII only, at least one
non-whitespace character.

Names and dimension values come from the data (feature names, target models): they are kept as they
are when CloudWatch accepts them, else cut to a stable prefix plus a hash of the whole text.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re

log = logging.getLogger("monitor_analyzer")

MAX_METRIC_NAME = 255
MAX_DIMENSION_NAME = 255
MAX_DIMENSION_VALUE = 1024
MAX_DIMENSIONS = 30
SMALLEST = 8.515920e-109  # non-zero magnitudes below this are rejected
LARGEST = 1.174271e108  # magnitudes above this are rejected
HASH_CHARS = 16

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NOT_ASCII_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def bounded(text: str, limit: int, unsafe: re.Pattern = _CONTROL) -> str:
    """``text`` when it fits and holds nothing ``unsafe``; else its first characters (unsafe ones as
    "_") and "-" with 16 hex digits of its SHA-256: the same text always gives the same name, and two
    names that share a long prefix still differ."""
    if 0 < len(text) <= limit and not unsafe.search(text) and text.strip():
        return text
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:HASH_CHARS]
    return unsafe.sub("_", text[: limit - HASH_CHARS - 1]) + "-" + digest


def metric_value(value: float | int) -> float | int | None:
    """The value as CloudWatch takes it: None when it would be rejected (non-finite or too large), 0.0
    for a magnitude too small to be represented (within 1e-108 of the true value)."""
    magnitude = abs(float(value))
    if not math.isfinite(magnitude) or magnitude > LARGEST:
        return None
    return 0.0 if 0 < magnitude < SMALLEST else value


def publishable(records: list[dict]) -> list[dict]:
    """The records CloudWatch would accept. A record with a value it would reject is left out with a
    WARNING (StatisticValues go as one set, so one bad field leaves the whole set out)."""
    kept = []
    for record in records:
        name = bounded(str(record["MetricName"]), MAX_METRIC_NAME)
        fields = record["StatisticValues"] if "StatisticValues" in record else {"Value": record["Value"]}
        values = {k: metric_value(v) for k, v in fields.items()}
        rejected = [f"{k} {fields[k]}" for k, v in values.items() if v is None]
        if rejected:
            log.warning(
                "CloudWatch metric %s left out: %s is not a value CloudWatch accepts (NaN, ±Infinity "
                "or a magnitude above %g)",
                name,
                ", ".join(rejected),
                LARGEST,
            )
            continue
        rounded = [k for k, v in values.items() if v == 0.0 and fields[k] != 0.0]
        if rounded:
            log.warning(
                "CloudWatch metric %s: %s below %g in magnitude sent as 0 (CloudWatch rejects it)",
                name,
                ", ".join(f"{k} {fields[k]}" for k in rounded),
                SMALLEST,
            )
        out = {**record, "MetricName": name, "Dimensions": dimensions(record.get("Dimensions") or [], name)}
        if "StatisticValues" in record:
            out["StatisticValues"] = values
        else:
            out["Value"] = values["Value"]
        kept.append(out)
    return kept


def dimensions(dims: list[dict], metric: str) -> list[dict]:
    if len(dims) > MAX_DIMENSIONS:
        log.warning("CloudWatch metric %s: only the first %d dimensions are kept", metric, MAX_DIMENSIONS)
    return [
        {
            "Name": bounded(str(d["Name"]), MAX_DIMENSION_NAME, _NOT_ASCII_PRINTABLE),
            "Value": bounded(str(d["Value"]), MAX_DIMENSION_VALUE, _NOT_ASCII_PRINTABLE),
        }
        for d in dims[:MAX_DIMENSIONS]
    ]
