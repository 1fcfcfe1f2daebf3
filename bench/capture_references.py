"""The capture bench's references: the fastest queries a polars or a DuckDB user would write for the
statistics the analyzer computes, and the check that they computed the same numbers.

Both read the capture JSON lines, take the input and output payloads, split the CSV input into its
fields (an empty field is missing) and compute, in one streaming pass: for every column the present
count, how many values match Deequ's Integral regex and an approximate distinct count; for the
numeric columns the numeric count, sum, mean, population standard deviation, min, max and median;
for the categorical ones their value counts. The user knows the layout (which columns are
categorical, the payload's width), so neither query computes what it does not need: the analyzer
has to find all that out, the references are given it. Both engines use every core. Up to ``WIDE``
fields the queries hold one column per field; past it (2,000 features) one row per value, grouped
by its position, which is what such a user writes: planning ten aggregates for each of thousands
of columns costs more than the data.

Each returns ``{column: {statistic: value}}`` with the same keys, so that ``check`` compares either
against a ``statistics.json`` of the analyzer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import duckdb
import polars as pl

INTEGRAL_RE = r"^(-|\+)? ?\d+$"  # Deequ's, as analyzer/common/number_text.py has it
# Up to this many fields, one column per field (fastest); past it one row per value grouped by its
# position: 2,000 columns x 10 aggregates took polars 14 s and DuckDB 61 s to plan for 3,000 records,
# against 2.5 and 3.1 s for the whole grouped query (measured).
WIDE = 100
NUMERIC_SQL = (
    ("numbers", "count({})"),
    ("sum", "sum({})"),
    ("mean", "avg({})"),
    ("std", "stddev_pop({})"),
    ("min", "min({})"),
    ("max", "max({})"),
    ("median", "approx_quantile({}, 0.5)"),
)


def layout(files: list[Path]) -> int:
    """The input payload's width, from the first record (what a user looks at before writing a query)."""
    with open(files[0]) as f:
        record = json.loads(f.readline())
    return record["captureData"]["endpointInput"]["data"].count(",") + 1


def column_names(width: int) -> list[str]:
    """The analyzer's names: the output first (``_c0``), then the input's fields."""
    return [f"_c{i}" for i in range(width + 1)]


def polars_profile(files: list[Path], categorical: set[str]) -> dict[str, dict]:
    width = layout(files)
    return (_polars_wide if width <= WIDE else _polars_long)(files, width, categorical)


def duckdb_profile(files: list[Path], categorical: set[str]) -> dict[str, dict]:
    width = layout(files)
    return (_duckdb_wide if width <= WIDE else _duckdb_long)(files, width, categorical)


def _polars_wide(files: list[Path], width: int, categorical: set[str]) -> dict[str, dict]:
    """``pl.scan_ndjson with the two payload fields as schema, ``str.split_exact`` into columns,
    empty fields to null, then one ``select`` of every aggregate, collected by the streaming engine."""
    names = column_names(width)
    part = pl.Struct({"data": pl.String})
    schema = {"captureData": pl.Struct({"endpointInput": part, "endpointOutput": part})}
    capture = pl.col("captureData")
    fields = (
        capture.struct.field("endpointInput")
        .struct.field("data")
        .str.split_exact(",", width - 1)
        .struct.rename_fields(names[1:])
    )
    table = (
        pl.scan_ndjson([str(f) for f in files], schema=schema)
        .select(
            capture.struct.field("endpointOutput").struct.field("data").alias(names[0]), fields.alias("f")
        )
        .unnest("f")
        .with_columns(pl.when(pl.col(n) != "").then(pl.col(n)).alias(n) for n in names)
    )
    aggregates = []
    for name in names:
        c = pl.col(name)
        aggregates += [
            c.count().alias(f"{name}|present"),
            c.str.contains(INTEGRAL_RE).sum().alias(f"{name}|integral"),
            c.drop_nulls().approx_n_unique().alias(f"{name}|distinct"),  # null is no value
        ]
        if name in categorical:
            aggregates.append(c.drop_nulls().value_counts().implode().alias(f"{name}|values"))
            continue
        x = c.cast(pl.Float64, strict=False)
        aggregates += [
            x.count().alias(f"{name}|numbers"),
            x.sum().alias(f"{name}|sum"),
            x.mean().alias(f"{name}|mean"),
            x.std(ddof=0).alias(f"{name}|std"),
            x.min().alias(f"{name}|min"),
            x.max().alias(f"{name}|max"),
            x.median().alias(f"{name}|median"),
        ]
    row = table.select(aggregates).collect(engine="streaming").row(0, named=True)
    result = _by_column(row)
    for name in categorical & set(result):
        result[name]["values"] = {item[name]: item["count"] for item in result[name]["values"]}
    return result


def _duckdb_wide(files: list[Path], width: int, categorical: set[str]) -> dict[str, dict]:
    """DuckDB's ``read_ndjson_objects`` with ``json_extract_string`` for the two payloads (the query
    twice as fast as with ``read_json`` and the columns declared, measured), ``string_split``, ``NULLIF`` for
    empty fields, ``TRY_CAST`` to DOUBLE, ``regexp_matches``, ``approx_count_distinct``,
    ``approx_quantile`` for the median and ``histogram`` for the value counts, in one query."""
    names = column_names(width)
    columns = ["NULLIF(json_extract_string(json, '$.captureData.endpointOutput.data'), '') AS _c0"]
    columns += [f"NULLIF(f[{i}], '') AS _c{i}" for i in range(1, width + 1)]
    aggregates = []
    for name in names:
        aggregates += [
            f'count({name}) AS "{name}|present"',
            f"count_if(regexp_matches({name}, '{INTEGRAL_RE}')) AS \"{name}|integral\"",
            f'approx_count_distinct({name}) AS "{name}|distinct"',
        ]
        if name in categorical:
            aggregates.append(f'histogram({name}) AS "{name}|values"')
            continue
        x = f"TRY_CAST({name} AS DOUBLE)"
        for stat, function in NUMERIC_SQL:
            aggregates.append(f'{function.format(x)} AS "{name}|{stat}"')
    paths = ", ".join(f"'{f}'" for f in files)
    query = f"""
        WITH captured AS (
            SELECT json, string_split(json_extract_string(json, '$.captureData.endpointInput.data'), ',') AS f
            FROM read_ndjson_objects([{paths}])
        ), fields AS (SELECT {", ".join(columns)} FROM captured)
        SELECT {", ".join(aggregates)} FROM fields"""
    with duckdb.connect() as connection:
        cursor = connection.execute(query)
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    return _by_column(row)


def _polars_long(files: list[Path], width: int, categorical: set[str]) -> dict[str, dict]:
    """Many columns: one row per value with its position (``explode``), the aggregates grouped by
    position, value counts for the categorical positions, collected by the streaming engine."""
    part = pl.Struct({"data": pl.String})
    schema = {"captureData": pl.Struct({"endpointInput": part, "endpointOutput": part})}
    capture = pl.col("captureData")
    output = capture.struct.field("endpointOutput").struct.field("data")
    fields = capture.struct.field("endpointInput").struct.field("data").str.split(",")
    v = pl.col("v")
    x = v.cast(pl.Float64, strict=False)
    table = (
        pl.scan_ndjson([str(f) for f in files], schema=schema)
        .select(pl.concat_list(output, fields).alias("v"))
        .with_columns(pl.int_ranges(0, pl.col("v").list.len(), dtype=pl.UInt32).alias("i"))
        .explode(["v", "i"])
        .with_columns(pl.when(v != "").then(v).alias("v"))
    )
    positions = [int(name[2:]) for name in categorical]
    frame = (
        table.group_by("i")
        .agg(
            v.count().alias("present"),
            v.str.contains(INTEGRAL_RE).sum().alias("integral"),
            v.drop_nulls().approx_n_unique().alias("distinct"),
            x.count().alias("numbers"),
            x.sum().alias("sum"),
            x.mean().alias("mean"),
            x.std(ddof=0).alias("std"),
            x.min().alias("min"),
            x.max().alias("max"),
            x.median().alias("median"),
            v.filter(pl.col("i").is_in(positions)).drop_nulls().value_counts().alias("values"),
        )
        .collect(engine="streaming")
    )
    result = {}
    for row in frame.iter_rows(named=True):
        name = f"_c{row.pop('i')}"
        counts = row.pop("values")
        if name in categorical:
            row = {k: row[k] for k in ("present", "integral", "distinct")}
            row["values"] = {item["v"]: item["count"] for item in counts}
        result[name] = row
    return result


def _duckdb_long(files: list[Path], width: int, categorical: set[str]) -> dict[str, dict]:
    """Many columns: ``unnest`` with ``generate_subscripts``, the same aggregates ``GROUP BY`` position,
    ``histogram`` filtered to the categorical positions."""
    positions = ", ".join(name[2:] for name in sorted(categorical)) or "NULL"
    paths = ", ".join(f"'{f}'" for f in files)
    numeric = ", ".join(f'{function.format("x")} AS "{stat}"' for stat, function in NUMERIC_SQL)
    query = f"""
        WITH captured AS (
            SELECT list_prepend(json_extract_string(json, '$.captureData.endpointOutput.data'),
                string_split(json_extract_string(json, '$.captureData.endpointInput.data'), ',')) AS l
            FROM read_ndjson_objects([{paths}])
        ), fields AS (
            SELECT NULLIF(unnest(l), '') AS v, generate_subscripts(l, 1) - 1 AS i FROM captured
        ), typed AS (SELECT i, v, TRY_CAST(v AS DOUBLE) AS x FROM fields)
        SELECT i, count(v) AS present, count_if(regexp_matches(v, '{INTEGRAL_RE}')) AS integral,
            approx_count_distinct(v) AS distinct, {numeric},
            histogram(v) FILTER (WHERE i IN ({positions})) AS "values"
        FROM typed GROUP BY i"""
    with duckdb.connect() as connection:
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    result = {}
    for values in rows:
        row = dict(zip(names, values, strict=True))
        name = f"_c{row.pop('i')}"
        counts = row.pop("values")
        if name in categorical:
            row = {k: row[k] for k in ("present", "integral", "distinct")}
            row["values"] = counts
        result[name] = row
    return result


def _by_column(row: dict) -> dict[str, dict]:
    result: dict[str, dict] = {}
    for key, value in row.items():
        name, stat = key.split("|")
        result.setdefault(name, {})[stat] = value
    return result


class ReferenceMismatch(AssertionError):
    pass


def check(statistics: Path, reference: dict[str, dict], label: str) -> int:
    """Compare a reference with the analyzer's ``statistics.json`` on the same files: present counts,
    inferred types (from the Integral and numeric counts), sum, mean, std, min and max (to 1e-9
    relative), value counts (exact), distinct counts (HyperLogLog on both sides, 10%), and the median
    (inside the KLL buckets holding ranks 45% to 55%). Returns how many figures agreed; raises
    ReferenceMismatch on the first that does not, so a reference cannot silently compute less."""
    features = {f["name"]: f for f in json.loads(statistics.read_text())["features"]}
    if set(features) != set(reference):
        raise ReferenceMismatch(f"{label}: columns {sorted(reference)} != ours {sorted(features)}")
    agreed = 0

    def expect(ok: bool, what: str, theirs, ours) -> None:
        nonlocal agreed
        if not ok:
            raise ReferenceMismatch(f"{label}, {what}: reference {theirs!r}, ours {ours!r}")
        agreed += 1

    for name, feature in features.items():
        ref = reference[name]
        stats = feature.get("numerical_statistics") or feature["string_statistics"]
        expect(ref["present"] == stats["common"]["num_present"], f"{name} present", ref["present"], stats)
        if "values" in ref:
            expect(feature["inferred_type"] == "String", f"{name} type", "String", feature["inferred_type"])
            ours = {b["value"]: b["count"] for b in stats["distribution"]["categorical"]["buckets"]}
            expect(ref["values"] == ours, f"{name} value counts", ref["values"], ours)
            distinct = stats["distinct_count"]
            expect(
                abs(ref["distinct"] - distinct) <= 0.1 * distinct,
                f"{name} distinct",
                ref["distinct"],
                distinct,
            )
            continue
        kind = "Integral" if ref["integral"] == ref["present"] else "Fractional"
        kind = kind if ref["numbers"] == ref["present"] else "String"
        expect(feature["inferred_type"] == kind, f"{name} type", kind, feature["inferred_type"])
        for stat, key in (
            ("sum", "sum"),
            ("mean", "mean"),
            ("std", "std_dev"),
            ("min", "min"),
            ("max", "max"),
        ):
            ok = math.isclose(ref[stat], stats[key], rel_tol=1e-9, abs_tol=1e-12)
            expect(ok, f"{name} {stat}", ref[stat], stats[key])
        low, high = _middle(stats["distribution"]["kll"]["buckets"])
        expect(low <= ref["median"] <= high, f"{name} median", ref["median"], (low, high))
    return agreed


def _middle(buckets: list[dict]) -> tuple[float, float]:
    """The value range of the buckets that hold ranks 45% to 55% of the values."""
    total = sum(b["count"] for b in buckets)
    seen, low, high = 0.0, None, None
    for b in buckets:
        if low is None and seen + b["count"] >= 0.45 * total:
            low = b["lower_bound"]
        seen += b["count"]
        if high is None and seen >= 0.55 * total:
            high = b["upper_bound"]
    return low, high
