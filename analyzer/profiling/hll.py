"""HyperLogLog++ distinct-count state, as Deequ's ``ApproxCountDistinct`` (so the prebuilt analyzer)
computes it: Spark's HLL++ with relative SD 0.05 (p = 9, 512 registers) over XXH64, seed 42, of each
value's UTF-8 text.

The state is the register array: merging is an element-wise maximum, so the estimate is the same
however the data was split into tasks. The estimate is Spark's: linear counting while the raw
estimate is at most 2.5m, else the raw estimate less its empirical bias (the mean of the six nearest
points of the HLL++ paper's bias data) while it is under 5m, rounded half up.
"""

from __future__ import annotations

import importlib.util
import math
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa

from analyzer.profiling import xxh64

RELATIVE_SD = 0.05
PRECISION = math.ceil(2.0 * math.log2(1.106 / RELATIVE_SD))  # 9
REGISTERS = 1 << PRECISION
_ALPHA_M2 = 0.7213 / (1.0 + 1.079 / REGISTERS) * REGISTERS * REGISTERS
_NEIGHBOURS = 6  # bias data points averaged (the paper's k)


def new_registers() -> np.ndarray:
    return np.zeros(REGISTERS, dtype=np.uint8)


def _bit_length(x: np.ndarray) -> np.ndarray:
    """Bits needed for each value below 2**55, from float exponents: each half below 2**32
    converts to a double exactly, so no rounding can carry into the next power of two."""
    high = (x >> np.uint64(23)).astype(np.float64)
    low = (x & np.uint64((1 << 23) - 1)).astype(np.float64)
    return np.where(high > 0, np.frexp(high)[1] + 23, np.frexp(low)[1])


def add_hashes(registers: np.ndarray, hashes: np.ndarray) -> None:
    """Fold 64-bit hashes into the registers in place: the top p bits pick the register, which keeps
    the longest run of leading zeros (plus one) seen in the remaining bits (capped at 64 - p + 1)."""
    if len(hashes) == 0:
        return
    index = (hashes >> np.uint64(64 - PRECISION)).astype(np.int64)
    # Leading zeros of the remaining 55 bits, plus one: 56 when they are all zero (Spark's padding bit).
    rest = hashes & np.uint64((1 << (64 - PRECISION)) - 1)
    rho = ((64 - PRECISION + 1) - _bit_length(rest)).astype(np.uint8)
    np.maximum.at(registers, index, rho)


def add_strings(registers: np.ndarray, values: pa.Array) -> None:
    """Fold the non-null values of a string array in (repeats change nothing: hashing every value
    costs less than finding the distinct ones first)."""
    add_hashes(registers, xxh64.hash_strings(values))


@cache
def _bias_data() -> tuple[np.ndarray, np.ndarray]:
    """The HLL++ paper's empirical raw estimates and their biases for our precision, from the ``datasketch`` library's tables (loaded alone: its package imports scipy)."""
    spec = importlib.util.find_spec("datasketch")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the datasketch package (HyperLogLog++ bias data) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "hyperloglog_const.py"
    module_spec = importlib.util.spec_from_file_location("_hllpp_bias_data", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    i = PRECISION - 4  # the tables start at precision 4
    raw = np.asarray(module._raw_estimate[i], dtype=np.float64)
    bias = np.asarray(module._bias[i], dtype=np.float64)
    return raw, bias


def _bias(e: float) -> float:
    """Mean bias of the six raw-estimate points nearest to ``e`` (Spark's window walk)."""
    raw, bias = _bias_data()
    n = len(raw)
    nearest = int(np.searchsorted(raw, e, side="left"))
    low = max(nearest - _NEIGHBOURS + 1, 0)
    high = min(low + _NEIGHBOURS, n)
    while high < n and (e - raw[high]) ** 2 < (e - raw[low]) ** 2:
        low += 1
        high += 1
    return float(sum(bias[low:high].tolist())) / (high - low)


def estimate(registers: np.ndarray) -> float:
    m = float(REGISTERS)
    # Summed in register order, as Spark does, so the last bits agree before rounding.
    z_inverse = 0.0
    for r in registers.tolist():
        z_inverse += 1.0 / (1 << r)
    empty = int(np.count_nonzero(registers == 0))
    e = _ALPHA_M2 / z_inverse
    # Spark switches to linear counting on the raw estimate (e <= 2.5m, the original HyperLogLog
    # rule), not on the HLL++ paper's per-precision threshold: measured against
    # approx_count_distinct on both sides of the boundary (tests/profiling/test_distinct_count.py).
    if e <= 2.5 * m and empty > 0:
        count = m * math.log(m / empty)
    elif e < 5.0 * m:
        count = e - _bias(e)
    else:
        count = e
    return float(math.floor(count + 0.5))  # Java's Math.round: half up
