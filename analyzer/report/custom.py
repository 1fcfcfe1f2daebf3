"""report.html's custom-metrics table: each metric's value, its baseline value and its constraint."""

from __future__ import annotations

from analyzer.quality.constraints import SYMBOLS
from analyzer.report.text import esc, fmt


def custom_values(statistics) -> dict[tuple[str | None, str], object]:
    custom = statistics.get("custom") if isinstance(statistics, dict) else None
    if not isinstance(custom, dict):
        return {}
    values = {}
    dataset = custom.get("dataset")
    for name, value in (dataset if isinstance(dataset, dict) else {}).items():
        values[(None, str(name))] = value
    features = custom.get("features")
    for feature, metrics in (features if isinstance(features, dict) else {}).items():
        for name, value in (metrics if isinstance(metrics, dict) else {}).items():
            values[(str(feature), str(name))] = value
    return values


def custom_section(statistics, baseline_statistics, constraints) -> str:
    """Empty unless statistics.json has a ``custom`` key: default reports are unchanged."""
    current = custom_values(statistics)
    if not current:
        return ""
    base = custom_values(baseline_statistics)
    limits = {}
    items = constraints.get("custom_constraints") if isinstance(constraints, dict) else None
    for c in items if isinstance(items, list) else []:
        if isinstance(c, dict):
            key = (c.get("feature"), str(c.get("metric")))
            limits[key] = f"{SYMBOLS.get(c.get('comparison_operator'), '?')} {fmt(c.get('threshold'))}"
    monitoring = baseline_statistics is not None
    rows = "".join(
        f"<tr><td>{esc(name, 200)}</td><td>{esc(feature, 200) if feature is not None else '(dataset)'}</td>"
        f"<td class='n'>{fmt(value)}</td>"
        + (f"<td class='n'>{fmt(base.get((feature, name)))}</td>" if monitoring else "")
        + f"<td>{esc(limits.get((feature, name), '—'), 200)}</td></tr>"
        for (feature, name), value in current.items()
    )
    baseline_head = '<th class="n">baseline</th>' if monitoring else ""
    return (
        '<section class="panel" id="custom"><h2>Custom metrics</h2><table class="grid"><thead><tr>'
        f'<th>metric</th><th>feature</th><th class="n">value</th>{baseline_head}<th>constraint</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )
