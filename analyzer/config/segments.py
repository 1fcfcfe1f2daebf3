"""What a split run splits by: the segment of a record (target model or variant) and its directory.

A segment is a string: the target model's name, the variant's name, or ``UNKNOWN`` for records
that carry no such value. Reports of a segment go to ``<output_path>/<directory_name(segment)>/``;
``directory_name`` percent-encodes, so ``segment_name`` gives the segment back, except for a name
too long for a folder: that one gets a shortened folder name, and only segments.json tells whose.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote, unquote

from analyzer.common.errors import ConfigError
from analyzer.config.jsonpath import jsonpath_steps

NO_SPLIT, TARGET_MODEL, VARIANT = "none", "target-model", "variant"
SPLIT_CHOICES = (NO_SPLIT, TARGET_MODEL, VARIANT)
# SageMaker documents no capture field for a multi-model endpoint's target model (Model Monitor does
# not support such endpoints); this is where a capture record would most plausibly carry it.
DEFAULT_TARGET_MODEL_PATH = "$.eventMetadata.targetModel"
UNKNOWN = "_unknown"
DIMENSIONS = {TARGET_MODEL: "TargetModel", VARIANT: "Variant"}

_HOUR = re.compile(r"\d{4}/\d{2}/\d{2}/\d{2}")

# A folder name is at most 255 bytes on every common file system (ext4, xfs, APFS, NTFS in UTF-16
# units); percent-encoding triples a non-ASCII byte, so 100 accented letters are already too long.
NAME_MAX_BYTES = 255
SHORT_PREFIX_CHARS = 64
# quote() never writes "=", so a shortened name can equal no other segment's encoded name, and the
# digest of the whole name keeps two names apart that share the prefix.
SHORTENED_MARK = "="
DIGEST_CHARS = 32  # 128 bits: no one can make two segment names collide on purpose
_ENCODED = r"(?:[A-Za-z0-9_.~-]|%[0-9A-F]{2})"
_SHORTENED = re.compile(rf"(?!\.){_ENCODED}+{SHORTENED_MARK}[0-9a-f]{{{DIGEST_CHARS}}}")


@dataclass(frozen=True)
class SplitSpec:
    """How every task finds a record's segment. ``steps``: the JSONPath as keys (str) and list
    indices (int); empty for a variant split read from the directory layout alone."""

    kind: str
    steps: tuple[str | int, ...] = ()

    @property
    def dimension(self) -> str:
        return DIMENSIONS[self.kind]

    @property
    def keys_only(self) -> bool:
        return all(isinstance(s, str) for s in self.steps)


def split_by_of(text: str | None) -> str:
    """``none`` / ``target-model`` / ``variant``; also ``TargetModel``, ``target_model`` and the like."""
    value = (text or NO_SPLIT).strip().lower().replace("_", "-")
    value = {"targetmodel": TARGET_MODEL, "model": TARGET_MODEL}.get(value, value)
    if value not in SPLIT_CHOICES:
        raise ConfigError(f"split_by must be one of {', '.join(SPLIT_CHOICES)}, got {text!r}")
    return value


def parse_path(path: str) -> tuple[str | int, ...]:
    """``$.a.b``, ``$['a b']``, ``$.a[0]`` as steps; anything else is a ConfigError naming the key."""
    text = path.strip()
    if not text.startswith("$") or text == "$":
        raise ConfigError(f"split_attribute {path!r} must be a JSONPath into the capture record, e.g. $.a.b")
    return jsonpath_steps(text, f"split_attribute {path!r}")


def split_spec(split_by: str, split_attribute: str | None) -> SplitSpec | None:
    if split_by == NO_SPLIT:
        if split_attribute:
            raise ConfigError("split_attribute was given without split_by (target-model or variant)")
        return None
    if split_by == TARGET_MODEL:
        return SplitSpec(TARGET_MODEL, parse_path(split_attribute or DEFAULT_TARGET_MODEL_PATH))
    return SplitSpec(VARIANT, parse_path(split_attribute) if split_attribute else ())


def variant_of(path: str) -> str | None:
    """The directory before ``yyyy/mm/dd/hh/`` in ``.../<endpoint>/<variant>/yyyy/mm/dd/hh/<file>``."""
    parts = PurePath(path).parts
    if len(parts) < 6 or not _HOUR.fullmatch("/".join(parts[-5:-1])):
        return None
    return parts[-6] or None


def split_constant(spec: SplitSpec, path: str) -> str | None:
    """The segment of every record of a file when the file decides it (variant from its directory;
    ``UNKNOWN`` when neither the layout nor a JSONPath can tell); None: each record decides."""
    if spec.kind == VARIANT:
        variant = variant_of(path)
        if variant is not None:
            return variant
    return None if spec.steps else UNKNOWN


def segment_text(value) -> str:
    """A record's value at the JSONPath as a segment: strings as they are, numbers and booleans as
    JSON writes them; missing, null, empty or an object/list: ``UNKNOWN``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value:
        return value
    return UNKNOWN


def value_at(document, steps: tuple[str | int, ...]) -> str:
    for step in steps:
        if isinstance(step, int):
            if not isinstance(document, list) or step >= len(document):
                return UNKNOWN
        elif not isinstance(document, dict) or step not in document:
            return UNKNOWN
        document = document[step]
    return segment_text(document)


def directory_name(segment: str) -> str:
    """Percent-encoding of everything but letters, digits and ``_.-~``, and of a leading ``.``, so a
    model name with slashes (an S3 key) or ``..`` stays one directory below output_path. A name
    whose encoding is longer than a folder name may be gets ``shortened_name``."""
    name = _encoded(segment)
    return name if len(name) <= NAME_MAX_BYTES else shortened_name(segment)


def _encoded(text: str) -> str:
    # A JSON string may hold a lone surrogate: it is encoded as its own bytes, not refused.
    name = quote(text.encode("utf-8", "surrogatepass"), safe="")
    return "%2E" + name[1:] if name.startswith(".") else name


def shortened_name(segment: str) -> str:
    """The encoding of the name's first characters (never half a character), the mark, and a digest
    of the whole name: stable from run to run, distinct for distinct names."""
    end = 0
    while end < len(segment) and len(_encoded(segment[: end + 1])) <= SHORT_PREFIX_CHARS:
        end += 1
    digest = hashlib.sha256(segment.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    return f"{_encoded(segment[:end])}{SHORTENED_MARK}{digest}"


def is_shortened(directory: str) -> bool:
    return _SHORTENED.fullmatch(directory) is not None


def segment_name(directory: str) -> str:
    """The segment of a folder directory_name wrote (not of a shortened one: see segments.json)."""
    try:
        return unquote(directory, errors="surrogatepass")
    except UnicodeDecodeError:  # a hand-made folder name that no segment encodes to
        return unquote(directory)
