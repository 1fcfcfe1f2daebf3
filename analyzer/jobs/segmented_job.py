"""A split data-quality job (split_by target-model or variant): one pass, one report set per segment.

The profile is the usual single Spark job with a SegmentedProfile as the task state. Afterwards
each segment gets what a plain job writes (statistics.json, constraints.json, with a baseline
constraint_violations.json, report.html) under ``<output_path>/<segment directory>/``, and
``<output_path>/segments.json`` indexes them. A monitoring run checks every segment against its own
baseline: a split baseline run's output_path (a directory of ``<segment>/constraints.json`` and
``<segment>/statistics.json``), or one constraints.json for all segments.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from analyzer.baseline.baseline import BaselineError
from analyzer.common.errors import ConfigError
from analyzer.config.contract import MODEL_QUALITY, JobConfig, default_cloudwatch_directory
from analyzer.config.formats import CAPTURE, MERGE
from analyzer.config.output_names import (
    CONSTRAINTS_FILE,
    REPORT_FILE,
    SEGMENTS_FILE,
    STATISTICS_FILE,
    VIOLATIONS_FILE,
)
from analyzer.config.segments import (
    UNKNOWN,
    SplitSpec,
    directory_name,
    is_shortened,
    segment_name,
    split_spec,
)
from analyzer.custom import hooks as custom
from analyzer.files.writers import remove_stale_temporaries, write_json
from analyzer.jobs.analysis import DatasetSettings, analyze_dataset, profile_dataset, resolve_dataset
from analyzer.jobs.ending import JobResult, finish, write_reports
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.segmented import SegmentBaseline, SegmentedProfile
from analyzer.report.cloudwatch import dimensions, write_metrics
from analyzer.report.stale_segments import load_index, remove_stale_segments

log = logging.getLogger("monitor_analyzer.job")

# Status of a segment in segments.json.
BASELINED, CHECKED, NO_BASELINE, NO_TRAFFIC = "baselined", "checked", "no_baseline", "no_traffic"


@dataclass
class SplitBaselines:
    """How each segment is analyzed: against one baseline for every segment (``shared``), against
    its own (``by_segment``, with the files each came from: report.html draws the baseline beside
    the current data), or with the job's knobs alone (``default``)."""

    default: DatasetSettings
    shared: DatasetSettings | None = None
    by_segment: dict[str, DatasetSettings] = field(default_factory=dict)
    files: dict[str, tuple[Path, Path | None]] = field(default_factory=dict)

    def of(self, segment: str) -> DatasetSettings:
        return self.shared or self.by_segment.get(segment, self.default)


def check_split(config: JobConfig) -> SplitSpec:
    spec = split_spec(config.split_by, config.split_attribute)
    if config.analysis_type == MODEL_QUALITY:
        raise ConfigError(f"split_by {config.split_by} is for data-quality jobs, not {MODEL_QUALITY}")
    if spec.steps and config.dataset_format.kind not in (CAPTURE, MERGE):
        what = "split_by target-model" if config.split_by == "target-model" else "split_attribute"
        raise ConfigError(
            f"{what} reads capture records: dataset_format must be sagemakerCaptureJson or "
            f"sagemakerMergeJson, not {config.dataset_format.kind}"
        )
    return spec


def load_split_baselines(config: JobConfig, settings: ProfileSettings | None) -> SplitBaselines:
    """A directory: every ``<segment>/constraints.json`` in it (statistics beside it, or under the
    same segment directory of a baseline_statistics directory), each segment profiled with the
    settings its own baseline records. A file: one baseline for all."""
    baselines = SplitBaselines(resolve_dataset(config, None, None, settings))
    constraints, statistics = config.baseline_constraints, config.baseline_statistics
    if constraints is None:
        return baselines
    if not constraints.is_dir():
        if statistics is not None and statistics.is_dir():
            raise ConfigError(
                f"baseline_statistics {statistics} is a directory but baseline_constraints {constraints} "
                "is a file: give both as files, or both as a split baseline's output directory"
            )
        baselines.shared = resolve_dataset(config, constraints, statistics, settings)
        return baselines
    if statistics is not None and not statistics.is_dir():
        raise ConfigError(
            f"baseline_constraints {constraints} is a directory (a split baseline) but baseline_statistics "
            f"{statistics} is a file: give the split baseline's directory for both, or leave it out"
        )
    stats_root = statistics or constraints
    # A shortened folder name does not decode: the baseline run's segments.json says whose it is.
    indexed = {path: segment for segment, path in load_index(constraints / SEGMENTS_FILE).items()}
    for directory in sorted(p for p in constraints.iterdir() if (p / CONSTRAINTS_FILE).is_file()):
        segment = indexed.get(directory.name)
        if segment is None and is_shortened(directory.name):
            log.warning(
                "Baseline folder %s has a shortened name that %s does not list: it is not used",
                directory,
                constraints / SEGMENTS_FILE,
            )
            continue
        segment = segment if segment is not None else segment_name(directory.name)
        stats = stats_root / directory.name / STATISTICS_FILE
        stats_path = stats if stats.is_file() else None
        baselines.by_segment[segment] = resolve_dataset(
            config, directory / CONSTRAINTS_FILE, stats_path, settings
        )
        baselines.files[segment] = (directory / CONSTRAINTS_FILE, stats_path)
    if not baselines.by_segment:
        raise BaselineError(
            f"Baseline directory {constraints} holds no <segment>/{CONSTRAINTS_FILE}: give a split "
            "baseline run's output_path, or a constraints.json file"
        )
    return baselines


def segment_order(names) -> list[str]:
    return sorted(names, key=lambda name: (name == UNKNOWN, name))


def run_segmented_job(
    config: JobConfig,
    spark=None,
    settings: ProfileSettings | None = None,
    engine: str = "auto",
    started: float | None = None,
) -> JobResult:
    started = started if started is not None else time.monotonic()
    spec = check_split(config)
    baselines = load_split_baselines(config, settings)
    monitoring = config.baseline_constraints is not None
    shared = baselines.shared
    if monitoring:
        log.info(
            "Monitoring %s against %s",
            spec.dimension,
            "one baseline" if shared else f"{len(baselines.by_segment)} segment baselines",
        )
    per_segment = {
        segment: SegmentBaseline(tuple(d.baseline.feature_names), custom.state_factory(config, d.profile))
        for segment, d in baselines.by_segment.items()
    }
    make_profile = custom.state_factory(config, (shared or baselines.default).profile)
    profile, quarantine = profile_dataset(
        config,
        spark,
        engine,
        feature_names=tuple(shared.baseline.feature_names) if shared else (),
        make_state=functools.partial(SegmentedProfile, make_profile, per_segment),
        split=spec,
    )
    ledger = profile.ledger
    publish = monitoring and config.publish_cloudwatch_metrics
    job_dims = dimensions(config.endpoint_name, config.schedule_name)
    index: dict[str, dict] = {}
    statistics, constraints, violations, metrics, outputs = {}, {}, [], [], []
    for segment in segment_order(profile.segments):
        seg = profile.segments[segment]
        directory = directory_name(segment)
        seg_config = segment_config(config, spec, segment, directory, baselines)
        dims = [*job_dims, {"Name": spec.dimension, "Value": segment}]
        analysis = analyze_dataset(seg_config, seg, baselines.of(segment), dims)
        statistics[segment], constraints[segment] = analysis.statistics, analysis.constraints
        found = analysis.violations or []
        status = BASELINED
        if analysis.violations is not None:
            violations.extend({**v, spec.dimension: segment} for v in found)
            metrics += analysis.metrics or []
            status = CHECKED
        elif monitoring:
            status = NO_BASELINE
            log.warning(
                "%s %s has traffic but no baseline: its statistics and suggested constraints are written, "
                "nothing is checked",
                spec.dimension,
                segment,
            )
        outputs += write_reports(seg_config, analysis.documents, None)
        index[segment] = {
            "path": directory,
            "item_count": seg.item_count,
            "records": ledger.segment_records.get(segment, 0),
            "violations": len(found),
            "status": status,
        }
        log.info("%s %s: %d rows, %d violations", spec.dimension, segment, seg.item_count, len(found))
    if monitoring:
        for segment in segment_order(set(baselines.by_segment) - set(profile.segments)):
            log.warning("%s %s has a baseline but no traffic in this run", spec.dimension, segment)
            index[segment] = {
                "path": None,
                "item_count": 0,
                "records": 0,
                "violations": 0,
                "status": NO_TRAFFIC,
            }
    if publish:
        directory = config.cloudwatch_metrics_directory or default_cloudwatch_directory()
        path = write_metrics(directory, metrics)
        log.info("Wrote %d CloudWatch metric records to %s", len(metrics), path)
    if quarantine:
        outputs.append(quarantine)
    index_file = config.output_path / SEGMENTS_FILE
    produced = {entry["path"] for entry in index.values() if entry["path"]}
    remove_stale_segments(config.output_path, index_file, produced)  # before the index that names them goes
    # Last: a segments.json names only folders that hold this run's complete reports.
    outputs.append(write_json(index_file, segments_document(config, spec, index, ledger)))
    return finish(
        started,
        f"Analysis of {len(profile.segments)} segment(s)",
        statistics=statistics,
        constraints=constraints,
        ledger=ledger,
        outputs=outputs,
        violations=violations if monitoring else None,
        metrics=metrics if publish else None,
        segments=index,
    )


def segment_config(
    config: JobConfig, spec: SplitSpec, segment: str, directory: str, baselines: SplitBaselines
) -> JobConfig:
    """The job as one segment's analysis and reports see it: its directory, its baseline files, and
    the segment in the report's title."""
    path = config.output_path / directory
    for name in (STATISTICS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE, REPORT_FILE):
        remove_stale_temporaries(path / name)
    constraints = statistics = None
    if baselines.shared is not None:
        constraints, statistics = config.baseline_constraints, config.baseline_statistics
    elif segment in baselines.files:
        constraints, statistics = baselines.files[segment]
    title = " — ".join(x for x in (config.endpoint_name, f"{spec.dimension} {segment}") if x)
    return replace(
        config,
        output_path=path,
        baseline_constraints=constraints,
        baseline_statistics=statistics,
        endpoint_name=title,
    )


def segments_document(config: JobConfig, spec: SplitSpec, index: dict[str, dict], ledger) -> dict:
    document = {
        "split_by": spec.kind,
        "split_attribute": config.split_attribute
        or (None if spec.kind == "variant" else "$." + ".".join(map(str, spec.steps))),
        "dimension": spec.dimension,
        "records_read": ledger.records_read,
        "records_analyzed": ledger.records_analyzed,
        "records_dropped": ledger.records_dropped,
        "records_skipped": ledger.records_skipped,
        "segments": index,
    }
    skipped = ledger.skipped_section()
    if skipped is not None:
        document["skipped"] = skipped
    return document
