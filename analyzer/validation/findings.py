"""What validate reports: findings ({severity, problem, where, fix}) and the facts they rest on."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class Finding:
    severity: str
    problem: str
    where: str
    fix: str


@dataclass
class FileInfo:
    path: str
    size: int
    encoding: str
    bytes_sampled: int = 0
    lines_sampled: int = 0
    non_utf8_lines: int = 0


@dataclass
class ColumnInfo:
    name: str
    inferred_type: str
    num_present: int
    num_missing: int

    @property
    def missing_share(self) -> float:
        total = self.num_present + self.num_missing
        return self.num_missing / total if total else 0.0


@dataclass
class PartInfo:
    """One capture part (endpointInput, ...): how its payloads are encoded and how wide they are."""

    name: str
    encodings: dict[str, int] = field(default_factory=dict)
    content_types: dict[str, int] = field(default_factory=dict)
    widths: dict[int, int] = field(default_factory=dict)  # CSV fields per payload row -> records


@dataclass
class CaptureInfo:
    records: int = 0
    shadow: int = 0
    first_time: str | None = None
    last_time: str | None = None
    bad_times: int = 0
    parts: dict[str, PartInfo] = field(default_factory=dict)

    @property
    def shadow_share(self) -> float:
        return self.shadow / self.records if self.records else 0.0


@dataclass
class Records:
    read: int = 0
    analyzed: int = 0
    dropped: int = 0
    skipped: int = 0
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    dropped_by_reason: dict[str, int] = field(default_factory=dict)


@dataclass
class ValidationReport:
    dataset: str
    dataset_format: str
    files_total: int
    max_skipped_fraction: float
    files: list[FileInfo] = field(default_factory=list)
    records: Records = field(default_factory=Records)
    columns: list[ColumnInfo] = field(default_factory=list)
    capture: CaptureInfo | None = None
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def bytes_sampled(self) -> int:
        return sum(f.bytes_sampled for f in self.files)

    @property
    def exit_code(self) -> int:
        """0: the data would be analyzed without problems; 1: an error or a warning was found."""
        return int(any(f.severity in (ERROR, WARNING) for f in self.findings))

    def add(self, severity: str, problem: str, where: str, fix: str) -> None:
        self.findings.append(Finding(severity, problem, where, fix))

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: SEVERITY_ORDER[f.severity])

    def to_dict(self) -> dict:
        document = asdict(self)
        document["findings"] = [asdict(f) for f in self.sorted_findings()]
        document["bytes_sampled"] = self.bytes_sampled
        document["exit_code"] = self.exit_code
        for column, info in zip(document["columns"], self.columns, strict=True):
            column["missing_share"] = info.missing_share
        if self.capture is not None:
            document["capture"]["shadow_share"] = self.capture.shadow_share
        return document
