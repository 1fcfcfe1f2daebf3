"""Model-quality benchmark: ground-truth merge and binary-classification metrics against pandas + sklearn.

Generates an hour of capture data (one score per record, a third of the records with an
inferenceId) and ground truth uploaded an hour later (5% of the labels missing), plus a headered
CSV baseline of the same size. Then runs, each as a fresh ``monitor-analyzer`` process: the CSV
baseline, the merge, and the monitoring run on the merged hour (all metrics, curves, five
subsamples, constraint check). The reference, in this process on the same files: pandas reads and
joins captures and labels, scikit-learn computes the same metrics for the whole set and for five
80% subsamples. Prints wall time, records/s, peak RSS and the ratio to the reference; appends the
figures to bench/results/quality.jsonl.

    .venv/bin/python -m bench.quality_bench --records 100000 1000000
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.capture_bench import timed_cli
from bench.results_file import append_result, bench_arguments


def generate(root: Path, records: int, seed: int = 5) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(seed)
    captures = root / "capture" / "ep" / "AllTraffic" / "2026" / "11" / "22" / "10"
    labels = root / "ground-truth" / "2026" / "11" / "22" / "11"
    for d in (captures, labels):
        d.mkdir(parents=True, exist_ok=True)
    truth = rng.integers(0, 2, records)
    scores = np.clip(rng.normal(0.35 + 0.3 * truth, 0.2), 0, 1)
    ids = np.char.mod("%016x", rng.integers(0, 2**62, records))
    seconds = np.arange(records) * 3600 // records
    with_inference_id = np.arange(records) % 3 == 0
    with (captures / "00-00-000-bench.jsonl").open("w") as out:
        for i in range(records):
            extra = f',"inferenceId":"inf-{ids[i]}"' if with_inference_id[i] else ""
            out.write(
                '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
                '"data":"1.5,2,red","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv",'
                f'"mode":"OUTPUT","data":"{scores[i]:.6f}","encoding":"CSV"}}}},"eventMetadata":{{"eventId":'
                f'"{ids[i]}","inferenceTime":"2026-11-22T10:{seconds[i] // 60:02d}:{seconds[i] % 60:02d}Z"'
                f'{extra}}},"eventVersion":"0"}}\n'
            )
    labelled = rng.random(records) >= 0.05
    with (labels / "labels.jsonl").open("w") as out:
        for i in np.flatnonzero(labelled):
            key = f"inf-{ids[i]}" if with_inference_id[i] else ids[i]
            out.write(
                f'{{"groundTruthData":{{"data":"{truth[i]}","encoding":"CSV"}},'
                f'"eventMetadata":{{"eventId":"{key}"}},"eventVersion":"0"}}\n'
            )
    baseline = root / "baseline.csv"
    pd.DataFrame({"label": truth, "score": np.round(scores, 6)}).to_csv(baseline, index=False)
    return root / "capture", root / "ground-truth", baseline


def reference(captures: Path, labels: Path) -> float:
    """pandas join + scikit-learn metrics, whole set and five 80% subsamples."""
    from sklearn import metrics

    start = time.perf_counter()
    capture = pd.read_json(next(captures.rglob("*.jsonl")), lines=True, dtype=False)
    meta = pd.json_normalize(capture["eventMetadata"])
    key = meta["inferenceId"].fillna(meta["eventId"]) if "inferenceId" in meta else meta["eventId"]
    score = pd.json_normalize(capture["captureData"])["endpointOutput.data"].astype(float)
    truth = pd.read_json(next(labels.rglob("*.jsonl")), lines=True, dtype=False)
    truth = pd.DataFrame(
        {
            "key": pd.json_normalize(truth["eventMetadata"])["eventId"],
            "label": pd.json_normalize(truth["groundTruthData"])["data"].astype(int),
        }
    )
    joined = pd.DataFrame({"key": key, "score": score}).merge(truth, on="key")
    rng = np.random.default_rng(0)
    for mask in [np.ones(len(joined), bool)] + [rng.random(len(joined)) < 0.8 for _ in range(5)]:
        y, p = joined["label"].to_numpy()[mask], joined["score"].to_numpy()[mask]
        predicted = (p >= 0.5).astype(int)
        metrics.confusion_matrix(y, predicted)
        for beta in (0.5, 1, 2):
            metrics.fbeta_score(y, predicted, beta=beta)
        metrics.precision_score(y, predicted)
        metrics.recall_score(y, predicted)
        metrics.accuracy_score(y, predicted)
        metrics.roc_curve(y, p, drop_intermediate=False)
        metrics.precision_recall_curve(y, p)
        metrics.roc_auc_score(y, p)
    return time.perf_counter() - start


def run_case(workdir: Path, records: int) -> dict:
    root = workdir / f"quality-{records}"
    if not root.exists():
        generate(root, records)
    captures, labels, baseline = root / "capture", root / "ground-truth", root / "baseline.csv"
    out = root / "out"
    binary = ["--problem-type", "BinaryClassification"]
    figures = {}
    figures["baseline"] = timed_cli(
        "baseline", "--dataset", str(baseline), "--format", "csv", "--header", "--output", str(out / "baseline"),
        *binary, "--probability-attribute", "score", "--ground-truth-attribute", "label",
    )  # fmt: skip
    figures["merge"] = timed_cli(
        "merge", "--capture", str(captures), "--ground-truth", str(labels), "--output", str(out / "merged")
    )
    figures["monitor"] = timed_cli(
        "monitor", "--dataset", str(out / "merged"), "--format", "merged", "--capture-index-names",
        "endpointOutput", "--output", str(out / "monitor"), *binary, "--probability-attribute", "0",
        "--baseline-constraints", str(out / "baseline" / "constraints.json"),
        "--start-time", "2026-11-22T10:00:00Z", "--end-time", "2026-11-22T11:00:00Z",
    )  # fmt: skip
    ref = reference(captures, labels)
    statistics = json.loads((out / "monitor" / "statistics.json").read_text())
    ours = sum(figures[k][0] for k in ("merge", "monitor"))
    record = {
        "case": f"binary {records:,}",
        "records": records,
        "item_count": statistics["dataset"]["item_count"],
        "reference_seconds": round(ref, 2),
        "merge_plus_monitor_ratio_to_reference": round(ours / ref, 2),
        "runs": {
            k: {
                "seconds": round(s, 2),
                "records_per_s": round(records / s),
                "peak_rss_mb": round(peak / 2**20),
            }
            for k, (s, peak) in figures.items()
        },
    }
    print(f"\nbinary classification, {records:,} records; pandas + sklearn reference {ref:.2f} s")
    for kind, (seconds, peak) in figures.items():
        print(
            f"  {kind:9s} {seconds:7.2f} s {records / seconds:12,.0f} rec/s  peak RSS {peak / 2**20:,.0f} MB"
        )
    print(f"  merge + monitor: x{ours / ref:.2f} of the reference")
    append_result("quality", record)
    return record


def main() -> None:
    args = bench_arguments(__doc__, [100_000, 1_000_000])
    for records in args.records:
        run_case(args.workdir, records)


if __name__ == "__main__":
    main()
