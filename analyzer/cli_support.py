"""What every command of the CLI shares: how a failure ends, how option lists are attached."""

from __future__ import annotations

import sys

import click

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
