"""Typed access to the JSON documents of a baseline: every error names the file and the key at fault."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from analyzer.common.errors import ConfigError


class BaselineError(ConfigError):
    """A baseline file is missing, not JSON, or has a malformed key."""


def load_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise BaselineError(f"Baseline {what} file {path} does not exist")
    try:
        # utf-8-sig: a hand-edited file saved by a Windows editor starts with a byte order mark.
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except RecursionError:
        raise BaselineError(f"Baseline {what} file {path} is nested too deeply to parse") from None
    except json.JSONDecodeError as e:
        raise BaselineError(
            f"Baseline {what} file {path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}"
        ) from e
    except UnicodeDecodeError as e:
        raise BaselineError(f"Baseline {what} file {path} is not UTF-8") from e
    if not isinstance(document, dict):
        raise BaselineError(f"Baseline {what} file {path} must hold a JSON object")
    return document


class JsonReader:
    """Typed access to a JSON document that names the file and key path in every error."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> BaselineError:
        return BaselineError(f"{self.path}: '{key}' {problem}")

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or value is None:
            raise self.fail(key, f"must be a number, got {json.dumps(value)}")
        try:
            number = float(value)  # also "1e-1" and other numbers written as strings
        except (TypeError, ValueError):
            raise self.fail(key, f"must be a number, got {json.dumps(value)}") from None
        if not math.isfinite(number):  # a NaN threshold would silently never fire
            raise self.fail(key, f"must be a finite number, got {json.dumps(value)}")
        return number

    def switch(self, value: Any, key: str) -> bool:
        text = str(value).strip().lower()
        if text in ("enabled", "true"):
            return True
        if text in ("disabled", "false"):
            return False
        raise self.fail(key, f'must be "Enabled" or "Disabled", got {json.dumps(value)}')

    def obj(self, value: Any, key: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, "must be a JSON object")
        return value
