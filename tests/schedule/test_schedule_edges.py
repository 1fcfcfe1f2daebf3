"""Edge cases of the cron parser, the schedule runner and storage found in review: list items with
steps, starred day fields, a missing bucket, backfill boundaries, metric batches, request validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.validate import validate_parameters

from analyzer.common.errors import AnalyzerError
from analyzer.files import storage
from analyzer.schedule import sagemaker
from analyzer.schedule.cron import Cron
from analyzer.schedule.runner import ScheduleSpec, Window, backfill_ticks, put_metrics, run_window
from tests.helpers.aws import moto_server

# ---------------------------------------------------------------- once wrong, now pinned


def test_a_plain_number_in_a_list_is_not_widened_by_a_step_elsewhere_in_the_field():
    # A step belongs to its list item: the "1" of "1,5/20" is minute 1, not 1-59.
    assert Cron.parse("1,5/20 * * * *").minutes == {1, 5, 25, 45}
    assert Cron.parse("cron(0 3,10/6 ? * * *)").hours == {3, 10, 16, 22}


def test_a_starred_step_day_of_month_is_anded_with_the_day_of_week_as_in_vixie_cron():
    # Vixie/cronie: a day-of-month that starts with "*" (e.g. "*/2") is not "restricted" for the OR
    # rule, so "0 0 */2 * 1" means odd days that are Mondays.
    cron = Cron.parse("0 0 */2 * 1")
    ticks = cron.ticks(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 31, tzinfo=UTC))
    assert ticks == [datetime(2024, 1, 15, tzinfo=UTC), datetime(2024, 1, 29, tzinfo=UTC)]


def test_an_output_bucket_that_does_not_exist_is_a_clear_error_not_a_botocore_traceback(tmp_path):
    # A missing bucket (a typo in --output) is a one-line error naming the URI, not a botocore traceback.
    spec = ScheduleSpec(
        Cron.parse("cron(0 * ? * * *)"),
        "s3://no-such-capture-bucket/capture",
        "s3://no-such-output-bucket/reports",
        "ep",
        "sched",
        baseline_constraints="s3://no-such-output-bucket/constraints.json",
    )
    with moto_server(tmp_path), pytest.raises(AnalyzerError):
        run_window(spec, Window.of(spec, datetime(2024, 1, 1, 12, tzinfo=UTC)))


# ---------------------------------------------------------------- checked and fine


def test_day_of_week_numbering_in_both_forms():
    monday = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
    assert Cron.parse("cron(0 0 ? * 2 *)").next_after(monday - timedelta(minutes=1)) == monday
    assert Cron.parse("cron(0 0 ? * MON *)").next_after(monday - timedelta(minutes=1)) == monday
    sunday = datetime(2024, 1, 7, tzinfo=UTC)
    assert Cron.parse("cron(0 0 ? * 1 *)").next_after(monday) == sunday
    assert Cron.parse("0 0 * * 0").next_after(monday) == sunday
    assert Cron.parse("0 0 * * 7").next_after(monday) == sunday
    assert Cron.parse("0 0 * * 5-7").weekdays == {5, 6, 0}


def test_rollovers_leap_day_year_field_and_ranges_with_steps():
    assert Cron.parse("0 0 29 2 *").next_after(datetime(2024, 3, 1, tzinfo=UTC)) == datetime(
        2028, 2, 29, tzinfo=UTC
    )
    assert Cron.parse("0 0 31 * *").next_after(datetime(2024, 1, 31, tzinfo=UTC)) == datetime(
        2024, 3, 31, tzinfo=UTC
    )
    assert Cron.parse("cron(0 12 1 * ? 2025)").next_after(datetime(2024, 12, 31, tzinfo=UTC)) == datetime(
        2025, 1, 1, 12, tzinfo=UTC
    )
    assert Cron.parse("10-50/20 * * * *").minutes == {10, 30, 50}
    assert Cron.parse("5/20 * * * *").minutes == {5, 25, 45}
    assert Cron.parse("*/15 * * * *").next_after(datetime(2024, 12, 31, 23, 59, 30, tzinfo=UTC)) == (
        datetime(2025, 1, 1, tzinfo=UTC)
    )


def test_backfill_selects_windows_by_their_end_with_a_nonzero_end_offset():
    spec = ScheduleSpec(
        Cron.parse("cron(0 * ? * * *)"),
        "c",
        "o",
        "ep",
        "s",
        baseline_constraints="c",
        start_offset=timedelta(hours=-2),
        end_offset=timedelta(hours=-1),
    )
    day = datetime(2024, 1, 31, tzinfo=UTC)
    ticks = backfill_ticks(spec, day.replace(hour=22), day + timedelta(hours=24))
    assert [Window.of(spec, t).end for t in ticks] == [day.replace(hour=23), day + timedelta(hours=24)]
    assert Window.of(spec, ticks[-1]).report(spec).endswith("2024/02/01/00")


def test_create_requests_pass_botocore_validation():
    model = boto3.client("sagemaker", region_name="us-east-1").meta.service_model
    base = dict(
        name="s",
        image_uri="111111111111.dkr.ecr.us-east-1.amazonaws.com/x:latest",
        role_arn="arn:aws:iam::111111111111:role/r",
        output_s3_uri="s3://b/o",
        cron="cron(0 * ? * * *)",
        baseline_constraints="s3://b/c.json",
    )
    for extra in (
        dict(endpoint="ep", baseline_statistics="s3://b/s.json", start_offset="-PT1H", end_offset="-PT0H"),
        dict(batch_capture_s3_uri="s3://b/cap", batch_dataset_format={"Parquet": {}}),
        dict(
            endpoint="ep",
            problem_type="BinaryClassification",
            ground_truth_s3_uri="s3://b/gt",
            probability_attribute="1",
            probability_threshold=0.5,
        ),
    ):
        definition = sagemaker.ScheduleDefinition(**base, **extra).validate()
        operation, parameters = sagemaker.job_definition_request(definition)
        name = "".join(w.title() for w in operation.split("_"))
        validate_parameters(parameters, model.operation_model(name).input_shape)
        validate_parameters(
            sagemaker.schedule_request(definition),
            model.operation_model("CreateMonitoringSchedule").input_shape,
        )


def test_put_metrics_batches_statistic_values_and_storage_edges(tmp_path):
    record = {
        "MetricName": "feature_data_x",
        "Timestamp": "2024-01-01T00:00:00Z",
        "Dimensions": [{"Name": "Endpoint", "Value": "ep"}],
        "StatisticValues": {"SampleCount": 3, "Sum": 6.0, "Minimum": 1.0, "Maximum": 3.0},
    }
    with moto_server(tmp_path):
        assert put_metrics([record] * 25, "ns") == 25
        boto3.client("s3").create_bucket(Bucket="review-bucket")
        assert storage.read_text("s3://review-bucket/missing.json") is None
        storage.write_text("s3://review-bucket/a/file.json", "{}")
        assert storage.list_names("s3://review-bucket/a/file.json") == []
        assert storage.list_names("s3://review-bucket/a") == ["file.json"]
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.json").write_text("1")
    assert storage.list_names(f"file://{tmp_path / 'd'}") == ["x.json"]
    assert storage.read_text(f"file://{tmp_path / 'd' / 'x.json'}") == "1"


def test_a_failing_tick_does_not_end_the_scheduler():
    from analyzer.schedule.runner import run_forever
    from tests.schedule.test_schedule import FakeClock

    spec = ScheduleSpec(Cron.parse("cron(0 * ? * * *)"), "c", "o", "ep", "sched", baseline_constraints="x")
    seen = []

    def execute(window):
        seen.append(window.tick.hour)
        if len(seen) == 1:
            raise RuntimeError("S3 is down")

    assert run_forever(spec, execute, FakeClock(datetime(2024, 1, 1, 10, 30, tzinfo=UTC)), max_ticks=2) == 2
    assert seen == [11, 12]
