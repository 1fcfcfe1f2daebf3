"""The dry run: sample the files, detect their encodings, read the sample with the real readers into
a profile, and turn what was seen into findings."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from analyzer.baseline.baseline import Baseline, load_baseline
from analyzer.common.errors import AnalyzerError
from analyzer.config.formats import PARQUET, DatasetFormat
from analyzer.config.scripts import load_preprocessor
from analyzer.config.window import TimeWindow
from analyzer.files.listing import WARN_EACH, list_dataset, log_listing
from analyzer.files.sources import Split, line_count
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.engine import fold_split, make_read_plan
from analyzer.profiling.statistics import build_statistics
from analyzer.readers.ledger import Ledger
from analyzer.validation import advice
from analyzer.validation.capture_scan import CaptureScan
from analyzer.validation.encodings import detect
from analyzer.validation.findings import ERROR, WARNING, ColumnInfo, FileInfo, Records, ValidationReport
from analyzer.validation.sample import FileSample, choose_files, sample_file

DEFAULT_SAMPLE_MB = 16.0


@dataclass(frozen=True)
class ValidateRequest:
    dataset: Path
    dataset_format: DatasetFormat
    preprocessor: Path | None = None
    baseline_statistics: Path | None = None
    baseline_constraints: Path | None = None
    sample_bytes: int = int(DEFAULT_SAMPLE_MB * 1e6)
    max_skipped_fraction: float = 0.01
    window: TimeWindow | None = None  # the capture records a windowed monitoring run would read


def validate(request: ValidateRequest) -> ValidationReport:
    started = time.monotonic()
    listing = list_dataset(request.dataset)
    log_listing(listing)
    files = listing.files
    report = ValidationReport(
        str(request.dataset),
        request.dataset_format.kind,
        len(files),
        request.max_skipped_fraction,
    )
    for skipped in listing.skipped[:WARN_EACH]:
        report.add(WARNING, f"not read: {skipped.why}", str(skipped.path), advice.NOT_READ)
    if not files:
        report.add(ERROR, "no data files", str(request.dataset), advice.NO_FILES)
    else:
        with tempfile.TemporaryDirectory(prefix="monitor-analyzer-validate-") as scratch:
            examine(request, report, files, Path(scratch))
    report.seconds = time.monotonic() - started
    return report


def examine(request: ValidateRequest, report: ValidationReport, files: list[Path], scratch: Path) -> None:
    baseline = load_baseline_or_report(request, report)
    if request.preprocessor is not None and not script_loads(request, report):
        return
    chosen, per_file = choose_files(files, request.sample_bytes)
    parquet = request.dataset_format.kind == PARQUET
    samples = (
        [sample_file(path, per_file, scratch, i) for i, path in enumerate(chosen)] if not parquet else []
    )
    readable: list[FileSample] = []
    detections = {}
    for sample in samples:
        if sample.error:
            report.files.append(FileInfo(str(sample.path), sample.path.stat().st_size, "gzip (unreadable)"))
            report.add(ERROR, "unreadable gzip file", str(sample.path), advice.BAD_GZIP)
            continue
        detected = detect(sample.data)
        detections[str(sample.path)] = detected
        encoding = detected.family if detected.non_utf8_lines else detected.encoding
        encoding += " (gzip)" if sample.read_path != str(sample.path) else ""
        report.files.append(
            FileInfo(
                str(sample.path),
                sample.path.stat().st_size,
                encoding,
                len(sample.data),
                line_count(sample.data),
                detected.non_utf8_lines,
            )
        )
        if not detected.wide:
            readable.append(sample)
    if parquet:
        for path in chosen:
            report.files.append(FileInfo(str(path), path.stat().st_size, "Parquet", path.stat().st_size))
    advice.encoding_findings(report, detections)
    # A preprocessor sees the raw lines and may drop a header itself: no guessing then.
    header_read = None
    if not request.preprocessor:
        header_read = advice.header_findings(report, readable, request.dataset_format)
    splits = [s.split for s in readable] if not parquet else parquet_splits(chosen)
    originals = {s.read_path: str(s.path) for s in readable}
    if not splits:
        return
    columns_as_read = profile_sample(request, report, baseline, splits, originals)
    if columns_as_read is None:
        return
    _, as_placed = columns_as_read
    if request.dataset_format.is_capture:
        scan = CaptureScan(request.dataset_format.capture_index_names)
        for sample in readable:
            scan.add_lines(sample.data, str(sample.path))
        report.capture = scan.result()
        advice.capture_findings(report, scan)
        advice.window_findings(report, request.window)
    if baseline is not None and report.records.analyzed:
        other = None
        if request.dataset_format.is_capture and not request.preprocessor:
            flipped = "END" if request.dataset_format.output_columns_position == "START" else "START"
            alternative = dataclasses.replace(request.dataset_format, output_columns_position=flipped)
            try:
                read = read_profile(
                    dataclasses.replace(request, dataset_format=alternative), baseline, splits
                )
            except AnalyzerError:
                read = None  # the placement as given decides how the job fails; reported above
            other = (flipped, read.ordered_columns()) if read is not None else None
        advice.baseline_findings(report, baseline, as_placed, other, request, header_read=header_read)


def parquet_splits(files: list[Path]) -> list[Split]:
    """Parquet files are read whole by the job; the sample is the files chosen."""
    return [Split(str(p), 0, p.stat().st_size, p.stat().st_size) for p in files]


def load_baseline_or_report(request: ValidateRequest, report: ValidationReport) -> Baseline | None:
    if request.baseline_constraints is None:
        if request.baseline_statistics is not None:
            report.add(
                ERROR,
                "baseline statistics without constraints",
                str(request.baseline_statistics),
                "pass --baseline-constraints too (a monitoring run needs both)",
            )
        return None
    try:
        return load_baseline(request.baseline_constraints, request.baseline_statistics)
    except AnalyzerError as e:
        report.add(
            ERROR, f"the baseline does not load: {e}", str(request.baseline_constraints), advice.BAD_BASELINE
        )
        return None


def script_loads(request: ValidateRequest, report: ValidationReport) -> bool:
    if request.dataset_format.kind == PARQUET:
        report.add(ERROR, "a preprocessor cannot read Parquet", str(request.preprocessor), advice.NO_SCRIPT)
        return False
    try:
        load_preprocessor(str(request.preprocessor))
    except AnalyzerError as e:
        report.add(
            ERROR, f"the preprocessor does not load: {e}", str(request.preprocessor), advice.BAD_SCRIPT
        )
        return False
    return True


def read_profile(request: ValidateRequest, baseline: Baseline | None, splits: list[Split]) -> DatasetProfile:
    """The sample profiled as the job would profile it (monitoring runs name positional columns
    after the baseline's features), in this process."""
    settings = ProfileSettings()
    names: tuple[str, ...] = ()
    if baseline is not None:
        names = tuple(baseline.feature_names)
        settings = ProfileSettings(domains=tuple((f.name, f.domains) for f in baseline.features if f.domains))
    preprocessor = str(request.preprocessor) if request.preprocessor else None
    plan = make_read_plan(
        [Path(s.path) for s in splits], request.dataset_format, preprocessor, names, request.window
    )
    profile = DatasetProfile(settings)

    def make_state() -> DatasetProfile:
        return DatasetProfile(settings)

    for split in splits:
        fold_split(profile, split, plan, make_state)
    return profile


def profile_sample(
    request: ValidateRequest,
    report: ValidationReport,
    baseline: Baseline | None,
    splits: list[Split],
    originals: dict[str, str],
):
    try:
        profile = read_profile(request, baseline, splits)
    except AnalyzerError as e:
        report.add(ERROR, f"the job would fail: {restore_paths(str(e), originals)}", "", advice.JOB_FAILS)
        return None
    ledger = profile.ledger
    report.records = records_of(ledger)
    statistics = build_statistics(profile)
    for feature in statistics["features"]:
        common = (feature.get("numerical_statistics") or feature.get("string_statistics") or {}).get("common")
        present = common["num_present"] if common else 0
        report.columns.append(
            ColumnInfo(feature["name"], feature["inferred_type"], present, profile.item_count - present)
        )
    advice.skip_findings(report, ledger, originals)
    return profile, profile.ordered_columns()


def records_of(ledger: Ledger) -> Records:
    return Records(
        ledger.records_read,
        ledger.records_analyzed,
        ledger.records_dropped,
        ledger.records_skipped,
        dict(sorted(ledger.skipped.items())),
        dict(sorted(ledger.dropped.items())),
    )


def restore_paths(text: str, originals: dict[str, str]) -> str:
    for sampled, original in originals.items():
        if sampled != original:
            text = text.replace(sampled, original)
    return text
