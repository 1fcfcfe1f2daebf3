"""Text in report.html: every value from the data escaped, long values cut, numbers formatted once.

Feature names and category values come from whoever produced the data: markup, quotes, control
characters, lone surrogates (valid in JSON, unencodable in UTF-8) and megabyte-long strings all
reach the page as plain, bounded text.
"""

from __future__ import annotations

import html
import math
import re

from analyzer.report.distributions import number

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ELLIPSIS = "…"


def clean(text) -> str:
    text = str(text)
    text = text.encode("utf-8", errors="replace").decode("utf-8")  # lone surrogates become "?"
    return _CONTROL.sub("\ufffd", text)


def short(text, limit: int) -> str:
    """At most ``limit`` characters (the cut marked with an ellipsis)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def esc(text, limit: int = 10_000) -> str:
    """Escaped for element content and quoted attributes alike, cut to ``limit`` characters."""
    return html.escape(clean(short(text, limit)), quote=True)


def short_number(x: float) -> str:
    """Axis labels: four significant digits, no exponent in the everyday range."""
    if x == 0:
        return "0"
    if 1e-3 <= abs(x) < 1e6:
        text = f"{x:.4g}"
        if "e" in text:  # 4g switches to exponents at 1e4 and above
            text = f"{x:.0f}"
        return text
    return f"{x:.3g}"


def fmt(value) -> str:
    """A statistic for a table cell: counts with separators, other numbers to 5 significant digits."""
    x = number(value)
    if x is None:
        return "—" if value is None else esc(value, 80)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if 1e4 <= abs(x) < 1e15:
        return f"{x:,.0f}"
    if 1e-4 <= abs(x) < 1e4:
        return f"{x:.5g}"
    return f"{x:.4e}"
