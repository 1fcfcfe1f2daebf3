"""The custom metrics' mergeable state, carried inside the DatasetProfile of every task.

User states are pickled one by one when the profile leaves a task, so a state that cannot be
pickled is reported with its metric's name; a failure in ``merge`` (which may run on an executor)
is kept and raised on the driver when the results are read.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.common.errors import ScriptError
from analyzer.custom.definitions import MetricDefinition, load_definitions
from analyzer.profiling.datatypes import classify, to_double
from analyzer.readers.batch import Batch

Key = tuple[str | None, str]


def numbers(values: pa.Array | None, rows: int) -> np.ndarray:
    """float64 per row; NaN where the analyzer sees no number (missing, text, NaN, infinities)."""
    if values is None:
        return np.full(rows, np.nan)
    kind = values.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        out = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
        return np.where(np.isfinite(out), out, np.nan)
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return np.full(rows, np.nan)  # booleans, timestamps: categories to the analyzer
    is_frac, is_int, _ = classify(values)
    kept = pc.if_else(pc.or_(is_frac, is_int), values, pa.scalar(None, kind))
    return to_double(kept).to_numpy(zero_copy_only=False)


def text(values: pa.Array | None, rows: int):
    """A pandas Series of str per row (numbers in their text form), NA where missing; Arrow-backed,
    so its ``.str`` methods run without a Python string per value."""
    if values is None:
        values = pa.nulls(rows, pa.string())
    elif not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values.to_pandas()


class BatchView:
    """What each metric's ``update`` receives from one batch; conversions shared between metrics."""

    def __init__(self, batch: Batch):
        self.rows = batch.num_rows
        ordered = sorted(batch.columns, key=lambda c: (c.order, c.name))
        self.arrays = {}
        for column in ordered:
            values = column.values
            self.arrays[column.name] = (
                values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
            )
        self._cache: dict = {}

    def feature(self, name: str, kind: str):
        key = (name, kind)
        if key not in self._cache:
            values = self.arrays.get(name)
            if kind == "numbers":
                self._cache[key] = numbers(values, self.rows)
            elif kind == "text":
                self._cache[key] = text(values, self.rows)
            else:
                self._cache[key] = values if values is not None else pa.nulls(self.rows, pa.string())
        return private(self._cache[key])

    def dataset(self, kind: str):
        key = (None, kind)
        if key not in self._cache:
            if kind == "arrow":
                self._cache[key] = pa.table(self.arrays) if self.arrays else pa.table({})
            else:
                columns = {name: self.feature(name, kind) for name in self.arrays}
                self._cache[key] = pd.DataFrame(columns, index=pd.RangeIndex(self.rows))
        return private(self._cache[key])


def private(value):
    """Each metric's own view of a shared conversion: one that edits its input in place must not
    change the next metric's (numpy: a copy; pandas: copy-on-write; Arrow is immutable)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, pd.Series | pd.DataFrame):
        return value.copy(deep=False)
    return value


class CustomMetrics:
    def __init__(self, script: str):
        self.script = script
        self.failure: str | None = None
        self.states = {d.key: d.call("init") for d in self.definitions}

    @property
    def definitions(self) -> tuple[MetricDefinition, ...]:
        return load_definitions(self.script)

    def update(self, batch: Batch) -> None:
        if batch.num_rows == 0 or self.failure:
            return
        view = BatchView(batch)
        for d in self.definitions:
            values = view.dataset(d.input) if d.feature is None else view.feature(d.feature, d.input)
            self.states[d.key] = d.call("update", self.states[d.key], values)

    def merge(self, other: CustomMetrics) -> CustomMetrics:
        """Fold in the state of a later part of the data (``merge(earlier, later)``)."""
        self.failure = self.failure or other.failure
        if self.failure:
            return self
        for d in self.definitions:
            try:
                self.states[d.key] = d.call("merge", self.states[d.key], other.states[d.key])
            except ScriptError as e:
                self.failure = str(e)
                break
        return self

    def results(self) -> dict[Key, float]:
        if self.failure:
            raise ScriptError(self.failure)
        out = {}
        for d in self.definitions:
            value = d.call("result", self.states[d.key])
            if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
                raise d.fail("result", f"must return a number, got {type(value).__name__}")
            # An infinite result is what a sum of extreme data gives: it is written as "Infinity" and
            # left out of CloudWatch with a warning (cloudwatch_limits), like the built-in metrics.
            out[d.key] = float(value)
        return out

    def __getstate__(self) -> dict:
        blobs, failure = {}, self.failure
        if not failure:
            for d in self.definitions:
                try:
                    blobs[d.key] = pickle.dumps(self.states[d.key], protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as e:
                    failure = str(
                        d.fail(
                            "the state",
                            f"cannot be pickled ({type(e).__name__}: {e}); keep states to numbers, "
                            "tuples, lists, dicts and numpy arrays",
                        )
                    )
                    break
        return {"script": self.script, "failure": failure, "blobs": {} if failure else blobs}

    def __setstate__(self, state: dict) -> None:
        self.script = state["script"]
        self.failure = state["failure"]
        self.states = {key: pickle.loads(blob) for key, blob in state["blobs"].items()}
