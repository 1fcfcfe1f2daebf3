"""Accounting of every record read: analyzed, dropped by the preprocessor, or skipped with a reason.

Locations are recorded relative to the split that saw them (a file may be read in several byte
ranges by different tasks); the driver turns them into file:line once every split reported how many
lines it holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from analyzer.common.log_text import printable

MAX_EXAMPLES = 20
# The raw lines of skipped records travel back to the driver only up to these bounds (per task and
# in total), so a dataset of garbage cannot exhaust the driver's memory; the rest is counted.
QUARANTINE_MAX_RECORDS = 10_000
QUARANTINE_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Location:
    path: str
    split_start: int  # byte offset of the split in the file
    line: int  # 1-based line within the split

    def resolve(self, lines_before: dict[tuple[str, int], int]) -> str:
        return f"{printable(self.path)}:{lines_before.get((self.path, self.split_start), 0) + self.line}"


@dataclass
class SkipExample:
    reason: str
    location: Location
    detail: str


@dataclass
class Quarantined:
    """A skipped record as it was read: its line, undecoded (it may not be UTF-8)."""

    reason: str
    location: Location
    detail: str
    raw: bytes

    @property
    def size(self) -> int:
        return len(self.raw) + len(self.detail)


@dataclass
class Ledger:
    records_read: int = 0
    records_analyzed: int = 0  # records that produced at least one row
    dropped: Counter = field(default_factory=Counter)  # left out on purpose, by reason
    skipped: Counter = field(default_factory=Counter)  # unreadable, by reason
    examples: list[SkipExample] = field(default_factory=list)
    # The first example of every reason, even one whose first skip came after MAX_EXAMPLES others.
    first: dict[str, SkipExample] = field(default_factory=dict)
    split_lines: dict[tuple[str, int], int] = field(default_factory=dict)
    # Set by the task when quarantine is on; only then are raw lines kept.
    keep_raw: bool = False
    quarantined: list[Quarantined] = field(default_factory=list)
    quarantine_bytes: int = 0
    quarantine_omitted: int = 0
    # Split runs: records analyzed per segment (a record's rows all belong to its segment).
    segment_records: Counter = field(default_factory=Counter)

    def skip(
        self, reason: str, location: Location, detail: str, raw: bytes | memoryview | str | None = None
    ) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES or reason not in self.first:
            example = SkipExample(reason, location, detail)
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append(example)
            self.first.setdefault(reason, example)
        if not self.keep_raw:
            return
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        # Sized before it is copied: a 190 MB line past the bounds is counted, never read again.
        if not self._has_room(len(raw or b"") + len(detail)):
            self.quarantine_omitted += 1
            return
        try:
            # bytes(): a line may be a view into its split's bytes, which it must not keep alive.
            line = bytes(raw or b"")
        except LookupError:  # a long line of a .gz, read once and let go: counted, not kept
            self.quarantine_omitted += 1
            return
        self._quarantine(Quarantined(reason, location, detail, line))

    def _has_room(self, size: int) -> bool:
        return (
            len(self.quarantined) < QUARANTINE_MAX_RECORDS
            and self.quarantine_bytes + size <= QUARANTINE_MAX_BYTES
        )

    def _quarantine(self, entry: Quarantined) -> None:
        if self._has_room(entry.size):
            self.quarantined.append(entry)
            self.quarantine_bytes += entry.size
        else:
            self.quarantine_omitted += 1

    def drop(self, reason: str) -> None:
        self.dropped[reason] += 1

    @property
    def records_dropped(self) -> int:
        return sum(self.dropped.values())

    @property
    def records_skipped(self) -> int:
        return sum(self.skipped.values())

    def merge(self, other: Ledger) -> Ledger:
        """Fold in the ledger of the splits after this one's (examples keep split order)."""
        self.records_read += other.records_read
        self.dropped.update(other.dropped)
        self.records_analyzed += other.records_analyzed
        self.skipped.update(other.skipped)
        self.examples.extend(other.examples[: MAX_EXAMPLES - len(self.examples)])
        for reason, example in other.first.items():
            self.first.setdefault(reason, example)
        self.split_lines.update(other.split_lines)
        self.keep_raw = self.keep_raw or other.keep_raw
        for entry in other.quarantined:
            self._quarantine(entry)
        self.quarantine_omitted += other.quarantine_omitted
        self.segment_records.update(other.segment_records)
        return self

    def lines_before(self) -> dict[tuple[str, int], int]:
        """Lines in the earlier splits of the same file, for every split."""
        before: dict[tuple[str, int], int] = {}
        running: dict[str, int] = {}
        for path, start in sorted(self.split_lines):
            before[(path, start)] = running.get(path, 0)
            running[path] = running.get(path, 0) + self.split_lines[(path, start)]
        return before

    def describe_examples(self) -> list[str]:
        before = self.lines_before()
        return [f"{e.location.resolve(before)}: {e.reason}: {e.detail}" for e in self.examples]

    def skipped_section(self) -> dict | None:
        """``dataset.skipped`` of statistics.json; None when nothing was skipped."""
        if not self.records_skipped:
            return None
        before = self.lines_before()
        return {
            "records_read": self.records_read,
            "count": self.records_skipped,
            "reasons": dict(sorted(self.skipped.items())),
            "examples": [
                {"location": e.location.resolve(before), "reason": e.reason, "detail": e.detail}
                for e in self.examples
            ],
        }
