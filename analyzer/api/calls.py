"""``profile``, ``suggest`` and ``check``: the CLI's ``baseline`` and ``monitor`` as function calls.

Nothing heavy is imported here: ``import analyzer`` stays quick (the CLI imports the package too),
and pandas, pyarrow and Spark load when a call needs them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from analyzer.api.inputs import ReadOptions, job_config
from analyzer.api.results import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    CheckResult,
    ProfileResult,
    Report,
    SuggestResult,
)

DEFAULT_CATEGORICAL_DRIFT = "LInfinity"


def profile(
    data,
    *,
    dataset_format=None,
    header: bool = False,
    settings: Mapping | None = None,
    engine: str = "local",
    preprocessor: str | Path | None = None,
    max_skipped_fraction: float | None = None,
    output_columns_position: str = "START",
    capture_index_names: tuple[str, ...] = ("endpointInput", "endpointOutput"),
) -> ProfileResult:
    """Profile ``data``: the statistics.json ``monitor-analyzer baseline`` would write.

    ``data``: a pandas or polars DataFrame, a pyarrow Table, or a path (a file or a folder, read as
    the CLI reads ``--dataset``). A table is profiled as the CLI profiles it written with
    ``to_csv(index=False)`` and read with ``--format csv --header`` (analyzer/api/csv_text.py says
    how each value becomes text). For a path: ``dataset_format`` is "csv" (the default; "parquet"
    for .parquet paths), "json", "parquet", "capture", "merged", or SageMaker's ``dataset_format``
    dict; ``header``, ``output_columns_position``, ``capture_index_names``, ``preprocessor`` and
    ``max_skipped_fraction`` are the CLI's flags; ``engine`` is "local" (this process), "processes"
    (worker processes, one per core), "spark" or "auto". ``settings``: analyzer settings by name, e.g. ``{"kll_sketch_size": 4096}``.

    In a notebook::

        import analyzer
        result = analyzer.profile(df)
        result.features          # one row per feature: type, completeness, mean, ...
        result.statistics        # the statistics.json document
        result.save("out/")      # out/statistics.json
    """
    options = _read_options(locals())
    config = job_config(data, options, settings)
    from analyzer.api.engine import run_analysis

    analysis, dataset = run_analysis(data, config, options)
    return ProfileResult(analysis.statistics, config, dataset)


def suggest(
    profile_or_data,
    *,
    categorical_drift_method: str = DEFAULT_CATEGORICAL_DRIFT,
    numerical_drift_method: str | None = None,
    settings: Mapping | None = None,
    **read_options,
) -> SuggestResult:
    """Suggest a baseline: the statistics.json and constraints.json ``monitor-analyzer baseline``
    would write.

    ``profile_or_data``: a ``profile(...)`` result, or data as ``profile`` takes it (with its
    keyword arguments). ``categorical_drift_method`` / ``numerical_drift_method``: as the CLI's
    flags (numerical None: Robust). ``settings`` (analyzer settings by name) go with the data;
    a profile result keeps the ones it was made with.

    In a notebook::

        baseline = analyzer.suggest(train_df)
        baseline.constraints     # the constraints.json document
        baseline.to_pandas()     # one row per feature: type, completeness, domains, ...
        baseline.report          # shown inline
        baseline.save("baseline/")
    """
    if isinstance(profile_or_data, ProfileResult):
        if settings is not None or read_options:
            raise ValueError("a profile result keeps its settings and read options: give them to profile()")
        profiled = profile_or_data
    else:
        profiled = profile(profile_or_data, settings=settings, **read_options)
    from analyzer.jobs.analysis import suggested_constraints

    config = replace(
        profiled._config,
        categorical_drift_method=categorical_drift_method,
        numerical_drift_method=numerical_drift_method,
    )
    _check_drift_methods(config)
    constraints = suggested_constraints(config, profiled.statistics, profiled._dataset)
    return SuggestResult(profiled.statistics, constraints, config)


def check(
    data,
    baseline=None,
    *,
    baseline_statistics=None,
    baseline_constraints=None,
    settings: Mapping | None = None,
    exclude_features: tuple[str, ...] = (),
    start_time: str | None = None,
    end_time: str | None = None,
    **read_options,
) -> CheckResult:
    """Check ``data`` against a baseline, as ``monitor-analyzer monitor`` does.

    ``baseline``: a ``suggest(...)`` result, or a folder holding constraints.json (and
    statistics.json, which drift needs); or give ``baseline_constraints`` and
    ``baseline_statistics``, each a dict or a path. ``data`` and its keyword arguments as for
    ``profile``; ``settings`` override the baseline's (thresholds included), as the CLI's flags do;
    ``exclude_features``, ``start_time`` and ``end_time`` as the CLI's flags.

    In a notebook::

        result = analyzer.check(today_df, baseline)
        result.violations_frame()   # feature_name, constraint_check_type, description
        result.drift                # per feature: method, score, threshold, drifted
        result.report               # shown inline
        result.save("monitoring/")  # the files a monitoring run writes
    """
    statistics, constraints = _baseline_documents(baseline, baseline_statistics, baseline_constraints)
    options = ReadOptions(**read_options)
    from analyzer.api.engine import drift_rows, run_analysis
    from analyzer.files.writers import write_json
    from analyzer.jobs.ending import job_report

    with tempfile.TemporaryDirectory(prefix="monitor-analyzer-baseline-") as folder:
        # Documents go through the files the CLI would read: the same validation and messages.
        paths = {}
        for name, document in ((STATISTICS_FILE, statistics), (CONSTRAINTS_FILE, constraints)):
            paths[name] = (
                document
                if document is None or isinstance(document, Path)
                else write_json(Path(folder) / name, document)
            )
        config = job_config(
            data,
            options,
            settings,
            baseline_statistics=paths[STATISTICS_FILE],
            baseline_constraints=paths[CONSTRAINTS_FILE],
            exclude_features=tuple(str(f) for f in exclude_features),
            start_time=start_time,
            end_time=end_time,
        )
        analysis, dataset = run_analysis(data, config, options)
        violations = {"violations": analysis.violations}
        report = Report(job_report(config, dict(analysis.documents)))
        return CheckResult(
            analysis.statistics, analysis.constraints, violations, report, drift_rows(analysis, dataset)
        )


def _read_options(given: dict) -> ReadOptions:
    names = ReadOptions.__dataclass_fields__
    return ReadOptions(**{k: v for k, v in given.items() if k in names})


def _check_drift_methods(config) -> None:
    from analyzer.checks.drift.registry import CATEGORICAL, NUMERIC, find_method

    for kind, name in (
        (CATEGORICAL, config.categorical_drift_method),
        (NUMERIC, config.numerical_drift_method),
    ):
        if name is None:
            continue
        method = find_method(name)
        if method is None or not method.supports(kind):
            raise ValueError(f"{name!r} is not a {kind} drift method")


def _baseline_documents(baseline, statistics, constraints) -> tuple[dict | Path | None, dict | Path]:
    """(statistics, constraints), each a dict or the path of a file."""
    if baseline is not None:
        if statistics is not None or constraints is not None:
            raise ValueError("give baseline, or baseline_statistics and baseline_constraints, not both")
        if isinstance(baseline, SuggestResult):
            return baseline.statistics, baseline.constraints
        if isinstance(baseline, str | Path) and Path(baseline).is_dir():
            folder = Path(baseline)
            found = folder / STATISTICS_FILE
            return (found if found.is_file() else None), folder / CONSTRAINTS_FILE
        raise TypeError(
            f"baseline must be a suggest() result or a folder holding constraints.json, got {baseline!r}"
        )
    if constraints is None:
        raise ValueError(
            "check needs a baseline: baseline=, or baseline_constraints= (and baseline_statistics=)"
        )

    def one(document):
        return Path(document) if isinstance(document, str | Path) else document

    return one(statistics), one(constraints)
