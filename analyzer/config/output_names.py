"""The names of the files a job writes, as the prebuilt analyzer names them (plus ours)."""

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
REPORT_FILE = "report.html"
SEGMENTS_FILE = "segments.json"  # a split run's index of its segment folders
QUARANTINE_DIR = "quarantine"
QUARANTINE_FILE = "skipped.jsonl"
MERGE_SUMMARY_FILE = "_merge_summary.json"  # "_": the analyzer does not read it as data
METRICS_FILE = "cloudwatch_metrics.jsonl"

# What one analysis writes: at the top of the output, and in each segment folder of a split run.
ANALYSIS_FILES = (STATISTICS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE, REPORT_FILE)
