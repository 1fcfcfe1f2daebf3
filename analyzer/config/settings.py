"""The knobs the prebuilt analyzer hard-codes: one table of names, defaults and valid ranges.

Every knob has one name used everywhere: the environment key, the JSON key under
``monitoring_config.analyzer_settings`` and (with dashes) the CLI flag. Sketch and suggestion
knobs are recorded in ``analyzer_settings`` when they differ from the default; thresholds live in
the ``monitoring_config`` values the prebuilt format already has (see settings_record.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from functools import cached_property

import pyarrow as pa

from analyzer.common.errors import ConfigError
from analyzer.config import defaults


@dataclass(frozen=True)
class Knob:
    name: str
    integer: bool
    low: float
    high: float
    # Recorded in analyzer_settings (how the data was profiled); else a threshold, written as a
    # monitoring_config value.
    recorded: bool
    help: str


KNOBS = (
    Knob("kll_sketch_size", True, 2, 1_000_000, True, "KLL sketch size k of numeric columns"),
    Knob("kll_shrinking_factor", False, 0.01, 1.0, True, "KLL shrinking factor c"),
    Knob("histogram_buckets", True, 1, 10_000, True, "equal-width buckets of numeric distributions"),
    Knob(
        "categorical_cardinality_limit",
        True,
        1,
        10_000_000,
        True,
        "exact value counts (categorical histogram) up to this many distinct values",
    ),
    Knob(
        "categorical_top_k",
        True,
        0,
        100_000,
        True,
        "most-frequent-value counters of String columns past the cardinality limit (0: none)",
    ),
    Knob(
        "max_value_length",
        True,
        16,
        100_000_000,
        True,
        "histogram and top-k values longer than this many characters are cut (marked, hashed)",
    ),
    Knob(
        "max_columns",
        True,
        1,
        10_000_000,
        True,
        "fail at the first batch of a dataset wider than this many columns",
    ),
    Knob("domain_max_values", True, 1, 10_000_000, True, "suggested domains: at most this many values"),
    Knob("domain_max_unique_ratio", False, 0.0, 1.0, True, "suggested domains: at most this share seen once"),
    Knob("datatype_check_threshold", False, 0.0, 1.0, False, "suggested datatype_check_threshold"),
    Knob("domain_content_threshold", False, 0.0, 1.0, False, "suggested domain_content_threshold"),
    Knob("comparison_threshold", False, 0.0, math.inf, False, "suggested numeric drift threshold"),
    Knob(
        "categorical_comparison_threshold",
        False,
        0.0,
        math.inf,
        False,
        "suggested String drift threshold",
    ),
)
KNOB_NAMES = frozenset(k.name for k in KNOBS)
ENV_KEYS = KNOB_NAMES
THRESHOLDS = tuple(k.name for k in KNOBS if not k.recorded)


@dataclass(frozen=True)
class ProfileSettings:
    """Knobs of the profile (the profile stage's view of AnalyzerSettings)."""

    kll_sketch_size: int = defaults.KLL_SKETCH_SIZE
    kll_shrinking_factor: float = defaults.KLL_SHRINKING_FACTOR
    histogram_max_values: int = defaults.CATEGORICAL_CARDINALITY_LIMIT
    top_k: int = defaults.CATEGORICAL_TOP_K
    histogram_buckets: int = defaults.HISTOGRAM_BUCKETS
    max_value_length: int = defaults.MAX_VALUE_LENGTH  # keys cut past it (profile/long_values.py)
    max_columns: int = defaults.MAX_COLUMNS
    # Baseline domains of String features (monitoring runs): in-domain values are counted exactly,
    # whatever the column's cardinality.
    domains: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @cached_property
    def domain_values(self) -> dict[str, pa.Array]:
        return {name: pa.array(list(values), type=pa.string()) for name, values in self.domains}


@dataclass(frozen=True)
class SuggestSettings:
    categorical_drift_method: str = defaults.CATEGORICAL_DRIFT_METHOD
    numerical_drift_method: str | None = None  # None: comparison_method Robust, as the prebuilt analyzer
    domain_max_values: int = defaults.DOMAIN_MAX_VALUES
    domain_max_unique_ratio: float = defaults.DOMAIN_MAX_UNIQUE_RATIO


@dataclass(frozen=True)
class AnalyzerSettings:
    """Defaults are the prebuilt analyzer's values (categorical_top_k: ours, it has no top-k)."""

    kll_sketch_size: int = defaults.KLL_SKETCH_SIZE
    kll_shrinking_factor: float = defaults.KLL_SHRINKING_FACTOR
    histogram_buckets: int = defaults.HISTOGRAM_BUCKETS
    categorical_cardinality_limit: int = defaults.CATEGORICAL_CARDINALITY_LIMIT
    categorical_top_k: int = defaults.CATEGORICAL_TOP_K
    max_value_length: int = defaults.MAX_VALUE_LENGTH
    max_columns: int = defaults.MAX_COLUMNS
    domain_max_values: int = defaults.DOMAIN_MAX_VALUES
    domain_max_unique_ratio: float = defaults.DOMAIN_MAX_UNIQUE_RATIO
    datatype_check_threshold: float = defaults.DATATYPE_CHECK_THRESHOLD
    domain_content_threshold: float = defaults.DOMAIN_CONTENT_THRESHOLD
    comparison_threshold: float = defaults.COMPARISON_THRESHOLD
    categorical_comparison_threshold: float = defaults.CATEGORICAL_COMPARISON_THRESHOLD

    def profile_settings(self, base: ProfileSettings | None = None) -> ProfileSettings:
        return replace(
            base or ProfileSettings(),
            kll_sketch_size=self.kll_sketch_size,
            kll_shrinking_factor=self.kll_shrinking_factor,
            histogram_max_values=self.categorical_cardinality_limit,
            top_k=self.categorical_top_k,
            histogram_buckets=self.histogram_buckets,
            max_value_length=self.max_value_length,
            max_columns=self.max_columns,
        )

    def suggest_settings(self, base: SuggestSettings) -> SuggestSettings:
        return replace(
            base,
            domain_max_values=self.domain_max_values,
            domain_max_unique_ratio=self.domain_max_unique_ratio,
        )

    def recorded(self) -> dict:
        """The recorded knobs that differ from the defaults, in table order."""
        defaults = AnalyzerSettings()
        return {
            k.name: getattr(self, k.name)
            for k in KNOBS
            if k.recorded and getattr(self, k.name) != getattr(defaults, k.name)
        }


assert [f.name for f in fields(AnalyzerSettings)] == [k.name for k in KNOBS]
KNOB = {k.name: k for k in KNOBS}


def check_value(name: str, value: float, where: str, shown) -> int | float:
    """A knob's value, validated; ``where`` names the key and its source in the one-line error."""
    knob = KNOB[name]
    high = "" if math.isinf(knob.high) else f" and at most {knob.high:g}"
    kind = "an integer" if knob.integer else "a number"
    if (
        not math.isfinite(value)
        or not knob.low <= value <= knob.high
        or (knob.integer and value != int(value))
    ):
        raise ConfigError(f"{where} must be {kind} of at least {knob.low:g}{high}, got {shown!r}")
    return int(value) if knob.integer else float(value)


def parse_text(name: str, text: str, where: str) -> int | float:
    try:
        value = int(text.strip()) if KNOB[name].integer else float(text.strip())
    except ValueError:
        value = math.nan  # reported by check_value with the text as given
    return check_value(name, value, where, text)


def explicit_from_env(env: dict[str, str]) -> tuple[tuple[str, int | float], ...]:
    """Knobs set in the job environment (blank values count as unset, as for the other keys)."""
    return tuple(
        (k.name, parse_text(k.name, env[k.name], f"environment key {k.name}"))
        for k in KNOBS
        if (env.get(k.name) or "").strip()
    )
