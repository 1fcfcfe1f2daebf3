"""Values too long to keep: cut to ``max_value_length`` characters, told apart by a hash of the whole.

Exact value counts and top-k counters key on the value's text, which lands in statistics.json. A
value of 190 MB (one captured payload, say) would be held by every state that saw it and written
whole. Past the limit the key becomes the first ``limit`` characters, then a marker with how many
characters were cut and a hash of the whole value: two long values that share their first
characters keep separate counts, and the same long value always gets the same key (so baseline and
monitoring histograms still compare). A key is a cut one exactly when it is longer than the limit.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.profiling import xxh64

MARKER = "…[truncated {cut} chars, blake2b {digest}]"


_CUT_KEY = re.compile(r"…\[truncated \d+ chars, blake2b [0-9a-f]{16}\]\Z")


def is_cut(key: str, limit: int) -> bool:
    return len(key) > limit


def is_cut_key(key: str) -> bool:
    """A key of statistics.json that was cut (without knowing the limit it was cut at)."""
    return key.endswith("]") and _CUT_KEY.search(key) is not None


def cut_key(prefix: str, length: int, whole: memoryview | bytes, limit: int) -> str:
    digest = hashlib.blake2b(whole, digest_size=8).hexdigest()
    return prefix + MARKER.format(cut=length - limit, digest=digest)


def cut_long(values: pa.Array, limit: int) -> tuple[pa.Array, np.ndarray | None]:
    """``values`` (strings) with every one longer than ``limit`` characters replaced by its cut key,
    and the XXH64 hashes of the long values as they were, for the distinct count (None when there is
    none). The long texts are never copied: they are hashed where they lie, and only their first
    characters are decoded."""
    if len(values) == values.null_count:
        return values, None
    if (pc.max(pc.binary_length(values)).as_py() or 0) <= limit:  # bytes bound characters: cheap test
        return values, None
    lengths = pc.utf8_length(values)
    long = pc.fill_null(pc.greater(lengths, limit), False)
    positions = pc.indices_nonzero(long).to_numpy()
    if not len(positions):
        return values, None
    keys, hashes = [], np.empty(len(positions), dtype=np.uint64)
    for n, position in enumerate(positions.tolist()):
        whole = xxh64.value_bytes(values, position)
        # At most 4 bytes a character: a character cut at the end of the slice lies past the limit.
        prefix = bytes(whole[: 4 * limit]).decode("utf-8", errors="ignore")[:limit]
        keys.append(cut_key(prefix, lengths[position].as_py(), whole, limit))
        hashes[n] = xxh64.hash_bytes(whole)
    # The short values and then the keys, taken back into place: the long texts are not copied.
    short = values.filter(pc.invert(long)).cast(pa.string())
    combined = pa.concat_arrays([short, pa.array(keys, type=pa.string())])
    mask = long.to_numpy(zero_copy_only=False)
    take = np.empty(len(values), dtype=np.int64)
    take[~mask] = np.arange(len(short))
    take[mask] = len(short) + np.arange(len(positions))
    return combined.take(pa.array(take)), hashes
