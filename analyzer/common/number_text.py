"""Numbers as text, the way Deequ reads and Java writes them: which strings are Integral or
Fractional, and Java's ``Double.toString``."""

from __future__ import annotations

import math

import numpy as np

FRACTIONAL_RE = r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$"
INTEGRAL_RE = r"^(-|\+)? ?\d+$"


def java_double(x: float) -> str:
    """Java's Double.toString: plain between 1e-3 and 1e7, else d.dddE±n; NaN as Jackson quotes it."""
    if math.isnan(x):
        return '"NaN"'
    if math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        text = repr(float(x))
        return text if "e" not in text else java_double_sci(x)
    return java_double_sci(x)


def java_double_sci(x: float) -> str:
    mantissa, exponent = np.format_float_scientific(x, unique=True, trim="0").split("e")
    if mantissa.endswith("."):
        mantissa += "0"
    elif "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}E{int(exponent)}"
