"""What every command of the CLI shares: how a failure ends, how option lists are attached."""

from __future__ import annotations

import sys

import click

from analyzer.contract import DEFAULT_MAX_SKIPPED_FRACTION

FAILURE_EXIT = 255  # the prebuilt analyzer's exit code on any failure


def fail(error: Exception | str) -> None:
    """One line on stderr (a multi-line cause would hide what matters), exit 255."""
    click.echo(f"error: {' '.join(str(error).split())}", err=True)
    sys.exit(FAILURE_EXIT)


def with_options(command, options: list):
    """Apply click options in the order they are listed (--help shows them so)."""
    for option in reversed(options):
        command = option(command)
    return command


def skip_policy_options() -> list:
    """The bad-input policy of every command that analyzes data (baseline, monitor, schedule run)."""
    return [
        click.option(
            "--max-skipped-fraction",
            type=float,
            default=DEFAULT_MAX_SKIPPED_FRACTION,
            show_default=True,
            help="Fail when more than this fraction of the records read is skipped as unreadable (0 to 1).",
        ),
        click.option(
            "--quarantine",
            is_flag=True,
            default=False,
            help="Write the skipped records to quarantine/skipped.jsonl beside the reports.",
        ),
    ]


def with_skip_policy(command):
    return with_options(command, skip_policy_options())
