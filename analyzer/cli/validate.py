"""``monitor-analyzer validate``: the dry run from the command line."""

from __future__ import annotations

import json
import sys

import click

from analyzer.cli.support import (
    MAX_SKIPPED_OPTION,
    PREPROCESSOR_OPTION,
    baseline_file_option,
    dataset_format_of,
    input_options,
    time_window_options,
    with_options,
)
from analyzer.common.errors import ConfigError
from analyzer.config.window import TimeWindow
from analyzer.validation.run import DEFAULT_SAMPLE_MB, ValidateRequest
from analyzer.validation.run import validate as run_validate
from analyzer.validation.text import render


def validate_options(command):
    options = [
        *input_options(),
        PREPROCESSOR_OPTION,
        *time_window_options(),
        MAX_SKIPPED_OPTION,
        baseline_file_option("statistics", False, "Baseline statistics.json (types and distributions)."),
        baseline_file_option("constraints", False, "Baseline constraints.json (features and thresholds)."),
        click.option(
            "--sample-mb",
            type=click.FloatRange(min=0, min_open=True),
            default=DEFAULT_SAMPLE_MB,
            show_default=True,
            help="Bytes to read in all, spread over the files (the first bytes of each).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
    ]
    return with_options(command, options)


@click.command()
@validate_options
def validate(**options) -> None:
    """Dry-run DATASET on a sample: encodings, columns and types, records that would be skipped, and
    mismatches against a baseline (a column shift included), each with a fix. With --start-time /
    --end-time, capture records outside the window are dropped as a windowed monitoring run drops them.

    Exits 0 when the data would be analyzed without problems, 1 when an error or a warning was
    found, 255 on a usage error (as every command)."""
    dataset_format = dataset_format_of(options)
    if not 0 <= options["max_skipped_fraction"] <= 1:
        raise click.BadParameter("must be a number in [0, 1]", param_hint="--max-skipped-fraction")
    try:
        window = TimeWindow.of(options["start_time"], options["end_time"])
    except ConfigError as e:
        raise click.BadParameter(str(e), param_hint="--start-time/--end-time") from None
    request = ValidateRequest(
        dataset=options["dataset"],
        dataset_format=dataset_format,
        preprocessor=options["preprocessor"],
        baseline_statistics=options["baseline_statistics"],
        baseline_constraints=options["baseline_constraints"],
        sample_bytes=int(options["sample_mb"] * 1e6),
        max_skipped_fraction=options["max_skipped_fraction"],
        window=window,
    )
    report = run_validate(request)
    if options["as_json"]:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render(report))
    sys.exit(report.exit_code)
