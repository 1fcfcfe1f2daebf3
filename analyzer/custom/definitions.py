"""Loading ``metrics_handler`` from the user's script and calling its functions with located errors.

The script is loaded by path in every process that needs it (each Spark task, the driver), as the
preprocessor is: only the path and the metric states travel, never the user's functions.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from analyzer.common.errors import ScriptError
from analyzer.config.scripts import load_module

HANDLER = "metrics_handler"
# What ``update`` receives: per feature a numpy float64 array / object array of str / the pyarrow
# array; per dataset a pandas DataFrame of floats / of str, or a pyarrow Table.
INPUTS = ("numbers", "text", "arrow")
DEFAULT_INPUT = "text"
# CloudWatch metric names are built from these: keep them to characters every consumer accepts.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")
REQUIRED = ("init", "update", "merge", "result")


@dataclass(frozen=True)
class MetricDefinition:
    script: str
    name: str
    feature: str | None
    input: str
    init: Callable[[], Any]
    update: Callable[[Any, Any], Any]
    merge: Callable[[Any, Any], Any]
    result: Callable[[Any], Any]
    suggest: Callable[[float], Any] | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.feature, self.name)

    @property
    def label(self) -> str:
        where = f" of feature {self.feature!r}" if self.feature is not None else " (dataset)"
        return f"metric {self.name!r}{where}"

    def fail(self, function: str, problem: str) -> ScriptError:
        return ScriptError(f"custom_metrics_script {self.script}: {function} of {self.label} {problem}")

    def call(self, function: str, *args):
        """One user function; any exception becomes a one-line ScriptError naming the script line."""
        try:
            return getattr(self, function)(*args)
        except Exception as e:
            raise self.fail(function, f"raised {describe(e, self.script)}") from e


def describe(error: BaseException, script: str) -> str:
    """``Type: message (script.py:line)``, the line being the deepest frame inside the script."""
    line = None
    resolved = str(Path(script).resolve())
    for frame in traceback.extract_tb(error.__traceback__):
        if str(Path(frame.filename).resolve()) == resolved:
            line = frame.lineno
    where = f" ({Path(script).name}:{line})" if line else ""
    return f"{type(error).__name__}: {' '.join(str(error).split())}{where}"


def _field(item: Any, name: str):
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def parse_definition(item: Any, index: int, script: str) -> MetricDefinition:
    where = f"custom_metrics_script {script}: {HANDLER}()[{index}]"
    if item is None or isinstance(item, str | int | float | list | tuple):
        raise ScriptError(f"{where} must be a dict (or an object) with name, init, update, merge, result")
    name = _field(item, "name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ScriptError(f"{where}.name must be 1-128 letters, digits, '_', '.' or '-', got {name!r}")
    feature = _field(item, "feature")
    if feature is not None and (not isinstance(feature, str) or not feature):
        raise ScriptError(f"{where}.feature must be a column name (a non-empty string) or absent")
    kind = _field(item, "input") or DEFAULT_INPUT
    if kind not in INPUTS:
        raise ScriptError(f"{where}.input must be one of {', '.join(INPUTS)}, got {kind!r}")
    functions = {}
    for function in (*REQUIRED, "suggest"):
        value = _field(item, function)
        if value is None and function == "suggest":
            continue
        if not callable(value):
            raise ScriptError(f"{where} ({name}).{function} must be a function")
        functions[function] = value
    return MetricDefinition(script, name, feature, kind, **functions)


@lru_cache(maxsize=8)
def load_definitions(script: str) -> tuple[MetricDefinition, ...]:
    """The metrics the script defines, validated; a broken script fails before any data is read."""
    handler = getattr(load_module(script), HANDLER, None)
    if not callable(handler):
        raise ScriptError(f"custom_metrics_script {script} does not define a function {HANDLER}()")
    try:
        items = handler()
    except Exception as e:
        raise ScriptError(f"custom_metrics_script {script}: {HANDLER}() raised {describe(e, script)}") from e
    if isinstance(items, dict) or not isinstance(items, list | tuple):
        raise ScriptError(
            f"custom_metrics_script {script}: {HANDLER}() must return a list of metric definitions, "
            f"got {type(items).__name__}"
        )
    definitions = tuple(parse_definition(item, i, script) for i, item in enumerate(items))
    seen = set()
    for d in definitions:
        if d.key in seen:
            raise ScriptError(f"custom_metrics_script {script}: {d.label} is defined twice")
        seen.add(d.key)
    return definitions
