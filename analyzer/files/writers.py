"""Writing reports: JSON laid out as the prebuilt analyzer's Jackson printer does, written atomically."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from analyzer.common.errors import OutputError
from analyzer.common.number_text import java_double

MESSAGE_LIMIT = 1024  # SageMaker keeps the first 1 KB of /opt/ml/output/message


def to_json(value: Any, level: int = 0) -> str:
    """Jackson DefaultPrettyPrinter layout: ``"key" : value``, arrays inline, objects indented."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        pad = "  " * (level + 1)
        fields = ",\n".join(
            f"{pad}{json.dumps(str(k), ensure_ascii=False, allow_nan=False)} : {to_json(v, level + 1)}"
            for k, v in value.items()
        )
        return "{\n" + fields + "\n" + "  " * level + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(to_json(v, level) for v in value) + " ]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return java_double(float(value))
    return json.dumps(str(value), ensure_ascii=False, allow_nan=False)


def write_atomic(path: str | Path, text: str | bytes) -> Path:
    """Write via a temporary file in the same directory and rename, so readers never see half a file."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return write_atomic_with(path, lambda f: f.write(data))


def write_atomic_with(path: str | Path, write: Callable[[BinaryIO], object]) -> Path:
    """``write(binary file)`` fills a temporary file that is synced and renamed into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise OutputError(f"Cannot write {path}: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            # mkstemp makes 0600; the file gets what open() would have given it (0666 less the
            # umask), so a umask of 077 keeps reports private and 022 lets others read them.
            os.fchmod(f.fileno(), 0o666 & ~process_umask())
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):  # a full disk or a file size limit: one line naming the file
            raise OutputError(f"Cannot write {path}: {e.strerror or e}") from e
        raise
    return path


def process_umask() -> int:
    """The umask, read from /proc where Linux shows it: setting it to read it back (the only other
    way) would briefly change it for every thread of the process."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale_temporaries(path: str | Path) -> None:
    """Temporary files a killed writer of ``path`` left behind (only ever hidden, never the file)."""
    path = Path(path)
    if path.parent.is_dir():
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*"):
            stale.unlink(missing_ok=True)


def write_json(path: str | Path, value: Any) -> Path:
    return write_atomic(path, to_json(value) + "\n")


def write_message(path: str | Path, message: str) -> Path:
    data = message.encode("utf-8")[:MESSAGE_LIMIT].decode("utf-8", errors="ignore")
    return write_atomic(path, data)
