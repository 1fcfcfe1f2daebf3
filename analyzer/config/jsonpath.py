"""The JSONPath subset users give for attributes: ``$.key``, ``$.key.sub``, ``$['key']``, ``$.key[0]``."""

from __future__ import annotations

import re

from analyzer.common.errors import ConfigError

_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[(['\"])(.*?)\3\]")


def jsonpath_steps(path: str, label: str) -> tuple[str | int, ...]:
    """The keys (str) and list indices (int) after the leading ``$``; a ConfigError starting with
    ``label`` for anything else."""
    steps: list[str | int] = []
    rest = path.strip()[1:]
    while rest:
        step = _STEP.match(rest)
        if step is None:
            raise ConfigError(f"{label} is not supported: use $.key, $.key.sub, $['key'] and $.key[0] steps")
        key, index, _, quoted = step.groups()
        steps.append(int(index) if index is not None else key if key is not None else quoted)
        rest = rest[step.end() :]
    return tuple(steps)
