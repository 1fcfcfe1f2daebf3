"""The drift-method registry (analyzer/checks/drift/) against independent references, and its constraints keys.

- exact sketches (fewer values than the KLL compaction threshold: the sketch holds every value):
  PSI and Hellinger from their formulas written here in numpy on bins cut here from the sorted
  sample; Jensen-Shannon: ``scipy.spatial.distance.jensenshannon(base=2)``; Wasserstein:
  ``scipy.stats.wasserstein_distance`` over the baseline's ``np.std``; all to 1e-9;
- compacted sketches (100k values): within stated tolerances of the exact values on the raw data,
  and Wasserstein equal to scipy's weighted distance over the sketches' weighted items;
- constraints.json: suggestion -> file -> load_baseline keeps methods and thresholds; per-feature
  choices win; unknown names fail in one line naming file, key path and the known methods; files
  without the new keys behave as before; an end-to-end local monitoring run names the new method.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from analyzer.baseline.baseline import BaselineError, FeatureConstraints, MonitoringConfig, load_baseline
from analyzer.checks.drift import (
    CATEGORICAL,
    METHODS,
    NUMERIC,
    drift_rule,
    find_method,
    get_method,
    method_names,
)
from analyzer.checks.drift.wasserstein import sketch_std
from analyzer.common.errors import ConfigError
from analyzer.config.contract import ANALYZER_KEYS, JobConfig
from analyzer.config.formats import DatasetFormat
from analyzer.jobs.job import run_job
from analyzer.profiling.kll import KLLSketch
from analyzer.suggestions.suggest import SuggestSettings, suggest_constraints

TOL = 1e-9
EPS = 1e-4  # the documented PSI floor
GOLDEN = Path(__file__).resolve().parents[2] / ".." / "shared" / "golden"


def sketch(values) -> KLLSketch:
    s = KLLSketch()
    s.update(np.asarray(values, dtype=np.float64))
    return s


# -- independent references ----------------------------------------------------------------------
def decile_bins(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bins (-inf, e1], ..., (e9, +inf) at the baseline's deciles: e_i is the smallest value with at
    least i * n / 10 values <= it; each side's share of values in each bin."""
    ordered = np.sort(a)
    n = len(a)
    edges = np.unique([ordered[-(-i * n // 10) - 1] for i in range(1, 10)])
    assert np.array_equal(edges, np.unique(np.quantile(a, np.arange(1, 10) / 10, method="inverted_cdf")))
    bounds = np.concatenate([[-np.inf], edges, [np.inf]])

    def shares(x):
        return np.array(
            [np.count_nonzero((x > lo) & (x <= hi)) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]
        ) / len(x)

    return shares(a), shares(b)


def category_shares(a: list[str], b: list[str]) -> tuple[np.ndarray, np.ndarray]:
    ca, cb = Counter(a), Counter(b)
    keys = sorted(set(ca) | set(cb))
    return np.array([ca[k] for k in keys]) / len(a), np.array([cb[k] for k in keys]) / len(b)


def ref_psi(p, q):
    p, q = np.where(p < EPS, EPS, p), np.where(q < EPS, EPS, q)
    return float(np.sum((q - p) * np.log(q / p)))


def ref_hellinger(p, q):
    return float(np.sqrt(max(0.0, 1.0 - np.sum(np.sqrt(p * q)))))


def ref_js(p, q):
    return float(jensenshannon(p, q, base=2))


# -- samples ---------------------------------------------------------------------------------------
SEEDS = (1, 2, 3)


def numeric_cases(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    return {
        "normal same": (rng.normal(0, 1, n), rng.normal(0, 1, m)),
        "normal shifted": (rng.normal(0, 1, n), rng.normal(0.4, 1.3, m)),
        "lognormal": (rng.lognormal(0, 1, n), rng.lognormal(0.2, 0.8, m)),
        "beyond the baseline range": (rng.uniform(0, 1, n), rng.uniform(0.5, 2, m)),
        "integers with ties": (rng.integers(0, 6, n).astype(float), rng.integers(1, 8, m).astype(float)),
    }


EXACT = [(seed, label) for seed in SEEDS for label in numeric_cases(seed, 2, 2)]


@pytest.mark.parametrize(("seed", "label"), EXACT, ids=[f"{label}-{seed}" for seed, label in EXACT])
def test_numeric_methods_on_exact_sketches(seed, label):
    a, b = numeric_cases(seed, 1500, 1999)[label]
    sa, sb = sketch(a), sketch(b)
    assert len(sa.levels()) == 1 and len(sb.levels()[0]) == len(b)  # exact: every value kept
    p, q = decile_bins(a, b)
    assert get_method("PSI").distance(NUMERIC, sa, sb) == pytest.approx(ref_psi(p, q), abs=TOL)
    assert get_method("Hellinger").distance(NUMERIC, sa, sb) == pytest.approx(ref_hellinger(p, q), abs=TOL)
    assert get_method("JensenShannon").distance(NUMERIC, sa, sb) == pytest.approx(ref_js(p, q), abs=TOL)
    w = stats.wasserstein_distance(a, b) / np.std(a)
    assert get_method("Wasserstein").distance(NUMERIC, sa, sb) == pytest.approx(w, abs=TOL)
    # The prebuilt methods through the registry are what they were: the KS statistic.
    ks = stats.ks_2samp(a, b).statistic
    assert get_method("Simple").distance(NUMERIC, sa, sb) == pytest.approx(ks, abs=TOL)
    critical = 1.8 * np.sqrt((len(a) + len(b)) / (len(a) * len(b)))
    assert get_method("Robust").distance(NUMERIC, sa, sb) == pytest.approx(max(0.0, ks - critical), abs=TOL)


def test_identical_and_single_value_sketches():
    values = np.random.default_rng(5).normal(size=800)
    for name in method_names(NUMERIC):
        assert get_method(name).distance(NUMERIC, sketch(values), sketch(values)) == pytest.approx(
            0, abs=1e-15
        )
    # A constant baseline: one edge, (-inf, 3] and (3, inf); Wasserstein stays in feature units.
    a, b = np.full(50, 3.0), np.array([3.0] * 30 + [5.0] * 20)
    p, q = np.array([1.0, 0.0]), np.array([0.6, 0.4])
    assert get_method("PSI").distance(NUMERIC, sketch(a), sketch(b)) == pytest.approx(ref_psi(p, q), abs=TOL)
    assert get_method("Wasserstein").distance(NUMERIC, sketch(a), sketch(b)) == pytest.approx(
        stats.wasserstein_distance(a, b), abs=TOL
    )


# Compacted sketches against the exact values on the raw 100k values: the binned methods see the
# sketch's approximate deciles and CDF (rank error ~0.2% at k=2048), Wasserstein the sketch's items.
COMPACTED_TOLERANCE = {"PSI": 0.005, "Hellinger": 0.002, "JensenShannon": 0.002, "Wasserstein": 0.01}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("label", ["normal same", "normal shifted", "lognormal"])
def test_numeric_methods_on_compacted_sketches(seed, label):
    a, b = numeric_cases(seed, 100_000, 100_000)[label]
    sa, sb = sketch(a), sketch(b)
    assert len(sa.levels()) > 1 and len(sb.levels()) > 1
    p, q = decile_bins(a, b)
    exact = {
        "PSI": ref_psi(p, q),
        "Hellinger": ref_hellinger(p, q),
        "JensenShannon": ref_js(p, q),
        "Wasserstein": stats.wasserstein_distance(a, b) / np.std(a),
    }
    for name, value in exact.items():
        assert abs(get_method(name).distance(NUMERIC, sa, sb) - value) < COMPACTED_TOLERANCE[name], name
    # Exactly scipy's weighted distance over what the sketches hold.
    va, wa = sa.weighted_items()
    vb, wb = sb.weighted_items()
    weighted = stats.wasserstein_distance(va, vb, u_weights=wa, v_weights=wb)
    std = np.sqrt(np.cov(va, aweights=wa, ddof=0))
    assert sketch_std(sa) == pytest.approx(std, rel=1e-12)
    assert get_method("Wasserstein").distance(NUMERIC, sa, sb) == pytest.approx(weighted / std, abs=TOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_categorical_methods_with_missing_categories(seed):
    rng = np.random.default_rng(seed)
    # "e" only in the baseline, "f" only in the current data, "a".."d" in both with other shares.
    a = list(rng.choice(list("abcde"), 3000, p=[0.4, 0.3, 0.15, 0.1, 0.05]))
    b = list(rng.choice(list("abcdf"), 2000, p=[0.25, 0.25, 0.2, 0.2, 0.1]))
    ha, hb = dict(Counter(a)), dict(Counter(b))
    p, q = category_shares(a, b)
    assert get_method("PSI").distance(CATEGORICAL, ha, hb) == pytest.approx(ref_psi(p, q), abs=TOL)
    assert get_method("Hellinger").distance(CATEGORICAL, ha, hb) == pytest.approx(
        ref_hellinger(p, q), abs=TOL
    )
    # scipy normalises raw counts itself: no shared normalisation with our code.
    ca, cb = Counter(a), Counter(b)
    keys = sorted(set(ca) | set(cb))
    js = jensenshannon([ca[k] for k in keys], [cb[k] for k in keys], base=2)
    assert get_method("JensenShannon").distance(CATEGORICAL, ha, hb) == pytest.approx(js, abs=TOL)
    assert get_method("LInfinity").distance(CATEGORICAL, ha, hb) == pytest.approx(
        np.max(np.abs(p - q)), abs=TOL
    )
    # Fully disjoint categories: JS and Hellinger reach their maximum 1.
    assert get_method("JensenShannon").distance(CATEGORICAL, {"x": 5}, {"y": 7}) == pytest.approx(
        1.0, abs=TOL
    )
    assert get_method("Hellinger").distance(CATEGORICAL, {"x": 5}, {"y": 7}) == pytest.approx(1.0, abs=TOL)


def test_registry_names_kinds_and_defaults():
    assert method_names() == (
        "Simple", "Robust", "LInfinity", "ChiSquared", "PSI", "JensenShannon", "Hellinger", "Wasserstein"
    )  # fmt: skip
    assert method_names(NUMERIC) == ("Simple", "Robust", "PSI", "JensenShannon", "Hellinger", "Wasserstein")
    assert "Wasserstein" not in method_names(CATEGORICAL) and "ChiSquared" in method_names(CATEGORICAL)
    assert {m.name: m.default_threshold for m in METHODS if not m.prebuilt} == {
        "PSI": 0.2, "JensenShannon": 0.1, "Hellinger": 0.1, "Wasserstein": 0.1
    }  # fmt: skip
    assert find_method("js").name == "JensenShannon" and find_method(" psi ").name == "PSI"
    assert find_method("Wasserstein", CATEGORICAL) is None and find_method("KL") is None


# -- constraints.json ------------------------------------------------------------------------------
def statistics_doc() -> dict:
    kll = {"buckets": [], "sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[1.0, 2.0, 3.0]]}}
    common = {"num_present": 3, "num_missing": 0}
    return {
        "version": 0.0,
        "dataset": {"item_count": 3},
        "features": [
            {
                "name": "x",
                "inferred_type": "Fractional",
                "numerical_statistics": {"common": common, "min": 1.0, "distribution": {"kll": kll}},
            },
            {
                "name": "s",
                "inferred_type": "String",
                "string_statistics": {
                    "common": common,
                    "distribution": {"categorical": {"buckets": [{"value": "a", "count": 3}]}},
                },
            },
        ],
    }


def dump(path: Path, document: dict) -> Path:
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def rules(baseline) -> dict[str, tuple[str, float]]:
    return {
        f.name: (r.method.name, r.threshold)
        for f in baseline.features
        if (r := drift_rule(f, baseline.config))
    }


@pytest.mark.parametrize(
    ("numerical", "categorical", "expected"),
    [
        ("Wasserstein", "PSI", {"x": ("Wasserstein", 0.1), "s": ("PSI", 0.2)}),
        ("PSI", "LInfinity", {"x": ("PSI", 0.2), "s": ("Robust", 0.1)}),
        ("JensenShannon", "Hellinger", {"x": ("JensenShannon", 0.1), "s": ("Hellinger", 0.1)}),
        ("Simple", "ChiSquared", {"x": ("Simple", 0.1), "s": ("Simple", 0.1)}),
    ],
)
def test_suggested_methods_round_trip(tmp_path, numerical, categorical, expected):
    if categorical == "ChiSquared":
        expected = {**expected, "s": ("ChiSquared", 0.1)}
    constraints = suggest_constraints(statistics_doc(), SuggestSettings(categorical, numerical))
    distribution = constraints["monitoring_config"]["distribution_constraints"]
    # Simple/Robust stay the prebuilt key; only new methods add numerical_drift_method.
    assert ("numerical_drift_method" in distribution) == (numerical not in ("Simple", "Robust"))
    baseline = load_baseline(dump(tmp_path / "constraints.json", constraints))
    assert rules(baseline) == expected
    numeric_name = baseline.config.numerical_drift_method or baseline.config.comparison_method
    assert numeric_name == numerical and baseline.config.categorical_drift_method == categorical
    # Loading the file and writing the config again gives the same file.
    assert suggest_constraints(statistics_doc(), SuggestSettings(categorical, numerical)) == json.loads(
        (tmp_path / "constraints.json").read_text()
    )


def test_default_suggestion_is_unchanged():
    distribution = suggest_constraints(statistics_doc())["monitoring_config"]["distribution_constraints"]
    assert distribution == {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    }


def constraints_with(distribution: dict | None = None, x: dict | None = None, s: dict | None = None) -> dict:
    doc = suggest_constraints(statistics_doc())
    if distribution is not None:
        doc["monitoring_config"]["distribution_constraints"] = distribution
    for feature, extra in (("x", x), ("s", s)):
        if extra is not None:
            (found,) = [f for f in doc["features"] if f["name"] == feature]
            found.update(extra)
    return doc


def test_per_feature_choice_wins_over_global(tmp_path):
    doc = constraints_with(
        {
            "numerical_drift_method": "PSI",
            "comparison_threshold": 0.3,
            "categorical_drift_method": "Hellinger",
        },
        x={"drift": {"method": "Wasserstein", "threshold": 0.5}},
        s={"drift": {"method": "js"}},
    )
    assert rules(load_baseline(dump(tmp_path / "c.json", doc))) == {
        "x": ("Wasserstein", 0.5),
        "s": ("JensenShannon", 0.1),  # a method of its own: that method's default threshold
    }
    # A threshold alone keeps the global method; the global method named again keeps its threshold.
    doc = constraints_with(
        {"numerical_drift_method": "PSI", "comparison_threshold": 0.3},
        x={"drift": {"threshold": "0.05"}},
        s={"drift": {"method": "Robust"}},
    )
    assert rules(load_baseline(dump(tmp_path / "d.json", doc))) == {"x": ("PSI", 0.05), "s": ("Robust", 0.1)}
    doc = constraints_with(
        {"numerical_drift_method": "PSI", "comparison_threshold": 0.3}, x={"drift": {"method": "psi"}}
    )
    assert rules(load_baseline(dump(tmp_path / "e.json", doc)))["x"] == ("PSI", 0.3)


def test_global_threshold_defaults(tmp_path):
    # No thresholds: each method's default; LInfinity keeps 0.1 even beside PSI's 0.2.
    doc = constraints_with({"numerical_drift_method": "PSI"})
    assert rules(load_baseline(dump(tmp_path / "a.json", doc))) == {"x": ("PSI", 0.2), "s": ("Robust", 0.1)}
    # The prebuilt rule: a categorical threshold the file lacks is comparison_threshold's.
    doc = constraints_with({"numerical_drift_method": "PSI", "comparison_threshold": 0.25})
    assert rules(load_baseline(dump(tmp_path / "b.json", doc))) == {"x": ("PSI", 0.25), "s": ("Robust", 0.25)}
    doc = constraints_with({"comparison_threshold": 0.25, "categorical_drift_method": "PSI"})
    assert rules(load_baseline(dump(tmp_path / "c.json", doc))) == {"x": ("Robust", 0.25), "s": ("PSI", 0.2)}


KNOWN_NUMERIC = "Simple, Robust, PSI, JensenShannon, Hellinger, Wasserstein"
KNOWN_CATEGORICAL = "Simple, Robust, LInfinity, ChiSquared, PSI, JensenShannon, Hellinger"


@pytest.mark.parametrize(
    ("doc", "key", "known"),
    [
        (
            constraints_with({"numerical_drift_method": "KL"}),
            "monitoring_config.distribution_constraints.numerical_drift_method",
            KNOWN_NUMERIC,
        ),
        (
            constraints_with({"numerical_drift_method": "ChiSquared"}),
            "monitoring_config.distribution_constraints.numerical_drift_method",
            KNOWN_NUMERIC,
        ),
        (
            constraints_with({"categorical_drift_method": "Wasserstein"}),
            "monitoring_config.distribution_constraints.categorical_drift_method",
            KNOWN_CATEGORICAL,
        ),
        (constraints_with(x={"drift": {"method": "KS"}}), "features[0].drift.method", KNOWN_NUMERIC),
        (
            constraints_with(s={"drift": {"method": "Wasserstein"}}),
            "features[1].drift.method",
            KNOWN_CATEGORICAL,
        ),
    ],
    ids=[
        "numeric-unknown",
        "numeric-wrong-kind",
        "categorical-wrong-kind",
        "feature-unknown",
        "feature-wrong-kind",
    ],
)
def test_unknown_method_is_a_one_line_error(tmp_path, doc, key, known):
    path = dump(tmp_path / "constraints.json", doc)
    with pytest.raises(BaselineError) as error:
        load_baseline(path)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: '{key}' must be one of {known}, got ")


@pytest.mark.parametrize(
    ("drift", "key"),
    [
        ({"treshold": 0.1}, "features[0].drift.treshold"),
        ({"threshold": "x"}, "features[0].drift.threshold"),
        (3, "features[0].drift"),
    ],
)
def test_malformed_feature_drift_object(tmp_path, drift, key):
    with pytest.raises(BaselineError) as error:
        load_baseline(dump(tmp_path / "c.json", constraints_with(x={"drift": drift})))
    assert f"'{key}'" in str(error.value)


def test_prebuilt_constraints_keep_their_rules():
    # Every golden constraints file from the prebuilt analyzer: L-infinity, Robust by default, 0.1.
    paths = sorted(GOLDEN.rglob("constraints.json"))
    assert paths
    for path in paths:
        baseline = load_baseline(path)
        if not baseline.features or baseline.config.numerical_drift_method is not None:
            continue
        for feature in baseline.features:
            rule = drift_rule(feature, baseline.config)
            if rule is None:
                continue
            assert rule.method.prebuilt, path
            if rule.kind == NUMERIC:
                assert (rule.method.name, rule.threshold) == (
                    baseline.config.comparison_method,
                    baseline.config.comparison_threshold,
                )


def test_rule_for_config_without_new_fields():
    config = MonitoringConfig()
    assert drift_rule(FeatureConstraints("x", "Integral"), config).method.name == "Robust"
    assert drift_rule(FeatureConstraints("s", "String"), config).method.name == "Robust"
    assert drift_rule(FeatureConstraints("u", "Unknown"), config) is None


# -- environment and an end-to-end local run ----------------------------------------------------
def test_environment_keys():
    from analyzer.config.contract import job_config_from_env

    env = {
        "dataset_source": "/tmp/in",
        "dataset_format": '{"csv": {"header": true}}',
        "output_path": "/tmp/o",
    }
    assert "numerical_drift_method" in ANALYZER_KEYS
    config = job_config_from_env(
        {**env, "numerical_drift_method": "psi", "categorical_drift_method": "Hellinger"}
    )
    assert (config.numerical_drift_method, config.categorical_drift_method) == ("PSI", "Hellinger")
    assert job_config_from_env(env).numerical_drift_method is None
    with pytest.raises(
        ConfigError, match=f"^numerical_drift_method must be one of {KNOWN_NUMERIC}, got 'ChiSquared'$"
    ):
        job_config_from_env({**env, "numerical_drift_method": "ChiSquared"})


def write_csv(path: Path, x: np.ndarray, s: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x,s\n" + "".join(f"{a!r},{b}\n" for a, b in zip(x.tolist(), s, strict=True)))
    return path


def test_monitoring_run_with_new_methods(tmp_path):
    rng = np.random.default_rng(11)
    a, b = rng.normal(0, 1, 1000), rng.normal(0.8, 1, 1000)
    sa = list(rng.choice(list("abc"), 1000, p=[0.5, 0.3, 0.2]))
    sb = list(rng.choice(list("abc"), 1000, p=[0.2, 0.3, 0.5]))
    fmt = DatasetFormat(kind="csv", header=True)
    base = tmp_path / "baseline"
    run_job(
        JobConfig(
            write_csv(tmp_path / "a" / "a.csv", a, sa), fmt, base, numerical_drift_method="PSI",
            categorical_drift_method="JensenShannon",
        ),
        engine="local",
    )  # fmt: skip
    out, cw = tmp_path / "monitor", tmp_path / "cw"
    result = run_job(
        JobConfig(
            write_csv(tmp_path / "b" / "b.csv", b, sb),
            fmt,
            out,
            baseline_constraints=base / "constraints.json",
            baseline_statistics=base / "statistics.json",
            publish_cloudwatch_metrics=True,
            cloudwatch_metrics_directory=cw,
        ),
        engine="local",
    )
    psi = ref_psi(*decile_bins(a, b))
    js = ref_js(*category_shares(sa, sb))
    descriptions = {v["feature_name"]: v["description"] for v in result.violations}
    assert set(descriptions) == {"x", "s"}
    for name, method, expected, threshold in (("x", "PSI", psi, 0.2), ("s", "JensenShannon", js, 0.1)):
        match = re.match(
            rf"^{method}: Baseline drift distance: (\S+) exceeds threshold: (\S+)$", descriptions[name]
        )
        assert match, descriptions[name]
        assert float(match.group(1)) == pytest.approx(expected, abs=TOL)
        assert float(match.group(2)) == threshold
    records = [json.loads(line) for line in (cw / "cloudwatch_metrics.jsonl").read_text().splitlines()]
    drift = {
        r["MetricName"]: r["Value"] for r in records if r["MetricName"].startswith("feature_baseline_drift_")
    }
    assert drift == pytest.approx({"feature_baseline_drift_x": psi, "feature_baseline_drift_s": js}, abs=TOL)
