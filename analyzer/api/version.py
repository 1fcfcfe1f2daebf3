"""The package's version: the installed distribution's, else the source tree's pyproject.toml."""

from __future__ import annotations

import functools
from pathlib import Path

DISTRIBUTION = "monitor-analyzer"
UNKNOWN = "0+unknown"


@functools.cache
def package_version() -> str:
    import tomllib
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    # Run from a source checkout that was never installed: the version the next install would get.
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return UNKNOWN
