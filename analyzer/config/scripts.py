"""Loading and calling the user's ``preprocess_handler`` and ``postprocess_handler`` scripts."""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from analyzer.common.errors import ScriptError

PREPROCESS = "preprocess_handler"
POSTPROCESS = "postprocess_handler"


@lru_cache(maxsize=8)
def load_module(path: str):
    script = Path(path)
    if not script.is_file():
        raise ScriptError(f"Script {path} does not exist")
    name = f"monitor_analyzer_user_{abs(hash(str(script.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, script)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(script.parent))  # let scripts import their sibling modules
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        raise ScriptError(f"Could not load {path}: {type(e).__name__}: {e}") from e
    finally:
        sys.path.remove(str(script.parent))
    return module


def _preprocess_logger() -> logging.Logger:
    logger = logging.getLogger("Preprocessing")
    logger.setLevel(logging.DEBUG)
    log_file = os.environ.get("PREPROCESSING_LOG")
    if log_file and not any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        logger.addHandler(logging.FileHandler(log_file))
    return logger


def load_preprocessor(path: str) -> Callable[[Any], Any]:
    """The handler as a one-argument callable; ``logger`` is passed when the signature asks for it."""
    handler = getattr(load_module(path), PREPROCESS, None)
    if not callable(handler):
        raise ScriptError("Preprocess Handler not implemented correctly in customer script.")
    if "logger" in inspect.signature(handler).parameters:
        logger = _preprocess_logger()
        return lambda record: handler(record, logger=logger)
    return handler


def load_postprocessor(path: str) -> Callable[[], Any]:
    handler = getattr(load_module(path), POSTPROCESS, None)
    if not callable(handler):
        raise ScriptError("PostProcess Handler not implemented correctly in customer analysis script.")
    return handler
