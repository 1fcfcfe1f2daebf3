"""Drift between a baseline and the current data: one module per method, chosen through the registry.

``linf`` (Simple/Robust, categorical LInfinity) and ``chi_squared`` are the prebuilt analyzer's
methods; ``psi``, ``jensen_shannon``, ``hellinger`` (binned, see ``bins``) and ``wasserstein`` are
additions. ``registry`` names them, ``selection`` picks one and its threshold per feature.
"""

from analyzer.checks.drift.chi_squared import chi2_survival, chi_squared
from analyzer.checks.drift.linf import KS_CRITICAL, Distance, categorical_linf, numeric_linf, robust
from analyzer.checks.drift.registry import (
    CATEGORICAL,
    METHODS,
    NUMERIC,
    DriftMethod,
    find_method,
    get_method,
    method_names,
)
from analyzer.checks.drift.selection import DriftRule, drift_rule

__all__ = [
    "CATEGORICAL",
    "KS_CRITICAL",
    "METHODS",
    "NUMERIC",
    "Distance",
    "DriftMethod",
    "DriftRule",
    "categorical_linf",
    "chi2_survival",
    "chi_squared",
    "drift_rule",
    "find_method",
    "get_method",
    "method_names",
    "numeric_linf",
    "robust",
]
