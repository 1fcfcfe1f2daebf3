"""What every task needs to read its splits: the format, column names decided up front, the script."""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.config.formats import DatasetFormat
from analyzer.config.segments import SplitSpec
from analyzer.config.window import TimeWindow


@dataclass(frozen=True)
class ReadPlan:
    dataset_format: DatasetFormat
    # CSV with header: the header of every file; headerless CSV: the width of the first row.
    headers: dict[str, list[str]] = field(default_factory=dict)
    csv_width: int = 0
    preprocessor: str | None = None
    batch_rows: int = 8192
    # Monitoring runs: positional columns take the baseline's feature names, in order.
    feature_names: tuple[str, ...] = ()
    # Capture data: only records whose eventMetadata.inferenceTime is in [start, end) are analyzed.
    window: TimeWindow | None = None
    # Model quality on merged capture data: also read groundTruthData into columns.
    ground_truth: bool = False
    # Read record by record so every row carries its file and line (to locate a rejected value).
    exact_locations: bool = False
    # Skipped records' raw lines travel back to the driver for <output_path>/quarantine.
    quarantine: bool = False
    # Split runs: how each record's segment is found (capture readers tag rows with it).
    split: SplitSpec | None = None

    def positional_name(self, index: int) -> str:
        return self.feature_names[index] if index < len(self.feature_names) else f"_c{index}"
