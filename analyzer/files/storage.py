"""Reading and writing where users keep their data: a local path, ``file://`` or ``s3://``.

S3 goes through boto3, so the standard credential chain applies and ``AWS_ENDPOINT_URL`` (an
emulator, a private endpoint) is honoured; nothing about credentials is ever logged.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from analyzer.common.errors import ConfigError, InputError
from analyzer.common.log_text import printable
from analyzer.files.safe_join import UnsafePath, safe_join, unsafe_reason
from analyzer.files.writers import write_atomic

log = logging.getLogger("monitor_analyzer.storage")

DOWNLOAD_THREADS = 8


class StorageError(InputError):
    """Reading or writing a location failed (missing bucket, access denied, ...)."""


# -- moving data ----------------------------------------------------------------------------------


def s3_client():
    import boto3

    # boto3 honours AWS_ENDPOINT_URL (an emulator, a private endpoint) and the standard credential chain.
    return boto3.client("s3")


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


@dataclass(frozen=True)
class Fetched:
    """What staging copied: the number of files, and the S3 keys it refused (a key that would have
    left the staging directory, see safe_join) so the caller can count them where the user looks."""

    files: int
    skipped: tuple[str, ...] = ()

    def __add__(self, other: Fetched) -> Fetched:
        return Fetched(self.files + other.files, self.skipped + other.skipped)


def fetch(uri: str, target: Path) -> Fetched:
    """Copy a file, a directory, or every object under an S3 prefix into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    if uri.startswith("s3://"):
        with s3_errors(uri):
            return _fetch_s3(uri, target)
    return Fetched(_fetch_local(uri, target))


def _fetch_s3(uri: str, target: Path) -> Fetched:
    bucket, prefix = split_s3(uri)
    client = s3_client()
    folder = prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
    planned: dict[str, str] = {}  # key -> its path below target
    skipped = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = item["Key"]
            if key.endswith("/"):  # a folder marker holds nothing
                continue
            relative = _relative_key(key, prefix, folder)
            try:
                safe_join(target, relative)
            except UnsafePath as e:
                skipped.append(_skip(bucket, key, e.reason))
                continue
            planned[key] = relative
    # S3 holds ``a`` and ``a/b`` side by side; a disk cannot: the file that is also a folder goes.
    folders = {str(parent) for r in planned.values() for parent in PurePosixPath(r).parents}
    for key in [k for k, r in planned.items() if r in folders]:
        skipped.append(_skip(bucket, key, "another key uses its name as a folder"))
        del planned[key]
    if not planned:
        unsafe = f" ({len(skipped)} unsafe key(s) skipped)" if skipped else ""
        raise ConfigError(f"No objects under {uri}{unsafe}")
    jobs = []
    for key, relative in planned.items():
        destination = safe_join(target, relative)
        destination.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((key, str(destination)))
    # An hour of capture is many small objects: download them side by side (clients are thread-safe).
    with ThreadPoolExecutor(DOWNLOAD_THREADS) as pool:
        list(pool.map(lambda job: client.download_file(bucket, *job), jobs))
    return Fetched(len(jobs), tuple(skipped))


def _skip(bucket: str, key: str, reason: str) -> str:
    log.warning("Skipped S3 object s3://%s/%s: %s", bucket, printable(key), reason)
    return key


def _fetch_local(uri: str, target: Path) -> int:
    source = Path(uri.removeprefix("file://"))
    if source.is_dir():
        # What the job would list there, nothing more: copytree would follow a link out of the
        # directory (a planted /etc/passwd becomes staged data) and walk a link loop without end.
        from analyzer.files.listing import list_dataset, log_listing

        listing = list_dataset(source, hidden=True)  # staging copies all; the job skips hidden names
        log_listing(listing)
        files = listing.files
        for path in files:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        return len(files)
    if source.is_file():
        shutil.copy2(source, target / source.name)
        return 1
    raise ConfigError(f"Input {uri} does not exist")


def _relative_key(key: str, prefix: str, folder: str) -> str:
    """Where an object under an S3Prefix lands: below the prefix when it names a folder
    (``data/one`` or ``data/one/`` -> ``a.csv``, ``nested/b.csv``), its own name when it names the
    object, and relative to the prefix's folder when it is part of a name (``data/a`` matches
    ``data/a.csv`` -> ``a.csv`` and ``data/ab/x.csv`` -> ``ab/x.csv``)."""
    rest = key[len(prefix) :]
    if not rest:
        return key.rsplit("/", 1)[-1]
    if prefix.endswith("/"):
        return rest  # a leading "/" here is an empty segment: safe_join refuses it
    if rest.startswith("/"):
        return rest[1:]
    return key[len(folder) :]


def publish(source: Path, uri: str) -> list[str]:
    """Copy every file under ``source`` to the output URI (an S3 prefix or a directory)."""
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else []
    written = []
    if uri.startswith("s3://"):
        bucket, prefix = split_s3(uri)
        client = s3_client()
        with s3_errors(uri):
            for path in files:
                relative = _published_name(path, source, uri)
                key = "/".join(filter(None, [prefix.rstrip("/"), relative]))
                client.upload_file(str(path), bucket, key)
                written.append(f"s3://{bucket}/{key}")
        return written
    destination = Path(uri.removeprefix("file://"))
    for path in files:
        relative = _published_name(path, source, uri)
        try:
            # Also refuses a link planted in the output (a report folder pointing elsewhere).
            target = safe_join(destination, relative)
        except UnsafePath as e:
            raise StorageError(f"Output {uri}: not writing {e}") from e
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        written.append(str(target))
    return written


def _published_name(path: Path, source: Path, uri: str) -> str:
    """A report file's name below the output, checked like any name: segment folders are named
    after the data."""
    relative = path.relative_to(source).as_posix()
    reason = unsafe_reason(relative)
    if reason:
        raise StorageError(f"Output {uri}: not writing {printable(relative)}: {reason}")
    return relative


def is_s3(uri: str) -> bool:
    return str(uri).startswith("s3://")


def local(uri: str) -> Path:
    return Path(str(uri).removeprefix("file://"))


def join(uri: str, *parts: str) -> str:
    return "/".join([str(uri).rstrip("/"), *(p.strip("/") for p in parts if p)])


@contextlib.contextmanager
def s3_errors(uri: str) -> Iterator[None]:
    """An S3 failure (no such bucket, access denied, throttling) as a one-line error naming the URI."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        raise StorageError(f"S3 {error.get('Code', 'error')} for {uri}: {error.get('Message', e)}") from e
    except BotoCoreError as e:
        raise StorageError(f"S3 request for {uri} failed: {e}") from e


def read_text(uri: str) -> str | None:
    """The object's text, or None when it does not exist."""
    if is_s3(uri):
        bucket, key = split_s3(uri)
        client = s3_client()
        with s3_errors(uri):
            try:
                return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
            except client.exceptions.NoSuchKey:
                return None
    path = local(uri)
    return path.read_text(encoding="utf-8") if path.is_file() else None


def write_text(uri: str, text: str) -> None:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        with s3_errors(uri):
            s3_client().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
    else:
        write_atomic(local(uri), text)


def list_names(uri: str) -> list[str]:
    """Paths of every file under the prefix or directory, relative to it, sorted."""
    if is_s3(uri):
        bucket, prefix = split_s3(uri.rstrip("/") + "/")
        client = s3_client()
        names = []
        with s3_errors(uri):
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                names += [
                    item["Key"][len(prefix) :]
                    for item in page.get("Contents", [])
                    if not item["Key"].endswith("/")
                ]
        return sorted(names)
    root = local(uri)
    return (
        sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
        if root.is_dir()
        else []
    )
