"""The columnar capture reader's segment column: the split JSONPath read by pyarrow with the rest.

The path's keys are merged into the explicit schema as nested structs with a string leaf; pyarrow
then parses the value with the other fields in the same pass, and the segment of every row is one
vectorised expression. The rows are then grouped by segment (a stable sort of the table, before
the payloads are split into columns), so each segment's rows are one zero-copy slice of every
column. A value that is not a string (a number, an object) makes pyarrow refuse the
schema, and the split falls back to the record reader, which reads any value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.config.segments import UNKNOWN, SplitSpec


def _with_key(fields: list[pa.Field], steps: tuple[str, ...]) -> list[pa.Field] | None:
    key, rest = steps[0], steps[1:]
    for i, f in enumerate(fields):
        if f.name != key:
            continue
        if not rest:
            return fields if pa.types.is_string(f.type) else None
        if not pa.types.is_struct(f.type):
            return None
        inner = _with_key(list(f.type), rest)
        if inner is None:
            return None
        return [*fields[:i], pa.field(key, pa.struct(inner)), *fields[i + 1 :]]
    leaf: pa.DataType = pa.string()
    for name in reversed(rest):
        leaf = pa.struct([(name, leaf)])
    return [*fields, pa.field(key, leaf)]


def schema_with_segment(schema: pa.Schema, spec: SplitSpec) -> pa.Schema | None:
    """The schema that also reads the split path; None when this path cannot be read so (list
    indices, or a key the schema already holds as something other than a string)."""
    if not spec.steps or not spec.keys_only:
        return None
    fields = _with_key(list(schema), spec.steps)
    return None if fields is None else pa.schema(fields)


def segment_column(table: pa.Table, spec: SplitSpec) -> pa.Array:
    """Every row's segment: the string at the path, ``UNKNOWN`` where it is missing or empty."""
    values = table.column(spec.steps[0]).combine_chunks()
    for key in spec.steps[1:]:
        values = pc.struct_field(values, key)
    missing = pc.fill_null(pc.equal(values, ""), True)
    return pc.if_else(missing, pa.scalar(UNKNOWN, pa.string()), values)


def by_segment(table: pa.Table, spec: SplitSpec) -> tuple[pa.Table, pa.Array]:
    """The table with its rows grouped by segment (in order of first appearance, each segment's
    rows in read order) and the segment of every row."""
    segments = segment_column(table, spec)
    codes = segments.dictionary_encode().indices.to_numpy(zero_copy_only=False)
    if len(codes) > 1 and np.any(codes[1:] < codes[:-1]):
        order = pa.array(np.argsort(codes, kind="stable"))
        table, segments = table.take(order), segments.take(order)
    return table, segments
