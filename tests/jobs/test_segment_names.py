"""Segment names too long for a folder name (split_by target-model): a stable shortened folder,
recorded in segments.json, found again by a monitoring run; never a failed run."""

from __future__ import annotations

import json
import random

from analyzer.config.segments import NAME_MAX_BYTES, directory_name, is_shortened, segment_name
from analyzer.jobs.job import run_job
from tests.jobs.test_split_by import config, model_capture

LONG = "model-" + "x" * 294  # 300 characters
LONG_TWIN = LONG[:-1] + "y"  # the same first 299 characters: only the digest keeps them apart
ACCENTED = "modèle-é" + "é" * 92  # 100 characters, 199 bytes of UTF-8, 597 once percent-encoded
MODELS = [LONG, LONG_TWIN, ACCENTED, "plain"]


def test_a_name_too_long_for_a_folder_gets_a_stable_short_folder_named_in_segments_json(tmp_path):
    rng = random.Random(21)
    baseline = run_job(
        config(model_capture(tmp_path / "base", MODELS, rng), tmp_path / "baseline", split_by="target-model"),
        engine="local",
    )
    assert set(baseline.segments) == set(MODELS)
    index = json.loads((tmp_path / "baseline" / "segments.json").read_text(encoding="utf-8"))["segments"]
    paths = {segment: entry["path"] for segment, entry in index.items()}
    assert paths["plain"] == "plain"
    for name in (LONG, LONG_TWIN, ACCENTED):
        folder = paths[name]
        assert is_shortened(folder) and len(folder.encode("utf-8")) <= NAME_MAX_BYTES
        assert folder == directory_name(name)  # stable: the same name, the same folder, every run
        assert (tmp_path / "baseline" / folder / "statistics.json").is_file()
    assert paths[LONG].startswith("model-xxxx") and paths[ACCENTED].startswith("mod%C3%A8le-%C3%A9")
    assert len(set(paths.values())) == len(MODELS)

    # A monitoring run finds each segment's own baseline through the shortened folders.
    monitor = run_job(
        config(
            model_capture(tmp_path / "current", MODELS, rng),
            tmp_path / "monitor",
            split_by="target-model",
            baseline_constraints=tmp_path / "baseline",
            baseline_statistics=tmp_path / "baseline",
        ),
        engine="local",
    )
    statuses = {s: e["status"] for s, e in monitor.segments.items()}
    assert statuses == dict.fromkeys(MODELS, "checked")
    monitored = json.loads((tmp_path / "monitor" / "segments.json").read_text(encoding="utf-8"))["segments"]
    assert {s: e["path"] for s, e in monitored.items()} == paths


def test_encoded_names_round_trip_and_shortened_ones_are_never_an_encoded_name():
    for name in ("..", ".x", "a/b", "\ud800x", "é" * 42):
        assert segment_name(directory_name(name)) == name
    # "=" is never in what directory_name encodes, so no short name can take a long name's folder.
    forged = directory_name(LONG)
    assert directory_name(forged) != forged and not is_shortened(directory_name(forged))
