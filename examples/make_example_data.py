#!/usr/bin/env python3
"""Generate the bundled demo data set (deterministic, standard library only).

Usage: python3 examples/make_example_data.py OUTDIR [--seed N] [--rows N] [--capture-records N]

Writes
  OUTDIR/baseline/train.csv
      CSV with a header: ``label`` (0/1, the model output, first column) followed by the features
      ``age, income, score, state, plan``. ``income`` has some empty (missing) fields.
  OUTDIR/capture/my-endpoint/AllTraffic/2026/11/22/10/<mm-ss-SSS-uuid>.jsonl
      SageMaker endpoint data-capture JSON lines (CSV-encoded input without the label, CSV-encoded
      output), split over a few files, with deliberate drift against the baseline:
        * ``age`` shifted up,
        * a ``state`` value that never occurs in the baseline,
        * fractional output probabilities where the baseline ``label`` is integral 0/1
          (=> data_type_check violation when monitoring),
        * a few non-numeric ``income`` values.
  OUTDIR/validation/validation.csv
      Model-quality baseline: ``label`` (the truth) and ``probability`` (the model's score) for a
      held-out set drawn like the training data; the model is well calibrated there.
  OUTDIR/ground-truth/2026/11/22/11/labels.jsonl
      Ground truth for most captured records (joined on eventId), uploaded the hour after. In the
      captured hour the customers behave differently (the label no longer follows ``score``), so
      the model's precision, recall and AUC drop against the validation baseline.

The same seed always produces byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import uuid
from pathlib import Path

BASELINE_STATES = ["CA", "TX", "NY", "FL", "WA", "IL", "PA", "OH"]
STATE_WEIGHTS = [20, 15, 14, 12, 10, 10, 10, 9]
NEW_STATE = "NV"  # never appears in the baseline
PLANS = ["basic", "standard", "premium"]
PLAN_WEIGHTS = [50, 35, 15]
BAD_INCOME_VALUES = ["n/a", "unknown", "?"]

ENDPOINT = "my-endpoint"
VARIANT = "AllTraffic"
CAPTURE_HOUR = (2026, 11, 22, 10)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _features(rng: random.Random, *, drift: bool) -> tuple[int, float, float, str, str]:
    if drift:
        age = min(99, max(18, int(round(rng.gauss(58, 14)))))
    else:
        age = min(90, max(18, int(round(rng.gauss(42, 14)))))
    income = round(max(8000.0, rng.lognormvariate(10.8, 0.45)), 2)
    score = round(min(1.0, max(0.0, rng.gauss(0.55, 0.18))), 4)
    state = rng.choices(BASELINE_STATES, weights=STATE_WEIGHTS)[0]
    plan = rng.choices(PLANS, weights=PLAN_WEIGHTS)[0]
    return age, income, score, state, plan


def _probability(age: int, income: float, score: float, plan: str) -> float:
    z = -2.0 + 0.03 * (age - 40) + 2.5 * (score - 0.5) + 0.4 * PLANS.index(plan) + (income - 50000) / 100000
    return _sigmoid(z)


def write_baseline(outdir: Path, rng: random.Random, rows: int) -> Path:
    path = outdir / "baseline" / "train.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["label", "age", "income", "score", "state", "plan"])
        for _ in range(rows):
            age, income, score, state, plan = _features(rng, drift=False)
            label = 1 if rng.random() < _probability(age, income, score, plan) else 0
            income_field = "" if rng.random() < 0.04 else f"{income:.2f}"
            writer.writerow([label, age, income_field, f"{score}", state, plan])
    return path


def _capture_record(rng: random.Random, minute: int, second: int) -> str:
    age, income, score, state, plan = _features(rng, drift=True)
    if rng.random() < 0.06:
        state = NEW_STATE
    r = rng.random()
    if r < 0.02:
        income_field = rng.choice(BAD_INCOME_VALUES)
    elif r < 0.05:
        income_field = ""
    else:
        income_field = f"{income:.2f}"
    probability = _probability(age, income if income_field else 50000.0, score, plan)
    year, month, day, hour = CAPTURE_HOUR
    record = {
        "captureData": {
            "endpointInput": {
                "observedContentType": "text/csv",
                "mode": "INPUT",
                "data": f"{age},{income_field},{score},{state},{plan}",
                "encoding": "CSV",
            },
            "endpointOutput": {
                "observedContentType": "text/csv; charset=utf-8",
                "mode": "OUTPUT",
                "data": f"{probability:.6f}",
                "encoding": "CSV",
            },
        },
        "eventMetadata": {
            "eventId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "inferenceTime": f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z",
        },
        "eventVersion": "0",
    }
    return json.dumps(record, separators=(",", ":"))


def write_capture(outdir: Path, rng: random.Random, records: int, files: int = 3) -> list[Path]:
    year, month, day, hour = CAPTURE_HOUR
    hour_dir = outdir / "capture" / ENDPOINT / VARIANT / f"{year:04d}" / f"{month:02d}" / f"{day:02d}"
    hour_dir = hour_dir / f"{hour:02d}"
    hour_dir.mkdir(parents=True, exist_ok=True)
    for stale in hour_dir.glob("*.jsonl"):  # keep re-runs into the same directory identical
        stale.unlink()

    # Spread the records evenly over the hour; each file covers a contiguous time slice.
    offsets = sorted(rng.randrange(3600) for _ in range(records))
    per_file = math.ceil(records / files)
    written = []
    for start in range(0, records, per_file):
        chunk = offsets[start : start + per_file]
        first = chunk[0]
        millis = rng.randrange(1000)
        name = f"{first // 60:02d}-{first % 60:02d}-{millis:03d}-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        path = hour_dir / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for offset in chunk:
                fh.write(_capture_record(rng, offset // 60, offset % 60) + "\n")
        written.append(path)
    return written


def _true_probability(age: int, score: float) -> float:
    """How captured customers really behave: ``score`` no longer matters, age matters more."""
    return _sigmoid(-1.2 + 0.05 * (age - 50))


def write_validation(outdir: Path, rng: random.Random, rows: int) -> Path:
    path = outdir / "validation" / "validation.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["label", "probability"])
        for _ in range(rows):
            age, income, score, _state, plan = _features(rng, drift=False)
            probability = _probability(age, income, score, plan)
            writer.writerow([1 if rng.random() < probability else 0, f"{probability:.6f}"])
    return path


def write_ground_truth(outdir: Path, rng: random.Random, capture: list[Path]) -> Path:
    """Labels for 90% of the captured records, keyed by their eventId."""
    year, month, day, hour = CAPTURE_HOUR
    path = outdir / "ground-truth" / f"{year:04d}" / f"{month:02d}" / f"{day:02d}" / f"{hour + 1:02d}"
    path = path / "labels.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for file in capture:
            for line in file.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if rng.random() < 0.1:
                    continue  # not labelled (yet)
                age = int(record["captureData"]["endpointInput"]["data"].split(",")[0])
                label = 1 if rng.random() < _true_probability(age, 0.0) else 0
                truth = {
                    "groundTruthData": {"data": str(label), "encoding": "CSV"},
                    "eventMetadata": {"eventId": record["eventMetadata"]["eventId"]},
                    "eventVersion": "0",
                }
                fh.write(json.dumps(truth, separators=(",", ":")) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="directory to write baseline/ and capture/ into")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--rows", type=int, default=2000, help="baseline rows (default 2000)")
    parser.add_argument("--capture-records", type=int, default=500, help="captured records (default 500)")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    baseline = write_baseline(args.outdir, rng, args.rows)
    capture = write_capture(args.outdir, rng, args.capture_records)
    quality = random.Random(args.seed + 1)  # its own stream: the data-quality files stay as they were
    validation = write_validation(args.outdir, quality, args.rows)
    labels = write_ground_truth(args.outdir, quality, capture)
    print(f"baseline: {baseline} ({args.rows} rows)")
    for path in capture:
        print(f"capture:  {path}")
    print(f"validation: {validation}")
    print(f"ground truth: {labels}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
