"""The ``monitor-analyzer`` command line: the container entrypoint and the same job with flags."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from analyzer import contract
from analyzer.errors import AnalyzerError
from analyzer.formats import CAPTURE, CSV, JSON, PARQUET, DatasetFormat
from analyzer.writers import write_message

log = logging.getLogger("monitor_analyzer")
FAILURE_EXIT = 255

FORMAT_CHOICES = {"csv": CSV, "json": JSON, "parquet": PARQUET, "capture": CAPTURE}


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s - %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "pyspark", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def finish(run, message_file: Path | None) -> None:
    """Run the job; on success write the completion message, on failure a one-line cause, exit 255."""
    if message_file is not None:
        message_file.unlink(missing_ok=True)  # a message left by an earlier run must not stand for this one
    try:
        result = run()
    except Exception as e:  # every failure must reach the message file
        cause = str(e) if isinstance(e, AnalyzerError) else f"{type(e).__name__}: {e}"
        cause = " ".join(cause.split())
        log.error("Exception performing analysis: %s", cause, exc_info=not isinstance(e, AnalyzerError))
        if message_file is not None and not message_file.exists():
            write_message(message_file, cause)
        click.echo(f"error: {cause}", err=True)
        sys.exit(FAILURE_EXIT)
    if message_file is not None:
        write_message(message_file, result.message)
        log.info("Write to file %s.", message_file)
    log.info(result.message)
    for path in result.outputs:
        click.echo(str(path))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    from analyzer.job import run_job

    message_file = contract.message_path()

    def job():
        env = contract.load_environment()
        exported = contract.export_user_keys(env)
        if exported:
            log.info("Exported user environment keys for scripts: %s", ", ".join(sorted(exported)))
        return run_job(contract.job_config_from_env(env))

    finish(job, message_file)


def dataset_options(command):
    """The options every analysis command shares: what to read, how, and where to write."""
    options = [
        click.option(
            "--dataset",
            required=True,
            type=click.Path(exists=True, path_type=Path),
            help="File or directory (read recursively).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(sorted(FORMAT_CHOICES)),
            default="csv",
            show_default=True,
            help="Dataset format.",
        ),
        click.option(
            "--header/--no-header", default=False, show_default=True, help="CSV: first line is a header."
        ),
        click.option(
            "--output-columns-position",
            type=click.Choice(["START", "END"], case_sensitive=False),
            default="START",
            show_default=True,
            help="Where the model output columns are: first or last.",
        ),
        click.option(
            "--capture-index-names",
            default="endpointInput,endpointOutput",
            show_default=True,
            help="Capture data: parts to analyze.",
        ),
        click.option(
            "--output",
            required=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Directory for the reports.",
        ),
        click.option(
            "--preprocessor",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Script defining preprocess_handler.",
        ),
        click.option(
            "--postprocessor",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Script defining postprocess_handler.",
        ),
        click.option("--master", default=None, help="Spark master URL (default: $SPARK_MASTER or local[*])."),
        click.option(
            "--engine",
            type=click.Choice(["auto", "spark", "local"]),
            default="auto",
            show_default=True,
            help="auto: small inputs in this process, larger ones on Spark; same results either way.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_from_flags(options: dict, **config) -> None:
    from analyzer.contract import JobConfig
    from analyzer.job import run_job
    from analyzer.spark import get_context

    dataset_format = DatasetFormat(
        kind=FORMAT_CHOICES[options["fmt"]],
        header=options["header"],
        output_columns_position=options["output_columns_position"].upper(),
        capture_index_names=tuple(n.strip() for n in options["capture_index_names"].split(",") if n.strip()),
    )
    job = JobConfig(
        dataset_source=options["dataset"],
        dataset_format=dataset_format,
        output_path=options["output"],
        record_preprocessor_script=options["preprocessor"],
        post_analytics_processor_script=options["postprocessor"],
        **config,
    )
    engine = "spark" if options["master"] else options["engine"]
    finish(lambda: run_job(job, spark=lambda: get_context(options["master"]), engine=engine), None)


@main.command()
@dataset_options
@click.option(
    "--categorical-drift-method",
    type=click.Choice(["LInfinity", "ChiSquared"]),
    default="LInfinity",
    show_default=True,
)
def baseline(categorical_drift_method, **options) -> None:
    """Suggest a baseline: profile DATASET and write statistics.json and constraints.json to OUTPUT."""
    run_from_flags(options, categorical_drift_method=categorical_drift_method)


@main.command()
@dataset_options
@click.option(
    "--baseline-statistics",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Baseline statistics.json.",
)
@click.option(
    "--baseline-constraints",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Baseline constraints.json.",
)
@click.option(
    "--start-time", default=None, help="Capture data: analyze records with inferenceTime >= this (ISO-8601)."
)
@click.option(
    "--end-time", default=None, help="Capture data: analyze records with inferenceTime < this (ISO-8601)."
)
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

    Exits 0 with or without violations (the summary line says which); 255 on failure.
    """
    run_from_flags(
        options,
        baseline_statistics=baseline_statistics,
        baseline_constraints=baseline_constraints,
        start_time=start_time,
        end_time=end_time,
        exclude_features=tuple(x.strip() for x in exclude_features.split(",") if x.strip()),
        publish_cloudwatch_metrics=publish_cloudwatch,
        cloudwatch_metrics_directory=cloudwatch_dir
        or contract.opt_ml() / "output" / "metrics" / "cloudwatch",
        endpoint_name=endpoint_name,
        schedule_name=schedule_name,
    )


if __name__ == "__main__":
    main()
