"""monitor-analyzer: SageMaker Model Monitor's analyzer, as a CLI, a container and a Python API.

In a notebook::

    import analyzer

    baseline = analyzer.suggest(train_df)        # statistics.json + constraints.json
    result = analyzer.check(today_df, baseline)  # constraint_violations.json, drift, report
    result.violations_frame()
    result.report                                # rendered inline
"""

from analyzer.api.calls import check, profile, suggest
from analyzer.api.results import CheckResult, ProfileResult, Report, SuggestResult

__all__ = [
    "CheckResult",
    "ProfileResult",
    "Report",
    "SuggestResult",
    "__version__",
    "check",
    "profile",
    "suggest",
]


def __getattr__(name: str):
    # __version__ on first use: importlib.metadata alone costs more than the rest of the import.
    if name == "__version__":
        from analyzer.api.version import package_version

        return package_version()
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
