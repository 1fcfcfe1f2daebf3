"""The bad-input policy: what is skipped is counted, located and quarantined; past
max_skipped_fraction the job fails with one line naming the reasons and where they start."""

from __future__ import annotations

import base64
import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli.main import main
from analyzer.common.errors import ConfigError, InputError, TooManySkipped
from analyzer.config.contract import ANALYZER_KEYS, JobConfig, job_config_from_env
from analyzer.config.formats import CSV, JSON, DatasetFormat
from analyzer.jobs.job import run_job
from analyzer.readers.ledger import QUARANTINE_MAX_RECORDS, Ledger, Location
from analyzer.readers.quarantine import quarantine_path
from tests.conftest import features_by_name

JSON_LINES = DatasetFormat(JSON)
NOT_UTF8 = b'{"x": 1, "c": "caf\xe9"}'  # Latin-1, not UTF-8


def job(tmp_path: Path, dataset: Path, dataset_format: DatasetFormat = JSON_LINES, **config):
    config.setdefault("output_path", tmp_path / "out")
    return run_job(JobConfig(dataset_source=dataset, dataset_format=dataset_format, **config), engine="local")


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path


def good_line(i: int) -> bytes:
    return json.dumps({"x": i * 0.5, "c": "abc"[i % 3]}).encode()


def corrupt(kind: int) -> bytes:
    """Three kinds of damage: invalid JSON, not UTF-8, a truncated object."""
    return [b'{"x": 1, "c": ', NOT_UTF8, b'{"x" 2}'][kind % 3]


def dataset_with_bad_lines(root: Path, total: int, bad_at: list[int]) -> tuple[Path, list[int]]:
    """``total`` lines in one file, the ones at the 0-based indices ``bad_at`` damaged; returns the
    path and the indices of the good lines."""
    kinds = iter(range(len(bad_at)))  # the k-th bad line gets damage of kind k
    lines = [corrupt(next(kinds)) if i in bad_at else good_line(i) for i in range(total)]
    path = write_lines(root / "data" / "part.jsonl", lines)
    return path, [i for i in range(total) if i not in bad_at]


def assert_matches_numpy(statistics: dict, good: list[int]) -> None:
    x = np.array([i * 0.5 for i in good])
    stats = features_by_name(statistics)["x"]["numerical_statistics"]
    assert statistics["dataset"]["item_count"] == len(good)
    assert stats["common"] == {"num_present": len(good), "num_missing": 0}
    assert stats["sum"] == pytest.approx(x.sum(), rel=1e-12)
    assert stats["mean"] == pytest.approx(x.mean(), rel=1e-12)
    assert stats["std_dev"] == pytest.approx(x.std(ddof=0), rel=1e-9)
    assert (stats["min"], stats["max"]) == (x.min(), x.max())
    counts = pd.Series(["abc"[i % 3] for i in good]).value_counts()
    buckets = features_by_name(statistics)["c"]["string_statistics"]["distribution"]["categorical"]["buckets"]
    assert {b["value"]: b["count"] for b in buckets} == counts.to_dict()


# ---------------------------------------------------------------- the threshold


def test_exactly_one_percent_skipped_completes_and_is_reported(tmp_path):
    bad_at = [5, 99, 100, 250, 400, 555, 700, 801, 950, 999]  # 10 of 1,000: exactly the default 1%
    path, good = dataset_with_bad_lines(tmp_path, 1000, bad_at)
    result = job(tmp_path, path.parent)
    assert_matches_numpy(result.statistics, good)
    assert result.ledger.records_read == 1000
    assert result.ledger.records_analyzed + result.ledger.records_skipped == 1000
    skipped = result.statistics["dataset"]["skipped"]
    assert skipped == {
        "records_read": 1000,
        "count": 10,
        "reasons": {"invalid JSON": 7, "not UTF-8": 3},  # sorted by name
        "examples": [
            {
                "location": f"{path}:{i + 1}",
                "reason": "not UTF-8" if k % 3 == 1 else "invalid JSON",
                "detail": {
                    0: "Expecting value at column 15",
                    1: "invalid byte at position 18",
                    2: "Expecting ':' delimiter at column 6",
                }[k % 3],
            }
            for k, i in enumerate(bad_at)
        ],
    }
    written = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert written["dataset"] == result.statistics["dataset"]
    assert list(written["dataset"]) == ["item_count", "skipped"]
    assert not quarantine_path(tmp_path / "out").exists()  # quarantine is off by default


def test_one_record_above_one_percent_fails_with_one_line_naming_reasons_and_places(tmp_path):
    bad_at = [5, 99, 100, 250, 400, 555, 700, 801, 950, 998, 999]  # 11 of 1,000
    path, _ = dataset_with_bad_lines(tmp_path, 1000, bad_at)
    with pytest.raises(TooManySkipped) as info:
        job(tmp_path, path.parent)
    assert str(info.value) == (
        "Skipped 11 of 1000 records (1.1%), more than max_skipped_fraction 0.01 (1%) allows; "
        f"invalid JSON: 7 (first at {path}:6), not UTF-8: 4 (first at {path}:100). Fix the input, or raise "
        "the threshold (environment key max_skipped_fraction, CLI --max-skipped-fraction; at most 1)"
    )
    assert isinstance(info.value, InputError)
    assert not (tmp_path / "out" / "statistics.json").exists()
    # The same data under a higher threshold; a threshold of 0 fails on one skipped record.
    assert (
        job(tmp_path, path.parent, max_skipped_fraction=0.011).statistics["dataset"]["skipped"]["count"] == 11
    )
    one_bad, _ = dataset_with_bad_lines(tmp_path / "one", 1000, [3])
    with pytest.raises(
        TooManySkipped, match=r"^Skipped 1 of 1000 records \(0.1%\), more than max_skipped_fraction 0 "
    ):
        job(tmp_path, one_bad.parent, max_skipped_fraction=0.0)


def capture_line(encoding: str = "CSV", data: str | None = "1,2") -> bytes:
    part = {"observedContentType": "text/csv", "mode": "INPUT", "data": data, "encoding": encoding}
    event = {
        "captureData": {"endpointInput": part} if data is not None else {},
        "eventMetadata": {"eventId": "e"},
    }
    return json.dumps(event).encode()


def test_message_names_the_three_main_reasons_and_counts_the_rest(tmp_path):
    lines = [capture_line() for _ in range(10)]
    lines += [b"{", b"{", NOT_UTF8, NOT_UTF8, NOT_UTF8, b"[1]", capture_line("ROT13"), capture_line("ROT13")]
    lines += [capture_line(data=None)]
    path = write_lines(tmp_path / "data" / "a.jsonl", lines)
    with pytest.raises(TooManySkipped) as info:
        job(tmp_path, path.parent, DatasetFormat("sagemakerCaptureJson"))
    message = str(info.value)
    assert message.startswith(
        "Skipped 9 of 19 records (47.37%), more than max_skipped_fraction 0.01 (1%) allows; "
        f"not UTF-8: 3 (first at {path}:13), invalid JSON: 2 (first at {path}:11), "
        f"unknown encoding: 2 (first at {path}:17), 2 more reason(s). Fix the input"
    )


def test_dropped_records_never_count_as_skipped(tmp_path):
    data = write_lines(tmp_path / "data" / "a.jsonl", [good_line(i) for i in range(100)])
    script = tmp_path / "half.py"
    script.write_text("def preprocess_handler(record):\n    return [] if record['x'] % 1 else record\n")
    result = job(tmp_path, data.parent, record_preprocessor_script=script, max_skipped_fraction=0.0)
    assert result.ledger.records_dropped == 50
    assert "skipped" not in result.statistics["dataset"]


def test_nothing_left_after_skips_under_threshold_one_fails_as_no_records(tmp_path):
    data = write_lines(tmp_path / "data" / "a.jsonl", [b"{", NOT_UTF8])
    with pytest.raises(InputError, match=r"^No records to analyze under .*: read 2, dropped 0, skipped 2$"):
        job(tmp_path, data.parent, max_skipped_fraction=1.0)
    with pytest.raises(TooManySkipped, match=r"^Skipped 2 of 2 records \(100%\)"):
        job(tmp_path, data.parent)


# ---------------------------------------------------------------- preprocessor faults


def test_handler_raising_on_one_record_in_a_thousand_skips_just_that_record(tmp_path):
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"a": rng.normal(5, 2, 1000).round(4), "b": rng.integers(0, 50, 1000)})
    data = tmp_path / "data"
    data.mkdir()
    path = data / "part.csv"
    frame.to_csv(path, header=False, index=False)
    script = tmp_path / "pre.py"
    script.write_text(
        textwrap.dedent(
            """
            def preprocess_handler(inference_record):
                a, b = inference_record.split(",")
                if int(b) == BAD:
                    raise KeyError("no such\\nfeature")
                return {"a": float(a), "b": int(b)}
            """
        ).replace("BAD", "-1")
    )
    # Make exactly one record (line 537) carry the failing value.
    frame.loc[536, "b"] = -1
    frame.to_csv(path, header=False, index=False)
    result = job(tmp_path, data, DatasetFormat(CSV), record_preprocessor_script=script)
    assert result.ledger.records_skipped == 1
    assert result.statistics["dataset"]["skipped"] == {
        "records_read": 1000,
        "count": 1,
        "reasons": {"preprocess_handler raised KeyError": 1},
        "examples": [
            {
                "location": f"{path}:537",
                "reason": "preprocess_handler raised KeyError",
                "detail": "'no such\\nfeature'",  # str(KeyError) is the repr of its argument
            }
        ],
    }
    rest = frame.drop(index=536)
    features = features_by_name(result.statistics)
    assert result.statistics["dataset"]["item_count"] == 999
    for name in ("a", "b"):
        stats = features[name]["numerical_statistics"]
        values = rest[name].to_numpy(dtype=float)
        assert stats["common"]["num_present"] == 999
        assert stats["sum"] == pytest.approx(values.sum(), rel=1e-12)
        assert stats["mean"] == pytest.approx(values.mean(), rel=1e-12)
        assert stats["std_dev"] == pytest.approx(values.std(ddof=0), rel=1e-9)
        assert (stats["min"], stats["max"]) == (values.min(), values.max())
    # And the same profile, sketches included, as a run over the 999 good records alone.
    clean = tmp_path / "clean"
    clean.mkdir()
    rest.to_csv(clean / "part.csv", header=False, index=False)
    reference = job(
        tmp_path, clean, DatasetFormat(CSV), record_preprocessor_script=script, output_path=tmp_path / "o2"
    )
    assert result.statistics["features"] == reference.statistics["features"]


def test_handler_failing_on_every_record_fails_with_the_prebuilt_wording(tmp_path):
    data = write_lines(tmp_path / "data" / "a.jsonl", [good_line(i) for i in range(20)])
    script = tmp_path / "pre.py"
    script.write_text("def preprocess_handler(record):\n    return record['missing']\n")
    with pytest.raises(TooManySkipped) as info:
        job(tmp_path, data.parent, record_preprocessor_script=script)
    assert str(info.value).startswith(
        "There is an exception raised in preprocessor script. Please double check the preprocessor script. "
        f"KeyError: 'missing' (record {data}:1). Skipped 20 of 20 records (100%), more than "
        f"max_skipped_fraction 0.01 (1%) allows; preprocess_handler raised KeyError: 20 (first at {data}:1)."
    )


# ---------------------------------------------------------------- quarantine


def read_quarantine(output: Path) -> list[dict]:
    return [json.loads(line) for line in quarantine_path(output).read_text(encoding="utf-8").splitlines()]


def test_quarantine_holds_each_skipped_line_as_read(tmp_path):
    lines = [good_line(0), b'{"x": ', good_line(1), NOT_UTF8, good_line(2), '{"c": "\u00e9\u6f22"'.encode()]
    data = write_lines(tmp_path / "data" / "a.jsonl", lines)
    with pytest.raises(TooManySkipped):  # written even when the job then fails
        job(tmp_path, data.parent, quarantine=True)
    expected = [
        {"location": f"{data}:2", "reason": "invalid JSON", "detail": "Expecting value at column 7",
         "record": '{"x": '},
        {"location": f"{data}:4", "reason": "not UTF-8", "detail": "invalid byte at position 18",
         "record_base64": base64.b64encode(NOT_UTF8).decode()},
        {"location": f"{data}:6", "reason": "invalid JSON",
         "detail": "Expecting ',' delimiter at column 11", "record": '{"c": "\u00e9\u6f22"'},
    ]  # fmt: skip
    assert read_quarantine(tmp_path / "out") == expected
    assert base64.b64decode(expected[1]["record_base64"]) == NOT_UTF8
    result = job(tmp_path, data.parent, quarantine=True, max_skipped_fraction=0.5)
    assert read_quarantine(tmp_path / "out") == expected
    assert quarantine_path(tmp_path / "out") in result.outputs


def test_quarantine_of_csv_and_capture_readers(tmp_path):
    csv_data = tmp_path / "csv"
    csv_data.mkdir()
    (csv_data / "a.csv").write_bytes(b"1,2\n3,4\n5\n\n7,8,9\n10,11\n")  # pyarrow's path: wrong widths
    job(tmp_path, csv_data, DatasetFormat(CSV), quarantine=True, max_skipped_fraction=1.0)
    assert [(q["location"], q["record"]) for q in read_quarantine(tmp_path / "out")] == [
        (f"{csv_data / 'a.csv'}:3", "5"),
        (f"{csv_data / 'a.csv'}:5", "7,8,9"),
    ]
    capture = tmp_path / "capture"
    event = {
        "captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": "1,2",
                                          "encoding": "CSV"}},
        "eventMetadata": {"eventId": "e", "inferenceTime": "2026-01-01T00:00:00Z"},
    }  # fmt: skip
    bad_payload = json.loads(json.dumps(event))
    bad_payload["captureData"]["endpointInput"]["encoding"] = "ROT13"
    lines = [json.dumps(event).encode(), b"not json", json.dumps(bad_payload).encode(), b"[1]"]
    path = write_lines(capture / "c.jsonl", lines)
    job(tmp_path, capture, DatasetFormat("sagemakerCaptureJson"), quarantine=True, max_skipped_fraction=1.0)
    assert [(q["location"], q["reason"], q["record"]) for q in read_quarantine(tmp_path / "out")] == [
        (f"{path}:2", "invalid JSON", "not json"),
        (f"{path}:3", "unknown encoding", lines[2].decode()),
        (f"{path}:4", "not a capture record", "[1]"),
    ]


def test_quarantine_is_bounded_and_counts_what_it_left_out(tmp_path):
    extra = 37
    lines = [good_line(0)] + [b"{%d" % i for i in range(QUARANTINE_MAX_RECORDS + extra)]
    data = write_lines(tmp_path / "data" / "a.jsonl", lines)
    result = job(tmp_path, data.parent, quarantine=True, max_skipped_fraction=1.0)
    written = read_quarantine(tmp_path / "out")
    assert len(written) == QUARANTINE_MAX_RECORDS + 1
    assert written[-1] == {"omitted": extra}
    assert [q["record"] for q in written[:3]] == ["{0", "{1", "{2"]
    assert written[-2]["location"] == f"{data}:{QUARANTINE_MAX_RECORDS + 1}"
    assert result.statistics["dataset"]["skipped"]["count"] == QUARANTINE_MAX_RECORDS + extra


def test_quarantine_byte_bound_keeps_the_first_16_mb(tmp_path):
    big = b"{" + b"x" * 999_999  # 1,000,000 bytes of invalid JSON per line
    data = write_lines(tmp_path / "data" / "a.jsonl", [good_line(0)] + [big] * 20)
    job(tmp_path, data.parent, quarantine=True, max_skipped_fraction=1.0)
    written = read_quarantine(tmp_path / "out")
    assert len(written) == 17 and written[-1] == {"omitted": 4}  # 16 x (1 MB + detail) <= 16 MiB < 17 x
    assert all(len(q["record"]) == len(big) for q in written[:-1])


def test_ledger_merge_keeps_the_bound_in_split_order():
    first, second = Ledger(keep_raw=True), Ledger(keep_raw=True)
    for ledger, path in ((first, "a"), (second, "b")):
        for i in range(6000):
            ledger.skip("invalid JSON", Location(path, 0, i + 1), "d", b"{")
    merged = first.merge(second)
    assert len(merged.quarantined) == QUARANTINE_MAX_RECORDS
    assert merged.quarantine_omitted == 2000
    assert [q.location.path for q in merged.quarantined] == ["a"] * 6000 + ["b"] * 4000
    off = Ledger()
    off.skip("invalid JSON", Location("a", 0, 1), "d", b"{")
    assert off.quarantined == [] and off.quarantine_omitted == 0


def test_stale_quarantine_is_replaced_or_removed(tmp_path):
    output = tmp_path / "out"
    bad = write_lines(tmp_path / "bad" / "a.jsonl", [good_line(0), b"{1", b"{2"])
    job(tmp_path, bad.parent, quarantine=True, max_skipped_fraction=1.0)
    assert len(read_quarantine(output)) == 2
    other = write_lines(tmp_path / "other" / "a.jsonl", [good_line(0), b"{3"])
    job(tmp_path, other.parent, quarantine=True, max_skipped_fraction=1.0)
    assert [q["record"] for q in read_quarantine(output)] == ["{3"]
    clean = write_lines(tmp_path / "clean" / "a.jsonl", [good_line(0)])
    job(tmp_path, clean.parent, quarantine=True)
    assert not (output / "quarantine").exists()
    job(tmp_path, bad.parent, quarantine=True, max_skipped_fraction=1.0)
    job(tmp_path, bad.parent, quarantine=False, max_skipped_fraction=1.0)  # off: an old one is stale too
    assert not (output / "quarantine").exists()
    assert sorted(p.name for p in output.iterdir()) == ["constraints.json", "report.html", "statistics.json"]


# ---------------------------------------------------------------- configuration


ENV = {"dataset_source": "/data", "dataset_format": '{"json": {"lines": true}}', "output_path": "/out"}


def test_environment_keys():
    assert {"max_skipped_fraction", "quarantine_skipped_records"} <= ANALYZER_KEYS
    default = job_config_from_env(ENV)
    assert (default.max_skipped_fraction, default.quarantine) == (0.01, False)
    config = job_config_from_env(
        {**ENV, "max_skipped_fraction": "0.25", "quarantine_skipped_records": "Enabled"}
    )
    assert (config.max_skipped_fraction, config.quarantine) == (0.25, True)
    assert job_config_from_env({**ENV, "max_skipped_fraction": "1", "quarantine_skipped_records": "disabled"})
    for value, shown in (("abc", "'abc'"), ("1.5", "1.5"), ("-0.1", "-0.1"), ("nan", "nan")):
        with pytest.raises(ConfigError) as info:
            job_config_from_env({**ENV, "max_skipped_fraction": value})
        assert str(info.value) == f"max_skipped_fraction must be a number in [0, 1], got {shown}"
    with pytest.raises(
        ConfigError, match=r"^quarantine_skipped_records must be Enabled or Disabled, got 'yes'$"
    ):
        job_config_from_env({**ENV, "quarantine_skipped_records": "yes"})


def test_a_config_built_in_code_is_checked_too(tmp_path):
    data = write_lines(tmp_path / "data" / "a.jsonl", [good_line(0)])
    with pytest.raises(ConfigError, match=r"max_skipped_fraction must be a number in \[0, 1\], got 2"):
        job(tmp_path, data.parent, max_skipped_fraction=2)


def test_cli_flags_on_baseline_and_monitor(tmp_path):
    path, _ = dataset_with_bad_lines(tmp_path, 100, [10, 20])  # 2%
    runner = CliRunner()
    base = ["baseline", "--dataset", str(path.parent), "--format", "json", "--engine", "local"]
    failed = runner.invoke(main, [*base, "--output", str(tmp_path / "b0")])
    assert failed.exit_code != 0
    assert "Skipped 2 of 100 records (2%)" in failed.output
    passed = runner.invoke(
        main, [*base, "--output", str(tmp_path / "b1"), "--max-skipped-fraction", "0.02", "--quarantine"]
    )
    assert passed.exit_code == 0, passed.output
    assert len(read_quarantine(tmp_path / "b1")) == 2
    assert str(quarantine_path(tmp_path / "b1")) in passed.output
    wrong = runner.invoke(main, [*base, "--output", str(tmp_path / "b2"), "--max-skipped-fraction", "-1"])
    assert (
        wrong.exit_code != 0 and "max_skipped_fraction must be a number in [0, 1], got -1.0" in wrong.output
    )
    monitor = [
        "monitor", "--dataset", str(path.parent), "--format", "json", "--engine", "local",
        "--baseline-statistics", str(tmp_path / "b1" / "statistics.json"),
        "--baseline-constraints", str(tmp_path / "b1" / "constraints.json"),
    ]  # fmt: skip
    assert "Skipped 2 of 100" in runner.invoke(main, [*monitor, "--output", str(tmp_path / "m0")]).output
    checked = runner.invoke(
        main, [*monitor, "--output", str(tmp_path / "m1"), "--max-skipped-fraction", "0.5", "--quarantine"]
    )
    assert checked.exit_code == 0, checked.output
    assert json.loads((tmp_path / "m1" / "statistics.json").read_text())["dataset"]["skipped"]["count"] == 2
    assert len(read_quarantine(tmp_path / "m1")) == 2


# ---------------------------------------------------------------- model quality


def test_model_quality_job_honors_the_same_policy(tmp_path):
    rng = np.random.default_rng(4)
    truth, predicted = rng.uniform(0, 10, 300).round(3), rng.uniform(0, 10, 300).round(3)
    lines = [
        json.dumps({"label": float(t), "prediction": float(p)}).encode()
        for t, p in zip(truth, predicted, strict=True)
    ]
    lines[40], lines[41], lines[200] = b"{", NOT_UTF8, b'{"label": 1,'
    keep = np.ones(300, dtype=bool)
    keep[[40, 41, 200]] = False
    data = write_lines(tmp_path / "data" / "a.jsonl", lines)
    spec = dict(analysis_type="MODEL_QUALITY", problem_type="Regression", inference_attribute="prediction",
                ground_truth_attribute="label")  # fmt: skip
    with pytest.raises(
        TooManySkipped, match=r"^Skipped 3 of 300 records \(1%\), more than max_skipped_fraction 0.005"
    ):
        job(tmp_path, data.parent, max_skipped_fraction=0.005, quarantine=True, **spec)
    assert [q["location"] for q in read_quarantine(tmp_path / "out")] == [
        f"{data}:41",
        f"{data}:42",
        f"{data}:201",
    ]
    result = job(tmp_path, data.parent, quarantine=True, **spec)
    statistics = result.statistics
    assert statistics["dataset"]["item_count"] == 297
    assert statistics["dataset"]["skipped"]["reasons"] == {"invalid JSON": 2, "not UTF-8": 1}
    assert statistics["dataset"]["skipped"]["records_read"] == 300
    mae = np.abs(truth[keep] - predicted[keep]).mean()
    assert statistics["regression_metrics"]["mae"]["value"] == pytest.approx(mae, rel=1e-9)
    written = json.loads((tmp_path / "out" / "statistics.json").read_text())
    assert written["dataset"] == statistics["dataset"]
    assert quarantine_path(tmp_path / "out") in result.outputs
