"""Tuning variables of the environment (split, task and long-line sizes, worker count), read when
used. A value that is not a positive whole number fails the job with one line naming the variable:
a misspelled number must not become a traceback, nor silently a default."""

from __future__ import annotations

import os

from analyzer.common.errors import ConfigError


def positive_int(name: str, default: int) -> int:
    """$name as a positive integer; ``default`` when it is unset or empty."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {text!r}")
    return value
