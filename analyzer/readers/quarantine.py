"""<output_path>/quarantine/skipped.jsonl: the skipped records as read, for whoever fixes the input."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

from analyzer.config.output_names import QUARANTINE_DIR, QUARANTINE_FILE
from analyzer.files.writers import remove_stale_temporaries, write_atomic_with
from analyzer.readers.ledger import Ledger


def quarantine_path(output_path: Path) -> Path:
    return Path(output_path) / QUARANTINE_DIR / QUARANTINE_FILE


def quarantine_lines(ledger: Ledger) -> Iterator[bytes]:
    """One JSON object per kept record, in split order; then ``{"omitted": k}`` past the bounds."""
    before = ledger.lines_before()
    for entry in ledger.quarantined:
        line = {"location": entry.location.resolve(before), "reason": entry.reason, "detail": entry.detail}
        try:
            line["record"] = entry.raw.decode("utf-8")
        except UnicodeDecodeError:
            line["record_base64"] = base64.b64encode(entry.raw).decode("ascii")
        yield (json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    if ledger.quarantine_omitted:
        yield (json.dumps({"omitted": ledger.quarantine_omitted}, allow_nan=False) + "\n").encode("utf-8")


def update_quarantine(output_path: Path, ledger: Ledger, enabled: bool) -> Path | None:
    """Write this run's quarantine, or remove an earlier run's: what is there always belongs to the
    latest run in output_path."""
    path = quarantine_path(output_path)
    if enabled and ledger.records_skipped:
        return write_atomic_with(path, lambda f: f.writelines(quarantine_lines(ledger)))
    remove_stale_temporaries(path)
    path.unlink(missing_ok=True)
    if path.parent.is_dir() and not any(path.parent.iterdir()):
        path.parent.rmdir()
    return None
