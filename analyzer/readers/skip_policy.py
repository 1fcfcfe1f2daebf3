"""The bad-input policy after the profile: account for every record, quarantine the skipped ones,
and fail the job when more were skipped than max_skipped_fraction allows. Shared by the
data-quality and the model-quality jobs."""

from __future__ import annotations

import logging
from pathlib import Path

from analyzer.common.errors import TooManySkipped
from analyzer.config.contract import JobConfig, check_fraction
from analyzer.readers.ledger import Ledger
from analyzer.readers.quarantine import update_quarantine
from analyzer.readers.records import HANDLER_RAISED, HANDLER_RETURNED

log = logging.getLogger("monitor_analyzer.job")

TOP_REASONS = 3  # reasons named in the failure message; the log and statistics.json have them all
DETAIL_CHARS = 300  # of a handler's message, so the failure fits SageMaker's 1 KB message file
PREBUILT_HANDLER_FAILURE = (
    "There is an exception raised in preprocessor script. Please double check the preprocessor script."
)


def log_accounting(ledger: Ledger, item_count: int) -> None:
    log.info(
        "Records read: %d, analyzed: %d (%d rows), dropped: %d, skipped: %d",
        ledger.records_read,
        ledger.records_analyzed,
        item_count,
        ledger.records_dropped,
        ledger.records_skipped,
    )
    for reason, count in sorted(ledger.dropped.items()):
        log.info("  dropped %d record(s): %s", count, reason)
    for reason, count in sorted(ledger.skipped.items()):
        log.warning("  skipped %d record(s): %s", count, reason)
    for example in ledger.describe_examples():
        log.warning("  skipped %s", example)


def apply_skip_policy(config: JobConfig, ledger: Ledger, item_count: int) -> Path | None:
    """Log the accounting, write (or clear) the quarantine, then raise TooManySkipped past the
    threshold. Returns the quarantine file when one was written."""
    log_accounting(ledger, item_count)
    quarantine = update_quarantine(config.output_path, ledger, config.quarantine)
    if quarantine is not None:
        omitted = f", {ledger.quarantine_omitted} more omitted" if ledger.quarantine_omitted else ""
        log.warning("Wrote %d skipped record(s) to %s%s", len(ledger.quarantined), quarantine, omitted)
    check_skipped(ledger, config.max_skipped_fraction)
    return quarantine


def check_skipped(ledger: Ledger, threshold: float) -> None:
    read, skipped = ledger.records_read, ledger.records_skipped
    if not read or skipped / read <= threshold:
        return
    raise TooManySkipped(too_many_message(ledger, threshold))


def percent(fraction: float) -> str:
    return f"{fraction * 100:.4g}%"


def too_many_message(ledger: Ledger, threshold: float) -> str:
    before = ledger.lines_before()
    ranked = sorted(ledger.skipped.items(), key=lambda item: (-item[1], item[0]))
    named = [
        f"{reason}: {count} (first at {ledger.first[reason].location.resolve(before)})"
        for reason, count in ranked[:TOP_REASONS]
    ]
    if len(ranked) > TOP_REASONS:
        named.append(f"{len(ranked) - TOP_REASONS} more reason(s)")
    read, skipped = ledger.records_read, ledger.records_skipped
    summary = (
        f"Skipped {skipped} of {read} records ({percent(skipped / read)}), more than max_skipped_fraction "
        f"{threshold:g} ({percent(threshold)}) allows; {', '.join(named)}. Fix the input, or raise the "
        "threshold (environment key max_skipped_fraction, CLI --max-skipped-fraction; at most 1)"
    )
    main, _ = ranked[0]
    first = ledger.first[main]
    detail = first.detail if len(first.detail) <= DETAIL_CHARS else first.detail[:DETAIL_CHARS] + "..."
    where = first.location.resolve(before)
    if main.startswith(HANDLER_RAISED):
        kind = main.removeprefix(HANDLER_RAISED).strip()
        return f"{PREBUILT_HANDLER_FAILURE} {kind}: {detail} (record {where}). {summary}"
    if main.startswith(HANDLER_RETURNED):
        return f"{main} for record {where}; {detail}. {summary}"
    return summary


def check_policy(config: JobConfig) -> None:
    """A JobConfig built in code (CLI flags, tests) gets the same check as the environment's value."""
    check_fraction(config.max_skipped_fraction)
