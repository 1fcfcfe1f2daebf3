"""HyperLogLog distinct-count state with Deequ's precision (relative SD 0.05 -> p = 9, 512 registers)."""

from __future__ import annotations

import math

import numpy as np

PRECISION = 9
REGISTERS = 1 << PRECISION
_HASH_KEY = "monitor-analyzer"  # 16 bytes, fixed so registers merge across processes


def _leading_zeros(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    zeros = np.zeros(len(x), dtype=np.int64)
    for shift in (32, 16, 8, 4, 2, 1):
        top_empty = (x >> np.uint64(64 - shift)) == 0
        zeros += np.where(top_empty, shift, 0)
        x = np.where(top_empty, x << np.uint64(shift), x)
    zeros += (x == 0).astype(np.int64)
    return zeros


def new_registers() -> np.ndarray:
    return np.zeros(REGISTERS, dtype=np.uint8)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the bits of a 64-bit key over the whole word."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def hash_strings(values: np.ndarray) -> np.ndarray:
    import pandas as pd  # only high-cardinality text needs it; workers start faster without it

    return pd.util.hash_array(np.asarray(values, dtype=object), hash_key=_HASH_KEY, categorize=True)


def hash_numbers(values: np.ndarray) -> np.ndarray:
    """Numbers hash by value (so ``1.0`` and ``1.00`` are one value), much faster than by text."""
    values = np.asarray(values, dtype=np.float64) + 0.0  # -0.0 becomes 0.0
    with np.errstate(over="ignore"):
        return _mix(values.view(np.uint64))


def add_hashes(registers: np.ndarray, hashes: np.ndarray) -> None:
    """Fold 64-bit hashes into the registers in place."""
    if len(hashes) == 0:
        return
    index = (hashes >> np.uint64(64 - PRECISION)).astype(np.int64)
    rest = hashes << np.uint64(PRECISION)
    rho = np.minimum(_leading_zeros(rest) + 1, 64 - PRECISION + 1).astype(np.uint8)
    np.maximum.at(registers, index, rho)


def estimate(registers: np.ndarray) -> float:
    m = float(REGISTERS)
    alpha = 0.7213 / (1 + 1.079 / m)
    raw = alpha * m * m / float(np.sum(np.power(2.0, -registers.astype(np.float64))))
    empty = int(np.count_nonzero(registers == 0))
    if raw <= 2.5 * m and empty > 0:
        raw = m * math.log(m / empty)
    return float(round(raw))
