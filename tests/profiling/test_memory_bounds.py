"""Memory is bounded by the sketches: .gz streamed with exact counts, long values cut in
statistics.json with their counts kept apart, a column limit that fails at once, a report of
bounded size at any width, and task states merged in split order whatever order they arrive in."""

from __future__ import annotations

import gzip
import pickle
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyzer.config.formats import CSV, DatasetFormat
from analyzer.files.sources import list_files, plan_splits
from analyzer.profiling.column import ProfileSettings
from analyzer.profiling.dataset import DatasetProfile
from analyzer.profiling.engine import make_read_plan, profile_task, run_profile
from analyzer.profiling.long_values import is_cut_key
from analyzer.profiling.ordered_merge import OrderedMerge
from analyzer.profiling.statistics import build_statistics
from analyzer.report.html import MAX_CARDS, render_report
from analyzer.suggestions.suggest import suggest_domains

HEADER = DatasetFormat(CSV, header=True)
MARKER = re.compile(r"…\[truncated (\d+) chars, blake2b [0-9a-f]{16}\]$")


def buckets_of(statistics: dict, name: str) -> dict[str, int]:
    (feature,) = [f for f in statistics["features"] if f["name"] == name]
    return {
        b["value"]: b["count"] for b in feature["string_statistics"]["distribution"]["categorical"]["buckets"]
    }


# -- .gz streamed ---------------------------------------------------------------------------------


def test_gz_is_read_chunk_by_chunk_with_exact_counts_and_file_lines(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "4096")  # chunks of about 4 KB: dozens of them
    lines = ["a,b"] + [f"{i},{i % 7}" for i in range(20_000)]
    lines[15_001] = "broken"  # a record with one field, on line 15,002 of the file
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    profile = run_profile(None, path, HEADER, engine="local")
    assert profile.item_count == 19_999
    assert profile.ledger.records_read == 20_000
    assert profile.ledger.describe_examples() == [
        f"{path}:15002: wrong number of fields: expected 2 fields, found 1: broken"
    ]
    assert len(profile.ledger.split_lines) > 20  # read as many chunks, not as one block


PEAK_SCRIPT = textwrap.dedent(
    """
    import resource, sys
    from analyzer.config.formats import CSV, DatasetFormat
    from analyzer.profiling.engine import run_profile
    profile = run_profile(None, sys.argv[1], DatasetFormat(CSV, header=True), engine="local")
    print(profile.item_count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
    """
)


def test_a_gz_expanding_to_160_mb_is_profiled_in_the_memory_of_a_split(tmp_path):
    block = "".join(f"{i % 97},{i % 13}.5\n" for i in range(100_000)).encode()
    path = tmp_path / "big.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b"a,b\n")
        for _ in range(160_000_000 // len(block)):
            out.write(block)
    rows = 160_000_000 // len(block) * 100_000
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path)], capture_output=True, text=True, check=True
    )
    count, peak_mb = map(int, done.stdout.split())
    assert count == rows
    # Decompressed whole, 160 MB of short rows peaked near 1.3 GB (200 MB: 1.6 GB); read in 32 MB
    # chunks the process costs what one 32 MB split does, about 550 MB whatever the archive expands to.
    assert peak_mb < 900, peak_mb


# -- long values ----------------------------------------------------------------------------------


def long_values_file(tmp_path: Path) -> Path:
    a = "x" * 3000
    rows = [f"{i},s{i % 3}" for i in range(50)] + [f"50,{a}A", f"51,{a}B", f"52,{a}A", "53," + "é" * 2000]
    path = tmp_path / "long.csv"
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    return path


def test_long_values_are_cut_with_a_marker_and_keep_their_own_counts(tmp_path):
    path = long_values_file(tmp_path)
    statistics = build_statistics(run_profile(None, path, HEADER, engine="local"))
    buckets = buckets_of(statistics, "text")
    cut = {value: count for value, count in buckets.items() if MARKER.search(value)}
    # Two values share their first 3,000 characters: they stay two buckets, counted 2 and 1.
    assert sorted(cut.values()) == [1, 1, 2]
    for value in cut:
        kept = MARKER.sub("", value)
        assert len(kept) == 1024 and int(MARKER.search(value).group(1)) + 1024 in (3001, 2000)
        assert is_cut_key(value)
    assert {v: c for v, c in buckets.items() if v not in cut} == {"s0": 17, "s1": 17, "s2": 16}
    # The distinct count hashes the whole values, as without the cut.
    (text,) = [f for f in statistics["features"] if f["name"] == "text"]
    uncut = build_statistics(
        run_profile(None, path, HEADER, engine="local", settings=ProfileSettings(max_value_length=10_000))
    )
    (whole,) = [f for f in uncut["features"] if f["name"] == "text"]
    assert text["string_statistics"]["distinct_count"] == whole["string_statistics"]["distinct_count"]
    assert not any(MARKER.search(v) for v in buckets_of(uncut, "text"))
    # A domain made of a cut key would flag the long value itself: none is suggested.
    assert (
        suggest_domains(
            {"distribution": {"categorical": {"buckets": [{"value": v, "count": 5} for v in cut]}}},
            _suggest_settings(),
        )
        is None
    )


def _suggest_settings():
    from analyzer.suggestions.suggest import SuggestSettings

    return SuggestSettings()


def test_top_k_values_are_cut_too_and_the_setting_is_honoured(tmp_path):
    rows = [f"{i},{'y' * 300}{i % 2}" for i in range(40)] + [f"{i},u{i}" for i in range(40, 100)]
    path = tmp_path / "top.csv"
    path.write_text("id,text\n" + "\n".join(rows) + "\n")
    settings = ProfileSettings(max_value_length=100, histogram_max_values=10, top_k=5)
    statistics = build_statistics(run_profile(None, path, HEADER, engine="local", settings=settings))
    (text,) = [f for f in statistics["features"] if f["name"] == "text"]
    top = {b["value"]: b["count"] for b in text["string_statistics"]["top_k"]["buckets"]}
    long = {v: c for v, c in top.items() if MARKER.search(v)}
    assert len(long) == 2 and all(len(MARKER.sub("", v)) == 100 for v in long)
    assert all(c <= 20 <= c + text["string_statistics"]["top_k"]["error"] for c in long.values())


# -- column limit ---------------------------------------------------------------------------------


def test_a_dataset_wider_than_max_columns_fails_at_once_with_one_line(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(30)) + "\n" + ",".join("1" * 30) + "\n")
    cli = [sys.executable, "-m", "analyzer.cli", "baseline", "--dataset", str(path), "--header"]
    failed = subprocess.run(
        [*cli, "--output", str(tmp_path / "out"), "--max-columns", "20"], capture_output=True, text=True
    )
    assert failed.returncode == 255
    assert failed.stderr.strip().splitlines()[-1] == (
        f"error: {path}: 30 columns, more than max_columns=20; set the max_columns analyzer setting "
        "higher to profile a dataset this wide"
    )
    assert not (tmp_path / "out" / "statistics.json").exists()
    ok = subprocess.run([*cli, "--output", str(tmp_path / "ok"), "--max-columns", "30"], capture_output=True)
    assert ok.returncode == 0 and (tmp_path / "ok" / "statistics.json").exists()


def test_the_default_column_limit_is_recorded_only_when_changed():
    from analyzer.config.settings import AnalyzerSettings

    assert AnalyzerSettings().recorded() == {}
    assert AnalyzerSettings(max_columns=50_000, max_value_length=64).recorded() == {
        "max_value_length": 64,
        "max_columns": 50_000,
    }
    assert AnalyzerSettings().profile_settings().max_columns == 20_000


# -- report size ----------------------------------------------------------------------------------


def wide_statistics(n: int, shift: float) -> dict:
    features = []
    for i in range(n):
        if i % 4 == 3:
            buckets = [{"value": f"category-{k}-{'z' * 40}", "count": 10 + k} for k in range(12)]
            features.append(
                {
                    "name": f"feature_{i}_{'n' * 30}",
                    "inferred_type": "String",
                    "string_statistics": {
                        "common": {"num_present": 120, "num_missing": 0},
                        "distinct_count": 12.0,
                        "distribution": {"categorical": {"buckets": buckets}},
                    },
                }
            )
            continue
        lows = [shift + k for k in range(10)]
        features.append(
            {
                "name": f"feature_{i}_{'n' * 30}",
                "inferred_type": "Fractional",
                "numerical_statistics": {
                    "common": {"num_present": 100, "num_missing": 1},
                    "mean": 5.0 + shift,
                    "sum": 500.0,
                    "std_dev": 2.9,
                    "min": shift,
                    "max": 10 + shift,
                    "distribution": {
                        "kll": {
                            "buckets": [
                                {"lower_bound": lo, "upper_bound": lo + 1, "count": 10.0} for lo in lows
                            ],
                            "sketch": {
                                "parameters": {"c": 0.64, "k": 2048.0},
                                "data": [[float(v) for v in lows]],
                            },
                        }
                    },
                },
            }
        )
    return {"version": 0.0, "dataset": {"item_count": 100}, "features": features}


def test_report_html_stays_under_10_mb_at_100k_features():
    n = 100_000
    current, baseline = wide_statistics(n, 0.5), wide_statistics(n, 0.0)
    violations = [
        {
            "feature_name": f"feature_{i}_{'n' * 30}",
            "constraint_check_type": "baseline_drift_check",
            "description": f"Baseline drift distance: 0.5 exceeds threshold: 0.1 for feature {i}",
        }
        for i in range(0, n, 7)
    ]
    html = render_report(current, {}, violations, baseline, "wide")
    assert len(html.encode("utf-8")) < 10_000_000
    assert html.count('<section class="card') == MAX_CARDS
    # The features with violations get the cards; every link goes somewhere on the page.
    assert html.count('<section class="card violated"') == MAX_CARDS
    ids = set(re.findall(r' id="(f\d+)"', html))
    assert set(re.findall(r'href="#(f\d+)"', html)) <= ids
    assert "more in constraint_violations.json" in html and "more features only in statistics.json" in html


# -- merge order ----------------------------------------------------------------------------------


def test_states_arriving_out_of_order_merge_as_in_split_order(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_ANALYZER_SPLIT_BYTES", "2000")
    path = tmp_path / "data.csv"
    path.write_text("x,c\n" + "".join(f"{(i * 7919) % 1000 / 7},k{i % 13}\n" for i in range(3000)))
    files = list_files(path)
    plan = make_read_plan(files, HEADER, None)
    splits = plan_splits(files, splittable=True, split_bytes=2000)
    states = [(i, profile_task([s], plan, DatasetProfile)) for i, s in enumerate(splits)]
    assert len(states) > 10
    in_order = OrderedMerge()
    for index, state in states:
        in_order.add(index, state)
    shuffled = OrderedMerge()
    arrival = states[1::2] + states[0::2]  # every odd split first, then the even ones
    most_waiting = 0
    for index, state in arrival:
        shuffled.add(index, state)
        most_waiting = max(most_waiting, len(shuffled.waiting))
    expected = build_statistics(in_order.result())
    assert build_statistics(shuffled.result()) == expected
    assert shuffled.waiting == {} and most_waiting == len(states) // 2
    run = run_profile(None, path, HEADER, engine="local", tasks=len(states))  # one split a task
    assert pickle.dumps(build_statistics(run)) == pickle.dumps(expected)


def test_a_state_missing_or_sent_twice_is_an_error():
    merger = OrderedMerge()
    merger.add(1, pickle.dumps(DatasetProfile()))
    with pytest.raises(ValueError, match="task state 0 never arrived"):
        merger.result()
    with pytest.raises(ValueError, match="arrived twice"):
        merger.add(1, pickle.dumps(DatasetProfile()))
