"""The CLI's analysis for API calls: settings and baseline resolved as a job resolves them, the
data profiled (a path by the readers, a table from its text columns), then ``analyze_dataset``."""

from __future__ import annotations

import logging

from analyzer.api.inputs import ReadOptions, is_path, table_kind, text_columns

log = logging.getLogger("monitor_analyzer.api")


def run_analysis(data, config, options: ReadOptions):
    """(Analysis, DatasetSettings) of ``data`` under ``config`` (its baseline files, if any)."""
    from analyzer.jobs.analysis import analyze_dataset, resolve_dataset
    from analyzer.jobs.job import check_scope, validate_scripts

    check_scope(config)
    validate_scripts(config)
    dataset = resolve_dataset(config, config.baseline_constraints, config.baseline_statistics)
    names = tuple(dataset.baseline.feature_names) if dataset.baseline else ()
    profile = profile_data(data, config, dataset.profile, names, options)
    return analyze_dataset(config, profile, dataset, []), dataset


def profile_data(data, config, settings, feature_names: tuple[str, ...], options: ReadOptions):
    from analyzer.common.errors import InputError

    if is_path(data):
        profile = profile_path(config, settings, feature_names, options.engine)
    elif table_kind(data) is not None:
        from analyzer.api.memory_profile import profile_columns

        names, columns, rows = text_columns(data)
        profile = profile_columns(names, columns, rows, settings)
    else:
        raise TypeError(
            "data must be a pandas or polars DataFrame, a pyarrow Table or a path (str or Path), "
            f"got {type(data).__name__}"
        )
    if profile.item_count == 0:
        ledger = profile.ledger
        raise InputError(
            f"No records to analyze in {data if is_path(data) else 'the table'}: read {ledger.records_read}, "
            f"dropped {ledger.records_dropped}, skipped {ledger.records_skipped}"
        )
    return profile


def profile_path(config, settings, feature_names: tuple[str, ...], engine: str):
    """The one pass of a CLI run over a file or folder, with its bad-input threshold (no quarantine:
    an API call writes nothing)."""
    from analyzer.config.window import TimeWindow
    from analyzer.custom import hooks as custom
    from analyzer.profiling.engine import run_profile
    from analyzer.readers.skip_policy import check_skipped, log_accounting

    preprocessor = str(config.record_preprocessor_script) if config.record_preprocessor_script else None
    profile = run_profile(
        None,
        config.dataset_source,
        config.dataset_format,
        preprocessor,
        feature_names=feature_names,
        window=TimeWindow.of(config.start_time, config.end_time),
        engine=engine,
        make_state=custom.state_factory(config, settings),
    )
    log_accounting(profile.ledger, profile.item_count)
    check_skipped(profile.ledger, config.max_skipped_fraction)
    return profile


def drift_rows(analysis, dataset) -> list[dict]:
    """Per-feature drift as the monitoring run measured it: the score, its method and threshold."""
    from analyzer.checks.drift import drift_rule

    rows = []
    for feature in dataset.baseline.features:
        score = (analysis.drift or {}).get(feature.name)
        rule = drift_rule(feature, dataset.baseline.config)
        if score is None or rule is None:
            continue
        p_value = rule.method.p_value
        rows.append(
            {
                "feature_name": feature.name,
                "inferred_type": feature.inferred_type,
                "kind": rule.kind,
                "method": rule.method.name,
                "score": score,
                "threshold": rule.threshold,
                "p_value": p_value,
                "drifted": score < rule.threshold if p_value else score > rule.threshold,
            }
        )
    return rows
