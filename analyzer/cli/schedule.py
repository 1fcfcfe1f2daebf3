"""``monitor-analyzer schedule``: run a schedule here, list its executions, manage it in SageMaker."""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter

import click

from analyzer.cli.support import ENGINE_HELP, fail, with_skip_policy
from analyzer.common.errors import AnalyzerError
from analyzer.config.window import parse_time
from analyzer.runtime.children import end_children
from analyzer.runtime.stop import STOPPED_EXIT, JobStopped, received, stop_on_sigterm
from analyzer.runtime.tasks import ENGINES

log = logging.getLogger("monitor_analyzer.schedule")


def stopped() -> None:
    end_children()
    click.echo(
        "error: Stopped: schedule run received SIGTERM; the window in progress runs again next time",
        err=True,
    )
    sys.exit(STOPPED_EXIT)


@click.group()
def schedule() -> None:
    """Scheduled monitoring: here (run, executions) or in SageMaker (create, describe, delete)."""


@schedule.command("run")
@click.option("--cron", required=True, help="cron(0 * ? * * *), 0 * * * *, or NOW.")
@click.option(
    "--capture",
    required=True,
    help="Capture root: <capture>/<endpoint>/<variant>/yyyy/mm/dd/hh (path or s3://).",
)
@click.option(
    "--output",
    required=True,
    help="Report root: <output>/<endpoint>/<schedule>/yyyy/mm/dd/hh (path or s3://).",
)
@click.option(
    "--endpoint", "endpoint", required=True, help="Endpoint name (capture prefix and metric dimension)."
)
@click.option("--schedule-name", required=True, help="Schedule name (report prefix and metric dimension).")
@click.option("--variant", default="AllTraffic", show_default=True, help="Production variant prefix.")
@click.option("--baseline-statistics", default=None, help="statistics.json (path or s3://).")
@click.option("--baseline-constraints", default=None, help="constraints.json (path or s3://).")
@click.option("--start-offset", default="-PT1H", show_default=True, help="Window start relative to the tick.")
@click.option("--end-offset", default="-PT0H", show_default=True, help="Window end relative to the tick.")
@click.option("--publish-cloudwatch", is_flag=True, help="PutMetricData the run's metrics.")
@click.option(
    "--namespace", default=None, help="CloudWatch namespace (default: SageMaker's data-/model-metrics)."
)
@click.option("--model-quality", is_flag=True, help="Merge with --ground-truth and check model quality.")
@click.option(
    "--ground-truth", default=None, help="Ground-truth root: <ground-truth>/yyyy/mm/dd/hh (upload hour)."
)
@click.option(
    "--problem-type", type=click.Choice(["Regression", "BinaryClassification", "MulticlassClassification"])
)
@click.option("--inference-attribute", default=None)
@click.option("--probability-attribute", default=None)
@click.option("--probability-threshold", type=float, default=0.5, show_default=True)
@click.option("--positive-label", default=None)
@click.option("--once", is_flag=True, help="Run the latest complete window and exit.")
@click.option(
    "--backfill", nargs=2, default=None, metavar="FROM TO", help="Run every window ending in (FROM, TO]."
)
@click.option("--force", is_flag=True, help="Run windows that already have a finished execution again.")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True, help=ENGINE_HELP)
@with_skip_policy
def run(**options) -> None:
    """Run a monitoring schedule outside SageMaker: each tick analyzes its window, writes the report
    where SageMaker would, optionally publishes CloudWatch metrics, and records the execution."""
    from analyzer.schedule.cron import Cron, parse_duration
    from analyzer.schedule.runner import (
        Clock,
        ModelQuality,
        ScheduleSpec,
        Window,
        backfill_ticks,
        latest_tick,
        run_forever,
        run_window,
    )

    try:
        quality = None
        if options["model_quality"]:
            if not options["ground_truth"] or not options["problem_type"]:
                raise click.UsageError("--model-quality needs --ground-truth and --problem-type")
            quality = ModelQuality(
                options["ground_truth"],
                options["problem_type"],
                options["inference_attribute"],
                options["probability_attribute"],
                options["probability_threshold"],
                options["positive_label"],
            )
        spec = ScheduleSpec(
            cron=Cron.parse(options["cron"]),
            capture=options["capture"],
            output=options["output"],
            endpoint=options["endpoint"],
            schedule_name=options["schedule_name"],
            baseline_statistics=options["baseline_statistics"],
            baseline_constraints=options["baseline_constraints"],
            variant=options["variant"],
            start_offset=parse_duration(options["start_offset"]),
            end_offset=parse_duration(options["end_offset"]),
            publish_cloudwatch=options["publish_cloudwatch"],
            namespace=options["namespace"],
            quality=quality,
            engine=options["engine"],
            max_skipped_fraction=options["max_skipped_fraction"],
            quarantine=options["quarantine"],
        ).validate()
        force = options["force"]

        def execute(window: Window):
            return run_window(spec, window, force=force)

        stop_on_sigterm()
        if options["backfill"]:
            start, end = (parse_time(t, "backfill time") for t in options["backfill"])
            ticks = backfill_ticks(spec, start, end)
            log.info("Backfill: %d window(s) ending in (%s, %s]", len(ticks), *options["backfill"])
            results = [execute(Window.of(spec, tick)) for tick in ticks]
        elif options["once"] or spec.cron.now:
            results = [execute(Window.of(spec, latest_tick(spec.cron, Clock().now())))]
        else:
            run_forever(spec, execute)
            return
    except AnalyzerError as e:
        if received():
            stopped()
        fail(e)
    except JobStopped:
        stopped()
    for execution in results:
        skipped = f" ({execution.skipped_keys} unsafe key(s) skipped)" if execution.skipped_keys else ""
        click.echo(
            f"{execution.window_end}  {execution.status:24s} "
            f"{execution.report or execution.failure_reason}{skipped}"
        )
    click.echo(summary_line(results))
    failed = [e for e in results if e.status == "Failed"]
    if failed:
        # A cron wrapper or a pipeline step sees the exit code, not the lines above.
        first = failed[0]
        fail(
            f"{len(failed)} of {len(results)} window(s) failed; first: {first.window_end}: {first.failure_reason}"
        )


def summary_line(results: list) -> str:
    from analyzer.schedule.runner import COMPLETED, FAILED, IN_PROGRESS, WITH_VIOLATIONS

    counts = Counter(e.status for e in results)
    parts = [f"{counts[s]} {s}" for s in (COMPLETED, WITH_VIOLATIONS, FAILED, IN_PROGRESS) if counts[s]]
    skipped = sum(e.skipped_keys for e in results)
    unsafe = f"; {skipped} unsafe key(s) skipped" if skipped else ""
    return f"{len(results)} window(s): {', '.join(parts) or 'none'}{unsafe}"


@schedule.command("executions")
@click.option("--output", required=True, help="Report root given to `schedule run`.")
@click.option("--endpoint", "endpoint", required=True)
@click.option("--schedule-name", required=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_executions(output, endpoint, schedule_name, as_json) -> None:
    """The executions of a schedule run here: window, status, report or failure reason."""
    from dataclasses import asdict

    from analyzer.schedule.runner import executions

    try:
        found = executions(output, endpoint, schedule_name)
    except AnalyzerError as e:
        fail(e)
    for execution in found:
        if as_json:
            click.echo(json.dumps(asdict(execution)))
        else:
            click.echo(
                f"{execution.window_start} -> {execution.window_end}  {execution.status:24s} "
                f"{execution.report or execution.failure_reason or ''}"
            )


@schedule.command("create")
@click.option("--schedule-name", required=True)
@click.option("--image-uri", required=True, help="Our image in ECR.")
@click.option("--role", required=True, help="Execution role ARN.")
@click.option("--output", required=True, help="s3:// prefix for the reports.")
@click.option("--cron", default="cron(0 * ? * * *)", show_default=True)
@click.option("--baseline-constraints", required=True, help="s3:// constraints.json.")
@click.option("--baseline-statistics", default=None, help="s3:// statistics.json (data quality).")
@click.option("--endpoint", "endpoint", default=None, help="Monitor this endpoint's data capture...")
@click.option("--batch-capture", default=None, help="...or this batch transform capture destination (s3://).")
@click.option("--batch-format", type=click.Choice(["csv", "csv-header", "json", "parquet"]), default=None)
@click.option("--start-offset", default=None, help="e.g. -PT2H (model quality: labels arrive late).")
@click.option("--end-offset", default=None, help="e.g. -PT1H.")
@click.option("--publish-cloudwatch/--no-publish-cloudwatch", default=True, show_default=True)
@click.option("--instance-type", default="ml.m5.xlarge", show_default=True)
@click.option("--instance-count", type=int, default=1, show_default=True)
@click.option(
    "--problem-type", type=click.Choice(["Regression", "BinaryClassification", "MulticlassClassification"])
)
@click.option("--ground-truth", default=None, help="s3:// prefix of the ground truth (model quality).")
@click.option("--inference-attribute", default=None)
@click.option("--probability-attribute", default=None)
@click.option("--probability-threshold", type=float, default=None)
def create(**options) -> None:
    """Create a data-quality (or, with --problem-type, model-quality) monitoring schedule that runs
    our image: a job definition and the schedule that names it."""
    from analyzer.schedule import sagemaker

    formats = {
        "csv": {"Csv": {"Header": False}},
        "csv-header": {"Csv": {"Header": True}},
        "json": {"Json": {"Line": True}},
        "parquet": {"Parquet": {}},
    }
    definition = sagemaker.ScheduleDefinition(
        name=options["schedule_name"],
        image_uri=options["image_uri"],
        role_arn=options["role"],
        output_s3_uri=options["output"],
        cron=options["cron"],
        baseline_constraints=options["baseline_constraints"],
        baseline_statistics=options["baseline_statistics"],
        endpoint=options["endpoint"],
        batch_capture_s3_uri=options["batch_capture"],
        batch_dataset_format=formats.get(options["batch_format"]) if options["batch_format"] else None,
        start_offset=options["start_offset"],
        end_offset=options["end_offset"],
        publish_cloudwatch=options["publish_cloudwatch"],
        instance_type=options["instance_type"],
        instance_count=options["instance_count"],
        problem_type=options["problem_type"],
        ground_truth_s3_uri=options["ground_truth"],
        inference_attribute=options["inference_attribute"],
        probability_attribute=options["probability_attribute"],
        probability_threshold=options["probability_threshold"],
    )
    try:
        response = sagemaker.create(definition)
    except AnalyzerError as e:
        fail(e)
    click.echo(response.get("MonitoringScheduleArn", ""))


@schedule.command("describe")
@click.option("--schedule-name", required=True)
def describe(schedule_name) -> None:
    """DescribeMonitoringSchedule, as JSON."""
    from analyzer.schedule import sagemaker

    click.echo(json.dumps(sagemaker.describe(schedule_name), indent=2, default=str))


@schedule.command("delete")
@click.option("--schedule-name", required=True)
def delete(schedule_name) -> None:
    """Delete the schedule and its job definition."""
    from analyzer.schedule import sagemaker

    sagemaker.delete(schedule_name)
