"""Turning a name someone else chose (an S3 key, a path from a listing) into a path under a root.

Whoever can write the capture bucket chooses its keys: ``hour/../../../../tmp/x`` must not become a
file outside the staging directory, and neither may an absolute key, an empty or ``.`` segment (two
keys would land on one file) or a control character (a NUL ends the name the system sees; a newline
forges log lines). Every S3 key or listed relative path that becomes a local path goes through
``safe_join``.
"""

from __future__ import annotations

import os
from pathlib import Path

from analyzer.common.log_text import printable


class UnsafePath(ValueError):
    """A relative name that could leave its root; the message names it (escaped) and says why."""

    def __init__(self, relative: str, reason: str):
        super().__init__(f"{printable(relative)}: {reason}")
        self.reason = reason


def unsafe_reason(relative: str) -> str | None:
    """Why ``relative`` may not be joined to a root, or None when it may."""
    if not relative:
        return "it is empty"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in relative):
        return "it holds a control character"
    if relative.startswith("/"):
        return "it is absolute"
    for segment in relative.split("/"):
        if segment == "":
            return "it has an empty segment"
        if segment in (".", ".."):
            return f"it has a '{segment}' segment"
    return None


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, refused (UnsafePath) when ``relative`` is not a plain relative name or
    when the joined path, symbolic links resolved, is not under ``root`` (a link planted inside)."""
    reason = unsafe_reason(relative)
    if reason is None:
        path = root / relative
        base = os.path.realpath(root)
        if os.path.commonpath([base, os.path.realpath(path)]) == base:
            return path
        reason = "it resolves outside the directory (a symbolic link)"
    raise UnsafePath(relative, reason)
