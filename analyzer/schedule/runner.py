"""Hourly (or any cron) monitoring executions without SageMaker: windows, reports, history, metrics.

Each tick T of the cron analyzes the window [T + start_offset, T + end_offset) of capture data kept
as SageMaker keeps it (``<capture>/<endpoint>/<variant>/yyyy/mm/dd/hh/``, on disk or in S3) and
writes the report where SageMaker writes it (``<output>/<endpoint>/<schedule>/yyyy/mm/dd/hh/``, hh
the hour of the window's end). Every execution is recorded beside the reports, in
``<output>/<endpoint>/<schedule>/_executions/<window end>.json``; a window whose record says it
finished is not run again unless forced. The record is written last, so an execution killed half
way has none (or an ``InProgress`` one) and runs again, once, on the next start.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from analyzer.common.errors import AnalyzerError, ConfigError, InputError
from analyzer.common.log_text import printable
from analyzer.config.contract import DEFAULT_MAX_SKIPPED_FRACTION, JobConfig, check_fraction
from analyzer.config.formats import CAPTURE, MERGE, DatasetFormat
from analyzer.config.problem_types import DEFAULT_THRESHOLD
from analyzer.files import storage
from analyzer.files.path_overlap import check_apart
from analyzer.runtime.stop import JobStopped, received
from analyzer.schedule.cron import Cron
from analyzer.schedule.locks import exclusive
from analyzer.schedule.request import hour_prefixes, iso, utc

log = logging.getLogger("monitor_analyzer.schedule")

COMPLETED, WITH_VIOLATIONS, FAILED, IN_PROGRESS, STOPPED = (
    "Completed",
    "CompletedWithViolations",
    "Failed",
    "InProgress",
    "Stopped",
)
FINISHED = (COMPLETED, WITH_VIOLATIONS, FAILED)  # not Stopped: a stopped window runs again next time
HISTORY = "_executions"
DATA_NAMESPACE = "aws/sagemaker/Endpoints/data-metrics"
MODEL_NAMESPACE = "aws/sagemaker/Endpoints/model-metrics"


@dataclass(frozen=True)
class ModelQuality:
    ground_truth: str
    problem_type: str
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float = DEFAULT_THRESHOLD
    positive_label: str | None = None


@dataclass(frozen=True)
class ScheduleSpec:
    cron: Cron
    capture: str
    output: str
    endpoint: str
    schedule_name: str
    baseline_statistics: str | None = None
    baseline_constraints: str | None = None
    variant: str = "AllTraffic"
    start_offset: timedelta = timedelta(hours=-1)
    end_offset: timedelta = timedelta(0)
    publish_cloudwatch: bool = False
    namespace: str | None = None
    quality: ModelQuality | None = None
    engine: str = "auto"
    # The bad-input policy of every job the schedule runs (JobConfig's fields of the same names).
    max_skipped_fraction: float = DEFAULT_MAX_SKIPPED_FRACTION
    quarantine: bool = False

    def validate(self) -> ScheduleSpec:
        check_fraction(self.max_skipped_fraction)
        if self.start_offset >= self.end_offset:
            raise ConfigError(f"start offset {self.start_offset} must be before end offset {self.end_offset}")
        if self.quality is None and not self.baseline_constraints:
            raise ConfigError(
                "A data-quality schedule needs --baseline-constraints (and --baseline-statistics)"
            )
        if self.quality is not None and not self.baseline_constraints:
            raise ConfigError("A model-quality schedule needs --baseline-constraints")
        self.check_outputs_apart()
        return self

    def check_outputs_apart(self) -> None:
        """Local reports must not land where the capture (or ground truth) is read: the next window
        would read them as data. S3 prefixes are keys, not paths: not compared here."""
        if storage.is_s3(self.output):
            return
        inputs = {"--capture": storage.join(self.capture, self.endpoint, self.variant)}
        if self.quality is not None:
            inputs["--ground-truth"] = self.quality.ground_truth
        local_inputs = {k: storage.local(v) for k, v in inputs.items() if not storage.is_s3(v)}
        check_apart(local_inputs, {"--output": storage.local(self.root)})

    @property
    def root(self) -> str:
        return storage.join(self.output, self.endpoint, self.schedule_name)


@dataclass(frozen=True)
class Window:
    tick: datetime
    start: datetime
    end: datetime

    @classmethod
    def of(cls, spec: ScheduleSpec, tick: datetime) -> Window:
        tick = utc(tick)
        return cls(tick, tick + spec.start_offset, tick + spec.end_offset)

    @property
    def key(self) -> str:
        return self.end.strftime("%Y%m%dT%H%M%SZ")

    def report(self, spec: ScheduleSpec) -> str:
        return storage.join(spec.root, self.end.strftime("%Y/%m/%d/%H"))

    def __str__(self) -> str:
        return f"[{iso(self.start)}, {iso(self.end)})"


@dataclass
class Execution:
    window_start: str
    window_end: str
    scheduled_time: str
    status: str
    report: str | None = None
    failure_reason: str | None = None
    records: int | None = None
    violations: int | None = None
    seconds: float | None = None
    started: str = field(default_factory=lambda: iso(datetime.now(UTC)))
    # Capture or ground-truth objects not staged because their key would leave the staging root.
    skipped_keys: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, allow_nan=False) + "\n"

    @classmethod
    def parse(cls, text: str, where: str) -> Execution:
        """A record as written by to_json (fields a later version adds are ignored); ValueError
        naming ``where`` when it is not one."""
        try:
            document = json.loads(text)
        except ValueError as e:
            raise ValueError(f"{where} is not JSON ({e})") from e
        if not isinstance(document, dict):
            raise ValueError(f"{where} is not a JSON object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in document.items() if k in known}
        missing = [name for name in _REQUIRED_RECORD_FIELDS if name not in values]
        if missing:
            raise ValueError(f"{where} has no {', '.join(missing)}")
        wrong = [name for name in _REQUIRED_RECORD_FIELDS if not isinstance(values[name], str)]
        if wrong:
            raise ValueError(f"{where}: {', '.join(wrong)} must be text")
        return cls(**values)


_REQUIRED_RECORD_FIELDS = ("window_start", "window_end", "scheduled_time", "status")


# -- history ----------------------------------------------------------------------------------------


def history_uri(spec: ScheduleSpec, window: Window) -> str:
    return storage.join(spec.root, HISTORY, f"{window.key}.json")


def read_record(uri: str) -> Execution | None:
    """The record at ``uri``; None when there is none, or when it is damaged (with a warning: a
    record that does not load is no evidence the window ran, so it runs again)."""
    try:
        text = storage.read_text(uri)
        return Execution.parse(text, uri) if text else None
    except UnicodeDecodeError as e:
        log.warning("Execution record skipped: %s is not UTF-8 text (%s)", printable(uri), e.reason)
        return None
    except ValueError as e:
        log.warning("Execution record skipped: %s", printable(str(e)))
        return None


def recorded(spec: ScheduleSpec, window: Window) -> Execution | None:
    return read_record(history_uri(spec, window))


def executions(output: str, endpoint: str, schedule_name: str) -> list[Execution]:
    root = storage.join(output, endpoint, schedule_name, HISTORY)
    found = [read_record(storage.join(root, name)) for name in storage.list_names(root)]
    return sorted((e for e in found if e is not None), key=lambda e: e.window_end)


# -- one execution ----------------------------------------------------------------------------------


def stage_hours(root: str, start: datetime, end: datetime, target: Path) -> storage.Fetched:
    """Copy the ``yyyy/mm/dd/hh`` prefixes under ``root`` of every hour that [start, end) touches."""
    staged = storage.Fetched(0)
    for hour in hour_prefixes(start, end):
        source = storage.join(root, hour)
        if storage.list_names(source):
            staged += storage.fetch(source, target / hour)
    return staged


def job_config(spec: ScheduleSpec, window: Window, work: Path) -> JobConfig:
    baseline = {}
    for key in ("baseline_statistics", "baseline_constraints"):
        uri = getattr(spec, key)
        if uri:
            name = "statistics.json" if key == "baseline_statistics" else "constraints.json"
            text = storage.read_text(uri)
            if text is None:
                raise ConfigError(f"{key.replace('_', ' ')} {uri} does not exist")
            path = work / "baseline" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            baseline[key] = path
    common = dict(
        output_path=work / "report",
        publish_cloudwatch_metrics=True,
        cloudwatch_metrics_directory=work / "metrics",
        start_time=iso(window.start),
        end_time=iso(window.end),
        metric_time=iso(window.start),
        endpoint_name=spec.endpoint,
        schedule_name=spec.schedule_name,
        max_skipped_fraction=spec.max_skipped_fraction,
        quarantine=spec.quarantine,
        **baseline,
    )
    if spec.quality is None:
        return JobConfig(dataset_source=work / "capture", dataset_format=DatasetFormat(CAPTURE), **common)
    q = spec.quality
    return JobConfig(
        dataset_source=work / "merged",
        dataset_format=DatasetFormat(MERGE, capture_index_names=("endpointOutput",)),
        analysis_type="MODEL_QUALITY",
        problem_type=q.problem_type,
        inference_attribute=q.inference_attribute,
        probability_attribute=q.probability_attribute,
        probability_threshold=q.probability_threshold,
        positive_label=q.positive_label,
        **common,
    )


def run_window(spec: ScheduleSpec, window: Window, force: bool = False, spark=None) -> Execution:
    """Analyze one window, publish its report and metrics, record the execution."""
    # A tick that overlaps the previous one (or a second scheduler of the same output) waits for it
    # instead of running the same window twice.
    with exclusive(spec.root):
        previous = recorded(spec, window)
        if previous and previous.status in FINISHED and not force:
            log.info("Window %s: already %s, not run again (use --force)", window, previous.status)
            return previous
        started = time.monotonic()
        log.info("Window %s (scheduled %s): starting", window, iso(window.tick))
        storage.write_text(
            history_uri(spec, window),
            Execution(iso(window.start), iso(window.end), iso(window.tick), IN_PROGRESS).to_json(),
        )
        try:
            execution = _execute(spec, window, spark)
            if received():  # the stop's failure was taken for the window's own (an AnalyzerError)
                raise JobStopped()
        except JobStopped:
            # The window's staging went as the stop unwound through it; its record says why it is undone.
            record_stopped(spec, window, started)
            raise
        except Exception as e:  # anything unforeseen still ends as a recorded failure, not a silent gap
            if received():  # a step the stop cut short failed on its way out (py4j without its JVM)
                record_stopped(spec, window, started)
                raise JobStopped() from None
            log.exception("Window %s failed", window)
            execution = Execution(
                iso(window.start),
                iso(window.end),
                iso(window.tick),
                FAILED,
                failure_reason=f"{type(e).__name__}: {e}",
            )
        execution.seconds = round(time.monotonic() - started, 2)
        storage.write_text(history_uri(spec, window), execution.to_json())
        log.info(
            "Window %s: %s in %.1f s%s",
            window,
            execution.status,
            execution.seconds,
            f" ({execution.failure_reason})" if execution.failure_reason else "",
        )
        if execution.skipped_keys:
            log.warning(
                "Window %s: %d object(s) with unsafe keys were not analyzed (see the warnings above)",
                window,
                execution.skipped_keys,
            )
        return execution


def record_stopped(spec: ScheduleSpec, window: Window, started: float) -> None:
    stopped = Execution(
        iso(window.start), iso(window.end), iso(window.tick), STOPPED, failure_reason="received SIGTERM"
    )
    stopped.seconds = round(time.monotonic() - started, 2)
    storage.write_text(history_uri(spec, window), stopped.to_json())
    log.error("Window %s: stopped by SIGTERM; it runs again next time", window)


def _execute(spec: ScheduleSpec, window: Window, spark) -> Execution:
    from analyzer.config.window import TimeWindow
    from analyzer.jobs.job import run_job
    from analyzer.jobs.merge import run_merge

    base = Execution(iso(window.start), iso(window.end), iso(window.tick), FAILED)
    with tempfile.TemporaryDirectory(prefix="monitor-analyzer-window-") as tmp:
        work = Path(tmp)
        try:
            capture_root = storage.join(spec.capture, spec.endpoint, spec.variant)
            staged = stage_hours(capture_root, window.start, window.end, work / "capture")
            base = replace(base, skipped_keys=len(staged.skipped))
            if staged.files == 0:
                return replace(
                    base, failure_reason=f"no data: no capture files for the window under {spec.capture}"
                )
            log.info("Window %s: %d capture file(s)", window, staged.files)
            config = job_config(spec, window, work)
            if spec.quality is not None:
                # Labels arrive later than the predictions: every upload hour up to this tick counts.
                labels = stage_hours(
                    spec.quality.ground_truth,
                    window.start,
                    window.tick + timedelta(hours=1),
                    work / "ground-truth",
                )
                base = replace(base, skipped_keys=base.skipped_keys + len(labels.skipped))
                if not labels.files:
                    return replace(
                        base, failure_reason=f"no data: no ground truth under {spec.quality.ground_truth}"
                    )
                summary, _ = run_merge(
                    work / "capture",
                    work / "ground-truth",
                    work / "merged",
                    TimeWindow(window.start, window.end),
                    spark,
                    spec.engine,
                )
                if summary.merged == 0:
                    return replace(
                        base, failure_reason="no data: no capture record of the window has ground truth"
                    )
            result = run_job(config, spark=spark, engine=spec.engine)
        except InputError as e:
            _publish_quarantine(work / "report", window.report(spec))
            reason = str(e)
            if reason.startswith(("No records to analyze", "No examples", "No ground truth")):
                reason = f"no data: {reason}"
            return replace(base, failure_reason=reason)
        except AnalyzerError as e:
            return replace(base, failure_reason=str(e))
        report = window.report(spec)
        storage.publish(work / "report", report)
        note = None
        if spec.publish_cloudwatch and result.metrics:
            namespace = spec.namespace or (MODEL_NAMESPACE if spec.quality else DATA_NAMESPACE)
            try:
                put_metrics(result.metrics, namespace)
            except Exception as e:  # the report stands; its record says the metrics are missing
                log.error("Window %s: CloudWatch metrics not published: %s", window, e)
                note = f"metrics not published: {type(e).__name__}: {e}"
        count = len(result.violations or [])
        return replace(
            base,
            status=WITH_VIOLATIONS if count else COMPLETED,
            report=report,
            failure_reason=note,
            records=result.statistics.get("dataset", {}).get("item_count"),
            violations=count,
        )


def _publish_quarantine(report: Path, destination: str) -> None:
    """A job that failed for too many skipped records still wrote them to its quarantine: that is
    when they are wanted, so they go where the window's report would have gone."""
    from analyzer.readers.quarantine import QUARANTINE_DIR

    if (report / QUARANTINE_DIR).is_dir():
        storage.publish(report / QUARANTINE_DIR, storage.join(destination, QUARANTINE_DIR))


def put_metrics(records: list[dict], namespace: str) -> int:
    """The CloudWatch metric records of a run, sent with PutMetricData (20 per call)."""
    import boto3

    client = boto3.client("cloudwatch")
    data = []
    for r in records:
        item = {
            "MetricName": r["MetricName"],
            "Timestamp": datetime.strptime(r["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
            "Dimensions": r.get("Dimensions", []),
        }
        if "StatisticValues" in r:
            item["StatisticValues"] = r["StatisticValues"]
        else:
            item["Value"] = r["Value"]
        data.append(item)
    for i in range(0, len(data), 20):
        client.put_metric_data(Namespace=namespace, MetricData=data[i : i + 20])
    log.info("Published %d metric(s) to CloudWatch namespace %s", len(data), namespace)
    return len(data)


# -- many executions --------------------------------------------------------------------------------


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def latest_tick(cron: Cron, now: datetime) -> datetime:
    """The most recent tick at or before ``now`` (its window is the latest complete one)."""
    if cron.now:
        return utc(now)
    ticks = cron.ticks(utc(now) - timedelta(days=32), utc(now))
    if not ticks:
        raise ConfigError(f"{cron.text} has not ticked in the last 32 days")
    return ticks[-1]


def backfill_ticks(spec: ScheduleSpec, start: datetime, end: datetime) -> list[datetime]:
    """Ticks whose window ends in (start, end]."""
    return spec.cron.ticks(utc(start) - spec.end_offset, utc(end) - spec.end_offset)


def run_forever(
    spec: ScheduleSpec,
    execute: Callable[[Window], object],
    clock: Clock | None = None,
    max_ticks: int | None = None,
) -> int:
    """Sleep until each tick and run its window; ``max_ticks`` ends the loop (tests)."""
    clock = clock or Clock()
    if spec.cron.now:
        execute(Window.of(spec, clock.now()))
        return 1
    done, last = 0, clock.now()
    while max_ticks is None or done < max_ticks:
        tick = spec.cron.next_after(last)
        if tick is None:
            break
        log.info("Next execution at %s", iso(tick))
        while (wait := (tick - clock.now()).total_seconds()) > 0:
            clock.sleep(min(wait, 60))
        try:
            execute(Window.of(spec, tick))
        except Exception:  # a long-running scheduler outlives one bad tick (S3 down, ...)
            log.exception("The execution of the tick %s failed; waiting for the next tick", iso(tick))
        done += 1
        last = tick
    return done
