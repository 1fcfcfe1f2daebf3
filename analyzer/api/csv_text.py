"""In-memory columns as the text the CSV reader would see in ``df.to_csv(index=False)``.

The command line reads every CSV value as text and types it with Deequ's patterns; a DataFrame is
profiled the same way, so each column becomes the strings pandas writes for it:

- pandas columns: pandas' own formatter (``Series.astype(str)`` is the one ``to_csv`` uses): floats
  as their shortest round-trip repr (``0.1``, ``1.0``, ``1e+16``, ``-0.0``, ``inf``; float32 as
  float32), integers as digits, bools ``True``/``False``, datetimes as ``2020-01-01`` when every value
  is a date and with their time otherwise, categories as their values, objects as ``str(value)``;
- Arrow columns (a pyarrow Table, a polars DataFrame) as pandas writes the same values with their
  types kept: integers stay integers even with nulls (``1``, not ``1.0``), floats and bools as
  above, strings as they are, other types through pandas;
- a missing value (None, NaN, NaT, pd.NA, null) and an empty string are both an empty field, which
  the reader reads as missing.

Where the CSV file itself loses the value, the API keeps it: a value holding a line break (the
reader takes a record to be a line), and in a one-column frame a missing value (written ``""``, read
back as an empty string) or a blank one (read as a blank line).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def pandas_text(series) -> pa.Array:
    missing = series.isna().to_numpy(dtype=bool)
    text = series.astype(str).to_numpy(dtype=object)
    text[missing] = None
    return empty_as_missing(pa.array(text, type=pa.string()))


def arrow_text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.cast(kind.value_type), kind.value_type
    if pa.types.is_integer(kind):
        text = pc.cast(values, pa.string())
    elif pa.types.is_floating(kind):
        text = _float_text(values)
    elif pa.types.is_boolean(kind):
        text = pc.if_else(values, "True", "False")
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        text = pc.cast(values, pa.string())
    else:
        return pandas_text(values.to_pandas(integer_object_nulls=True))
    return empty_as_missing(text)


def _float_text(values: pa.Array) -> pa.Array:
    """numpy's shortest repr, the formatter pandas writes floats with (float32 stays float32)."""
    numbers = values.to_numpy(zero_copy_only=False)
    missing = np.isnan(numbers)
    text = numbers.astype(str).astype(object)
    text[missing] = None
    return pa.array(text, type=pa.string())


def empty_as_missing(text: pa.Array) -> pa.Array:
    """An empty string is written as an empty field: the reader sees a missing value."""
    if len(text) == text.null_count:
        return text
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def column_names(names: list) -> list[str]:
    """The header's names as the reader makes them (blank ones _c{i}, repeated ones numbered)."""
    from analyzer.profiling.engine import header_names

    return header_names([str(name) for name in names])
