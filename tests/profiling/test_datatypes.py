"""Deequ's regex typing (StatefulDataType) and column decision (DataTypeHistogram.determineType)."""

from __future__ import annotations

import math
import re

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analyzer.profiling.datatypes import (
    BOOLEAN,
    FRACTIONAL,
    INTEGRAL,
    NULL,
    STRING,
    InferredType,
    classify,
    classify_one,
    determine_type,
    to_double,
)

INT, FRAC, STR, UNK = (
    InferredType.INTEGRAL,
    InferredType.FRACTIONAL,
    InferredType.STRING,
    InferredType.UNKNOWN,
)
BOOL = "Boolean"

CASES = [
    ("3", INT),
    ("+3", INT),
    ("-3", INT),
    ("- 3", INT),  # one space after the sign is allowed
    ("+ 3", INT),
    ("-  3", STR),  # but only one
    ("-0", INT),
    ("00012", INT),
    ("123456789012345678901234567890", INT),  # no range limit in the regex
    ("3.0", FRAC),
    ("-3.25", FRAC),
    ("1e5", FRAC),
    ("1E5", FRAC),
    ("1.5E-3", FRAC),
    ("1.2e+01", FRAC),
    ("- 1.5e3", FRAC),
    ("-0.0e0", FRAC),
    (".5", STR),
    ("1.", STR),
    ("1e", STR),
    ("1E+", STR),
    ("1.5.3", STR),
    ("NaN", STR),
    ("nan", STR),
    ("inf", STR),
    ("Infinity", STR),
    ("-Infinity", STR),
    ("0x1A", STR),
    ("1_000", STR),
    ("1,000", STR),
    ("+-3", STR),
    ("--3", STR),
    ("true", BOOL),
    ("false", BOOL),
    ("True", STR),
    ("TRUE", STR),
    (" true", STR),
    ("", STR),  # an empty string is a value, not null
    (" ", STR),
    ("\t", STR),
    # The optional space of ``^(-|\+)? ?\d+$`` needs no sign: one leading space is still a number.
    (" 3", INT),
    (" 3.5", FRAC),
    (" -3", STR),  # the space goes between the sign and the digits, not before the sign
    ("  3", STR),
    ("\t3", STR),
    ("3 ", STR),
    ("3\n", STR),  # whole-string match: a trailing line break is not ignored
    ("\u0661\u0662", STR),  # Arabic-Indic digits: Java's \d is ASCII only
    ("\u0663.\u0665", STR),
]


@pytest.mark.parametrize(("value", "expected"), CASES, ids=[repr(v) for v, _ in CASES])
def test_classify_one(value, expected):
    assert classify_one(value) == expected


# Deequ's regexes, applied independently with Python's re (ASCII \d, like Java's default).
FRACTIONAL_RE = re.compile(r"(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))", re.ASCII)
INTEGRAL_RE = re.compile(r"(-|\+)? ?\d+", re.ASCII)
BOOLEAN_RE = re.compile(r"true|false")


def deequ_class(value: str) -> str:
    if FRACTIONAL_RE.fullmatch(value):
        return "Fractional"
    if INTEGRAL_RE.fullmatch(value):
        return "Integral"
    if BOOLEAN_RE.fullmatch(value):
        return "Boolean"
    return "String"


def test_classify_agrees_with_python_regex_on_generated_tokens():
    pieces = ["", "-", "+", " ", "- ", "1", "12", ".", ".5", "e", "E", "e-", "E+", "3", "x", "true"]
    tokens = sorted({a + b + c for a in pieces for b in pieces for c in pieces})
    assert len(tokens) > 1000
    for token in tokens:
        assert classify_one(token) == deequ_class(token), repr(token)


def test_classify_in_bulk_agrees_with_python_regex():
    """Each test runs on the values the earlier ones left: a shuffled mix of every class, with nulls,
    must come out as Deequ's regexes classify each value on its own."""
    import random

    pieces = ["", "-", "+", " ", "1", "12", ".", ".5", "e", "E+", "x", "true", "\u0661"]
    tokens = [a + b + c for a in pieces for b in pieces for c in pieces] + ["false", "007", "- 3"]
    rng = random.Random(5)
    for nulls in (0.0, 0.1):
        values = [None if rng.random() < nulls else rng.choice(tokens) for _ in range(20_000)]
        is_frac, is_int, counts = classify(pa.array(values, type=pa.string()))
        expected = ["Unknown" if v is None else deequ_class(v) for v in values]
        assert is_frac.to_pylist() == [e == "Fractional" for e in expected]
        assert is_int.to_pylist() == [e == "Integral" for e in expected]
        names = ["Unknown", "Fractional", "Integral", "Boolean", "String"]
        assert counts == [expected.count(name) for name in names]


def test_classify_none_is_unknown():
    assert classify_one(None) == UNK


def test_classify_counts_and_masks():
    values = pa.array(["1", "2.5", None, "true", "x", "- 4", None, "1e3", ""], type=pa.string())
    is_frac, is_int, counts = classify(values)
    assert counts == [2, 2, 2, 1, 2]  # null, fractional, integral, boolean, string
    assert counts[NULL] == 2 and counts[STRING] == 2 and counts[BOOLEAN] == 1
    assert is_frac.to_pylist() == [False, True, False, False, False, False, False, True, False]
    assert is_int.to_pylist() == [True, False, False, False, False, True, False, False, False]


def counts(null=0, frac=0, integral=0, boolean=0, string=0) -> list[int]:
    out = [0] * 5
    out[NULL], out[FRACTIONAL], out[INTEGRAL], out[BOOLEAN], out[STRING] = (
        null,
        frac,
        integral,
        boolean,
        string,
    )
    return out


@pytest.mark.parametrize(
    ("histogram", "expected"),
    [
        (counts(), UNK),  # no values at all
        (counts(null=5), UNK),
        (counts(integral=3), INT),
        (counts(null=9, integral=1), INT),
        (counts(frac=1, integral=99), FRAC),  # Fractional beats Integral
        (counts(frac=4), FRAC),
        (counts(frac=10, integral=10, string=1), STR),  # a single stray token flips the column
        (counts(string=1), STR),
        (counts(null=3, string=1), STR),
        (counts(boolean=5), STR),  # Model Monitor has no Boolean: a boolean column is String
        (counts(boolean=1, integral=5), STR),
        (counts(boolean=1, frac=5), STR),
        (counts(null=100, boolean=1), STR),
    ],
)
def test_determine_type(histogram, expected):
    assert determine_type(histogram) == expected


def test_inferred_type_values_are_model_monitor_names():
    assert [t.value for t in InferredType] == ["Integral", "Fractional", "String", "Unknown"]
    assert INT.is_numeric and FRAC.is_numeric and not STR.is_numeric and not UNK.is_numeric


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3.0),
        ("+3", 3.0),
        ("-3", -3.0),
        ("- 3", -3.0),
        ("+ 3", 3.0),
        (" 3", 3.0),
        ("- 1.5e3", -1500.0),
        ("1.2e+01", 12.0),
        ("1.5E-3", 0.0015),
        ("00012", 12.0),
        ("-3.25", -3.25),
        ("0.1", 0.1),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("4.9e-324", 5e-324),
        ("1e400", math.inf),  # Java's Double.parseDouble overflows to Infinity as well
    ],
)
def test_to_double(text, expected):
    assert to_double(pa.array([text], type=pa.string())).to_pylist() == [expected]


def test_to_double_signed_zero_and_nulls():
    out = to_double(pa.array(["-0", "- 0", None, "+0.0"], type=pa.string())).to_pylist()
    assert out[2] is None
    assert [math.copysign(1.0, x) for x in (out[0], out[1], out[3])] == [-1.0, -1.0, 1.0]
    assert out[0] == out[1] == out[3] == 0.0


def test_classify_counted_equals_classify_row_by_row():
    """Typing distinct values once and weighting them gives exactly the per-row classification."""
    import random

    from analyzer.profiling.datatypes import classify_counted

    rng = random.Random(11)
    tokens = ["3", "+3", "- 3", "3.0", "1e5", ".5", "true", "false", "abc", "", " 3", "NaN", None]
    values = pa.array([rng.choice(tokens) for _ in range(5000)], type=pa.string())
    is_frac, is_int, counts = classify(values)
    is_number, weighted = classify_counted(pc.value_counts(pc.drop_null(values)), values)
    assert weighted == counts
    assert is_number.to_pylist() == pc.or_(is_frac, is_int).to_pylist()
