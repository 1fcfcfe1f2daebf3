"""The profile of an in-memory table: its text columns folded into the CLI's profile states."""

from __future__ import annotations

import pickle

import pyarrow as pa

from analyzer.api.csv_layout import plan_layout


def profile_columns(names: list[str], columns: list[pa.Array], num_rows: int, settings):
    """A DatasetProfile of ``columns`` (text, as ``csv_text`` makes them) under the header ``names``,
    batched and merged as the CLI batches and merges the same rows read from a CSV file."""
    from analyzer.profiling.dataset import DatasetProfile
    from analyzer.profiling.ordered_merge import OrderedMerge
    from analyzer.readers.batch import Batch, Column, positional

    layout = plan_layout(names, columns, num_rows)
    merger = OrderedMerge()
    for index, batches in enumerate(layout.tasks):
        state = DatasetProfile(settings)
        for first, end in batches:
            rows = end - first
            state.ledger.records_read += rows
            state.ledger.records_analyzed += rows
            pairs = enumerate(zip(names, columns, strict=True))
            state.update(Batch(rows, [Column(n, positional(i), c.slice(first, rows)) for i, (n, c) in pairs]))
        # Through pickle as a task's state travels: the merged profile is made exactly as the CLI's.
        merger.add(index, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    return merger.result()
