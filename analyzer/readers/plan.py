"""What every task needs to read its splits: the format, column names decided up front, the script."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.formats import DatasetFormat


@dataclass(frozen=True)
class ReadPlan:
    dataset_format: DatasetFormat
    # CSV with header: the header of every file; headerless CSV: the width of the first row.
    headers: dict[str, list[str]] = field(default_factory=dict)
    csv_width: int = 0
    preprocessor: str | None = None
    batch_rows: int = 8192
