"""Findings and their fixes: what each observation means for a job, and what to do about it."""

from __future__ import annotations

from collections import Counter, defaultdict

from analyzer.baseline.baseline import Baseline
from analyzer.config.formats import CSV, DatasetFormat
from analyzer.config.window import TimeWindow
from analyzer.files.sources import UTF8_BOM
from analyzer.profiling.column import ColumnState
from analyzer.readers.capture_reader import OUTPUT_PARTS
from analyzer.readers.header_like import HeaderLike, check_head
from analyzer.readers.ledger import Ledger
from analyzer.readers.records import HANDLER_RAISED, HANDLER_RETURNED
from analyzer.readers.skip_policy import percent
from analyzer.validation.alignment import (
    MIN_GAIN,
    MIN_PLACEMENT_MATCH,
    alignment,
    find_shift,
    type_mismatches,
)
from analyzer.validation.capture_scan import CaptureScan
from analyzer.validation.encodings import Detected
from analyzer.validation.findings import ERROR, INFO, WARNING, ValidationReport

NO_FILES = (
    "point --dataset (dataset_source) at the directory the data is in; files starting with . or _ are ignored"
)
NOT_READ = (
    "links that leave dataset_source, broken links and special files are never read: copy the data "
    "into the source, or point dataset_source at the directory the links lead to"
)
BAD_GZIP = "re-upload the file: a truncated or corrupt archive fails the job (its records cannot be counted)"
BAD_BASELINE = "pass the statistics.json and constraints.json a baseline job wrote, or repair the key named"
BAD_SCRIPT = "fix the script so that it imports and defines preprocess_handler(inference_record)"
NO_SCRIPT = "leave out the preprocessor (record_preprocessor_script) for Parquet data"
JOB_FAILS = "fix the cause named; the job stops there before writing any report"
MAX_EXAMPLES = 3
WINDOW_DROP = "inferenceTime outside the window"
MAX_TYPE_FINDINGS = 10

SKIP_FIXES = {
    "not UTF-8": "re-encode the file as UTF-8 (iconv -f latin1 -t utf-8), or make the producer write UTF-8",
    "wrong number of fields": "give every row as many fields as the header (or the first row); quote values "
    "that contain the delimiter; fix the writer that cut or joined the lines",
    "invalid JSON": "repair or remove the line (a truncated write leaves half a record): it is skipped as is",
    "not a capture record": "the line is JSON but not an object with captureData: remove it",
    "invalid inferenceTime": "write eventMetadata.inferenceTime as ISO-8601 (2026-11-22T10:00:00Z)",
    "no capture data": "check --capture-index-names (captureIndexNames): the records hold none of those parts",
    "unknown encoding": "capture parts must be encoded CSV, JSON or BASE64",
    "undecodable BASE64 payload": "the BASE64 payload does not decode to UTF-8 text: fix the producer",
    "invalid JSON payload": "the JSON payload does not parse (truncated?): fix the producer or drop the record",
    "empty payload": "the capture parts hold no data: check what the endpoint receives and returns",
    "payload row counts differ": "input and output must hold the same number of rows (one per line)",
    "malformed CSV": "a carriage return inside a field: write LF or CRLF line breaks",
}


def skip_fix(reason: str) -> str:
    if reason.startswith(HANDLER_RAISED):
        return "fix preprocess_handler for such records (or return [] to drop them on purpose)"
    if reason.startswith(HANDLER_RETURNED):
        return "make preprocess_handler return a dict, a list of dicts, or [] to drop the record"
    return SKIP_FIXES.get(reason, "repair or remove the records named")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- encodings ---------------------------------------------------------------------------------
def encoding_findings(report: ValidationReport, detections: dict[str, Detected]) -> None:
    for path, detected in detections.items():
        if detected.wide:
            name = detected.encoding.split(" ")[0]
            consequence = (
                "the job fails on its byte order mark"
                if detected.has_bom
                else "read as UTF-8 every record of it is wrong (NUL bytes between the characters)"
            )
            report.add(
                ERROR,
                f"{name} text: the analyzer reads UTF-8 only; {consequence}",
                path,
                f"convert it (iconv -f {name} -t UTF-8 FILE > FILE.utf8) and make the producer write UTF-8",
            )
        elif detected.non_utf8_lines:
            lines = ", ".join(f"{path}:{n}" for n in detected.examples)
            legacy = detected.legacy or "another encoding"
            source = "latin1" if legacy == "Latin-1" else "cp1252"
            report.add(
                WARNING,
                f"mixed encodings within the file: {plural(detected.non_utf8_lines, 'sampled line')} "
                f"not UTF-8 (they decode as {legacy}); these records are skipped as 'not UTF-8'",
                lines,
                f"re-encode the file as UTF-8 (iconv -f {source} -t UTF-8), or make the producer write UTF-8",
            )
        elif detected.has_bom:
            report.add(
                INFO,
                "UTF-8 byte order mark at the start of the file",
                path,
                "none needed: the reader drops it, as Spark does",
            )
    families: dict[str, list[str]] = defaultdict(list)
    for path, detected in detections.items():
        families[detected.family].append(path)
    if len(families) > 1:
        ranked = sorted(families.items(), key=lambda kv: -len(kv[1]))
        summary = ", ".join(f"{family} ({plural(len(paths), 'file')})" for family, paths in ranked)
        report.add(
            WARNING,
            f"mixed encodings across files: {summary}",
            ", ".join(paths[0] for _, paths in ranked[1:]),
            "write every file as UTF-8: the analyzer reads no other encoding (see the files named above)",
        )


# -- a header read as data ---------------------------------------------------------------------
def header_findings(
    report: ValidationReport, samples: list, dataset_format: DatasetFormat
) -> HeaderLike | None:
    """A first line that looks like a header where none is expected: one finding naming the files
    (the first ones) and the fix; the first such line, if any."""
    found = [
        header
        for sample in samples
        for header in check_head(str(sample.path), sample.data.removeprefix(UTF8_BOM), dataset_format)
    ]
    if not found:
        return None
    first = found[0]
    others = f" ({plural(len(found), 'file')} in all)" if len(found) > 1 else ""
    report.add(
        WARNING,
        f"{first.describe()}{others}; {first.consequence}",
        ", ".join(f"{h.path}:{h.line}" for h in found[:MAX_EXAMPLES])
        + (", ..." if len(found) > MAX_EXAMPLES else ""),
        f"if it is a header, {first.fix}",
    )
    return first


# -- records skipped and dropped ---------------------------------------------------------------
def skip_findings(report: ValidationReport, ledger: Ledger, originals: dict[str, str]) -> None:
    before = ledger.lines_before()

    def where(example) -> str:
        location = example.location.resolve(before)
        path, _, line = location.rpartition(":")
        return f"{originals.get(path, path)}:{line}"

    examples: dict[str, list[str]] = defaultdict(list)
    for example in ledger.examples:
        if len(examples[example.reason]) < MAX_EXAMPLES:
            examples[example.reason].append(where(example))
    for reason, count in sorted(ledger.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        first = ledger.first[reason]
        places = examples.get(reason) or [where(first)]
        report.add(
            WARNING,
            f"{plural(count, 'record')} would be skipped: {reason} (first: {first.detail[:120]})",
            ", ".join(places),
            skip_fix(reason),
        )
    read, skipped = ledger.records_read, ledger.records_skipped
    if read and skipped / read > report.max_skipped_fraction:
        report.add(
            ERROR,
            f"the job would fail: {skipped} of {read} sampled records skipped ({percent(skipped / read)}), more "
            f"than max_skipped_fraction {report.max_skipped_fraction:g} ({percent(report.max_skipped_fraction)})",
            "",
            "fix the records above, or raise the threshold (environment key max_skipped_fraction, CLI "
            "--max-skipped-fraction; at most 1)",
        )
    if read and ledger.records_analyzed == 0 and not outside_window(ledger.dropped):
        report.add(ERROR, "no record left to analyze: the job would fail", "", "see the findings above")
    for reason, count in sorted(ledger.dropped.items()):
        report.add(INFO, f"{plural(count, 'record')} left out on purpose: {reason}", "", "none needed")


# -- capture payloads --------------------------------------------------------------------------
def outside_window(dropped: dict[str, int]) -> int:
    """Records the time window left out (the readers name the window in the reason)."""
    return sum(n for reason, n in dropped.items() if reason.startswith(WINDOW_DROP))


def window_findings(report: ValidationReport, window: TimeWindow | None) -> None:
    """A window that holds none of the sampled records: a warning, not the job's failure, because the
    records the sample did not reach may fall in it."""
    records = report.records
    if window is None or records.analyzed or not outside_window(records.dropped_by_reason):
        return
    capture = report.capture
    span = f"{capture.first_time}..{capture.last_time}" if capture and capture.first_time else "(none)"
    report.add(
        WARNING,
        f"no sampled record falls in the window {window}: {plural(outside_window(records.dropped_by_reason), 'record')} outside it",
        "",
        f"check start_time/end_time against the capture's inferenceTime range {span}",
    )


def capture_findings(report: ValidationReport, scan: CaptureScan) -> None:
    info = scan.info
    for name, part in info.parts.items():
        seen = sum(part.encodings.values())
        if seen == 0:
            if info.records:
                report.add(
                    WARNING,
                    f"no sampled record holds {name}",
                    "",
                    "check --capture-index-names (captureIndexNames) against the records' captureData",
                )
            continue
        if seen < info.records:
            report.add(
                WARNING,
                f"{name} is missing in {info.records - seen} of {info.records} sampled records: their "
                f"{name} columns are missing",
                "",
                "check that the endpoint captures both input and output for every request",
            )
        contents = Counter()
        for kind, n in part.content_types.items():
            contents["JSON" if "json" in kind else "CSV"] += n
        if len(part.encodings) > 1:
            mix = ", ".join(f"{e} {n}" for e, n in part.encodings.items())
            places = ", ".join(f"{e}: {scan.first_at[(name, e)]}" for e in part.encodings)
            json_and_csv = "JSON" in part.encodings and ("CSV" in part.encodings or contents["CSV"])
            if json_and_csv:
                report.add(
                    WARNING,
                    f"mixed payload encodings in {name}: {mix}; JSON payloads give named columns, CSV ones "
                    "positional _c{i} columns, so the features do not line up",
                    places,
                    "capture one content type, or write a preprocessor that turns both into the same fields",
                )
            else:
                report.add(
                    INFO,
                    f"mixed payload encodings in {name}: {mix}",
                    places,
                    "none needed: each record's payload is decoded on its own (such files are read record "
                    "by record, more slowly than uniform CSV)",
                )
        if len(contents) > 1:
            report.add(
                WARNING,
                f"mixed content types in {name}: "
                + ", ".join(f"{k} {n}" for k, n in part.content_types.items()),
                ", ".join(f"{k}: {scan.first_at[(name, k)]}" for k in part.content_types),
                "capture one content type per part, or a preprocessor that maps both to the same fields",
            )
        if len(part.widths) > 1:
            widths = ", ".join(f"{w} fields in {n}" for w, n in part.widths.items())
            report.add(
                WARNING,
                f"{name} CSV payloads differ in width: {widths} records; short rows leave the last "
                "columns missing and move the columns after them",
                ", ".join(f"{w} fields: {scan.first_at[(name, w)]}" for w in list(part.widths)[1:]),
                "send every request with the same features (a preprocessor can fill the missing ones)",
            )
    if info.shadow:
        report.add(
            INFO,
            f"{percent(info.shadow_share)} of the sampled records are shadow-variant traffic (left out)",
            "",
            "none needed",
        )
    if info.bad_times:
        report.add(
            WARNING,
            f"{plural(info.bad_times, 'record')} with an inferenceTime that is not ISO-8601: a scheduled run "
            "(with a time window) skips them",
            "",
            SKIP_FIXES["invalid inferenceTime"],
        )


# -- against a baseline ------------------------------------------------------------------------
def output_width(report: ValidationReport) -> int | None:
    if report.capture is None:
        return None
    widths = [
        max(part.widths, key=part.widths.get)
        for name, part in report.capture.parts.items()
        if name in OUTPUT_PARTS and part.widths
    ]
    return sum(widths) if widths else None


def baseline_findings(
    report: ValidationReport,
    baseline: Baseline,
    as_placed: list[ColumnState],
    other: tuple[str, list[ColumnState]] | None,
    request,
    header_read: HeaderLike | None = None,
) -> None:
    names = baseline.feature_names
    data_names = [c.name for c in as_placed]
    where = str(request.baseline_constraints)
    if len(data_names) != len(names):
        report.add(
            WARNING,
            f"column count mismatch: the data has {len(data_names)} columns, the baseline {len(names)}",
            where,
            "the data must have the baseline's columns: see the findings below, or rebuild the baseline",
        )
    missing = [n for n in names if n not in data_names]
    extra = [n for n in data_names if n not in names]
    if missing:
        report.add(
            WARNING,
            f"missing columns (missing_column_check violations): {', '.join(missing)}",
            where,
            "send these features, or rebuild the baseline without them",
        )
    if extra:
        report.add(
            WARNING,
            f"extra columns (extra_column_check violations): {', '.join(extra)}",
            where,
            "drop them in a preprocessor, or rebuild the baseline with them",
        )
    shifted = shift_findings(report, baseline, as_placed, other, request)
    by_name = {c.name: c for c in as_placed}
    mismatches = type_mismatches(baseline, by_name)
    for feature, expected, actual, ratio in mismatches[:MAX_TYPE_FINDINGS]:
        report.add(
            WARNING,
            f"type mismatch (data_type_check violation): {feature} is {expected} in the baseline, {actual} "
            f"here ({percent(ratio)} of the values are {expected})",
            feature,
            "caused by the column shift above"
            if shifted
            else f"caused by the header line read as data (above): {header_read.fix}"
            if header_read
            else "fix the producer of this feature, or rebuild the baseline from data of this kind",
        )
    if len(mismatches) > MAX_TYPE_FINDINGS:
        report.add(
            WARNING,
            f"{len(mismatches) - MAX_TYPE_FINDINGS} more type mismatches",
            ", ".join(m[0] for m in mismatches[MAX_TYPE_FINDINGS:]),
            "as above",
        )


def position_fix(position: str) -> str:
    return (
        f"set output_columns_position={position} in the job's dataset_format (environment) / "
        f"--output-columns-position {position} on the CLI, or rebuild the baseline with the placement "
        "the monitoring job uses"
    )


def shift_findings(
    report: ValidationReport,
    baseline: Baseline,
    as_placed: list[ColumnState],
    other: tuple[str, list[ColumnState]] | None,
    request,
) -> bool:
    placed = alignment(baseline, as_placed)
    outputs = output_width(report)
    if other is not None and placed is not None:
        position, columns = other
        alternative = alignment(baseline, columns)
        if (
            alternative is not None
            and alternative >= MIN_PLACEMENT_MATCH
            and alternative - placed >= MIN_GAIN
        ):
            current = request.dataset_format.output_columns_position
            count = f"{plural(outputs, 'output column')} " if outputs else "the output columns "
            report.add(
                ERROR,
                f"likely column shift: {count}placed at the {current.lower()} of the row, the baseline has "
                f"them at the {position.lower()}; re-read with output_columns_position={position} the columns "
                f"match the baseline (similarity {alternative:.2f} against {placed:.2f} as placed)",
                str(request.dataset),
                position_fix(position),
            )
            return True
    shift = find_shift(baseline, as_placed)
    if shift is None:
        return False
    feature = baseline.features[shift.start].name
    evidence = "; ".join(
        f"data {p.column} ~ baseline {p.feature} ({p.evidence})" for p in shift.pairs[:MAX_EXAMPLES]
    )
    k = abs(shift.offset)
    direction = "missing" if shift.offset < 0 else "extra"
    report_text = (
        f"likely {plural(k, 'column')} shift from baseline feature {feature} (position {shift.start}) on: "
        f"{shift.describe()} (similarity {shift.shifted:.2f} shifted, {shift.placed:.2f} as placed); {evidence}"
    )
    if request.dataset_format.is_capture and shift.start == 0 and outputs == k and not request.preprocessor:
        flipped = "END" if request.dataset_format.output_columns_position == "START" else "START"
        fix = position_fix(flipped)
    elif request.preprocessor:
        fix = (
            f"the preprocessor leaves {plural(k, 'column')} {direction} before {feature}: make "
            f"{request.preprocessor} return every field the baseline has, in the same place, or rebuild "
            "the baseline with the same preprocessor"
        )
    elif request.dataset_format.kind == CSV:
        fix = (
            f"the data has {plural(k, 'column')} {direction} before {feature}: fix the writer, or rebuild "
            "the baseline from data of this layout"
        )
    else:
        fix = f"{plural(k, 'column')} {direction} before {feature}: send the baseline's fields in its order"
    report.add(ERROR, report_text, str(request.dataset), fix)
    return True
