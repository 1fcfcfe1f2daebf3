"""Treat ``-1`` as a missing value, for datasets that encode "unknown" as -1.

Without this script -1 is an ordinary number: it drags down ``min`` and ``mean`` and never counts
in ``num_missing``. With it, every field equal to -1 (``-1``, ``-1.0``, `` -1 ``) becomes missing, so
statistics.json reports it under ``num_missing`` and the completeness constraint reflects it.

Works for two dataset formats:

* CSV (``{"csv": {...}}``): the handler receives each raw line, trailing newline included. The
  fields are returned as ``{"_c000": ..., "_c001": ..., ...}``; the zero-padding keeps the columns in
  file order (they are laid out in lexicographic key order). The header line of a headered CSV is
  passed to the handler too: a line in which no field is a number is taken for the header and
  dropped by returning ``[]``. (If your data rows can be entirely non-numeric, compare the line with
  your known header instead.) Column names are positional because each line is handled on its own,
  without the header.
* JSON Lines (``{"json": {"lines": true}}``): the handler receives the parsed dict; its keys are
  kept and values equal to -1 become ``None``.

Copy this file, adjust ``MISSING`` if your sentinel differs, and pass it as
``record_preprocessor_script`` or ``monitor-analyzer baseline --preprocessor``.
"""

import csv

MISSING = -1.0
KEY_DIGITS = 3


def _number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):  # a tuple, not int | float: runs on older Pythons too
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _clean(value):
    return None if _number(value) == MISSING else value


def preprocess_handler(inference_record):
    if isinstance(inference_record, dict):  # JSON Lines
        return {key: _clean(value) for key, value in inference_record.items()}
    line = inference_record.rstrip("\r\n")
    fields = next(csv.reader([line]), [])
    if not fields or not any(_number(f) is not None for f in fields):
        return []  # the header line (or a line without a single number)
    return {f"_c{str(i).zfill(KEY_DIGITS)}": (_clean(f) if f != "" else None) for i, f in enumerate(fields)}
