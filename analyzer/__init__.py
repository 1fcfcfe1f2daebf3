"""monitor-analyzer: SageMaker Model Monitor's analyzer, as a CLI, a container and a Python API.

In a notebook::

    import analyzer

    baseline = analyzer.suggest(train_df)        # statistics.json + constraints.json
    result = analyzer.check(today_df, baseline)  # constraint_violations.json, drift, report
    result.violations_frame()
    result.report                                # rendered inline
"""

from analyzer.api.calls import check, profile, suggest
from analyzer.api.namespace import keep_api_names
from analyzer.api.results import CheckResult, ProfileResult, Report, SuggestResult
from analyzer.api.version import package_version

__version__ = package_version()

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

keep_api_names(__name__, ("profile", "suggest", "check"))
