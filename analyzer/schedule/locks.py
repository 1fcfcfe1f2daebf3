"""One execution of a schedule at a time on this host, whichever way its output was spelled.

The lock files live in a directory only this user can enter (``$XDG_RUNTIME_DIR/monitor-analyzer``
or ``/tmp/monitor-analyzer-<uid>``, mode 0700): in a shared /tmp anyone could plant a link at a
predictable lock name, and opening it for writing would truncate whatever it points to. The lock is
keyed by the canonical report root (the real path of a directory, an S3 URI without empty
segments), so ``out`` and ``/home/me/out`` contend for one lock instead of running a window twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from analyzer.common.errors import ConfigError
from analyzer.files import storage
from analyzer.files.lock_file import open_lock_file

LOCK_DIRECTORY_NAME = "monitor-analyzer"


def lock_directory() -> Path:
    """This user's lock directory, created 0700; refused unless it is a real directory of this
    user that nobody else can enter."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        path = Path(runtime) / LOCK_DIRECTORY_NAME
    else:
        path = Path(tempfile.gettempdir()) / f"{LOCK_DIRECTORY_NAME}-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"Lock directory {path} is not a directory (a symbolic link?): remove it")
    if info.st_uid != os.getuid():
        raise ConfigError(f"Lock directory {path} belongs to uid {info.st_uid}, not to this user: remove it")
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigError(
            f"Lock directory {path} has mode {stat.S_IMODE(info.st_mode):04o}; it must be 0700 (chmod 700 it)"
        )
    return path


def canonical_root(uri: str) -> str:
    """The one spelling of a report root: ``s3://b/p/`` and ``s3://b//p`` are ``s3://b/p``; a
    directory is its real path (relative, absolute, through a link: one name)."""
    if storage.is_s3(uri):
        bucket, key = storage.split_s3(uri)
        return "/".join(["s3:/", bucket, *(part for part in key.split("/") if part)])
    return os.path.realpath(storage.local(uri))


def lock_path(root: str) -> Path:
    digest = hashlib.sha256(canonical_root(root).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return lock_directory() / f"{digest}.lock"


@contextlib.contextmanager
def exclusive(root: str) -> Iterator[Path]:
    """Hold the lock of the report root ``root`` (waiting for whoever holds it)."""
    path = lock_path(root)
    fd = open_lock_file(path, 0o600, ConfigError)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
