"""Text from the input (file names, S3 keys, link targets) made safe to put in a log line or an
error message: whoever wrote the bucket chose those characters, not the analyzer."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with control characters, lone surrogates (undecodable bytes of a file name) and
    other unprintable characters escaped as ``repr`` escapes them, and backslashes doubled so an
    escape cannot be forged; printable non-ASCII text (accents, CJK, emoji) stays readable.

    A newline in a name would otherwise start a fake log line, and terminal escapes would rewrite
    what the operator sees."""
    text = str(text)
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(ch if ch.isprintable() and ch != "\\" else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    # repr's escape of one character, without its quotes: \n, \x1b, \u202e, \udcff ...
    return repr(ch)[1:-1]
