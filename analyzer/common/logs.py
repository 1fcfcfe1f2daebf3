"""Logging as every process of the analyzer sets it up: one line per record on stderr, the chatty
libraries (py4j, Spark, boto) at warnings only."""

from __future__ import annotations

import logging
import sys


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s - %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("py4j", "pyspark", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
