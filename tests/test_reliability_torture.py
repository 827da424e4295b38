"""The torn-read torture, CI-sized (torture/README.md has the long run).

The checks of torn values must catch every mix of two of the writer's values
(tested here on hand-made files, for the Python, Go and Rust checkers alike).
The smoke run then lets torture-writer (C) race every reader for a fraction
of a second each: no reader may fail or report an error on a file that is
only being updated. Torn values are counted and printed, not asserted: under
version 1 a re-checking reader can still take a torn copy (an even number of
flips during its copy goes unseen; spec "What version 1 cannot guarantee").
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from mmstats_format import build_file

REPO = Path(__file__).resolve().parents[1]
TORTURE = REPO / "torture"
BUILD = TORTURE / "build"
sys.path.insert(0, str(TORTURE))
import check  # noqa: E402
import run as torture_run  # noqa: E402


def encode(code, k):
    """torture-writer's value for step k (writer.c), as the reader returns it."""
    k32, k20, k16, k11, k8 = k & 0xFFFFFFFF, k & 0xFFFFF, k & 0xFFFF, k & 0x7FF, k & 0xFF
    if code == "Q":
        return k32 << 32 | k32
    if code == "I":
        return k16 << 16 | k16
    if code == "H":
        return k8 << 8 | k8
    if code == "d":
        return struct.unpack("<d", struct.pack("<Q", 0x3FF << 52 | k20 << 32 | k20))[0]
    if code == "f":
        return struct.unpack("<f", struct.pack("<I", 0x3F800000 | k11 << 12 | k11))[0]
    return f"{k32:08x}" * 2


def raw(code, value) -> bytes:
    if code == "16s":
        return value.encode()
    return struct.pack("<" + code, value)


def unraw(code, data):
    return data.decode() if code == "16s" else struct.unpack("<" + code, data)[0]


CODES = ["Q", "I", "H", "d", "f", "16s"]


@pytest.mark.parametrize("code", CODES)
def test_every_value_the_writer_stores_fits(code):
    for k in (0, 1, 2, 255, 256, 0x7FF, 0xFFFFF, 0xFFFFFFFF, 0x123456789):
        assert check.fits(code, encode(code, k)), (code, k)
    assert check.fits(code, "" if code == "16s" else 0)


@pytest.mark.parametrize("code", CODES)
def test_every_mix_of_two_steps_is_caught(code):
    for k1, k2 in [(1, 2), (0x10203, 0x10204), (255, 256), (0xFFFFF, 0x100000 + 7), (41, 97)]:
        a, b = raw(code, encode(code, k1)), raw(code, encode(code, k2))
        for cut in range(1, len(a)):
            for mixed in (a[:cut] + b[cut:], b[:cut] + a[cut:]):
                if mixed in (a, b):
                    continue  # the two steps agree on the bytes that moved
                assert not check.fits(code, unraw(code, mixed)), (code, k1, k2, cut, mixed)


TORN = {"Q": (5 << 32) | 6, "I": (5 << 16) | 6, "H": 0x0506, "d": 1.5, "f": 1.25, "16s": "0000000500000006"}


def hand_made_file(path):
    """Good and torn values of every type, buffered and not: the torn count per read is known."""
    records = [{"label": "sys.pid", "type": "I", "value": 1, "buffered": False}]
    torn_buffered = torn_unbuffered = 0
    for code in CODES:
        for buffered in (True, False):
            records.append({"label": f"{code}.good.{buffered}", "type": code, "value": encode(code, 77),
                            "buffered": buffered})
            records.append({"label": f"{code}.torn.{buffered}", "type": code, "value": TORN[code],
                            "buffered": buffered})
            torn_buffered += buffered
            torn_unbuffered += not buffered
    path.write_bytes(build_file(records))
    return torn_buffered, torn_unbuffered, len(records) - 1


def _readers():
    return [name for name, cmd in torture_run.READERS.items() if torture_run.available(cmd)]


@pytest.mark.parametrize("name", list(torture_run.READERS))
def test_each_reader_counts_hand_made_torn_values(tmp_path, name):
    cmd = torture_run.READERS[name]
    if not torture_run.available(cmd):
        pytest.skip(f"{cmd[0]} not built: make -C torture")
    for code in CODES:  # the hand-made torn values really are torn
        assert not check.fits(code, TORN[code])
    path = tmp_path / "hand.mmstats"
    torn_buffered, torn_unbuffered, checked = hand_made_file(path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(cmd + [str(path), "0.2"], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["reads"] > 0 and out["errors"] == {}
    assert out["values"] == out["reads"] * checked
    assert out["torn_buffered"] == out["reads"] * torn_buffered
    assert out["torn_unbuffered"] == out["reads"] * torn_unbuffered


@pytest.fixture(scope="module")
def writer_binary():
    if not (BUILD / "torture-writer").exists():
        if shutil.which("make") is None or shutil.which(os.environ.get("CC", "cc")) is None:
            pytest.skip("needs make and a C compiler")
        subprocess.run(["make", "-C", str(TORTURE), "build/torture-writer"], check=True, capture_output=True,
                       timeout=300)
    return BUILD / "torture-writer"


def test_smoke_every_reader_races_the_writer(writer_binary, capsys):
    results = torture_run.run(0.4)
    with capsys.disabled():
        print("\n" + torture_run.table(results))
    assert results["writer"]["updates"] > 1000
    names = [r["reader"] for r in results["readers"]]
    assert names[:4] == ["python-statsreader", "python-statsreader-no-recheck", "python-read", "python-read-no-recheck"]
    for r in results["readers"]:
        assert r["reads"] > 0 and r["errors"] == {}, r
        assert r["values"] == r["reads"] * 14, r  # every field but sys.pid checked on every read
        assert r["torn_buffered"] <= r["values"] and r["torn_unbuffered"] <= r["values"]


def test_read_takes_a_newer_copy_when_a_write_buffer_flipped_during_its_copy(tmp_path, monkeypatch):
    """mmstats_format.read applies the spec's re-check like StatsReader: its one copy caught value[1]
    mid-update (a torn mix); the writer then finished the next update and flipped to value[0]."""
    from mmstats_format import read, record
    from mmstats_format.scan import scan
    torn, good = (5 << 32) | 6, (7 << 32) | 7
    path = tmp_path / "flip.mmstats"
    path.write_bytes(build_file([record("q", "Q", [0, torn], write_buffer=0)]))  # readers read value[1]
    (field,) = scan(path.read_bytes())[0]
    real_pread, calls = os.pread, []

    def pread_after_the_writer_moved(fd, n, offset):
        if not calls:  # the writer stores value[0] = good and flips, right after the first copy
            with open(path, "r+b") as f:
                f.seek(field.value_offset)
                f.write(good.to_bytes(8, "little"))
                f.seek(field.write_buffer_offset)
                f.write(b"\x01")
        calls.append(offset)
        return real_pread(fd, n, offset)

    monkeypatch.setattr(os, "pread", pread_after_the_writer_moved)
    monkeypatch.setattr("mmstats_format._fileio.open_copies", None)  # the os-level path (pure Python's);
    # the compiled open_copies makes both copies in one call (test_compiled_decode.py)
    assert [f.value for f in read(path)] == [good]
    assert len(calls) == 2  # one re-read that saw the flip, one that agreed
    assert check.fits("Q", good) and not check.fits("Q", torn)


def test_stats_reader_makes_its_second_copy_before_decoding(tmp_path):
    """The re-check copy follows the first at once; only the kept copy is decoded. Decoding in
    between widened the window (torture, writer at 10 us steps: 13 to 55 torn values per million
    read, against 1 to 4 with back-to-back copies)."""
    from mmstats.lowlevel import create_file
    from mmstats_format import StatsReader
    f = create_file(tmp_path / "w.mmstats", [("q", "Q", True), ("n", "I", False)])
    f["q"].set(9)
    reader = StatsReader(f.path)
    assert reader.read() == [9, 0]
    copies, at_decode = [], []
    real_copy, real_checked = reader._copy, reader.layout.checked_values

    def counting_copy(buf):
        copies.append(1)
        return real_copy(buf)

    def noting_checked_values(buf, *a):
        at_decode.append(len(copies))
        return real_checked(buf, *a)

    reader._copy = counting_copy
    reader.layout.checked_values = noting_checked_values
    reader.layout.reread_plan = None  # the Python path (the reader's own layout); the compiled one
    # copies and re-checks before it decodes by construction (test_compiled_decode.py)
    assert reader.read() == [9, 0]
    assert at_decode == [2] and len(copies) == 2  # copy, re-check copy, then one decode
    f.remove()


def test_read_makes_its_second_copy_before_decoding(tmp_path, monkeypatch):
    import importlib
    from mmstats.lowlevel import create_file
    read_module = importlib.import_module("mmstats_format.read")  # the module, not the function
    f = create_file(tmp_path / "w.mmstats", [("q", "Q", True)])
    f["q"].set(4)
    preads, at_decode = [], []
    real_pread, real_decode = os.pread, read_module.LAYOUTS.find
    monkeypatch.setattr(os, "pread", lambda *a: preads.append(1) or real_pread(*a))
    monkeypatch.setattr("mmstats_format._fileio.open_copies", None)  # the os-level path, as above
    monkeypatch.setattr(read_module.LAYOUTS, "find",
                        lambda *a, **k: at_decode.append(len(preads)) or real_decode(*a, **k))
    assert [x.value for x in read_module.read(f.path)] == [4]
    assert at_decode == [1] and len(preads) == 1  # the re-check copy came first; nothing flipped
    f.remove()
