"""Every default the analyzer applies, written once: the prebuilt analyzer's values (the top-k
counters are ours: it has none). Settings, the profile, suggestions and baselines read them here."""

from __future__ import annotations

from analyzer.config.drift_names import LINFINITY, ROBUST

# How the data is profiled
KLL_SKETCH_SIZE = 2048
KLL_SHRINKING_FACTOR = 0.64
HISTOGRAM_BUCKETS = 10  # equal-width buckets of the numeric distribution
# Exact value counts up to this many distinct values (Deequ's MaximumAllowedDetailBins); past it the
# distinct count comes from HyperLogLog and no categorical histogram is kept.
CATEGORICAL_CARDINALITY_LIMIT = 1000
CATEGORICAL_TOP_K = 100  # most-frequent-value counters of String columns past that limit
MAX_VALUE_LENGTH = 1024  # histogram and top-k keys are cut past this many characters
MAX_COLUMNS = 20_000  # a wider dataset fails on its first batch instead of exhausting memory

# What is suggested (Deequ's CategoricalRangeRule: a domain for columns with at most this many
# distinct values, of which at most this share occur only once)
DOMAIN_MAX_VALUES = 120
DOMAIN_MAX_UNIQUE_RATIO = 0.1

# The monitoring_config thresholds and methods of a suggested or incomplete constraints.json
DATATYPE_CHECK_THRESHOLD = 1.0
DOMAIN_CONTENT_THRESHOLD = 1.0
COMPARISON_THRESHOLD = 0.1
CATEGORICAL_COMPARISON_THRESHOLD = 0.1
COMPARISON_METHOD = ROBUST
CATEGORICAL_DRIFT_METHOD = LINFINITY
