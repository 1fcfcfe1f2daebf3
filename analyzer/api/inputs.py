"""What the API is given, made into what the engine takes: the data (a frame, a table or a path),
its format, the analyzer settings and a JobConfig."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# The names the CLI's --format takes, and the SageMaker kinds they stand for (cli_support's table).
FORMATS = {
    "csv": "csv",
    "json": "json",
    "parquet": "parquet",
    "capture": "sagemakerCaptureJson",
    "merged": "sagemakerMergeJson",
}
IN_MEMORY = Path("<in-memory table>")


@dataclass(frozen=True)
class ReadOptions:
    """How a path is read: the CLI's input flags (ignored for in-memory data)."""

    dataset_format: object = None  # "csv", "json", "parquet", "capture", a DatasetFormat or SageMaker's dict
    header: bool = False
    output_columns_position: str = "START"
    capture_index_names: tuple[str, ...] = ("endpointInput", "endpointOutput")
    preprocessor: str | Path | None = None
    max_skipped_fraction: float | None = None
    engine: str = "local"


def is_path(data) -> bool:
    return isinstance(data, str | Path)


def table_kind(data) -> str | None:
    """ "pandas", "polars" or "arrow" for the in-memory tables the API takes; None otherwise. Known by
    their classes' modules, so that no library is imported to ask."""
    module = type(data).__module__.split(".")[0]
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        return "pandas"
    if module == "polars" and hasattr(data, "to_arrow"):
        return "polars"
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None and isinstance(data, pyarrow.Table | pyarrow.RecordBatch):
        return "arrow"
    return None


def dataset_format_of(data, options: ReadOptions):
    from analyzer.config.formats import CSV, PARQUET, DatasetFormat, parse_dataset_format

    given = options.dataset_format
    if not is_path(data):
        if given is not None or options.preprocessor is not None:
            raise ValueError("dataset_format and preprocessor are for paths; a table is read as it is")
        return DatasetFormat(CSV, header=True)  # what a table stands for: its to_csv file
    if isinstance(given, DatasetFormat):
        return given
    if isinstance(given, Mapping):
        return parse_dataset_format(dict(given))
    if given is None:
        # A .parquet path (or a folder of them) is Parquet; anything else is read as the CLI's default.
        path = Path(data) if is_path(data) else None
        parquet = path is not None and (
            path.suffix == ".parquet" or (path.is_dir() and any(path.rglob("*.parquet")))
        )
        given = "parquet" if parquet else "csv"
    if isinstance(given, str) and given.strip().startswith("{"):
        return parse_dataset_format(given)
    kind = FORMATS.get(str(given).lower())
    if kind is None:
        raise ValueError(f"dataset_format must be one of {', '.join(FORMATS)}, got {given!r}")
    if kind == CSV:
        return DatasetFormat(
            CSV, header=options.header, output_columns_position=options.output_columns_position
        )
    if kind == PARQUET:
        return DatasetFormat(PARQUET)
    return DatasetFormat(kind, capture_index_names=tuple(options.capture_index_names))


def explicit_settings(settings: Mapping | None) -> tuple[tuple[str, int | float], ...]:
    """The analyzer settings given by name (the environment keys; the CLI's flags without dashes),
    validated as the CLI validates them."""
    from analyzer.config.settings import KNOB, check_value

    given = dict(settings or {})
    unknown = sorted(set(given) - set(KNOB))
    if unknown:
        raise ValueError(f"unknown analyzer setting(s) {', '.join(unknown)}; known: {', '.join(KNOB)}")
    return tuple(
        (k, check_value(k, float(given[k]), f"setting {k}", given[k]))
        for k in KNOB
        if given.get(k) is not None
    )


def job_config(data, options: ReadOptions, settings: Mapping | None, **fields):
    """The JobConfig a CLI run on the same input would build (its output path is never written)."""
    from analyzer.config.contract import DEFAULT_MAX_SKIPPED_FRACTION, JobConfig

    skipped = options.max_skipped_fraction
    return JobConfig(
        dataset_source=Path(data) if is_path(data) else IN_MEMORY,
        dataset_format=dataset_format_of(data, options),
        output_path=IN_MEMORY,
        record_preprocessor_script=Path(options.preprocessor) if options.preprocessor else None,
        max_skipped_fraction=DEFAULT_MAX_SKIPPED_FRACTION if skipped is None else skipped,
        analyzer_settings=explicit_settings(settings),
        **fields,
    )


def text_columns(data) -> tuple[list[str], list, int]:
    """An in-memory table as (header names, text columns, rows), as ``csv_text`` makes them."""
    from analyzer.api.csv_text import arrow_text, column_names, pandas_text

    kind = table_kind(data)
    if kind == "pandas":
        columns = [pandas_text(data.iloc[:, i]) for i in range(data.shape[1])]
        return column_names(list(data.columns)), columns, len(data)
    if kind == "polars":
        data = data.to_arrow()
    return column_names(list(data.column_names)), [arrow_text(c) for c in data.columns], data.num_rows
