"""render_report and report.html: the common grid against numpy, hostile text, bytes, wide data, wiring.

Distributions are checked against numpy histograms of the samples the sketches were built from
(sketches below the KLL's first compaction hold every value, so the match is exact). Statistics come
from real local jobs on CSV files, except where a hand-built document is the point.
"""

from __future__ import annotations

import csv
import json
import math
import re
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from analyzer.config.contract import JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import REPORT_FILE, run_job
from analyzer.profiling.kll import KLLSketch
from analyzer.report.distributions import BINS, TOP_CATEGORIES, categorical_chart, numeric_chart
from analyzer.report.html import GROUP_SIZE, render_report
from analyzer.report.text import clean, short

CSV = DatasetFormat(kind="csv", header=True)
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "footer", "header", "section", "div", "h1",
    "h2", "h3", "p", "span", "b", "bdi", "a", "code", "table", "thead", "tbody", "tr", "th", "td", "details",
    "summary", "figure", "figcaption", "svg", "g", "line", "text", "path", "rect", "polyline",
}  # fmt: skip


def write_csv(path: Path, columns: dict[str, list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        for row in zip(*(columns[n] for n in names), strict=True):
            writer.writerow(["" if v is None else v for v in row])
    return path


def profile(tmp_path: Path, name: str, columns: dict[str, list], **config) -> tuple[dict, Path]:
    """statistics.json of a real local baseline (or, with baseline files in config, monitoring) job."""
    out = tmp_path / name
    data = write_csv(tmp_path / f"{name}-data" / "data.csv", columns)
    run_job(JobConfig(dataset_source=data, dataset_format=CSV, output_path=out, **config), engine="local")
    return json.loads((out / "statistics.json").read_text(encoding="utf-8")), out


def feature(statistics: dict, name: str) -> dict:
    return next(f for f in statistics["features"] if f["name"] == name)


def expected_fractions(sample, edges) -> np.ndarray:
    counts, _ = np.histogram(np.asarray(sample, dtype=float), bins=edges)
    return counts / len(sample)


# -- the common grid ------------------------------------------------------------------------------


def test_fractional_sides_share_a_grid_matching_numpy_histograms(tmp_path):
    rng = np.random.default_rng(3)
    base = np.round(rng.normal(10, 2, 1500), 3)
    cur = np.round(rng.normal(14, 3, 800), 3)
    base_stats, _ = profile(tmp_path, "base", {"x": base.tolist()})
    cur_stats, _ = profile(tmp_path, "cur", {"x": cur.tolist()})
    assert len(feature(base_stats, "x")["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]) == 1

    chart = numeric_chart(feature(base_stats, "x"), feature(cur_stats, "x"))
    both = np.concatenate([base, cur])
    assert chart.edges[0] == both.min() and chart.edges[-1] == both.max()
    assert np.allclose(np.diff(chart.edges), np.diff(chart.edges)[0])
    np.testing.assert_allclose(chart.baseline, expected_fractions(base, chart.edges), rtol=0, atol=1e-12)
    np.testing.assert_allclose(chart.current, expected_fractions(cur, chart.edges), rtol=0, atol=1e-12)
    # Their own ten buckets cover different ranges: the shared grid is what makes them comparable.
    own = [
        feature(s, "x")["numerical_statistics"]["distribution"]["kll"]["buckets"][0]["lower_bound"]
        for s in (base_stats, cur_stats)
    ]
    assert own[0] != own[1]


def test_integral_sides_get_integer_centred_bins(tmp_path):
    rng = np.random.default_rng(4)
    base = rng.integers(0, 30, 1000)
    cur = rng.integers(5, 61, 700)
    base_stats, _ = profile(tmp_path, "base", {"n": base.tolist()})
    cur_stats, _ = profile(tmp_path, "cur", {"n": cur.tolist()})
    chart = numeric_chart(feature(base_stats, "n"), feature(cur_stats, "n"))
    assert chart.integral
    widths = np.diff(chart.edges)
    assert np.all(widths == widths[0]) and widths[0] == 2  # 61 integers over at most 40 bins
    assert np.all(chart.edges % 1 == 0.5) and chart.edges[0] == -0.5 and chart.edges[-1] >= 60.5
    np.testing.assert_allclose(chart.baseline, expected_fractions(base, chart.edges), atol=1e-12)
    np.testing.assert_allclose(chart.current, expected_fractions(cur, chart.edges), atol=1e-12)


def test_compacted_sketches_approximate_the_histogram(tmp_path):
    rng = np.random.default_rng(5)
    base, cur = rng.gamma(2.0, 3.0, 30_000), rng.gamma(3.0, 2.0, 20_000)
    base_stats, _ = profile(tmp_path, "base", {"g": np.round(base, 4).tolist()})
    cur_stats, _ = profile(tmp_path, "cur", {"g": np.round(cur, 4).tolist()})
    levels = feature(base_stats, "g")["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]
    assert len(levels) > 3  # items at level h weigh 2**h
    chart = numeric_chart(feature(base_stats, "g"), feature(cur_stats, "g"))
    assert np.abs(chart.baseline - expected_fractions(np.round(base, 4), chart.edges)).max() < 0.01
    assert np.abs(chart.current - expected_fractions(np.round(cur, 4), chart.edges)).max() < 0.01
    assert chart.baseline.sum() == pytest.approx(1.0) and chart.current.sum() == pytest.approx(1.0)


def bucket_feature(buckets, low, high) -> dict:
    return {
        "name": "b",
        "inferred_type": "Fractional",
        "numerical_statistics": {
            "common": {"num_present": sum(b[2] for b in buckets), "num_missing": 0},
            "min": low,
            "max": high,
            "distribution": {
                "kll": {"buckets": [{"lower_bound": a, "upper_bound": b, "count": n} for a, b, n in buckets]}
            },
        },
    }


def test_without_a_sketch_each_bucket_is_spread_evenly():
    base = bucket_feature([(0.0, 2.0, 20.0), (2.0, 4.0, 20.0)], 0.0, 4.0)
    cur = bucket_feature([(1.0, 3.0, 10.0), (3.0, 5.0, 30.0)], 1.0, 5.0)
    chart = numeric_chart(base, cur)
    np.testing.assert_allclose(chart.edges, np.linspace(0, 5, BINS + 1))  # both ranges, equal widths
    grid = chart.edges
    # By hand: a bucket of n values over [a, b) puts n * overlap / (b - a) into each grid bin.
    for side, buckets in (
        (chart.baseline, [(0, 2, 20), (2, 4, 20)]),
        (chart.current, [(1, 3, 10), (3, 5, 30)]),
    ):
        total = sum(n for _, _, n in buckets)
        for i in range(len(grid) - 1):
            lo, hi = grid[i], grid[i + 1]
            mass = sum(n * max(0.0, min(hi, b) - max(lo, a)) / (b - a) for a, b, n in buckets)
            assert side[i] == pytest.approx(mass / total, abs=1e-12), i


def test_a_string_side_of_a_numeric_feature_draws_its_numbers(tmp_path):
    base = [1.5, 2.0, 2.5, 3.0, 4.5] * 40
    cur = ["1.5", "2.5", "n/a", "2.5", "7.0", "?", "3.0", "n/a"] * 25
    base_stats, _ = profile(tmp_path, "base", {"v": base})
    cur_stats, _ = profile(tmp_path, "cur", {"v": cur})
    assert feature(cur_stats, "v")["inferred_type"] == "String"
    chart = numeric_chart(feature(base_stats, "v"), feature(cur_stats, "v"))
    numbers = [float(v) for v in cur if v not in ("n/a", "?")]
    np.testing.assert_allclose(chart.current, expected_fractions(numbers, chart.edges), atol=1e-12)
    assert chart.edges[0] == 1.5 and chart.edges[-1] == 7.0
    assert chart.notes == ("current: 75 non-numeric value(s) not drawn (n/a ×50, ? ×25)",)


def test_categories_keep_the_most_frequent_and_sum_the_rest(tmp_path):
    rng = np.random.default_rng(6)
    base = [f"c{int(i)}" for i in rng.zipf(1.6, 3000) % 40]
    cur = [f"c{int(i)}" for i in rng.zipf(1.4, 2000) % 45]
    base_stats, _ = profile(tmp_path, "base", {"c": base})
    cur_stats, _ = profile(tmp_path, "cur", {"c": cur})
    chart = categorical_chart(feature(base_stats, "c"), feature(cur_stats, "c"))
    b, c = Counter(base), Counter(cur)
    bf = {k: v / len(base) for k, v in b.items()}
    cf = {k: v / len(cur) for k, v in c.items()}
    ranked = sorted(set(b) | set(c), key=lambda k: (-max(bf.get(k, 0), cf.get(k, 0)), k))
    top, rest = ranked[:TOP_CATEGORIES], ranked[TOP_CATEGORIES:]
    assert chart.labels == (*top, f"other ({len(rest)} values)")
    assert chart.baseline == pytest.approx([bf.get(k, 0) for k in top] + [sum(bf.get(k, 0) for k in rest)])
    assert chart.current == pytest.approx([cf.get(k, 0) for k in top] + [sum(cf.get(k, 0) for k in rest)])
    assert chart.new == tuple(k not in b for k in top) + (False,)


# -- escaping and bounded output ------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: Counter = Counter()
        self.attrs: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


HOSTILE = [
    '<script>alert("x")</script>',
    "a&b'\"<img src=x onerror=alert(1)>",
    "\u202etxt.exe",
    "nul\x00and\x1bescape",
    "lone\ud800surrogate",
    "é漢字🙂",
    "</style><style>*{display:none}",
    "m" * 1_000_000,
]


def hostile_feature(name: str, values: list[str]) -> dict:
    counts = Counter(values)
    return {
        "name": name,
        "inferred_type": "String",
        "string_statistics": {
            "common": {"num_present": len(values), "num_missing": 0},
            "distinct_count": float(len(counts)),
            "distribution": {
                "categorical": {"buckets": [{"value": v, "count": n} for v, n in counts.most_common()]}
            },
        },
    }


def test_hostile_names_and_values_are_escaped_and_bounded():
    features = [hostile_feature(name, HOSTILE[:5] + [HOSTILE[-1]] * 3) for name in HOSTILE]
    statistics = {"version": 0.0, "dataset": {"item_count": 8}, "features": features}
    violations = [
        {"feature_name": name, "constraint_check_type": "<b>check</b>", "description": f"bad {name}"}
        for name in HOSTILE
    ]
    html = render_report(statistics, {}, violations, statistics, '<title>"x"</title>', message="<i>m</i>")
    html.encode("utf-8")  # no lone surrogate left
    assert len(html) < 400_000  # a megabyte name is cut everywhere it appears
    parser = Tags()
    parser.feed(html)
    assert set(parser.tags) <= ALLOWED_TAGS, set(parser.tags) - ALLOWED_TAGS
    assert parser.tags["script"] == 0 and parser.tags["img"] == 0 and parser.tags["style"] == 1
    cards = [attrs for tag, attrs in parser.attrs if tag == "section" and "data-feature" in attrs]
    assert [c["data-feature"] for c in cards] == [clean(short(name, 300)) for name in HOSTILE]
    links = [attrs["href"] for tag, attrs in parser.attrs if tag == "a"]
    assert links == [f"#{c['id']}" for c in cards]  # each violation row reaches its own card
    assert "<i>m</i>" in "".join(parser.text) and '<title>"x"</title>' in "".join(parser.text)
    assert "\x00" not in html and "\x1b" not in html


def test_skipped_records_are_accounted_in_the_header():
    skipped = {
        "records_read": 1000,
        "count": 3,
        "reasons": {"malformed JSON": 2, "preprocess_handler raised KeyError": 1},
        "examples": [
            {"location": "capture/a.jsonl:7", "reason": "malformed JSON", "detail": "<b>Expecting value</b>"},
            {"location": "capture/a.jsonl:9", "reason": "malformed JSON", "detail": "x" * 5000},
            {
                "location": "capture/b.jsonl:1",
                "reason": "preprocess_handler raised KeyError",
                "detail": "'k'",
            },
        ],
    }
    statistics = {"dataset": {"item_count": 997, "skipped": skipped}, "features": []}
    html = render_report(statistics, {}, None, None, "skips")
    parser = Tags()
    parser.feed(html)
    text = " ".join(parser.text)
    assert "1,000 records read" in text and "3 records skipped" in text
    assert "3 of 1,000 records read could not be analyzed" in text
    assert "capture/a.jsonl:7 malformed JSON <b>Expecting value</b>" in text and "<b>Expecting" not in html
    assert "x" * 300 not in html and "x" * 299 in html  # a long detail is cut
    assert html.count("<tr><td>") == 2  # one row per reason
    assert "skipped" not in render_report({"dataset": {"item_count": 1}, "features": []}, {}, None, None, "t")


GEOMETRY = {"d", "x", "y", "x1", "x2", "y1", "y2", "width", "height", "points", "viewbox"}


def test_degenerate_features_render_without_nan_coordinates():
    def numeric(name, low, high, buckets):
        f = bucket_feature(buckets, low, high)
        f["name"] = name
        return f

    features = [
        numeric("constant", 7.0, 7.0, [(7.0, 7.0, 50.0)] * 10),
        numeric("zero", 0.0, 0.0, [(0.0, 0.0, 5.0)]),
        numeric("huge", -1e308, 1e308, [(-1e308, 1e308, 3.0)]),
        numeric("no buckets", 1.0, 2.0, []),
        numeric("nan bounds", "NaN", "Infinity", [("NaN", 1.0, 2.0)]),
        hostile_feature("empty", []),
        {"name": "unknown", "inferred_type": "Unknown"},
        {"name": "bare"},
        "not a feature",
    ]
    statistics = {"dataset": {"item_count": 50}, "features": features}
    html = render_report(statistics, {"features": "junk"}, None, statistics, "edge cases")
    html_upper = render_report(statistics, {}, [{"feature_name": None}], {"features": [None, 3]}, "again")
    for text in (html, html_upper):
        parser = Tags()
        parser.feed(text)
        geometry = [
            (tag, key, value)
            for tag, attrs in parser.attrs
            for key, value in attrs.items()
            if key in GEOMETRY and not re.fullmatch(r"[-0-9.,VHMZ ]*", value or "")
        ]
        assert geometry == []  # every coordinate a finite number
    parser = Tags()
    parser.feed(html)
    # The two constants and the range across ±1e308 (whose width overflows); the rest say there is nothing to draw.
    assert parser.tags["svg"] == 3
    assert html.count("No distribution to draw") == 5


# -- bytes --------------------------------------------------------------------------------------


def demo_like(tmp_path: Path):
    rng = np.random.default_rng(8)
    base = {
        "age": rng.integers(18, 80, 600).tolist(),
        "score": np.round(rng.random(600), 4).tolist(),
        "plan": rng.choice(["basic", "plus", "pro"], 600).tolist(),
    }
    cur = {
        "age": rng.integers(30, 95, 300).tolist(),
        "score": np.round(rng.random(300) ** 2, 4).tolist(),
        "plan": rng.choice(["basic", "plus", "pro", "max"], 300).tolist(),
    }
    _, base_out = profile(tmp_path, "base", base)
    monitoring = {
        "baseline_statistics": base_out / "statistics.json",
        "baseline_constraints": base_out / "constraints.json",
    }
    _, cur_out = profile(tmp_path, "cur", cur, **monitoring)
    return base_out, cur_out


def test_the_written_report_is_the_render_of_the_written_files(tmp_path):
    base_out, cur_out = demo_like(tmp_path)

    def load(path):
        return json.loads(path.read_text(encoding="utf-8"))

    violations = load(cur_out / "constraint_violations.json")["violations"]
    assert {v["feature_name"] for v in violations} >= {"plan", "age"}
    again = render_report(
        load(cur_out / "statistics.json"),
        load(cur_out / "constraints.json"),
        violations,
        load(base_out / "statistics.json"),
        "Data-quality monitoring report",
        message=f"CompletedWithViolations: Job completed successfully with {len(violations)} violations.",
        baseline_constraints=load(base_out / "constraints.json"),
    )
    written = (cur_out / REPORT_FILE).read_bytes()
    assert again.encode("utf-8") == written  # the in-memory documents and their files draw the same page
    rerun = tmp_path / "rerun"
    run_job(
        JobConfig(
            dataset_source=tmp_path / "cur-data" / "data.csv",
            dataset_format=CSV,
            output_path=rerun,
            baseline_statistics=base_out / "statistics.json",
            baseline_constraints=base_out / "constraints.json",
        ),
        engine="local",
    )
    assert (rerun / REPORT_FILE).read_bytes() == written


def test_jobs_write_the_report_last_and_clear_a_killed_writers_half(tmp_path):
    base_out, _ = demo_like(tmp_path)
    out = tmp_path / "again"
    out.mkdir()
    (out / ".report.html.k1ll3d").write_text("<html><body>half")
    result = run_job(
        JobConfig(dataset_source=tmp_path / "base-data" / "data.csv", dataset_format=CSV, output_path=out),
        engine="local",
    )
    assert [p.name for p in result.outputs] == ["statistics.json", "constraints.json", REPORT_FILE]
    assert sorted(p.name for p in out.iterdir()) == ["constraints.json", REPORT_FILE, "statistics.json"]
    assert (out / REPORT_FILE).read_bytes() == (base_out / REPORT_FILE).read_bytes()


def test_an_unreadable_model_quality_baseline_statistics_only_leaves_the_report_without_it(golden, tmp_path):
    broken = tmp_path / "statistics.json"
    broken.write_text("{ not json")
    out = tmp_path / "out"
    result = run_job(
        JobConfig(
            dataset_source=golden / "sdk_pipeline_model_quality" / "baseline_dataset.csv",
            dataset_format=CSV,
            output_path=out,
            analysis_type="MODEL_QUALITY",
            problem_type="Regression",
            inference_attribute="Label",
            ground_truth_attribute="Prediction",
            baseline_constraints=golden / "sdk_pipeline_model_quality" / "constraints_bad_cases.json",
            baseline_statistics=broken,
        ),
        engine="local",
    )
    assert [v["metric_name"] for v in result.violations] == ["mse"]
    html = (out / REPORT_FILE).read_text(encoding="utf-8")
    assert "<th>baseline</th>" not in html and 'class="violated" data-metric="mse"' in html


# -- wide data ----------------------------------------------------------------------------------


def sketch_feature(name: str, values: np.ndarray) -> dict:
    sketch = KLLSketch()
    sketch.update(values)
    return {
        "name": name,
        "inferred_type": "Fractional",
        "numerical_statistics": {
            "common": {"num_present": len(values), "num_missing": 0},
            "mean": float(values.mean()),
            "sum": float(values.sum()),
            "std_dev": float(values.std()),
            "min": float(values.min()),
            "max": float(values.max()),
            "distribution": {
                "kll": {
                    "buckets": [],
                    "sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": sketch.levels()},
                }
            },
        },
    }


def test_two_thousand_features_render_in_bounded_size_and_time():
    rng = np.random.default_rng(9)
    n = 2000
    base = {
        "dataset": {"item_count": 3000},
        "features": [sketch_feature(f"f{i}", rng.normal(0, 1, 3000)) for i in range(n)],
    }
    cur = {
        "dataset": {"item_count": 3000},
        "features": [sketch_feature(f"f{i}", rng.normal(0.3, 1, 3000)) for i in range(n)],
    }
    violations = [
        {"feature_name": f"f{i}", "constraint_check_type": "baseline_drift_check", "description": "d"}
        for i in range(0, n, 97)
    ]
    started = time.perf_counter()
    html = render_report(cur, {}, violations, base, "wide")
    seconds = time.perf_counter() - started
    size = len(html.encode("utf-8"))
    assert seconds < 20, seconds  # about 1 s on one core
    assert size < 6_000_000, size  # about 2.4 KB per feature
    parser = Tags()
    parser.feed(html)
    assert parser.tags["svg"] == n and parser.tags["details"] == math.ceil(n / GROUP_SIZE)
    opened = [a for t, a in parser.attrs if t == "details" and "open" in a]
    assert len(opened) == 1  # the first group; the rest open on demand or on a violation link
    assert "Features 1901–2000 — 1 with violations" in html


# -- model quality ------------------------------------------------------------------------------


def test_regression_metrics_table_without_curves(golden):
    statistics = json.loads((golden / "sdk_pipeline_model_quality" / "statistics.json").read_text())
    constraints = json.loads(
        (golden / "sdk_pipeline_model_quality" / "constraints_bad_cases.json").read_text()
    )
    html = render_report(statistics, constraints, [], None, "q")
    parser = Tags()
    parser.feed(html)
    rows = [a["data-metric"] for t, a in parser.attrs if t == "tr" and "data-metric" in a]
    assert rows == ["mae", "mse", "rmse", "r2"]
    assert parser.tags["figure"] == 0 and parser.tags["polyline"] == 0
    for name in rows:  # five significant digits
        assert f'<td class="n">{statistics["regression_metrics"][name]["value"]:.5g}</td>' in html, name


def test_binary_curves_are_drawn_on_the_unit_square(golden):
    card = json.loads(
        (golden / "sdk_model_card" / "model_monitor_model_quality_binary_classification.json").read_text()
    )
    metrics = card["binary_classification_metrics"]
    html = render_report({"dataset": {"item_count": 4}, **card}, {}, None, None, "binary")
    parser = Tags()
    parser.feed(html)
    lines = [a for t, a in parser.attrs if t == "polyline"]
    assert len(lines) == 2
    from analyzer.report.charts import BOTTOM, LEFT, RIGHT, TOP

    x0, x1, y0, y1 = LEFT, 360 - RIGHT, 330 - BOTTOM - 12, TOP
    for attrs, (xs, ys) in zip(
        lines,
        [
            (metrics["receiver_operating_characteristic_curve"]["false_positive_rates"],
             metrics["receiver_operating_characteristic_curve"]["true_positive_rates"]),
            (metrics["precision_recall_curve"]["recalls"], metrics["precision_recall_curve"]["precisions"]),
        ],
        strict=True,
    ):  # fmt: skip
        points = [tuple(map(float, p.split(","))) for p in attrs["points"].split()]
        back = [((px - x0) / (x1 - x0), (y0 - py) / (y0 - y1)) for px, py in points]
        assert np.allclose(back, list(zip(xs, ys, strict=True)), rtol=0, atol=0.002)
    matrix = [a for t, a in parser.attrs if t == "table" and "matrix" in a.get("class", "")]
    assert len(matrix) == 1


def test_multiclass_confusion_matrix_is_capped():
    labels = [f"class-{i:02d}" for i in range(40)]
    matrix = {a: {p: (5 if a == p else 1) for p in labels} for a in labels}
    statistics = {
        "dataset": {"item_count": 40 * 44},
        "multiclass_classification_metrics": {
            "confusion_matrix": matrix,
            "accuracy": {"value": 5 / 44, "standard_deviation": 0.01},
        },
    }
    html = render_report(statistics, {}, None, None, "multi")
    parser = Tags()
    parser.feed(html)
    assert "Confusion matrix (first 30 classes)" in html
    rows = [a for t, a in parser.attrs if t == "tr"]
    assert len(rows) == 2 + 1 + 30  # metrics header and row, matrix header, 30 of the 40 classes


# -- top values of a column past the cardinality limit -------------------------------------------
def heavy_and_tail(rng, heavy: dict[str, int], tail: str, distinct: int) -> list[str]:
    """Twenty frequent values and ``distinct`` values seen twice each, shuffled: far more distinct
    values than the categorical cardinality limit (1,000)."""
    values = [v for v, n in heavy.items() for _ in range(n)] + [f"{tail}{i}" for i in range(distinct)] * 2
    return [values[i] for i in rng.permutation(len(values))]


def card_of(html: str, name: str) -> str:
    start = html.index(f'data-feature="{name}"')
    return html[start : html.index("</section>", start)]


def test_top_values_past_the_cardinality_limit_are_drawn_with_their_error_bound(tmp_path):
    rng = np.random.default_rng(12)
    names = [f"h{i:02d}" for i in range(20)]
    base = heavy_and_tail(rng, {v: 300 - 10 * i for i, v in enumerate(names)}, "b", 3000)
    cur = heavy_and_tail(rng, {v: 120 + 7 * i for i, v in enumerate(names)}, "c", 2000)
    base_stats, base_out = profile(tmp_path, "base", {"id": base})
    monitoring = {
        "baseline_statistics": base_out / "statistics.json",
        "baseline_constraints": base_out / "constraints.json",
    }
    cur_stats, cur_out = profile(tmp_path, "cur", {"id": cur}, **monitoring)
    b, c = feature(base_stats, "id"), feature(cur_stats, "id")
    assert "distribution" not in b["string_statistics"] and "top_k" in b["string_statistics"]
    assert "distribution" not in c["string_statistics"] and "top_k" in c["string_statistics"]

    chart = categorical_chart(b, c)
    assert set(chart.labels) == set(names) and chart.other == 0 and not any(chart.new)
    for side, values, stats in ((chart.baseline, base, b), (chart.current, cur, c)):
        truth, error = Counter(values), stats["string_statistics"]["top_k"]["error"]
        assert 0 < error < 100
        for label, drawn in zip(chart.labels, side, strict=True):
            # a lower bound on the true share, at most the error bound below it
            assert (
                truth[label] / len(values) - error / len(values) - 1e-12
                <= drawn
                <= truth[label] / len(values)
            )
    shown = [max(x, y) for x, y in zip(chart.baseline, chart.current, strict=True)]
    assert shown == sorted(shown, reverse=True)

    html = (cur_out / REPORT_FILE).read_text(encoding="utf-8")
    card = card_of(html, "id")
    assert "No distribution to draw" not in card and "no categorical distribution" not in card
    assert card.count('data-series="baseline"') == 20 and card.count('data-series="current"') == 20
    for label in names:
        assert f">{label}</text>" in card
    for name, stats, values in (("baseline", b, base), ("current", c, cur)):
        error = stats["string_statistics"]["top_k"]["error"]
        assert (
            f"{name}: the 20 most frequent values kept by a top-k summary of 100 counters (more distinct "
            f"values than the cardinality limit); each share is a lower bound, at most {error:,} values "
            f"({error / len(values):.2%} of {len(values):,}) below the true count"
        ) in card
    # The most frequent value of each side has the longest bar of its series.
    widths = {
        series: [
            float(w) for w in re.findall(rf'data-series="{series}" x="[^"]+" y="[^"]+" width="([^"]+)"', card)
        ]
        for series in ("baseline", "current")
    }
    assert chart.labels[int(np.argmax(widths["baseline"]))] == Counter(base).most_common(1)[0][0]
    assert chart.labels[int(np.argmax(widths["current"]))] == Counter(cur).most_common(1)[0][0]
    # Deterministic: the same inputs draw the same bytes.
    rerun = tmp_path / "rerun"
    run_job(
        JobConfig(
            dataset_source=tmp_path / "cur-data" / "data.csv",
            dataset_format=CSV,
            output_path=rerun,
            **monitoring,
        ),
        engine="local",
    )
    assert (rerun / REPORT_FILE).read_bytes() == (cur_out / REPORT_FILE).read_bytes()


def test_a_top_k_side_beside_an_exact_histogram():
    exact = {"inferred_type": "String", "string_statistics": {"common": {"num_present": 10}, "distribution": {
        "categorical": {"buckets": [{"value": "a", "count": 6}, {"value": "b", "count": 4}]}}}}  # fmt: skip
    top = {"inferred_type": "String", "string_statistics": {"common": {"num_present": 1000}, "top_k": {
        "k": 2, "error": 30, "buckets": [{"value": "c", "count": 500}, {"value": "a", "count": 100}]}}}  # fmt: skip
    chart = categorical_chart(exact, top)
    assert chart.labels == ("a", "c", "b") and chart.other == 0  # by the larger share of either side
    assert chart.baseline == pytest.approx((0.6, 0.0, 0.4))
    assert chart.current == pytest.approx((0.1, 0.5, 0.0))  # of the 1,000 present values, not of 600
    assert chart.new == (False, True, False)  # the exact histogram says "c" was not in the baseline
    assert chart.notes == (
        "current: the 2 most frequent values kept by a top-k summary of 2 counters (more distinct values "
        "than the cardinality limit); each share is a lower bound, at most 30 values (3.00% of 1,000) below "
        "the true count",
    )
    reverse = categorical_chart(top, exact)
    assert reverse.new == (False, False, False)  # a value missing from a top-k summary may be there
