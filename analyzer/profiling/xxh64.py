"""XXH64 of every string of an Arrow array at once: the hash Spark's HyperLogLog++ folds in.

Spark (so Deequ's ``ApproxCountDistinct``) hashes a string column's UTF-8 bytes with XXH64, seed 42.
Hashing value by value in Python costs about 0.2 us a value; here the rounds run column-wise in
numpy over the array's own data buffer (no Python object per value), grouped by how many 32-byte
stripes a value has. Values longer than ``_LONG`` bytes are rare and hashed one by one by the
``xxhash`` library (a stripe loop in numpy would cost one pass per 32 bytes of the longest value).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.readers.arrow_memory import one_array

SEED = 42

_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_MOD = 1 << 64
_LONG = 256  # bytes; longer values go to the C library one at a time


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _round(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
    return _rotl(acc + lane * _P2, 31) * _P1


def _merge_round(acc: np.ndarray, lane: np.ndarray) -> np.ndarray:
    return (acc ^ _round(np.zeros_like(lane), lane)) * _P1 + _P4


class _Words:
    """Little-endian 64-bit words at any byte offset of a buffer: two aligned words, spliced."""

    def __init__(self, data: np.ndarray):
        padded = np.zeros((len(data) // 8 + 2) * 8, dtype=np.uint8)
        padded[: len(data)] = data
        self.words = padded.view("<u8")

    def read64(self, at: np.ndarray) -> np.ndarray:
        index = at >> 3
        shift = ((at & 7) << 3).astype(np.uint64)
        low = self.words[index] >> shift
        # Two steps, so that a zero shift moves the high word out entirely (a shift by 64 is undefined).
        high = (self.words[index + 1] << np.uint64(1)) << (np.uint64(63) - shift)
        return low | high

    def read32(self, at: np.ndarray) -> np.ndarray:
        return self.read64(at) & np.uint64(0xFFFFFFFF)


def _hash_length(words: _Words, data: np.ndarray, at: np.ndarray, length: int, seed: int) -> np.ndarray:
    """XXH64 of values that all have ``length`` bytes and start at ``at``: the steps are the same
    for every value, so each is one numpy operation over the whole group, with no masks."""
    n = len(at)
    stripes, rest = divmod(length, 32)
    if stripes:
        v = [
            np.full(n, (seed + int(_P1) + int(_P2)) % _MOD, dtype=np.uint64),
            np.full(n, (seed + int(_P2)) % _MOD, dtype=np.uint64),
            np.full(n, seed % _MOD, dtype=np.uint64),
            np.full(n, (seed - int(_P1)) % _MOD, dtype=np.uint64),
        ]
        for j in range(stripes):
            for lane in range(4):
                v[lane] = _round(v[lane], words.read64(at + (32 * j + 8 * lane)))
        h = _rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)
        for lane in range(4):
            h = _merge_round(h, v[lane])
    else:
        h = np.full(n, (seed + int(_P5)) % _MOD, dtype=np.uint64)
    h += np.uint64(length)
    pos = 32 * stripes
    for _ in range(rest // 8):
        word = _round(np.zeros(n, dtype=np.uint64), words.read64(at + pos))
        h = _rotl(h ^ word, 27) * _P1 + _P4
        pos += 8
    if rest % 8 >= 4:
        h = _rotl(h ^ (words.read32(at + pos) * _P1), 23) * _P2 + _P3
        pos += 4
    for _ in range(rest % 4):
        h = _rotl(h ^ (data[at + pos].astype(np.uint64) * _P5), 11) * _P1
        pos += 1
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


def _hash_short(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, seed: int) -> np.ndarray:
    """XXH64 of values of at most ``_LONG`` bytes, one group of equal lengths at a time."""
    words = _Words(data)
    out = np.empty(len(starts), dtype=np.uint64)
    order = np.argsort(lengths.astype(np.int16), kind="stable")  # 16-bit keys: numpy's radix sort
    ordered = lengths[order]
    cuts = np.flatnonzero(np.diff(ordered)) + 1
    for group in np.split(order, cuts):
        out[group] = _hash_length(words, data, starts[group], int(lengths[group[0]]), seed)
    return out


def hash_strings(values: pa.Array, seed: int = SEED) -> np.ndarray:
    """XXH64 (as unsigned 64-bit integers) of each non-null value's UTF-8 bytes, nulls dropped."""
    values = one_array(values)
    if values.null_count:
        values = pc.drop_null(values)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    lengths = pc.binary_length(values).to_numpy(zero_copy_only=False).astype(np.int64)
    short = lengths <= _LONG
    if short.all():
        return _hash_all_short(values, seed)
    # A long value (a 190 MB payload, say) is hashed where it lies: no copy of the data buffer.
    out = np.empty(n, dtype=np.uint64)
    idx = np.flatnonzero(short)
    if len(idx):
        out[idx] = _hash_all_short(values.filter(pa.array(short)), seed)
    for i in np.flatnonzero(~short):
        out[i] = hash_bytes(value_bytes(values, int(i)), seed)
    return out


def value_bytes(values: pa.Array, index: int) -> memoryview:
    """The UTF-8 bytes of one value where they lie in the array's data buffer (``as_buffer()``
    copies them: 190 MB more for a 190 MB value)."""
    kind = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=kind)
    start, end = int(offsets[values.offset + index]), int(offsets[values.offset + index + 1])
    return memoryview(values.buffers()[2])[start:end]


def hash_bytes(data: memoryview | bytes, seed: int = SEED) -> int:
    """XXH64 of one value's UTF-8 bytes, as ``hash_strings`` gives it."""
    import xxhash

    return xxhash.xxh64_intdigest(data, seed)


def _hash_all_short(values: pa.Array, seed: int) -> np.ndarray:
    if not pa.types.is_large_string(values.type):
        values = values.cast(pa.large_string())  # 64-bit offsets: one code path, no overflow
    n = len(values)
    offsets_buffer, data_buffer = values.buffers()[1], values.buffers()[2]
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[values.offset : values.offset + n + 1]
    raw = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    return _hash_short(raw, offsets[:-1].copy(), offsets[1:] - offsets[:-1], seed)
