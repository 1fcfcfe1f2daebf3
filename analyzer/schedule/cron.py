"""Cron expressions as monitoring schedules use them, and the instants they tick at (UTC).

Accepted: SageMaker's ``cron(0 * ? * * *)`` (minutes hours day-of-month month day-of-week year,
``?`` for "any"), classic five-field cron (``0 * * * *``), and ``NOW`` (one execution, at once).
Fields take ``*``, ``?``, numbers, ``a-b`` ranges, ``/n`` steps and comma lists; day-of-week is
0-7 or SUN-SAT (0 and 7 are Sunday; in the six-field form 1-7 is SUN-SAT as in AWS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analyzer.common.errors import ConfigError

NAMES = {n: i for i, n in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
MONTHS = {
    n: i + 1
    for i, n in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    )
}
LOOKAHEAD = timedelta(days=366 * 5)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        step = 1
        stepped = "/" in part  # of this list item only: "1,5/20" is {1} and {5, 25, 45}
        if stepped:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step < 1:
                raise ValueError(f"step {step_text}")
        if part in ("*", "?", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = _number(part, names)
            end = high if stepped else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{part} outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _number(text: str, names: dict[str, int] | None) -> int:
    if names and text in names:
        return names[text]
    return int(text)


@dataclass(frozen=True)
class Cron:
    text: str
    minutes: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    days: frozenset[int] = frozenset()
    months: frozenset[int] = frozenset()
    weekdays: frozenset[int] = frozenset()  # 0 = Sunday
    years: frozenset[int] | None = None
    any_day: bool = True
    any_weekday: bool = True
    now: bool = False

    @classmethod
    def parse(cls, text: str) -> Cron:
        expression = text.strip()
        if expression.upper() == "NOW":
            return cls(expression, now=True)
        aws = re.fullmatch(r"cron\((.*)\)", expression, flags=re.IGNORECASE)
        fields = (aws.group(1) if aws else expression).split()
        try:
            if aws or len(fields) == 6:
                if len(fields) != 6:
                    raise ValueError(
                        "cron(...) needs 6 fields: minutes hours day-of-month month day-of-week year"
                    )
                minute, hour, day, month, weekday, year = fields
                # AWS numbers days of the week 1-7 from Sunday.
                weekdays = frozenset(
                    (d - 1) % 7 for d in _field(weekday, 1, 7, {k: v + 1 for k, v in NAMES.items()})
                )
                years = None if year in ("*", "?") else _field(year, 1970, 2199)
            elif len(fields) == 5:
                minute, hour, day, month, weekday = fields
                weekdays = frozenset(d % 7 for d in _field(weekday, 0, 7, NAMES))
                years = None
            else:
                raise ValueError(f"{len(fields)} fields")
            return cls(
                expression,
                _field(minute, 0, 59),
                _field(hour, 0, 23),
                _field(day, 1, 31),
                _field(month, 1, 12, MONTHS),
                weekdays,
                years,
                # As in Vixie cron: a field starting with * (such as */2) does not restrict the day.
                any_day=day.startswith(("*", "?")),
                any_weekday=weekday.startswith(("*", "?")),
            )
        except ValueError as e:
            raise ConfigError(
                f"Cron expression {text!r} is not valid ({e}); examples: 'cron(0 * ? * * *)' (hourly, "
                "SageMaker's form), '0 * * * *', 'NOW'"
            ) from None

    def _day_matches(self, moment: datetime) -> bool:
        in_day, in_week = moment.day in self.days, (moment.weekday() + 1) % 7 in self.weekdays
        if self.any_day or self.any_weekday:  # a starred field (*, ?, */2) restricts with AND
            return in_day and in_week
        return in_day or in_week  # both restricted: either matches, as in classic cron

    def matches(self, moment: datetime) -> bool:
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.month in self.months
            and (self.years is None or moment.year in self.years)
            and self._day_matches(moment)
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """The first tick strictly after ``moment`` (None: no more ticks, or NOW)."""
        if self.now:
            return None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = moment + LOOKAHEAD
        while candidate <= limit:
            if candidate.month not in self.months or (
                self.years is not None and candidate.year not in self.years
            ):
                candidate = (candidate.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if not self._day_matches(candidate):
                candidate = candidate.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if candidate.hour not in self.hours:
                candidate = candidate.replace(minute=0) + timedelta(hours=1)
                continue
            if candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
                continue
            return candidate
        return None

    def ticks(self, after: datetime, until: datetime) -> list[datetime]:
        """Every tick in (after, until]."""
        found, moment = [], after
        while (moment := self.next_after(moment)) is not None and moment <= until:
            found.append(moment)
        return found


def parse_duration(text: str) -> timedelta:
    """ISO-8601 offsets as SageMaker writes them: -PT1H, -PT0H, PT30M, -P1DT2H."""
    match = re.fullmatch(r"([+-])?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text.strip().upper())
    if not match or text.strip().upper() in ("P", "-P", "PT", "-PT"):
        raise ConfigError(f"Offset {text!r} is not an ISO-8601 duration such as -PT1H or -PT0H")
    sign, days, hours, minutes, seconds = match.groups()
    value = timedelta(
        days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0), seconds=int(seconds or 0)
    )
    return -value if sign == "-" else value
