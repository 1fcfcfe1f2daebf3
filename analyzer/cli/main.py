"""The ``monitor-analyzer`` command line: the container entrypoint and the same job with flags."""

from __future__ import annotations

import functools
import logging
import sys
from pathlib import Path

import click

from analyzer.checks.drift.registry import CATEGORICAL, NUMERIC, method_names
from analyzer.cli.settings import settings_from_flags, settings_options
from analyzer.cli.support import (
    ENGINE_HELP,
    PREPROCESSOR_OPTION,
    FailingGroup,
    baseline_file_option,
    dataset_format_of,
    fail,
    input_options,
    skip_policy_options,
    with_options,
    with_time_window,
)
from analyzer.common.errors import AnalyzerError, ConfigError
from analyzer.common.logs import setup_logging
from analyzer.config import contract, defaults
from analyzer.config.formats import MERGE, DatasetFormat
from analyzer.files.writers import write_message
from analyzer.runtime.children import end_children
from analyzer.runtime.stop import STOPPED_EXIT, STOPPED_MESSAGE, JobStopped, received, stop_on_sigterm
from analyzer.runtime.tasks import ENGINES

log = logging.getLogger("monitor_analyzer")


def finish(run, message_file: Path | None) -> None:
    """Run the job; on success write the completion message, on failure a one-line cause, exit 255."""
    if message_file is not None:
        message_file.unlink(missing_ok=True)  # a message left by an earlier run must not stand for this one
    stop_on_sigterm()
    try:
        result = run()
    except JobStopped:
        stopped(message_file)
    except Exception as e:  # every failure must reach the message file
        if received():  # a step cut short by the stop failed on its way out: still a stop
            stopped(message_file)
        cause = str(e) if isinstance(e, AnalyzerError) else f"{type(e).__name__}: {e}"
        cause = " ".join(cause.split())
        log.error("Exception performing analysis: %s", cause, exc_info=not isinstance(e, AnalyzerError))
        if message_file is not None and not message_file.exists():
            write_message(message_file, cause)
        fail(cause)
    if message_file is not None:
        write_message(message_file, result.message)
        log.info("Write to file %s.", message_file)
    log.info(result.message)
    for path in result.outputs:
        click.echo(str(path))


def stopped(message_file: Path | None) -> None:
    """SIGTERM: Spark and its workers are ended (by the handler; again here for any started since),
    the staging is gone (the job unwound through it); say so, exit 143."""
    end_children()
    log.error("Stopped by SIGTERM")
    if message_file is not None:
        write_message(message_file, STOPPED_MESSAGE)
    click.echo(f"error: {STOPPED_MESSAGE}", err=True)
    sys.exit(STOPPED_EXIT)


def show_version(ctx: click.Context, given: bool) -> None:
    """``monitor-analyzer --version``: analyzer.__version__, looked up only when asked for."""
    if not given or ctx.resilient_parsing:
        return
    from analyzer.api.version import package_version

    click.echo(f"monitor-analyzer {package_version()}")
    ctx.exit()


@click.group(cls=FailingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _, given: show_version(ctx, given),
    help="Show the version and exit.",
)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """A drop-in SageMaker Model Monitor analyzer: data-quality baselines from the command line or a container."""
    setup_logging(verbose)


@main.command()
def run() -> None:
    """Run the processing job described by the environment (the container entrypoint).

    Reads Environment from $OPT_ML/config/processingjobconfig.json (OPT_ML defaults to /opt/ml),
    falling back to the process environment. Required keys: dataset_source, dataset_format,
    output_path. Writes statistics.json and constraints.json to output_path and the completion
    message to $OPT_ML/output/message; exits 0 on success, 255 on failure.
    """
    from analyzer.jobs.job import run_job

    message_file = contract.message_path()

    def job():
        env = contract.load_environment()
        contract.check_keys(env)
        exported = contract.export_user_keys(env)
        if exported:
            log.info("Exported user environment keys for scripts: %s", ", ".join(sorted(exported)))
        return run_job(contract.job_config_from_env(env))

    finish(job, message_file)


def dataset_options(command):
    """The options every analysis command shares: what to read, how, and where to write."""
    options = [
        *input_options(),
        click.option(
            "--output",
            required=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Directory for the reports.",
        ),
        PREPROCESSOR_OPTION,
        click.option(
            "--postprocessor",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Script defining postprocess_handler.",
        ),
        click.option(
            "--metrics-script",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Script defining metrics_handler: custom metrics (data quality).",
        ),
        click.option("--master", default=None, help="Spark master URL (default: $SPARK_MASTER or local[*])."),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="auto",
            show_default=True,
            help=ENGINE_HELP,
        ),
        *skip_policy_options(),
        click.option(
            "--split-by",
            type=click.Choice(["none", "target-model", "variant"]),
            default="none",
            show_default=True,
            help="One profile, baseline and report set per target model or production variant.",
        ),
        click.option(
            "--split-attribute",
            default=None,
            help="JSONPath of the segment in a capture record (default for target-model: "
            "$.eventMetadata.targetModel; variant: the <variant>/yyyy/mm/dd/hh directory).",
        ),
    ]
    return with_options(command, options)


def quality_options(command):
    """Model quality: given --problem-type, the command computes model metrics instead of profiling."""
    options = [
        click.option(
            "--problem-type",
            type=click.Choice(["Regression", "BinaryClassification", "MulticlassClassification"]),
            default=None,
            help="Model quality: evaluate predictions against ground truth instead of profiling the data.",
        ),
        click.option(
            "--inference-attribute", default=None, help="Prediction: column name, index or JSONPath."
        ),
        click.option(
            "--probability-attribute", default=None, help="Binary: score column (name, index, JSONPath)."
        ),
        click.option(
            "--probability-threshold",
            type=float,
            default=0.5,
            show_default=True,
            help="Binary: score >= threshold predicts the positive class.",
        ),
        click.option(
            "--ground-truth-attribute",
            default=None,
            help="Label column (baselines); merged data takes groundTruthData.",
        ),
        click.option(
            "--positive-label", default=None, help="Binary: the positive class (default 1 or true)."
        ),
        click.option(
            "--seed",
            type=int,
            default=0,
            show_default=True,
            help="Seed of the standard-deviation subsamples.",
        ),
    ]
    return with_options(command, options)


def quality_config(options: dict) -> dict:
    problem_type = options.pop("problem_type")
    keys = ("inference_attribute", "probability_attribute", "ground_truth_attribute", "positive_label")
    config = {k: options.pop(k) for k in keys}
    threshold, seed = options.pop("probability_threshold"), options.pop("seed")
    if problem_type is None:
        given = [k for k, v in config.items() if v is not None]
        if given:
            raise click.UsageError(f"--{given[0].replace('_', '-')} needs --problem-type")
        return {}
    return {
        "analysis_type": "MODEL_QUALITY",
        "problem_type": problem_type,
        "probability_threshold": threshold,
        "seed": seed,
        **config,
    }


def run_from_flags(options: dict, **config) -> None:
    from analyzer.config.contract import JobConfig
    from analyzer.jobs.job import run_job
    from analyzer.runtime.spark import get_context

    dataset_format = dataset_format_of(options)
    try:
        analyzer_settings = settings_from_flags(options)
    except ConfigError as e:
        fail(e)
    job = JobConfig(
        dataset_source=options["dataset"],
        dataset_format=dataset_format,
        output_path=options["output"],
        record_preprocessor_script=options["preprocessor"],
        post_analytics_processor_script=options["postprocessor"],
        max_skipped_fraction=options["max_skipped_fraction"],
        quarantine=options["quarantine"],
        custom_metrics_script=options["metrics_script"],
        analyzer_settings=analyzer_settings,
        split_by=options["split_by"],
        split_attribute=options["split_attribute"],
        **quality_config(options),
        **config,
    )
    engine = "spark" if options["master"] else options["engine"]
    finish(lambda: run_job(job, spark=lambda: get_context(options["master"]), engine=engine), None)


@main.command()
@dataset_options
@quality_options
@settings_options
@click.option(
    "--categorical-drift-method",
    type=click.Choice(method_names(CATEGORICAL), case_sensitive=False),
    default=defaults.CATEGORICAL_DRIFT_METHOD,
    show_default=True,
)
@click.option(
    "--numerical-drift-method",
    type=click.Choice(method_names(NUMERIC), case_sensitive=False),
    default=None,
    help="Drift method written into the suggested constraints for numeric features [default: Robust].",
)
def baseline(categorical_drift_method, numerical_drift_method, **options) -> None:
    """Suggest a baseline: profile DATASET and write statistics.json and constraints.json to OUTPUT.

    With --problem-type, the baseline is a model-quality one: metrics of the predictions against the
    ground truth (--inference-attribute / --probability-attribute, --ground-truth-attribute)."""
    run_from_flags(
        options,
        categorical_drift_method=categorical_drift_method,
        numerical_drift_method=numerical_drift_method,
    )


@main.command()
@dataset_options
@quality_options
@settings_options
@baseline_file_option(
    "statistics",
    False,
    "Baseline statistics.json (data quality: needed for drift checks); with --split-by, also a split "
    "baseline's output directory.",
    dir_okay=True,
)
@baseline_file_option(
    "constraints",
    True,
    "Baseline constraints.json; with --split-by, also a split baseline's output directory.",
    dir_okay=True,
)
@with_time_window
@click.option(
    "--exclude-features", default="", help="Comma-separated feature names or 0-based indices to leave out."
)
@click.option(
    "--publish-cloudwatch/--no-publish-cloudwatch",
    default=False,
    show_default=True,
    help="Write CloudWatch metric records.",
)
@click.option(
    "--cloudwatch-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where metric records go (default: $OPT_ML/output/metrics/cloudwatch).",
)
@click.option("--endpoint-name", default=None, help="Endpoint dimension of the metrics.")
@click.option("--schedule-name", default=None, help="MonitoringSchedule dimension of the metrics.")
def monitor(
    baseline_statistics,
    baseline_constraints,
    start_time,
    end_time,
    exclude_features,
    publish_cloudwatch,
    cloudwatch_dir,
    endpoint_name,
    schedule_name,
    **options,
) -> None:  # noqa: E501
    """Check DATASET against a baseline: write statistics.json, constraints.json and constraint_violations.json.

    With --problem-type (and --format merged for merged capture data), checks model-quality metrics
    against the baseline's constraints. Exits 0 with or without violations (the summary line says
    which); 255 on failure.
    """
    run_from_flags(
        options,
        baseline_statistics=baseline_statistics,
        baseline_constraints=baseline_constraints,
        start_time=start_time,
        end_time=end_time,
        exclude_features=tuple(x.strip() for x in exclude_features.split(",") if x.strip()),
        publish_cloudwatch_metrics=publish_cloudwatch,
        cloudwatch_metrics_directory=cloudwatch_dir or contract.default_cloudwatch_directory(),
        endpoint_name=endpoint_name,
        schedule_name=schedule_name,
    )


@main.command()
@click.option(
    "--capture",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Capture data (file or directory, e.g. the endpoint/variant/yyyy/mm/dd/hh prefixes).",
)
@click.option(
    "--ground-truth",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="Ground-truth records ({groundTruthData, eventMetadata.eventId} lines), file or directory.",
)
@click.option(
    "--output", required=True, type=click.Path(file_okay=False, path_type=Path), help="Merged data goes here."
)
@click.option("--start-time", default=None, help="Merge capture records with inferenceTime >= this.")
@click.option("--end-time", default=None, help="Merge capture records with inferenceTime < this.")
@click.option("--master", default=None, help="Spark master URL (default: $SPARK_MASTER or local[*]).")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True, help=ENGINE_HELP)
def merge(capture, ground_truth, output, start_time, end_time, master, engine) -> None:
    """Join capture records with their ground truth (on inferenceId, else eventId) for model quality.

    Writes the matched records, each with its groundTruthData, to OUTPUT under the capture files'
    relative paths; read them with `monitor --format merged --problem-type ...`. Unmatched records on
    both sides are counted in the log and in OUTPUT/_merge_summary.json.
    """
    from analyzer.config.contract import JobConfig
    from analyzer.jobs.job import run_job
    from analyzer.runtime.spark import get_context

    job = JobConfig(
        dataset_source=capture,
        dataset_format=DatasetFormat(MERGE),
        output_path=output,
        ground_truth_source=ground_truth,
        start_time=start_time,
        end_time=end_time,
    )
    engine = "spark" if master else engine
    finish(lambda: run_job(job, spark=lambda: get_context(master), engine=engine), None)


@main.command("local-job")
@click.argument("request", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--image",
    default=None,
    help="Image to run (default: the request's ImageUri when present here, else monitor-analyzer:latest).",
)
@click.option("--no-docker", is_flag=True, help="Run the analyzer in this process instead of the image.")
@click.option(
    "--job-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Stands in for /opt/ml (default: a new directory under /tmp, kept for inspection).",
)
def local_job(request, image, no_docker, job_dir) -> None:
    """Run a SageMaker Processing job REQUEST (CreateProcessingJob JSON, as the SDK builds it) here.

    Stages its s3:// or file:// inputs at their LocalPaths, runs the image (one container per
    instance) or the analyzer in this process, then copies each output LocalPath to its S3Uri
    (s3:// or a directory). Exits with the job's exit code.
    """
    import tempfile

    from analyzer.runtime import container
    from analyzer.runtime.local_job import load_request, run_local_job

    document = load_request(request)
    job_dir = job_dir or Path(tempfile.mkdtemp(prefix="monitor-analyzer-job-"))
    try:
        entrypoint = functools.partial(container.run, commands=main)  # the container's, in this process
        result = run_local_job(document, job_dir, docker=not no_docker, image=image, entrypoint=entrypoint)
    except AnalyzerError as e:
        fail(e)
    click.echo(f"job directory: {result.job_dir}")
    if result.message:
        click.echo(f"message: {result.message}")
    for uri in result.outputs:
        click.echo(uri)
    if result.skipped_keys:
        click.echo(
            f"skipped: {len(result.skipped_keys)} input key(s) whose names would leave the job directory"
        )
    sys.exit(result.exit_code)


def _register_schedule() -> None:
    from analyzer.cli.schedule import schedule

    main.add_command(schedule)


_register_schedule()


def _register_validate() -> None:
    from analyzer.cli.validate import validate

    main.add_command(validate)


_register_validate()


if __name__ == "__main__":
    main()
