"""What the API returns: the CLI's documents, as dicts, DataFrames and a report, and how to save them."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
REPORT_FILE = "report.html"


@dataclass(frozen=True)
class Report:
    """report.html as the CLI writes it; shown inline by Jupyter."""

    html: str

    def _repr_html_(self) -> str:
        # An iframe keeps the page's own styles from leaking into the notebook, and the notebook's
        # out of the page; the page is self-contained (inline styles and charts), so srcdoc is all.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width: 100%; height: 640px; border: 1px solid #ddd;"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (a directory gets ``report.html`` inside it)."""
        from analyzer.files.writers import write_atomic

        path = Path(path)
        if path.is_dir():
            path = path / REPORT_FILE
        return write_atomic(path, self.html)


def save_set(directory: str | Path, documents: list[tuple[str, dict]], report: Report | None) -> list[Path]:
    """Publish the files as one set, as a CLI run publishes its reports (files of an earlier run's
    set that this one lacks are removed; the user's other files stay)."""
    from analyzer.files.writers import write_atomic, write_json
    from analyzer.report.publish import ReportSet

    output = Path(directory)
    with ReportSet.open(output) as reports:
        for name, document in documents:
            write_json(reports.staging / name, document)
        if report is not None:
            write_atomic(reports.staging / REPORT_FILE, report.html)
        reports.publish()
    names = [name for name, _ in documents] + ([REPORT_FILE] if report is not None else [])
    return [output / name for name in names]


@dataclass
class ProfileResult:
    """The profile of a data set: ``statistics`` is statistics.json's document."""

    statistics: dict
    _config: object = field(repr=False, default=None)
    _dataset: object = field(repr=False, default=None)

    @property
    def features(self):
        """One row per feature: name, inferred type, completeness, counts, distinct count, and for
        numbers mean, std_dev, min, max and sum (a pandas DataFrame)."""
        from analyzer.api.frames import features_frame

        return features_frame(self.statistics)

    def to_pandas(self):
        return self.features

    def save(self, directory: str | Path) -> list[Path]:
        """Write statistics.json into ``directory`` as the CLI does."""
        return save_set(directory, [(STATISTICS_FILE, self.statistics)], None)


@dataclass
class SuggestResult:
    """A baseline: statistics.json's and constraints.json's documents, as ``monitor-analyzer
    baseline`` writes them."""

    statistics: dict
    constraints: dict
    _config: object = field(repr=False, default=None)

    @property
    def features(self):
        from analyzer.api.frames import features_frame

        return features_frame(self.statistics)

    def to_pandas(self):
        """The suggested constraints, one row per feature (a pandas DataFrame)."""
        from analyzer.api.frames import constraints_frame

        return constraints_frame(self.constraints)

    @property
    def report(self) -> Report:
        from analyzer.jobs.ending import job_report

        return Report(job_report(self._config, dict(self.documents)))

    @property
    def documents(self) -> list[tuple[str, dict]]:
        return [(STATISTICS_FILE, self.statistics), (CONSTRAINTS_FILE, self.constraints)]

    def save(self, directory: str | Path) -> list[Path]:
        """Write statistics.json, constraints.json and report.html into ``directory`` as the CLI's
        baseline does."""
        return save_set(directory, self.documents, self.report)


@dataclass
class CheckResult:
    """A monitoring run: the current data's statistics and suggested constraints, the violations
    (constraint_violations.json's document), the drift measured per feature and the report."""

    statistics: dict
    constraints: dict
    violations: dict
    report: Report
    drift_scores: list[dict] = field(default_factory=list)

    @property
    def drift(self):
        """Per-feature drift (a pandas DataFrame): feature_name, inferred_type, kind, method, score,
        threshold, p_value (the score is a p-value: drift is a small one) and drifted."""
        from analyzer.api.frames import drift_frame

        return drift_frame(self.drift_scores)

    def violations_frame(self):
        """The violations, one row each: feature_name, constraint_check_type, description."""
        from analyzer.api.frames import violations_frame

        return violations_frame(self.violations)

    def to_pandas(self):
        return self.violations_frame()

    @property
    def documents(self) -> list[tuple[str, dict]]:
        return [
            (STATISTICS_FILE, self.statistics),
            (CONSTRAINTS_FILE, self.constraints),
            (VIOLATIONS_FILE, self.violations),
        ]

    def save(self, directory: str | Path) -> list[Path]:
        """Write statistics.json, constraints.json, constraint_violations.json and report.html into
        ``directory`` as ``monitor-analyzer monitor`` does."""
        return save_set(directory, self.documents, self.report)
