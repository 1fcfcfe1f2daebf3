"""LineIndex numbers and cuts lines as the line reader does, and finds exactly the lines that are not
UTF-8 (checked against decoding every line on its own)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.readers import line_index
from analyzer.readers.line_index import LineIndex

PIECES = st.sampled_from(
    [
        b"ab",
        "\u00e9".encode(),
        "\U0001f600".encode(),
        b"\xe9",  # Latin-1
        b"\xc3",  # a sequence cut short
        b"\xa9",  # a lone continuation byte
        b"\xf0\x9f\x98",
        b"\xed\xa0\x80",  # an encoded surrogate
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"{}",
        b"[",
    ]
)
DATA = st.lists(st.one_of(PIECES, st.binary(max_size=6)), max_size=20).map(b"".join)


def reference_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.removesuffix(b"\r") for line in lines]


def not_decodable(lines: list[bytes]) -> list[int]:
    bad = []
    for i, line in enumerate(lines):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(i)
    return bad


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(DATA, st.sampled_from([1, 2, 5, 64, 1 << 16]))
def test_lines_and_bad_utf8_match_line_by_line(data, window):
    lines = LineIndex.of(data)
    expected = reference_lines(data)
    assert [lines.line(i) for i in range(len(lines))] == expected
    original = line_index._DECODE_WINDOW
    line_index._DECODE_WINDOW = window  # small windows make every line a window boundary
    try:
        assert lines.not_utf8().tolist() == not_decodable(expected)
    finally:
        line_index._DECODE_WINDOW = original
    assert lines.empty().tolist() == [line == b"" for line in expected]
    if len(lines):
        assert bytes(lines.span(0, len(lines))) == data


@pytest.mark.parametrize("brackets", [3, 500])
def test_bracket_heavy_lines(brackets):
    deep = b'{"x":' * brackets + b"1" + b"}" * brackets
    data = b"\n".join([b'{"a":1}', deep, b"[" * (brackets - 1) + b"]" * (brackets - 1), deep])
    assert LineIndex.of(data).bracket_heavy(brackets).tolist() == [1, 3]
