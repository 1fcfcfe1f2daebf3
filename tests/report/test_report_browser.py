"""report.html in a real headless Chromium: the demo run's reports render without errors or network.

The demo (examples/demo.sh) runs the real jobs on the bundled example data: a data-quality baseline
and a monitoring run with five violations, then a binary-classification model-quality baseline and
monitoring run. Each report is opened from file:// in Debian's Chromium (``make browser`` installs
it; Playwright drives it and never downloads a browser), with every request outside the file refused
and recorded. Full-page screenshots are kept in test-artifacts/ at the repository root.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
# Root needs --no-sandbox; the rest keeps Chromium from calling home on a machine with no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_VIOLATIONS = [  # what examples/make_example_data.py builds the capture data to violate
    ("label", "data_type_check"),
    ("age", "baseline_drift_check"),
    ("income", "data_type_check"),
    ("income", "completeness_check"),
    ("state", "categorical_values_check"),
]
BASE_AREA = (193, 208, 224)  # the baseline fill (#4e79a7 at 35%) over white
BASE_BAR = (131, 161, 193)  # the baseline bars (#4e79a7 at 70%)
CURRENT = (242, 142, 43)  # #f28e2b, current lines and bars
VIOLATION = (192, 57, 43)  # #c0392b, the flagged cards' edge and check badges


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("demo")
    run = subprocess.run(
        ["bash", str(ROOT / "examples" / "demo.sh"), str(workdir)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = run.stdout.split("Reports to open in a browser")[-1]  # the demo's closing list
    listed = [line.strip() for line in summary.splitlines() if line.strip().endswith("report.html")]
    expected = ["baseline-report", "monitor-report", "quality-baseline-report", "quality-report"]
    assert listed == [str(workdir / name / "report.html") for name in expected]
    return workdir


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run `make browser` (Debian package chromium)"
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        yield context
        context.close()


class Opened:
    def __init__(self, page, errors, requests, refused):
        self.page, self.errors, self.requests, self.refused = page, errors, requests, refused


def open_report(browser, path: Path) -> Opened:
    page = browser.new_page()
    errors, requests, refused = [], [], []
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: errors.append(f"request failed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith("file://"), refuse)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return Opened(page, errors, requests, refused)


def check_clean(opened: Opened, path: Path) -> None:
    assert opened.errors == []
    assert opened.refused == []
    assert opened.requests == [path.as_uri()]  # the file itself, and nothing else was attempted


def pixel_census(browser, png: bytes, targets: dict[str, tuple[int, int, int]]) -> dict:
    """Distinct colours of a PNG and how many pixels lie near each target colour (decoded by Chromium)."""
    page = browser.new_page()
    try:
        page.set_content("<canvas></canvas>")
        return page.evaluate(
            """async ([src, targets]) => {
                const img = new Image(); img.src = src; await img.decode();
                const canvas = document.querySelector('canvas');
                canvas.width = img.width; canvas.height = img.height;
                const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
                const data = ctx.getImageData(0, 0, img.width, img.height).data;
                const colours = new Set(); const near = {};
                for (const k in targets) near[k] = 0;
                for (let i = 0; i < data.length; i += 4) {
                    const r = data[i], g = data[i + 1], b = data[i + 2];
                    colours.add((r << 16) | (g << 8) | b);
                    for (const k in targets) {
                        const t = targets[k];
                        if (Math.abs(r - t[0]) <= 8 && Math.abs(g - t[1]) <= 8 && Math.abs(b - t[2]) <= 8) near[k]++;
                    }
                }
                return {width: img.width, height: img.height, colours: colours.size, near};
            }""",
            ["data:image/png;base64," + base64.b64encode(png).decode(), targets],
        )
    finally:
        page.close()


def screenshot(opened: Opened, name: str) -> bytes:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    opened.page.screenshot(path=str(path), full_page=True)
    return path.read_bytes()


def test_demo_monitoring_report_shows_distributions_and_violations(demo, browser):
    path = demo / "monitor-report" / "report.html"
    statistics = json.loads((demo / "monitor-report" / "statistics.json").read_text())
    violations = json.loads((demo / "monitor-report" / "constraint_violations.json").read_text())[
        "violations"
    ]
    assert [(v["feature_name"], v["constraint_check_type"]) for v in violations] == DEMO_VIOLATIONS
    opened = open_report(browser, path)
    page = opened.page

    cards = page.eval_on_selector_all(
        "section.card",
        """cards => cards.map(card => ({
            name: card.dataset.feature,
            violated: card.classList.contains('violated'),
            charts: card.querySelectorAll('svg.chart').length,
            series: [...card.querySelectorAll('svg.chart [data-series]')].map(e => {
                const box = e.getBBox();
                return [e.dataset.series, box.width, box.height];
            }),
        }))""",
    )
    assert [c["name"] for c in cards] == [f["name"] for f in statistics["features"]]
    for card in cards:
        assert card["charts"] == 1, card
        drawn = {name for name, width, height in card["series"] if width > 0 and height > 0}
        assert drawn == {"baseline", "current"}, card
    assert {c["name"] for c in cards if c["violated"]} == {name for name, _ in DEMO_VIOLATIONS}

    rows = page.eval_on_selector_all(
        "#violations tbody tr",
        """rows => rows.map(r => {
            const link = r.querySelector('td:nth-child(2) a');
            const target = link && document.querySelector(link.getAttribute('href'));
            return {feature: r.cells[1].textContent, check: r.cells[2].textContent,
                    description: r.cells[3].textContent,
                    target: target ? target.dataset.feature : null};
        })""",
    )
    assert [(r["feature"], r["check"]) for r in rows] == DEMO_VIOLATIONS
    assert [r["description"] for r in rows] == [v["description"] for v in violations]
    assert [r["target"] for r in rows] == [name for name, _ in DEMO_VIOLATIONS]  # links reach their card
    assert (
        page.text_content(".msg") == "CompletedWithViolations: Job completed successfully with 5 violations."
    )

    png = screenshot(opened, "report-demo.png")
    check_clean(opened, path)
    census = pixel_census(
        browser,
        png,
        {"base_area": BASE_AREA, "base_bar": BASE_BAR, "current": CURRENT, "violation": VIOLATION},
    )
    assert census["width"] == 1280 and census["height"] > 1500, census
    assert census["colours"] > 500, census  # text, charts and tints, not a blank page
    assert census["near"]["base_area"] > 20_000, census  # the baseline histograms are filled in
    assert census["near"]["base_bar"] > 2_000, census  # the baseline category bars
    assert census["near"]["current"] > 5_000, census  # current step lines and bars over them
    assert census["near"]["violation"] > 2_000, census  # flagged cards stand out
    opened.page.close()


def test_demo_baseline_reports_draw_the_dataset_alone(demo, browser):
    path = demo / "baseline-report" / "report.html"
    opened = open_report(browser, path)
    series = opened.page.eval_on_selector_all(
        "section.card",
        "cards => cards.map(c => [...c.querySelectorAll('[data-series]')].map(e => e.dataset.series))",
    )
    assert len(series) == 6 and all(s and set(s) == {"dataset"} for s in series)
    assert opened.page.query_selector("#violations") is None  # a baseline has nothing to violate
    screenshot(opened, "report-demo-baseline.png")
    check_clean(opened, path)
    opened.page.close()

    path = demo / "quality-baseline-report" / "report.html"
    opened = open_report(browser, path)
    lines = opened.page.eval_on_selector_all(
        "figure.curve polyline", "lines => lines.map(p => [p.dataset.series, p.points.length])"
    )
    assert len(lines) == 2 and all(name == "dataset" and n > 100 for name, n in lines), lines
    assert opened.page.query_selector("#violations") is None
    check_clean(opened, path)
    opened.page.close()


def test_a_violation_link_opens_its_collapsed_group(browser, tmp_path):
    from analyzer.report.html import GROUP_SIZE, render_report
    from tests.report.test_report_html import sketch_feature

    rng = np.random.default_rng(2)
    n = 3 * GROUP_SIZE + 7
    base = {"features": [sketch_feature(f"f{i}", rng.normal(0, 1, 300)) for i in range(n)]}
    cur = {
        "dataset": {"item_count": 300},
        "features": [sketch_feature(f"f{i}", rng.normal(1, 1, 300)) for i in range(n)],
    }
    last = f"f{n - 2}"
    violations = [{"feature_name": last, "constraint_check_type": "baseline_drift_check", "description": "d"}]
    path = tmp_path / "report.html"
    path.write_text(render_report(cur, {}, violations, base, "wide"), encoding="utf-8")
    opened = open_report(browser, path)
    page = opened.page
    assert page.eval_on_selector_all("details", "ds => ds.map(d => d.open)") == [True, False, False, False]
    page.click("#violations tbody a")
    page.wait_for_function("document.querySelector(location.hash)?.closest('details').open")
    box = page.eval_on_selector(
        f"section.card[data-feature='{last}']",
        "c => { const r = c.getBoundingClientRect(); return [r.top, r.bottom]; }",
    )
    assert 0 <= box[0] < 100 and box[1] <= 900, box  # scrolled to the card, its top in view
    check_clean(opened, path)
    opened.page.close()


def test_demo_model_quality_report_shows_metrics_and_curves(demo, browser):
    path = demo / "quality-report" / "report.html"
    statistics = json.loads((demo / "quality-report" / "statistics.json").read_text())
    metrics = statistics["binary_classification_metrics"]
    violations = json.loads((demo / "quality-report" / "constraint_violations.json").read_text())[
        "violations"
    ]
    opened = open_report(browser, path)
    page = opened.page

    curves = page.eval_on_selector_all(
        "figure.curve",
        """figs => figs.map(f => ({
            curve: f.dataset.curve,
            lines: [...f.querySelectorAll('polyline')].map(p => [p.dataset.series, p.points.length,
                                                                 p.getBBox().width, p.getBBox().height]),
        }))""",
    )
    assert [c["curve"] for c in curves] == [
        "receiver_operating_characteristic_curve",
        "precision_recall_curve",
    ]
    roc = metrics["receiver_operating_characteristic_curve"]["false_positive_rates"]
    pr = metrics["precision_recall_curve"]["recalls"]
    for curve, points in zip(curves, (roc, pr), strict=True):
        assert [line[0] for line in curve["lines"]] == ["baseline", "current"], curve
        current = curve["lines"][1]
        assert current[1] == len(points) and current[2] > 100 and current[3] > 100, curve

    rows = page.eval_on_selector_all(
        "table.metrics tbody tr",
        "rows => rows.map(r => [r.dataset.metric, r.classList.contains('violated'), r.cells[1].textContent])",
    )
    scalar = [name for name, m in metrics.items() if isinstance(m, dict) and "value" in m]
    assert [r[0] for r in rows] == scalar
    assert {r[0] for r in rows if r[1]} == {v["metric_name"] for v in violations}
    shown = {r[0]: float(r[2].replace(",", "")) for r in rows}
    for name in scalar:
        assert shown[name] == pytest.approx(metrics[name]["value"], rel=1e-4, abs=1e-9), name
    assert page.eval_on_selector_all("#violations tbody tr", "rows => rows.length") == len(violations) == 5
    matrix = page.eval_on_selector_all(
        "table.matrix tbody tr", "rows => rows.map(r => [...r.cells].slice(1).map(c => c.textContent))"
    )
    cm = metrics["confusion_matrix"]
    assert matrix == [[str(cm[a][p]) for p in cm[a]] for a in cm]

    png = screenshot(opened, "report-demo-quality.png")
    check_clean(opened, path)
    census = pixel_census(browser, png, {"current": CURRENT, "baseline": (78, 121, 167)})
    assert (
        census["colours"] > 300 and census["near"]["current"] > 1_000 and census["near"]["baseline"] > 1_000
    )
    opened.page.close()
