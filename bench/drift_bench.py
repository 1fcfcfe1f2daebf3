"""Drift-method benchmark: each registered numeric method on many features with full KLL sketches.

Builds ``--distinct`` baseline/current sketch pairs (k=2048, from ``--values`` values each, so
they are compacted to their full size) and measures every numeric method over ``--features``
features (feature i uses pair i mod distinct; each call recomputes everything from the sketches, as
a monitoring run does). All methods run in this one process, best of ``--repeat`` passes; prints
per-feature milliseconds and the ratio to the default (Robust L-infinity) and appends the figures
to bench/results/drift.jsonl.

    .venv/bin/python -m bench.drift_bench --features 2000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from analyzer.checks.drift import NUMERIC, get_method, method_names
from analyzer.profiling.kll import KLLSketch
from bench.results_file import append_result

DEFAULT = "Robust"


def pairs(distinct: int, values: int, seed: int = 3) -> list[tuple[KLLSketch, KLLSketch]]:
    rng = np.random.default_rng(seed)
    built = []
    for i in range(distinct):
        a, b = KLLSketch(), KLLSketch()
        a.update(rng.lognormal(0, 1, values) if i % 2 else rng.normal(0, 1, values))
        b.update(rng.lognormal(0.1, 1, values) if i % 2 else rng.normal(0.2, 1.1, values))
        built.append((a, b))
    return built


def time_method(name: str, sketches, features: int, repeat: int) -> float:
    method = get_method(name)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for i in range(features):
            a, b = sketches[i % len(sketches)]
            method.distance(NUMERIC, a, b)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--features", type=int, default=2000)
    parser.add_argument("--distinct", type=int, default=16)
    parser.add_argument("--values", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sketches = pairs(args.distinct, args.values)
    items = int(np.mean([len(a.weighted_items()[0]) for a, _ in sketches]))
    seconds = {
        name: time_method(name, sketches, args.features, args.repeat) for name in method_names(NUMERIC)
    }
    print(f"{args.features} numeric features, sketches of ~{items} items (k=2048, {args.values} values)")
    print(f"{'method':<15}{'total s':>10}{'ms/feature':>12}{'x ' + DEFAULT:>10}")
    for name, s in seconds.items():
        print(f"{name:<15}{s:>10.3f}{1000 * s / args.features:>12.3f}{s / seconds[DEFAULT]:>10.2f}")
    append_result(
        "drift",
        {
            "features": args.features,
            "sketch_items": items,
            "ms_per_feature": {k: round(1000 * v / args.features, 4) for k, v in seconds.items()},
            "ratio_to_default": {k: round(v / seconds[DEFAULT], 3) for k, v in seconds.items()},
        },
    )


if __name__ == "__main__":
    main()
