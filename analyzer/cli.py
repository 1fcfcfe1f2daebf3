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


@main.command()
@click.option(
    "--dataset",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="File or directory (read recursively).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMAT_CHOICES)),
    default="csv",
    show_default=True,
    help="Dataset format.",
)
@click.option("--header/--no-header", default=False, show_default=True, help="CSV: first line is a header.")
@click.option(
    "--output-columns-position",
    type=click.Choice(["START", "END"], case_sensitive=False),
    default="START",
    show_default=True,
    help="Where the model output columns are: first or last.",
)
@click.option(
    "--capture-index-names",
    default="endpointInput,endpointOutput",
    show_default=True,
    help="Capture data: parts to analyze.",
)
@click.option(
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for statistics.json and constraints.json.",
)
@click.option(
    "--preprocessor",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Script defining preprocess_handler.",
)
@click.option(
    "--postprocessor",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Script defining postprocess_handler.",
)
@click.option(
    "--categorical-drift-method",
    type=click.Choice(["LInfinity", "ChiSquared"]),
    default="LInfinity",
    show_default=True,
)
@click.option("--master", default=None, help="Spark master URL (default: $SPARK_MASTER or local[*]).")
def baseline(
    dataset,
    fmt,
    header,
    output_columns_position,
    capture_index_names,
    output,
    preprocessor,
    postprocessor,
    categorical_drift_method,
    master,
) -> None:  # noqa: E501
    """Suggest a baseline: profile DATASET and write statistics.json and constraints.json to OUTPUT."""
    from analyzer.contract import JobConfig
    from analyzer.job import run_job
    from analyzer.spark import get_session

    dataset_format = DatasetFormat(
        kind=FORMAT_CHOICES[fmt],
        header=header,
        output_columns_position=output_columns_position.upper(),
        capture_index_names=tuple(n.strip() for n in capture_index_names.split(",") if n.strip()),
    )
    config = JobConfig(
        dataset_source=dataset,
        dataset_format=dataset_format,
        output_path=output,
        record_preprocessor_script=preprocessor,
        post_analytics_processor_script=postprocessor,
        categorical_drift_method=categorical_drift_method,
    )
    finish(lambda: run_job(config, spark=get_session(master)), None)


if __name__ == "__main__":
    main()
