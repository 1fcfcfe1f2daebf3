"""Inline SVG charts for report.html: overlaid distributions, category bars and metric curves.

Everything is drawn in Python so the report needs no script and no network. Coordinates are rounded
to one decimal (the files stay small and the same inputs give the same bytes); colours come from
the page's CSS classes (``s-base``, ``s-cur``), so a chart carries no style of its own.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from analyzer.report.distributions import CategoricalChart, NumericChart
from analyzer.report.text import esc, short, short_number

WIDTH = 560
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 30
MAX_TICKS = 50  # nice_ticks gives about `target`; the cap only matters if its arithmetic misbehaves


@dataclass(frozen=True)
class Curve:
    series: str  # data-series: baseline, current or dataset
    name: str  # legend text
    css: str  # s-base / s-cur
    xs: list[float]
    ys: list[float]


def c(x: float) -> str:
    """A coordinate: one decimal, no trailing zeros, never "-0"."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """About ``target`` round ticks over [low, high]. The loop is bounded by the tick count, never by
    the values: a range near ±DBL_MAX or of subnormal width gives a few ticks or just its ends."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low]
    raw = high / target - low / target  # (high - low) / target overflows across ±DBL_MAX
    if not raw >= sys.float_info.min:  # a subnormal width: no decimal step to round to
        return [low, high]
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9) * step
    count = min(int(math.floor(high / step - first / step + 1e-9)) + 1, MAX_TICKS)
    digits = max(12, 12 - math.floor(math.log10(step)))  # 12 decimals, more for steps below 1e-12
    ticks = [round(first + k * step, digits) for k in range(max(count, 0))]
    return sorted({t for t in ticks if math.isfinite(t)}) or [low, high]


def covering_ticks(peak: float, target: int = 4) -> list[float]:
    """Ticks from 0 up to the first one at or above ``peak``, so the tallest bar sits under a gridline."""
    ticks = nice_ticks(0.0, peak, target)
    if len(ticks) > 1 and ticks[-1] < peak:
        ticks.append(round(ticks[-1] + (ticks[1] - ticks[0]), 12))
    return ticks


def percent(x: float) -> str:
    if x == 0:
        return "0%"
    return f"{x * 100:.0f}%" if x >= 0.1 else f"{x * 100:.1f}%".replace(".0%", "%")


def legend(items: list[tuple[str, str]], right: float) -> str:
    """Swatches laid out from the right edge leftwards, at the top of the chart."""
    parts, x = [], right
    for css, text in reversed(items):
        width = 7.0 * len(text) + 22
        x -= width
        parts.append(
            f'<rect class="sw {css}" x="{c(x)}" y="6" width="12" height="10" rx="2"/>'
            f'<text class="lg" x="{c(x + 16)}" y="15">{esc(text)}</text>'
        )
    return "".join(reversed(parts))


def frame(height: float, body: str, label: str) -> str:
    return f'<svg class="chart" viewBox="0 0 {WIDTH} {c(height)}" role="img" aria-label="{esc(label)}">{body}</svg>'


def y_axis(ticks: list[float], scale, x0: float, x1: float, fmt) -> str:
    parts = []
    for t in ticks:
        y = c(scale(t))
        parts.append(f'<line class="grid" x1="{c(x0)}" y1="{y}" x2="{c(x1)}" y2="{y}"/>')
        parts.append(f'<text class="tick ty" x="{c(x0 - 5)}" y="{c(scale(t) + 3.5)}">{fmt(t)}</text>')
    return "".join(parts)


def x_axis(ticks: list[float], scale, y: float, fmt) -> str:
    parts = []
    for t in ticks:
        x = c(scale(t))
        parts.append(f'<line class="axis" x1="{x}" y1="{c(y)}" x2="{x}" y2="{c(y + 4)}"/>')
        parts.append(f'<text class="tick tx" x="{x}" y="{c(y + 15)}">{fmt(t)}</text>')
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    css: str  # s-base (filled, drawn first) or s-cur (a line over it)
    name: str  # data-series: baseline, current or dataset
    label: str  # legend text


def distribution_svg(chart: NumericChart, sides: dict[str, Series]) -> str:
    """Baseline as a filled step area, current as a step line over it, both in % of their values."""
    height = 190.0
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, height - BOTTOM, TOP
    edges = chart.edges
    series = [
        (sides[k], v) for k, v in (("baseline", chart.baseline), ("current", chart.current)) if v is not None
    ]
    peak = max(float(np.max(v)) for _, v in series) if series else 1.0
    peak = peak if peak > 0 else 1.0
    yticks = covering_ticks(peak)
    top = max(yticks[-1], peak)

    def sx(v: float) -> float:
        # Halved (exact for doubles) so a grid spanning -DBL_MAX..DBL_MAX does not overflow.
        return x0 + (v / 2 - edges[0] / 2) / (edges[-1] / 2 - edges[0] / 2) * (x1 - x0)

    def sy(v: float) -> float:
        return y0 - v / top * (y0 - y1)

    body = [y_axis(yticks, sy, x0, x1, percent)]
    for side, values in series:
        steps = "".join(f"V{c(sy(v))}H{c(sx(edges[i + 1]))}" for i, v in enumerate(values))
        path = f"M{c(sx(edges[0]))},{c(y0)}{steps}V{c(y0)}"
        body.append(f'<path class="area {side.css}" data-series="{side.name}" d="{path}Z"/>')
    xticks = [t for t in nice_ticks(float(edges[0]), float(edges[-1]), 6) if edges[0] <= t <= edges[-1]]
    if chart.integral:
        xticks = [t for t in xticks if float(t).is_integer()] or xticks
    body.append(f'<line class="axis" x1="{c(x0)}" y1="{c(y0)}" x2="{c(x1)}" y2="{c(y0)}"/>')
    body.append(x_axis(xticks, sx, y0, short_number))
    body.append(legend([(side.css, side.label) for side, _ in series], x1))
    return frame(height, "".join(body), "distribution: " + ", ".join(side.name for side, _ in series))


def categories_svg(chart: CategoricalChart, sides: dict[str, Series]) -> str:
    """One row per value: a baseline bar above a current bar, lengths in % of that side's values."""
    row, label_width = 22.0, 150.0
    height = TOP + row * len(chart.labels) + 24
    x0, x1 = LEFT + label_width - 40, WIDTH - RIGHT - 36
    series = [
        (sides[k], v) for k, v in (("baseline", chart.baseline), ("current", chart.current)) if v is not None
    ]
    peak = max((max(v) for _, v in series if v), default=1.0) or 1.0
    ticks = covering_ticks(peak)
    top = max(ticks[-1], peak)

    def sx(v: float) -> float:
        return x0 + v / top * (x1 - x0)

    bottom = TOP + row * len(chart.labels)
    body = []
    for t in ticks:
        x = c(sx(t))
        body.append(f'<line class="grid" x1="{x}" y1="{c(TOP)}" x2="{x}" y2="{c(bottom)}"/>')
        body.append(f'<text class="tick tx" x="{x}" y="{c(bottom + 14)}">{percent(t)}</text>')
    for i, label in enumerate(chart.labels):
        y = TOP + row * i
        tip = [label]
        shapes = []
        for k, (side, values) in enumerate(series):
            offset = 3 + 8 * k if len(series) == 2 else 6
            shapes.append(
                f'<rect class="bar {side.css}" data-series="{side.name}" x="{c(x0)}" y="{c(y + offset)}" '
                f'width="{c(sx(values[i]) - x0)}" height="7"/>'
            )
            tip.append(f"{side.name} {percent(values[i])}")
        if chart.new[i]:
            tip.append("not in the baseline")
        css = "cat new" if chart.new[i] else "cat"
        mark = " ●" if chart.new[i] else ""
        last = series[-1][1][i] if series else 0.0
        end = max((v[i] for _, v in series), default=0.0)
        body.append(
            f"<g><title>{esc(' · '.join(tip), 300)}</title>"
            f'<text class="{css}" x="{c(x0 - 6)}" y="{c(y + 14)}">{esc(short(label, 22))}{mark}</text>'
            + "".join(shapes)
            + f'<text class="val" x="{c(sx(end) + 4)}" y="{c(y + 14)}">{percent(last)}</text></g>'
        )
    body.append(f'<line class="axis" x1="{c(x0)}" y1="{c(TOP)}" x2="{c(x0)}" y2="{c(bottom)}"/>')
    body.append(legend([(side.css, side.label) for side, _ in series], WIDTH - RIGHT))
    return frame(height, "".join(body), "categories: " + ", ".join(side.name for side, _ in series))


def curve_svg(curves: list[Curve], x_name: str, y_name: str, diagonal: bool, label: str) -> str:
    """Metric curves on the unit square (ROC, precision-recall), one polyline per curve."""
    width, height = 360.0, 330.0
    x0, x1, y0, y1 = LEFT, width - RIGHT, height - BOTTOM - 12, TOP

    def sx(v: float) -> float:
        return x0 + v * (x1 - x0)

    def sy(v: float) -> float:
        return y0 - v * (y0 - y1)

    ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
    body = [y_axis(ticks, sy, x0, x1, lambda t: f"{t:g}")]
    body.append(f'<line class="axis" x1="{c(x0)}" y1="{c(y0)}" x2="{c(x1)}" y2="{c(y0)}"/>')
    body.append(x_axis(ticks, sx, y0, lambda t: f"{t:g}"))
    if diagonal:
        body.append(f'<line class="diag" x1="{c(sx(0))}" y1="{c(sy(0))}" x2="{c(sx(1))}" y2="{c(sy(1))}"/>')
    for curve in curves:
        points = " ".join(
            f"{c(sx(min(max(x, 0.0), 1.0)))},{c(sy(min(max(y, 0.0), 1.0)))}"
            for x, y in zip(curve.xs, curve.ys, strict=False)
            if math.isfinite(x) and math.isfinite(y)
        )
        body.append(f'<polyline class="curve {curve.css}" data-series="{curve.series}" points="{points}"/>')
    body.append(
        f'<text class="axt" x="{c((x0 + x1) / 2)}" y="{c(height - 8)}" text-anchor="middle">{esc(x_name)}</text>'
        f'<text class="axt" transform="translate(12,{c((y0 + y1) / 2)}) rotate(-90)" '
        f'text-anchor="middle">{esc(y_name)}</text>'
    )
    return (
        f'<svg class="chart curvechart" viewBox="0 0 {c(width)} {c(height)}" role="img" '
        f'aria-label="{esc(label)}">{"".join(body)}</svg>'
    )
