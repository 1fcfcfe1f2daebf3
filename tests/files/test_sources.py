"""Finding the dataset's files and cutting them into byte-range splits (no Spark needed)."""

from __future__ import annotations

import gzip
import random

import pytest

from analyzer.common.errors import InputError
from analyzer.files.sources import (
    Split,
    count_lines_before,
    first_line,
    group_splits,
    list_files,
    plan_splits,
    read_split,
)


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_list_files_recursive_sorted_and_skips_hidden(tmp_path):
    root = tmp_path / "data"
    expected = [
        write(root / "a.csv", b"1\n"),
        write(root / "b" / "c.csv", b"2\n"),
        write(root / "b" / "d" / "e.csv", b"3\n"),
        write(root / "z.csv", b"4\n"),
    ]
    for hidden in ("_SUCCESS", ".x", ".part.crc", "b/_tmp.csv", "_temporary/f.csv", ".hidden/g.csv"):
        write(root / hidden, b"hidden\n")
    assert list_files(root) == sorted(expected)


def test_list_files_single_file(tmp_path):
    path = write(tmp_path / "one.csv", b"1\n")
    assert list_files(path) == [path]
    assert list_files(str(path)) == [path]


def test_list_files_empty_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "_SUCCESS", b"")
    assert list_files(tmp_path / "empty") == []


def test_list_files_missing_source(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        list_files(tmp_path / "nope")


def test_plan_splits_byte_ranges(tmp_path):
    big = write(tmp_path / "big.csv", b"x" * 25)
    small = write(tmp_path / "small.csv", b"y" * 10)
    packed = write(tmp_path / "packed.csv.gz", gzip.compress(b"z\n" * 100))
    size = packed.stat().st_size
    splits = plan_splits([big, small, packed], splittable=True, split_bytes=10)
    assert splits == [
        Split(str(big), 0, 10, 25),
        Split(str(big), 10, 20, 25),
        Split(str(big), 20, 25, 25),
        Split(str(small), 0, 10, 10),
        Split(str(packed), 0, size, size),  # gzip cannot be split
    ]
    assert all(s.whole_file for s in splits[3:])
    assert not splits[0].whole_file
    assert plan_splits([big], splittable=False, split_bytes=10) == [Split(str(big), 0, 25, 25)]


def random_text(rng: random.Random) -> bytes:
    lines = []
    for _ in range(rng.randint(0, 30)):
        lines.append(
            rng.choice([b"", b"a", b"bb,cc", b"\xe6\x9d\xb1\xe4\xba\xac", b"x" * rng.randint(1, 40)])
        )
    newline = rng.choice([b"\n", b"\r\n"])
    return newline.join(lines) + rng.choice([b"", newline])


def test_splits_read_every_line_exactly_once(tmp_path):
    """Across all split sizes, the splits' bytes are the file, cut only at line starts, and the
    line count before each split is what count_lines_before says."""
    rng = random.Random(7)
    path = tmp_path / "f.txt"
    for _ in range(40):
        data = random_text(rng)
        path.write_bytes(data)
        for split_bytes in range(1, len(data) + 2):
            splits = plan_splits([path], splittable=True, split_bytes=split_bytes)
            pieces = [read_split(s) for s in splits]
            assert b"".join(pieces) == data, (data, split_bytes)
            offset = 0
            for split, piece in zip(splits, pieces, strict=True):
                assert count_lines_before(str(path), split.start) == data[:offset].count(b"\n")
                if piece:
                    # a piece starts at a line start, in its split, and ends at a line end or at EOF
                    assert offset == 0 or data[offset - 1 : offset] == b"\n"
                    assert split.start <= offset < split.end
                    assert piece.endswith(b"\n") or offset + len(piece) == len(data)
                offset += len(piece)


def test_byte_order_mark_dropped_at_file_start_only(tmp_path):
    # as Hadoop's LineRecordReader does: only at offset 0, in plain and gzip files
    bom = b"\xef\xbb\xbf"
    path = write(tmp_path / "f.csv", bom + b"a,b\n" + bom + b"1,2\n")
    for split_bytes in (1, 2, 3, 4, 100):
        pieces = [read_split(s) for s in plan_splits([path], splittable=True, split_bytes=split_bytes)]
        assert b"".join(pieces) == b"a,b\n" + bom + b"1,2\n", split_bytes
    assert first_line(path) == b"a,b\n"
    packed = write(tmp_path / "f.csv.gz", gzip.compress(bom + b"x\n"))
    assert read_split(plan_splits([packed], splittable=True)[0]) == b"x\n"
    assert first_line(packed) == b"x\n"
    assert first_line(write(tmp_path / "g.csv", bom + b"\nh\n")) == b"h\n"


def test_read_split_gzip_reads_whole_file(tmp_path):
    text = "a,b\n1,東京\n".encode()
    path = write(tmp_path / "f.csv.gz", gzip.compress(text))
    (split,) = plan_splits([path], splittable=True, split_bytes=4)
    assert read_split(split) == text


def test_first_line_skips_blank_lines(tmp_path):
    assert first_line(write(tmp_path / "a.csv", b"\n  \r\nh1,h2\r\n1,2\n")) == b"h1,h2\r\n"
    assert first_line(write(tmp_path / "b.csv.gz", gzip.compress(b"\nx,y\n"))) == b"x,y\n"
    assert first_line(write(tmp_path / "c.csv", b"")) == b""


def test_group_splits_keeps_order_and_balances():
    splits = [Split("f", i * 10, i * 10 + 10, 100) for i in range(10)]
    groups = group_splits(splits, 4)
    assert [s for g in groups for s in g] == splits
    assert 3 <= len(groups) <= 5
    assert all(groups)
    assert group_splits(splits, 1) == [splits]
    assert group_splits([], 4) == []
    assert [len(g) for g in group_splits(splits, 100)] == [1] * 10
