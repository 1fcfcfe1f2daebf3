#!/usr/bin/env bash
# End-to-end demo on the bundled example data.
#
#   bash examples/demo.sh [WORKDIR]      (default: ./demo-output; `make demo` runs this)
#
# 1. generates a baseline CSV and SageMaker data-capture files (examples/make_example_data.py),
# 2. suggests a baseline (statistics.json + constraints.json) with `monitor-analyzer baseline`,
# 3. runs a monitoring pass of the captured traffic against that baseline and summarises
#    constraint_violations.json,
# 4. model quality: a baseline from a validation set, the ground-truth merge of the captured hour,
#    and a model-quality monitoring run with its violations;
# every analysis step also writes report.html, listed at the end.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKDIR="${1:-./demo-output}"
mkdir -p "$WORKDIR"
WORKDIR="$(cd "$WORKDIR" && pwd)"

PY="$REPO_ROOT/.venv/bin/python"
CLI="$REPO_ROOT/.venv/bin/monitor-analyzer"
if [ ! -x "$CLI" ]; then
    echo "error: $CLI not found; run 'make install' first" >&2
    exit 1
fi

# Keep everything the analyzer would write under /opt/ml (exit message, CloudWatch metrics) inside
# the work directory instead.
export OPT_ML="$WORKDIR/opt_ml"
mkdir -p "$OPT_ML"

DATA="$WORKDIR/data"
BASELINE_OUT="$WORKDIR/baseline-report"
MONITOR_OUT="$WORKDIR/monitor-report"
# Only remove what this script itself produces: results of a previous run.
QUALITY_BASELINE_OUT="$WORKDIR/quality-baseline-report"
MERGED="$WORKDIR/merged"
QUALITY_OUT="$WORKDIR/quality-report"
rm -rf "$BASELINE_OUT" "$MONITOR_OUT" "$QUALITY_BASELINE_OUT" "$MERGED" "$QUALITY_OUT"

echo "==> Generating example data in $DATA"
"$PY" "$REPO_ROOT/examples/make_example_data.py" "$DATA"

echo
echo "==> Suggesting a baseline from $DATA/baseline"
"$CLI" baseline \
    --dataset "$DATA/baseline" \
    --format csv \
    --header \
    --output "$BASELINE_OUT"

for f in statistics.json constraints.json; do
    if [ ! -s "$BASELINE_OUT/$f" ]; then
        echo "error: baseline step did not produce $BASELINE_OUT/$f" >&2
        exit 1
    fi
done
echo
echo "Baseline statistics:  $BASELINE_OUT/statistics.json"
echo "Baseline constraints: $BASELINE_OUT/constraints.json"

echo
if "$CLI" monitor --help >/dev/null 2>&1; then
    echo "==> Monitoring captured traffic in $DATA/capture against the baseline"
    "$CLI" monitor \
        --dataset "$DATA/capture" \
        --format capture \
        --baseline-statistics "$BASELINE_OUT/statistics.json" \
        --baseline-constraints "$BASELINE_OUT/constraints.json" \
        --output "$MONITOR_OUT"

    VIOLATIONS="$MONITOR_OUT/constraint_violations.json"
    if [ ! -f "$VIOLATIONS" ]; then
        echo "error: monitoring step did not produce $VIOLATIONS" >&2
        exit 1
    fi
    echo
    echo "Violations: $VIOLATIONS"
    "$PY" -c '
import json, sys
violations = json.load(open(sys.argv[1])).get("violations", [])
print(f"{len(violations)} violation(s)")
for v in violations:
    print("  - %s: %s" % (v.get("feature_name"), v.get("constraint_check_type")))
' "$VIOLATIONS"
else
    echo "Monitoring runs (capture data vs. baseline) arrive with the 'monitor-analyzer monitor' command;"
    echo "this build only has the baseline step. The capture data is ready in $DATA/capture."
fi

echo
echo "==> Model quality: a baseline from $DATA/validation"
"$CLI" baseline --dataset "$DATA/validation" --format csv --header --output "$QUALITY_BASELINE_OUT" \
    --problem-type BinaryClassification --probability-attribute probability --ground-truth-attribute label
echo
echo "==> Merging the captured hour with its ground truth"
"$CLI" merge --capture "$DATA/capture" --ground-truth "$DATA/ground-truth" --output "$MERGED" \
    --start-time 2026-11-22T10:00:00Z --end-time 2026-11-22T11:00:00Z
echo
echo "==> Checking the model's quality in that hour against the baseline"
"$CLI" monitor --dataset "$MERGED" --format merged --capture-index-names endpointOutput \
    --problem-type BinaryClassification --probability-attribute 0 \
    --baseline-constraints "$QUALITY_BASELINE_OUT/constraints.json" \
    --baseline-statistics "$QUALITY_BASELINE_OUT/statistics.json" --output "$QUALITY_OUT"
"$PY" -c '
import json, sys
violations = json.load(open(sys.argv[1]))["violations"]
print(f"{len(violations)} model-quality violation(s)")
for v in violations:
    print("  - %s" % v["description"])
' "$QUALITY_OUT/constraint_violations.json"

echo
echo "Demo finished. Outputs are in $WORKDIR:"
echo "  data quality:  $BASELINE_OUT, $MONITOR_OUT"
echo "  model quality: $QUALITY_BASELINE_OUT, $MERGED, $QUALITY_OUT"
echo "Reports to open in a browser (self-contained, no network needed):"
for report in "$BASELINE_OUT" "$MONITOR_OUT" "$QUALITY_BASELINE_OUT" "$QUALITY_OUT"; do
    if [ -f "$report/report.html" ]; then
        echo "  $report/report.html"
    fi
done
