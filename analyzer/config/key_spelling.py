"""Near-misses of the analyzer's environment keys, caught before they change what a job does.

Any key the analyzer does not know is passed on to the user's scripts, so a typo is not an error by
itself: ``baseline_constraint`` made a monitoring job a baseline job, logged as one more user key.
A key close to a known one is logged with the likely key; when that known key is absent and its
absence changes the kind of job (what it reads, over which window, against what), the job fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer.common.errors import ConfigError

log = logging.getLogger("monitor_analyzer.contract")

MAX_DISTANCE = 2
# Shorter keys are too close to too many words for a typo to be told from a user's own key.
MIN_LENGTH = 5

# What the job does when the key is absent: a near-miss of one of these fails the job.
WITHOUT_IT = {
    "baseline_constraints": "the job would suggest a baseline instead of checking one",
    "baseline_statistics": "the job would skip the drift checks",
    "analysis_type": "the job would check data quality instead of model quality",
    "problem_type": "a model-quality job cannot run",
    "dataset_source": "the job has no input",
    "dataset_format": "the job cannot read its input",
    "output_path": "the job has nowhere to write",
    "start_time": "the job would read every record instead of its window",
    "end_time": "the job would read every record instead of its window",
    "ground_truth_source": "the job would profile the captures instead of merging them with the ground truth",
}

# Variables of the process and its runtime, never analyzer keys (checked only when the job reads
# the process environment, without processingjobconfig.json).
PROCESS_VARIABLES = frozenset(
    {"PATH", "HOME", "HOSTNAME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "SHLVL", "LANG", "TERM",
     "TZ", "TMPDIR", "OPT_ML", "VIRTUAL_ENV", "_"}
)  # fmt: skip
PROCESS_PREFIXES = ("AWS_", "SM_", "SPARK_", "PYSPARK_", "JAVA_", "HADOOP_", "PYTHON", "LC_", "XDG_", "PIP_")


def is_process_variable(key: str) -> bool:
    return key in PROCESS_VARIABLES or key.upper().startswith(PROCESS_PREFIXES)


def edit_distance(a: str, b: str, limit: int = MAX_DISTANCE) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: a swap of neighbours costs 1);
    ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def squashed(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


@dataclass(frozen=True)
class NearMiss:
    key: str
    known: str

    @property
    def changes_job_kind(self) -> bool:
        return self.known in WITHOUT_IT

    def message(self) -> str:
        return f"environment key '{self.key}' is not an analyzer key: did you mean '{self.known}'?"


def nearest_known(key: str, known: Iterable[str]) -> str | None:
    """The known key ``key`` most likely misspells: same letters up to case, '_' and '-', else
    within MAX_DISTANCE edits (ignoring case); None for a key of its own."""
    if len(key) < MIN_LENGTH:
        return None
    candidates = sorted(known)
    for name in candidates:
        if squashed(key) == squashed(name):
            return name
    scored = [(edit_distance(key.lower(), name.lower()), name) for name in candidates]
    distance, name = min(scored, default=(MAX_DISTANCE + 1, None))
    return name if distance <= MAX_DISTANCE else None


def near_misses(keys: Iterable[str], known: frozenset[str]) -> list[NearMiss]:
    found = []
    for key in sorted(keys):
        if key in known:
            continue
        name = nearest_known(key, known)
        if name is not None:
            found.append(NearMiss(key, name))
    return found


def check_key_spelling(keys: Iterable[str], env: Mapping[str, str], known: frozenset[str]) -> list[NearMiss]:
    """Warn about every near-miss among ``keys``; fail on the first whose known key is absent from
    ``env`` (the job's keys) and would change the kind of job."""
    misses = near_misses(keys, known)
    for miss in misses:
        if miss.changes_job_kind and not (env.get(miss.known) or "").strip():
            raise ConfigError(f"{miss.message()} Without {miss.known}, {WITHOUT_IT[miss.known]}.")
    for miss in misses:
        log.warning("%s (passed on to the scripts as a user key)", miss.message())
    return misses
