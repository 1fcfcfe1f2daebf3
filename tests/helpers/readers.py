"""A reader's fast path against its record-by-record path: the same statistics and the same ledger."""

from __future__ import annotations

from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.statistics import build_statistics
from analyzer.readers.ledger import Ledger


def profile_with(reader, split, plan) -> tuple[dict, Ledger]:
    """statistics.json and the ledger (raw lines kept, as the quarantine keeps them) of one reader."""
    profile = DatasetProfile()
    profile.ledger.keep_raw = True
    for batch in reader(split, plan, profile.ledger):
        profile.update(batch)
    return build_statistics(profile), profile.ledger


def paths_agree(fast_reader, slow_reader, split, plan) -> tuple[dict, Ledger]:
    """Both readers over the split: statistics and ledgers must be equal; returns the fast one's."""
    fast, fast_ledger = profile_with(fast_reader, split, plan)
    slow, slow_ledger = profile_with(slow_reader, split, plan)
    assert fast == slow
    assert fast_ledger == slow_ledger
    return fast, fast_ledger
