"""The analyzer-settings flags of ``baseline`` and ``monitor``: one per knob, named after its key."""

from __future__ import annotations

import click

from analyzer.cli.support import with_options
from analyzer.config.settings import KNOBS, AnalyzerSettings, parse_text

_DEFAULTS = AnalyzerSettings()


def flag_of(name: str) -> str:
    return "--" + name.replace("_", "-")


def settings_options(command):
    """Unset flags stay None, so a monitoring run can tell them from the baseline's recorded values."""
    options = [
        click.option(
            flag_of(k.name),
            k.name,
            default=None,
            metavar="INT" if k.integer else "NUMBER",
            help=f"{k.help[0].upper()}{k.help[1:]} (default {getattr(_DEFAULTS, k.name)}).",
        )
        for k in KNOBS
    ]
    return with_options(command, options)


def settings_from_flags(options: dict) -> tuple[tuple[str, int | float], ...]:
    """Take the settings flags out of ``options``; the given ones, validated (ConfigError)."""
    given = {k.name: options.pop(k.name, None) for k in KNOBS}
    return tuple(
        (name, parse_text(name, text, flag_of(name))) for name, text in given.items() if text is not None
    )
