"""An output directory inside the input, or the input inside the output, is refused before anything
is written: the next run would read this run's reports (HTML, JSON) back as data and say
"Completed". Paths are compared as they really are, links resolved."""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.common.errors import ConfigError
from analyzer.common.log_text import printable


def within(real: str, root: str) -> bool:
    """``real`` is ``root`` or below it (both real, absolute paths)."""
    return real == root or os.path.commonpath([real, root]) == root


def overlap(output: Path | str, source: Path | str) -> str | None:
    """How ``output`` overlaps ``source`` ("is", "is inside", "contains"), or None when apart."""
    real_out, real_in = os.path.realpath(output), os.path.realpath(source)
    if within(real_out, real_in):
        return "is" if real_out == real_in else "is inside"
    # A single file given as the input may sit in the output directory: only that file is read,
    # never the reports beside it (the demo writes its training file where its baseline goes).
    if within(real_in, real_out) and not os.path.isfile(real_in):
        return "contains"
    return None


def check_apart(inputs: dict[str, Path | str | None], outputs: dict[str, Path | str | None]) -> None:
    """ConfigError naming the first output that overlaps an input (by key, then path)."""
    for out_key, output in outputs.items():
        for in_key, source in inputs.items():
            if output is None or source is None or not (how := overlap(output, source)):
                continue
            raise ConfigError(
                f"{out_key} {printable(str(output))} {how} {in_key} {printable(str(source))}: "
                f"the reports would be read back as data; choose an {out_key} apart from the input"
            )
