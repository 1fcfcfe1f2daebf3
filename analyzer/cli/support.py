"""What every command of the CLI shares: how a failure ends, how option lists are attached."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from analyzer.config.contract import DEFAULT_MAX_SKIPPED_FRACTION
from analyzer.config.formats import CAPTURE, CSV, JSON, MERGE, PARQUET, DatasetFormat

FORMAT_CHOICES = {"csv": CSV, "json": JSON, "parquet": PARQUET, "capture": CAPTURE, "merged": MERGE}

ENGINE_HELP = (
    "Where the tasks run. auto: on Spark when a master is named (--master, $SPARK_MASTER), else on "
    "this machine without a JVM: in one worker process per core ($MONITOR_ANALYZER_WORKERS), or in "
    "this process when the input is small. local: this process. processes: worker processes. "
    "spark: Spark (local[*] without a master). Same results every way."
)

FAILURE_EXIT = 255  # the prebuilt analyzer's exit code on any failure


def fail(error: Exception | str) -> None:
    """One line on stderr (a multi-line cause would hide what matters), exit 255."""
    click.echo(f"error: {' '.join(str(error).split())}", err=True)
    sys.exit(FAILURE_EXIT)


def usage_line(error: click.UsageError) -> str:
    """Click's cause and where the command's help is, on one line (click's own error takes three)."""
    command = f"{error.ctx.command_path} --help" if error.ctx is not None else "--help"
    return f"{error.format_message().rstrip('.')}; see '{command}'"


@contextmanager
def usage_errors_fail() -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError as e:
        # A bare group asks what it can do: its help, as --help gives it.
        click.echo(e.ctx.get_help())
        sys.exit(0)
    except click.UsageError as e:
        fail(usage_line(e))


class FailingGroup(click.Group):
    """A group whose usage errors (a required option missing, a bad value, an unknown command, in it
    or in any command under it) end like every other failure: one ``error:`` line, exit 255. Scripts
    and the container test one exit code, and a job never runs with an option silently missing."""

    def make_context(self, info_name, args, parent=None, **extra):
        with usage_errors_fail():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context):
        with usage_errors_fail():
            return super().invoke(ctx)


def with_options(command, options: list):
    """Apply click options in the order they are listed (--help shows them so)."""
    for option in reversed(options):
        command = option(command)
    return command


def input_options() -> list:
    """What to read and how: shared by the analysis commands and ``validate``."""
    return [
        click.option(
            "--dataset",
            required=True,
            type=click.Path(exists=True, path_type=Path),
            help="File or directory (read recursively).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(sorted(FORMAT_CHOICES)),
            default="csv",
            show_default=True,
            help="Dataset format.",
        ),
        click.option(
            "--header/--no-header", default=False, show_default=True, help="CSV: first line is a header."
        ),
        click.option(
            "--output-columns-position",
            type=click.Choice(["START", "END"], case_sensitive=False),
            default="START",
            show_default=True,
            help="Where the model output columns are: first or last.",
        ),
        click.option(
            "--capture-index-names",
            default="endpointInput,endpointOutput",
            show_default=True,
            help="Capture data: parts to analyze.",
        ),
    ]


PREPROCESSOR_OPTION = click.option(
    "--preprocessor",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Script defining preprocess_handler.",
)

MAX_SKIPPED_OPTION = click.option(
    "--max-skipped-fraction",
    type=float,
    default=DEFAULT_MAX_SKIPPED_FRACTION,
    show_default=True,
    help="Fail when more than this fraction of the records read is skipped as unreadable (0 to 1).",
)


def baseline_file_option(which: str, required: bool, help: str, dir_okay: bool = False):
    """--baseline-statistics / --baseline-constraints (a file, or a split baseline's directory, that
    must exist). No ``default=``: click does not enforce ``required`` on an option given a default,
    even None, and monitor then ran a baseline instead."""
    return click.option(
        f"--baseline-{which}",
        required=required,
        type=click.Path(exists=True, dir_okay=dir_okay, path_type=Path),
        help=help,
    )


def capture_index_names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def dataset_format_of(options: dict) -> DatasetFormat:
    """The DatasetFormat that input_options() describe."""
    return DatasetFormat(
        kind=FORMAT_CHOICES[options["fmt"]],
        header=options["header"],
        output_columns_position=options["output_columns_position"].upper(),
        capture_index_names=capture_index_names(options["capture_index_names"]),
    )


def time_window_options() -> list:
    """--start-time / --end-time: the capture records a windowed run reads (monitor and validate)."""
    return [
        click.option(
            "--start-time",
            default=None,
            help="Capture data: analyze records with inferenceTime >= this (ISO-8601).",
        ),
        click.option(
            "--end-time",
            default=None,
            help="Capture data: analyze records with inferenceTime < this (ISO-8601).",
        ),
    ]


def with_time_window(command):
    return with_options(command, time_window_options())


QUARANTINE_OPTION = click.option(
    "--quarantine",
    is_flag=True,
    default=False,
    help="Write the skipped records to quarantine/skipped.jsonl beside the reports.",
)


def skip_policy_options() -> list:
    """The bad-input policy of every command that analyzes data (baseline, monitor, schedule run)."""
    return [MAX_SKIPPED_OPTION, QUARANTINE_OPTION]


def with_skip_policy(command):
    return with_options(command, skip_policy_options())
