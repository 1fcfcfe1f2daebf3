"""The analysis window of a monitoring execution: [start_time, end_time) in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from analyzer.common.errors import ConfigError


def parse_time(text: str, what: str = "time") -> datetime:
    """ISO-8601 (``2022-04-18T00:21:48Z``, fractional seconds or offsets allowed); naive means UTC."""
    # A space between date and time is a separator ("2022-04-18 00:21:48Z", RFC 3339, and what
    # fromisoformat accepts): removing it with the docs' stray spaces ("2019-12-01T16: 20: 00Z") made
    # "2022-04-1800:21:48Z", so such capture records were skipped as invalid. Keep it as the T.
    cleaned = re.sub(r"^(\d{4}-\d{2}-\d{2}) +(?=\d)", r"\1T", text.strip()).replace(" ", "")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ConfigError(f"{what} {text!r} is not an ISO-8601 time such as 2022-04-18T00:00:00Z") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class TimeWindow:
    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of(cls, start: str | None, end: str | None) -> TimeWindow | None:
        if not start and not end:
            return None
        window = cls(
            parse_time(start, "start_time") if start else None, parse_time(end, "end_time") if end else None
        )
        if window.start and window.end and window.start >= window.end:
            raise ConfigError(f"start_time {start} must be before end_time {end}")
        return window

    def contains(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)

    def __str__(self) -> str:
        start = self.start.strftime("%Y-%m-%dT%H:%M:%SZ") if self.start else "-inf"
        end = self.end.strftime("%Y-%m-%dT%H:%M:%SZ") if self.end else "+inf"
        return f"[{start}, {end})"
