"""Accounting of every record read: analyzed, dropped by the preprocessor, or skipped with a reason.

Locations are recorded relative to the split that saw them (a file may be read in several byte
ranges by different tasks); the driver turns them into file:line once every split reported how many
lines it holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_EXAMPLES = 20


@dataclass(frozen=True)
class Location:
    path: str
    split_start: int  # byte offset of the split in the file
    line: int  # 1-based line within the split

    def resolve(self, lines_before: dict[tuple[str, int], int]) -> str:
        return f"{self.path}:{lines_before.get((self.path, self.split_start), 0) + self.line}"


@dataclass
class SkipExample:
    reason: str
    location: Location
    detail: str


@dataclass
class Ledger:
    records_read: int = 0
    records_analyzed: int = 0  # records that produced at least one row
    dropped: Counter = field(default_factory=Counter)  # left out on purpose, by reason
    skipped: Counter = field(default_factory=Counter)  # unreadable, by reason
    examples: list[SkipExample] = field(default_factory=list)
    split_lines: dict[tuple[str, int], int] = field(default_factory=dict)

    def skip(self, reason: str, location: Location, detail: str) -> None:
        self.skipped[reason] += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(SkipExample(reason, location, detail))

    def drop(self, reason: str) -> None:
        self.dropped[reason] += 1

    @property
    def records_dropped(self) -> int:
        return sum(self.dropped.values())

    @property
    def records_skipped(self) -> int:
        return sum(self.skipped.values())

    def merge(self, other: Ledger) -> Ledger:
        self.records_read += other.records_read
        self.dropped.update(other.dropped)
        self.records_analyzed += other.records_analyzed
        self.skipped.update(other.skipped)
        self.examples.extend(other.examples[: MAX_EXAMPLES - len(self.examples)])
        self.split_lines.update(other.split_lines)
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
