"""The processing-job contract: where the environment comes from and what each key means.

SageMaker writes the job request to ``/opt/ml/config/processingjobconfig.json``; the prebuilt
analyzer reads its ``Environment`` from there. We do the same and fall back to the process
environment for keys the file lacks (or when there is no file, outside SageMaker). ``OPT_ML``
rebases every ``/opt/ml`` path, fixed or given in the environment, so the same job runs anywhere.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from analyzer.common.errors import ConfigError
from analyzer.config.drift_names import LINFINITY, drift_method_from_env
from analyzer.config.formats import MERGE, DatasetFormat, parse_dataset_format
from analyzer.config.key_spelling import check_key_spelling, is_process_variable
from analyzer.config.problem_types import DEFAULT_SEED, DEFAULT_THRESHOLD, problem_type_of, threshold_of
from analyzer.config.segments import NO_SPLIT, split_by_of
from analyzer.config.settings import ENV_KEYS as SETTINGS_KEYS
from analyzer.config.settings import explicit_from_env

log = logging.getLogger("monitor_analyzer.contract")

DEFAULT_OPT_ML = "/opt/ml"
DATA_QUALITY, MODEL_QUALITY = "DATA_QUALITY", "MODEL_QUALITY"  # analysis_type
REQUIRED_KEYS = ("dataset_source", "dataset_format", "output_path")
DEFAULT_MAX_SKIPPED_FRACTION = 0.01

# Keys the analyzer consumes; every other key is re-exported to os.environ for the user's scripts.
ANALYZER_KEYS = frozenset(
    {
        "dataset_source", "output_path", "dataset_format", "cloudwatch_metrics_directory",
        "start_time", "end_time", "metric_time", "analysis_type", "problem_type", "automl_problem_name",
        "inference_attribute", "probability_attribute", "ground_truth_attribute",
        "probability_threshold_attribute", "positive_label", "baseline_constraints", "baseline_statistics",
        "publish_cloudwatch_metrics", "record_preprocessor_script", "post_analytics_processor_script",
        "sagemaker_endpoint_name", "sagemaker_monitoring_schedule_name", "detect_outliers", "detect_drift",
        "image_data", "monitoring_input_type", "report_enabled", "categorical_drift_method",
        "auto_ml_candidate_name", "auto_ml_job_name", "auto_ml_job_objective_type", "objective_metric_name",
        "exclude_features_attribute", "ground_truth_source", "max_skipped_fraction",
        "quarantine_skipped_records", "numerical_drift_method", "custom_metrics_script", "split_by",
        "split_attribute",
    }
) | SETTINGS_KEYS  # fmt: skip


def opt_ml() -> Path:
    return Path(os.environ.get("OPT_ML") or DEFAULT_OPT_ML)


def default_cloudwatch_directory() -> Path:
    """Where metric records go unless the job names a directory (the prebuilt analyzer's path)."""
    return opt_ml() / "output" / "metrics" / "cloudwatch"


def rebase(path: str | None) -> Path | None:
    """A path from the environment, moved under $OPT_ML when it points into /opt/ml."""
    if not path:
        return None
    root = opt_ml()
    p = Path(path)
    if str(root) != DEFAULT_OPT_ML and (p == Path(DEFAULT_OPT_ML) or Path(DEFAULT_OPT_ML) in p.parents):
        return root / p.relative_to(DEFAULT_OPT_ML)
    return p


def processing_job_config_path() -> Path:
    return opt_ml() / "config" / "processingjobconfig.json"


def message_path() -> Path:
    return opt_ml() / "output" / "message"


def load_environment() -> dict[str, str]:
    """The job's Environment map from processingjobconfig.json; the process environment without it.

    When the file exists it is the whole truth (as for the prebuilt analyzer): a stray variable in
    the process environment must not turn a baseline job into a monitoring job.
    """
    config = processing_job_config_path()
    if not config.is_file():
        return {
            k: v for k, v in os.environ.items() if k in ANALYZER_KEYS or k == "CLOUDWATCH_METRICS_DIRECTORY"
        }
    try:
        document = json.loads(config.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise ConfigError(f"{config} is not valid JSON: {e.msg} at line {e.lineno}") from e
    env = document.get("Environment") or {}
    if not isinstance(env, dict):
        raise ConfigError(f"{config}: Environment must be a JSON object")
    log.info("Read the job environment from %s", config)
    return {str(k): str(v) for k, v in env.items()}


def check_keys(env: dict[str, str]) -> None:
    """Misspelled analyzer keys: a warning each, a failure when one would change the kind of job.
    Without processingjobconfig.json the process environment is what the user set, and
    load_environment has already dropped its unknown keys, misspelled ones included."""
    if processing_job_config_path().is_file():
        keys = list(env)
    else:
        keys = [k for k in os.environ if not is_process_variable(k)]
    check_key_spelling(keys, env, ANALYZER_KEYS | {"CLOUDWATCH_METRICS_DIRECTORY"})


def export_user_keys(env: dict[str, str]) -> list[str]:
    """Make the user's own keys visible to preprocess/postprocess scripts through os.environ."""
    exported = []
    for key, value in env.items():
        if key and value and key not in ANALYZER_KEYS:
            os.environ[key] = value
            exported.append(key)
    return exported


@dataclass(frozen=True)
class JobConfig:
    dataset_source: Path
    dataset_format: DatasetFormat
    output_path: Path
    publish_cloudwatch_metrics: bool = False
    baseline_constraints: Path | None = None
    baseline_statistics: Path | None = None
    record_preprocessor_script: Path | None = None
    post_analytics_processor_script: Path | None = None
    categorical_drift_method: str = LINFINITY
    numerical_drift_method: str | None = None
    analysis_type: str = DATA_QUALITY
    start_time: str | None = None
    end_time: str | None = None
    metric_time: str | None = None
    endpoint_name: str | None = None
    schedule_name: str | None = None
    exclude_features: tuple[str, ...] = ()
    cloudwatch_metrics_directory: Path | None = None
    # Model quality (analysis_type MODEL_QUALITY).
    problem_type: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float = DEFAULT_THRESHOLD
    ground_truth_attribute: str | None = None
    positive_label: str | None = None
    # Seeds the subsamples behind model-quality standard deviations (fixed: reruns agree).
    seed: int = DEFAULT_SEED
    # The ground-truth merge job (the merger image's contract): captures + labels -> merged records.
    ground_truth_source: Path | None = None
    # Bad input: the job fails when more than this fraction of the records read was skipped.
    max_skipped_fraction: float = DEFAULT_MAX_SKIPPED_FRACTION
    # Write the skipped records to <output_path>/quarantine/skipped.jsonl.
    quarantine: bool = False
    # A script defining metrics_handler(): custom metrics computed in the same pass.
    custom_metrics_script: Path | None = None
    # Analyzer settings set explicitly (environment keys or flags), as (knob, value) pairs.
    analyzer_settings: tuple[tuple[str, int | float], ...] = ()
    # Split runs: one profile (and baseline, reports, metrics) per target model or variant.
    split_by: str = NO_SPLIT
    split_attribute: str | None = None

    @property
    def is_monitoring(self) -> bool:
        return self.baseline_constraints is not None or self.baseline_statistics is not None


def job_config_from_env(env: dict[str, str]) -> JobConfig:
    if env.get("ground_truth_source"):
        return merge_config_from_env(env)
    missing = [k for k in REQUIRED_KEYS if not env.get(k)]
    if missing:
        raise ConfigError(
            f"Missing required environment key(s) {', '.join(missing)}: set them in the processing job's "
            f"Environment ({processing_job_config_path()}) or the process environment"
        )
    check_monitoring_shape(env)
    drift_method = drift_method_from_env(env, "categorical_drift_method") or LINFINITY
    publish = (env.get("publish_cloudwatch_metrics") or "Disabled").strip().lower() == "enabled"
    exclude = tuple(x.strip() for x in (env.get("exclude_features_attribute") or "").split(",") if x.strip())
    # The prebuilt image lets CLOUDWATCH_METRICS_DIRECTORY (job or process environment) move the files.
    cw_dir = (
        env.get("cloudwatch_metrics_directory")
        or env.get("CLOUDWATCH_METRICS_DIRECTORY")
        or os.environ.get("CLOUDWATCH_METRICS_DIRECTORY")
    )
    return JobConfig(
        dataset_source=rebase(env["dataset_source"]),
        dataset_format=parse_dataset_format(env["dataset_format"]),
        output_path=rebase(env["output_path"]),
        publish_cloudwatch_metrics=publish,
        baseline_constraints=rebase(env.get("baseline_constraints")),
        baseline_statistics=rebase(env.get("baseline_statistics")),
        record_preprocessor_script=rebase(env.get("record_preprocessor_script")),
        post_analytics_processor_script=rebase(env.get("post_analytics_processor_script")),
        categorical_drift_method=drift_method,
        numerical_drift_method=drift_method_from_env(env, "numerical_drift_method"),
        analysis_type=(env.get("analysis_type") or DATA_QUALITY).upper(),
        start_time=env.get("start_time") or None,
        end_time=env.get("end_time") or None,
        metric_time=env.get("metric_time") or None,
        endpoint_name=env.get("sagemaker_endpoint_name") or None,
        schedule_name=env.get("sagemaker_monitoring_schedule_name") or None,
        exclude_features=exclude,
        cloudwatch_metrics_directory=rebase(cw_dir) if cw_dir else default_cloudwatch_directory(),
        problem_type=problem_type_of(env.get("problem_type")),
        inference_attribute=env.get("inference_attribute") or None,
        probability_attribute=env.get("probability_attribute") or None,
        probability_threshold=threshold_of(env.get("probability_threshold_attribute")),
        ground_truth_attribute=env.get("ground_truth_attribute") or None,
        positive_label=env.get("positive_label") or None,
        max_skipped_fraction=fraction_of(env.get("max_skipped_fraction")),
        quarantine=switch_of("quarantine_skipped_records", env.get("quarantine_skipped_records")),
        custom_metrics_script=rebase(env.get("custom_metrics_script")),
        analyzer_settings=explicit_from_env(env),
        split_by=split_by_of(env.get("split_by")),
        split_attribute=env.get("split_attribute") or None,
    )


def check_monitoring_shape(env: dict[str, str]) -> None:
    """A job set up to check a baseline must not quietly become a baseline job."""
    blank = [k for k in ("baseline_constraints", "baseline_statistics") if k in env and not env[k].strip()]
    if blank:
        # Blank counts as unset for other keys; here it is a path that went missing on the way
        # (a pipeline parameter not filled in), and unset would make the run check nothing.
        raise ConfigError(
            f"environment key {blank[0]} is empty: give the baseline's {blank[0].split('_')[1]}.json, "
            "or leave the key out for a baseline job"
        )
    if env.get("sagemaker_monitoring_schedule_name") and not env.get("baseline_constraints"):
        # SageMaker allows a schedule without a baseline: statistics only, as the prebuilt image does.
        log.warning(
            "Scheduled execution of %s without baseline_constraints: statistics only, nothing is checked",
            env["sagemaker_monitoring_schedule_name"],
        )


def fraction_of(text: str | None) -> float:
    if text is None or not text.strip():
        return DEFAULT_MAX_SKIPPED_FRACTION
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"max_skipped_fraction must be a number in [0, 1], got {text!r}") from None
    return check_fraction(value)


def check_fraction(value: float) -> float:
    if not 0 <= value <= 1:  # NaN fails too
        raise ConfigError(f"max_skipped_fraction must be a number in [0, 1], got {value!r}")
    return value


def switch_of(key: str, text: str | None) -> bool:
    value = (text or "Disabled").strip().lower()
    if value not in ("enabled", "disabled"):
        raise ConfigError(f"{key} must be Enabled or Disabled, got {text!r}")
    return value == "enabled"


def merge_config_from_env(env: dict[str, str]) -> JobConfig:
    """The ground-truth merge job: dataset_source (captures), ground_truth_source, output_path."""
    missing = [k for k in ("dataset_source", "output_path") if not env.get(k)]
    if missing:
        raise ConfigError(f"A ground-truth merge job needs {', '.join(missing)} besides ground_truth_source")
    return JobConfig(
        dataset_source=rebase(env["dataset_source"]),
        dataset_format=DatasetFormat(MERGE),
        output_path=rebase(env["output_path"]),
        ground_truth_source=rebase(env["ground_truth_source"]),
        start_time=env.get("start_time") or None,
        end_time=env.get("end_time") or None,
    )
