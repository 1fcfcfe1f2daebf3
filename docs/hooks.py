"""MkDocs hook: the reference pages are written from the code at build time, so they cannot drift.

A page holds a marker such as ``<!-- generated: cli-reference -->``; ``on_page_markdown`` replaces
it with Markdown made from the click commands, the contract's table of environment keys or the
table of analyzer settings. A key the code knows and this file does not describe (or the reverse)
fails the build, so a new key cannot ship undocumented.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
# Describe this checkout's code, whatever copy of the package the environment has installed.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def sources():
    """The code the reference pages are made from: the one place that names its modules."""
    from analyzer.cli.main import main
    from analyzer.config.contract import ANALYZER_KEYS
    from analyzer.config.settings import KNOBS, AnalyzerSettings

    return main, ANALYZER_KEYS, KNOBS, AnalyzerSettings


# What each key of the contract means. The analyzer settings are described by their own table
# (analyzer.config.settings.KNOBS) and are not repeated here.
KEY_MEANINGS = {
    "dataset_source": "Input directory (read recursively) or file. Required.",
    "dataset_format": 'JSON string, e.g. `{"csv": {"header": true, "output_columns_position": "START"}}`, '
    '`{"json": {"lines": true}}`, `{"parquet": {}}`, '
    '`{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}`, '
    '`{"sagemakerMergeJson": {...}}` (merged capture). Required.',
    "output_path": "Where the reports are written. Required.",
    "baseline_statistics": "Baseline `statistics.json` (drift needs it); with `split_by`, also a split "
    "baseline's output directory.",
    "baseline_constraints": "Baseline `constraints.json`: when present the job checks the data against it "
    "and writes `constraint_violations.json`. With `split_by`, also a split baseline's output directory.",
    "record_preprocessor_script": "Script defining `preprocess_handler` (see [Preprocessing "
    "scripts](../preprocessing.md)).",
    "post_analytics_processor_script": "Script defining `postprocess_handler`, run after the reports are "
    "published.",
    "custom_metrics_script": "Script defining `metrics_handler` (see [Custom metrics](../custom-metrics.md)).",
    "publish_cloudwatch_metrics": "`Enabled` / `Disabled`: write CloudWatch metric records.",
    "cloudwatch_metrics_directory": "Where the metric records go (default "
    "`/opt/ml/output/metrics/cloudwatch`; the process variable `CLOUDWATCH_METRICS_DIRECTORY` too).",
    "start_time": "Capture data: analyze records with `inferenceTime` at or after this (ISO-8601).",
    "end_time": "Capture data: analyze records with `inferenceTime` before this (ISO-8601).",
    "metric_time": "Timestamp of the CloudWatch records (default `end_time`).",
    "sagemaker_endpoint_name": "`Endpoint` dimension of the CloudWatch records.",
    "sagemaker_monitoring_schedule_name": "`MonitoringSchedule` dimension of the CloudWatch records; a "
    "scheduled execution without `baseline_constraints` runs but warns that nothing is checked.",
    "categorical_drift_method": "Drift method of String features: `LInfinity` (default), `ChiSquared`, "
    "`PSI`, `JensenShannon`, `Hellinger` (see [Drift methods](../drift.md)).",
    "numerical_drift_method": "Drift method of numeric features written into suggested constraints: "
    "`Robust` (default), `Simple`, `PSI`, `JensenShannon`, `Hellinger`, `Wasserstein`.",
    "exclude_features_attribute": "Comma-separated feature names or 0-based indices to leave out.",
    "analysis_type": "`MODEL_QUALITY` makes the job a model-quality one (default: data quality).",
    "problem_type": "`Regression`, `BinaryClassification` or `MulticlassClassification`.",
    "inference_attribute": "Model quality: the prediction (column name, 0-based index or JSONPath).",
    "probability_attribute": "Model quality, binary: the score (column name, index or JSONPath).",
    "probability_threshold_attribute": "Model quality, binary: a score at or above it predicts the "
    "positive class (default 0.5).",
    "ground_truth_attribute": "Model quality baselines: the label column (merged data takes "
    "`groundTruthData`).",
    "positive_label": "Model quality, binary: the positive class (default `1` or `true`).",
    "ground_truth_source": "Makes the job a ground-truth merge (the merger image's contract): "
    "`dataset_source` = captures, `output_path` = merged data.",
    "max_skipped_fraction": "Fail past this fraction of records skipped as unreadable (0 to 1, default "
    "0.01); see [Bad input](../bad-input.md).",
    "quarantine_skipped_records": "`Enabled` writes the skipped records to "
    "`<output_path>/quarantine/skipped.jsonl` (default `Disabled`).",
    "split_by": "`none` (default), `target-model` or `variant`: one profile, baseline and report set per "
    "segment (see [split_by](../split-by.md)).",
    "split_attribute": "JSONPath of the segment in a capture record (default for `target-model`: "
    "`$.eventMetadata.targetModel`).",
    # Keys SageMaker sends that the prebuilt analyzer's contract names but that change nothing here:
    # consumed so they are not exported to the user's scripts.
    "detect_outliers": "Sent by SageMaker; accepted and not used.",
    "detect_drift": "Sent by SageMaker; accepted and not used.",
    "image_data": "Sent by SageMaker; accepted and not used.",
    "monitoring_input_type": "Sent by SageMaker; accepted and not used.",
    "report_enabled": "Sent by SageMaker; accepted and not used (`report.html` is always written).",
    "automl_problem_name": "Sent by SageMaker for Autopilot models; accepted and not used.",
    "auto_ml_candidate_name": "Sent by SageMaker for Autopilot models; accepted and not used.",
    "auto_ml_job_name": "Sent by SageMaker for Autopilot models; accepted and not used.",
    "auto_ml_job_objective_type": "Sent by SageMaker for Autopilot models; accepted and not used.",
    "objective_metric_name": "Sent by SageMaker for Autopilot models; accepted and not used.",
}


def environment_keys_markdown() -> str:
    _, analyzer_keys, knobs, _ = sources()
    setting_names = {k.name for k in knobs}
    keys = set(analyzer_keys) - setting_names
    undocumented = sorted(keys - set(KEY_MEANINGS))
    unknown = sorted(set(KEY_MEANINGS) - keys)
    if undocumented or unknown:
        raise PluginError(
            f"docs/hooks.py KEY_MEANINGS is out of step with the contract: "
            f"undocumented keys {undocumented}, keys the code does not know {unknown}"
        )
    rows = ["| key | meaning |", "|---|---|"]
    rows += [f"| `{key}` | {KEY_MEANINGS[key]} |" for key in KEY_MEANINGS]
    return "\n".join(rows)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def _range(low: float, high: float) -> str:
    return f">= {_number(low)}" if high == float("inf") else f"{_number(low)} to {_number(high)}"


def _written_to(knob) -> str:
    if knob.recorded:
        return "`monitoring_config.analyzer_settings` (when not the default)"
    # Thresholds keep the prebuilt format's places: drift ones under distribution_constraints.
    section = "distribution_constraints." if knob.name.endswith("comparison_threshold") else ""
    return f"`monitoring_config.{section}{knob.name}`"


def settings_markdown() -> str:
    _, _, knobs, settings = sources()
    defaults = settings()
    rows = [
        "| environment key | flag | default | range | what it sets | written to `constraints.json` |",
        "|---|---|---|---|---|---|",
    ]
    for knob in knobs:
        default = getattr(defaults, knob.name)
        flag = "--" + knob.name.replace("_", "-")
        rows.append(
            f"| `{knob.name}` | `{flag}` | {default} | {_range(knob.low, knob.high)} "
            f"| {knob.help} | {_written_to(knob)} |"
        )
    return "\n".join(rows)


def _commands(group: click.Group, ctx: click.Context):
    """(context, command) of every command under the group, depth first, in name order."""
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        child = click.Context(command, parent=ctx, info_name=name, **command.context_settings)
        yield child, command
        if isinstance(command, click.Group):
            yield from _commands(command, child)


def cli_commands():
    """(context, command) of the root and every command below it; the context gives the full name
    (``ctx.command_path``) and the help option names the root passes down."""
    main = sources()[0]
    root = click.Context(main, info_name="monitor-analyzer", **main.context_settings)
    return [(root, main), *_commands(main, root)]


def _option_lines(command: click.Command, ctx: click.Context) -> list[str]:
    lines = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:  # arguments: they are in the usage line
            continue
        names, text = record
        lines.append(f"- `{names}`" + (f": {_escape(text)}" if text else ""))
    return lines


def _escape(text: str) -> str:
    # Help texts are plain prose; keep Markdown from reading them as markup.
    return text.replace("*", r"\*").replace("_", r"\_").replace("<", "&lt;")


def cli_reference_markdown() -> str:
    parts = []
    for ctx, command in cli_commands():
        name = ctx.command_path
        depth = "##" if name.count(" ") <= 1 else "###"
        parts.append(f"{depth} `{name}`")
        parts.append("```text\n" + command.get_usage(ctx) + "\n```")
        if command.help:
            parts.append(_escape(inspect.cleandoc(command.help).replace("\b\n", "")))
        if isinstance(command, click.Group):
            parts.append("Commands: " + ", ".join(f"`{n}`" for n in sorted(command.commands) if n))
        options = _option_lines(command, ctx)
        if options:
            parts.append("\n".join(options))
    return "\n\n".join(parts)


GENERATORS = {
    "cli-reference": cli_reference_markdown,
    "environment-keys": environment_keys_markdown,
    "analyzer-settings": settings_markdown,
}


def on_page_markdown(markdown: str, page, config, files) -> str:
    for name, generate in GENERATORS.items():
        marker = f"<!-- generated: {name} -->"
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown
