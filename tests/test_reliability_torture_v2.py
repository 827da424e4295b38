"""The torn-read torture of format version 2, CI-sized (torture/README.md has the long run).

Version 2 promises no torn value. The checks must catch every mix of two of
the writer's values (tested here on the Python checker, then on hand-made
files for every reader's own checker, exactly counted); the smoke run then
lets torture-writer-v2 (C, writers/c's v2 API) race every reader of version 2
for about half a second, all at once, and asserts zero torn values, no error,
and values of every kind checked by every reader.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from mmstats._v2writer import V2Writer
from mmstats_format import v2

REPO = Path(__file__).resolve().parents[1]
TORTURE = REPO / "torture"
sys.path.insert(0, str(TORTURE))
import check_v2  # noqa: E402
import run as torture_run  # noqa: E402

K = (1 << 32) + 1
M64 = (1 << 64) - 1


# ---------------------------------------------------------------- the writer's values, written again here

def gauge_u64(k):
    k32 = k & 0xFFFFFFFF
    return k32 << 32 | k32


def gauge_f64(k):
    k20 = k & 0xFFFFF
    return struct.unpack("<d", struct.pack("<Q", 0x3FF << 52 | k20 << 32 | k20))[0]


def text(k):
    return f"{k}/" * (1 + k % 7)


def check_one(kind, type_, value, label="f", checker=None):
    checker = checker or check_v2.Checker()
    checker.check(label, kind, type_, value)
    return checker.torn == 0


def mixes(a: bytes, b: bytes):
    """Every value made of a prefix of one and the rest of the other, other than the two themselves."""
    for cut in range(1, len(a)):
        for mixed in (a[:cut] + b[cut:], b[:cut] + a[cut:]):
            if mixed not in (a, b):
                yield mixed


PAIRS = [(1, 2), (255, 256), (0xFFFF, 0x10000), (0x10203, 0x10204), (41, 97), (0xFFFFFFFF, 0x100000000)]


def test_every_value_the_writer_stores_fits():
    for k in (0, 1, 2, 7, 255, 256, 0xFFFFF, 0xFFFFFFFF, 0x123456789, (1 << 40) | 5, M64):
        assert check_one("gauge", "u64", gauge_u64(k)), k
        assert check_one("gauge", "f64", gauge_f64(k)), k
        assert check_one("string", "utf8", text(k) if k else ""), k
    checker = check_v2.Checker()
    for n in (0, 1, 2, 1000, 0xFFFFFFFF, 1 << 32, (1 << 32) + 7, 5 << 32):  # wraps of the low half included
        assert check_one("counter", "u64", n * K & M64, checker=checker), n
    for m in range(-check_v2.MAX_UPDOWN, check_v2.MAX_UPDOWN + 1):
        assert check_one("updown_counter", "i64", m * K), m
    for b0, b1, b2 in [(0, 0, 0), (1, 0, 0), (3, 5, 7), (10**9, 2 * 10**9, 3 * 10**9)]:
        assert check_one("histogram", "f64", (0.5 * b0 + 2 * b1 + 3 * b2, [b0, b1, b2, 0]))


def test_every_mix_of_two_gauges_is_caught():
    for k1, k2 in PAIRS:
        a, b = struct.pack("<Q", gauge_u64(k1)), struct.pack("<Q", gauge_u64(k2))
        for mixed in mixes(a, b):
            assert not check_one("gauge", "u64", struct.unpack("<Q", mixed)[0]), (k1, k2, mixed)
        a, b = struct.pack("<d", gauge_f64(k1)), struct.pack("<d", gauge_f64(k2))
        for mixed in mixes(a, b):
            assert not check_one("gauge", "f64", struct.unpack("<d", mixed)[0]), (k1, k2, mixed)


def test_every_mix_of_two_counter_totals_is_caught_then_or_at_the_next_read():
    for n1, n2 in PAIRS:
        a, b = struct.pack("<Q", n1 * K & M64), struct.pack("<Q", n2 * K & M64)
        for mixed in mixes(a, b):
            checker = check_v2.Checker()
            for v in (n1 * K & M64, struct.unpack("<Q", mixed)[0], n2 * K & M64):
                checker.check("c", "counter", "u64", v)
            assert checker.torn >= 1, (n1, n2, mixed)


def test_a_counter_going_backwards_is_torn():
    checker = check_v2.Checker()
    for n in (5, 6, 4, 7):
        checker.check("c", "counter", "u64", n * K)
    assert checker.torn == 1 and checker.torn_fields == {"c": 1}


def test_every_mix_of_two_updown_sums_is_caught():
    for m1, m2 in [(1, 2), (0, -1), (-1, 1), (3, -3)]:
        a, b = struct.pack("<q", m1 * K), struct.pack("<q", m2 * K)
        for mixed in mixes(a, b):
            assert not check_one("updown_counter", "i64", struct.unpack("<q", mixed)[0]), (m1, m2, mixed)
    assert not check_one("updown_counter", "i64", (check_v2.MAX_UPDOWN + 1) * K)


def test_every_mix_of_two_texts_is_caught():
    for k1, k2 in [(1, 2), (9, 10), (13, 14), (99, 100), (123456, 123457), (6, 13)]:
        a, b = text(k1), text(k2)
        for cut in range(1, max(len(a), len(b))):
            for mixed in {a[:cut] + b[cut:], b[:cut] + a[cut:],   # new text over the old one
                          a[:cut] + b[cut:len(a)], b[:cut] + a[cut:len(b)]}:  # with the other's length
                if mixed not in (a, b):
                    assert not check_v2.fits_string(mixed), (k1, k2, mixed)


def test_a_text_is_decimal_k_of_64_bits():
    assert check_v2.fits_string(text(M64)) and not check_v2.fits_string(text(M64 + 1))
    assert not check_v2.fits_string("0x1/0x1/") and not check_v2.fits_string("/") and not check_v2.fits_string("1/")
    assert check_v2.fits_string("01/01/")  # the check reads k from the text; the writer never pads


def test_a_histogram_mixed_from_two_moments_is_caught():
    one, two = (0.5 * 1 + 2 * 2 + 3 * 3, [1, 2, 3, 0]), (0.5 * 1 + 2 * 3 + 3 * 3, [1, 3, 3, 0])
    assert check_one("histogram", "f64", one) and check_one("histogram", "f64", two)
    assert not check_one("histogram", "f64", (one[0], two[1]))  # the sum of one, the buckets of the other
    assert not check_one("histogram", "f64", (two[0], one[1]))
    assert not check_one("histogram", "f64", (4.0, [0, 2, 0, 1]))  # the +Inf bucket is never used
    checker = check_v2.Checker()
    for h in (two, one):  # the count went backwards
        checker.check("h", "histogram", "f64", h)
    assert checker.torn == 1


def test_null_is_counted_apart_and_other_kinds_are_not_checked():
    checker = check_v2.Checker()
    checker.check("s", "string", "utf8", None)
    checker.check("v", "constant", "u64", 12345)
    assert (checker.nulls, checker.torn, sum(checker.checked.values())) == (1, 0, 0)


# ---------------------------------------------------------------- every reader's checker, on a hand-made file

def hand_made_file(path):
    """Good, torn and null values of every kind the checks know: per read, the counts are known."""
    w = V2Writer.create(path, slot_count=4)
    w.constant("constant", "u64", 5 << 32 | 6)  # not a kind the torture checks: never counted
    w.counter("counter.good").add(3 * K)
    w.counter("counter.torn").add(5 << 32 | 6)
    w.updown_counter("updown.good").add(-2 * K)
    w.updown_counter("updown.torn").add(3 * K + 1)
    w.gauge("gauge.u64.good", "u64").set(gauge_u64(77))
    w.gauge("gauge.u64.torn", "u64").set(5 << 32 | 6)
    w.gauge("gauge.f64.good", "f64").set(gauge_f64(77))
    w.gauge("gauge.f64.torn", "f64").set(1.5)
    w.string("string.good", 128).set(text(12345))
    w.string("string.torn", 128).set("12/13/")
    w.string("string.good.max", 128).set(text(M64))
    w.string("string.torn.big", 128).set(text(M64 + 1))  # not a u64
    w.string("string.null", 128).set(text(5))
    good = w.histogram("histogram.good", check_v2.BOUNDS)
    for v in (0.5, 2.0, 2.0, 3.0):
        good.observe(v)
    w.histogram("histogram.torn.sum", check_v2.BOUNDS).observe(2.5)
    w.histogram("histogram.torn.inf", check_v2.BOUNDS).observe(100.0)
    w.histogram("histogram.null", check_v2.BOUNDS).observe(2.0)
    # a writer stuck inside an update: the sequences stay odd (readers retry, then report null);
    # the string's only copy, and the histogram's copy in slot 0
    with open(path, "r+b") as f:
        _, entries, _ = v2.walk(f.read())
        for e in entries:
            if e.label.endswith(".null"):
                f.seek(e.at)
                f.write(struct.pack("<Q", 1))
    checked = {"counter": 2, "updown_counter": 2, "gauge": 4, "string": 4, "histogram": 3}
    return w, checked, 8, 2  # torn per read, nulls per read


ALL_V2 = dict(torture_run.READERS_V2, **torture_run.CONTROLS_V2)
# One mode per reader program is enough to test its checker (both modes of a program share it, and
# the smoke run below catches a mode that hands it wrong values); Python's four modes differ in how
# they hand values over, and the mapping modes read the values themselves (their null after the retry
# bound included). Each program start takes seconds on a loaded machine: CI time.
HAND_MADE_READERS = ["python-statsreader", "python-read", "python-mapped", "python-no-seqcheck", "go-poller",
                     "go-mapped", "rust-poller", "rust-mapped", "java-statsreader", "java-mapped", "c-poller",
                     "c-mapped", "ts-statsreader"]


def program(cmd):
    """The reader program of a command: the script for an interpreter, else the binary."""
    return cmd[1] if cmd[0] in (sys.executable, "node") else cmd[0]


def test_hand_made_readers_cover_every_reader_program():
    assert {program(ALL_V2[n]) for n in HAND_MADE_READERS} == {program(cmd) for cmd in ALL_V2.values()}


@pytest.mark.parametrize("name", HAND_MADE_READERS)
def test_each_v2_reader_counts_hand_made_torn_values_and_nulls(tmp_path, name):
    cmd = ALL_V2[name]
    assert torture_run.available(cmd), f"{cmd[0]} not built: make -C torture"
    w, checked, torn, nulls = hand_made_file(tmp_path / "hand.mmstats")
    try:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        done = subprocess.run(cmd + [w.path, "0.3"], capture_output=True, text=True, timeout=120, env=env)
    finally:
        w.close()
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    reads = out["reads"]
    assert reads > 0 and out["errors"] == {}, out
    assert out["checked"] == {k: reads * n for k, n in checked.items()}, out
    assert out["values"] == reads * sum(checked.values())
    assert out["torn"] == reads * torn, out
    assert out["nulls"] == reads * nulls, out
    assert set(out["torn_fields"]) == {"counter.torn", "updown.torn", "gauge.u64.torn", "gauge.f64.torn",
                                       "string.torn", "string.torn.big", "histogram.torn.sum",
                                       "histogram.torn.inf"}, out


# ---------------------------------------------------------------- the smoke run

def test_smoke_every_v2_reader_races_the_native_writer_without_a_torn_value(capsys):
    results = torture_run.run(0.5, fmt=2, parallel=True)  # all at once: CI time
    with capsys.disabled():
        print("\n" + torture_run.table_v2(results))
    assert results["skipped"] == []
    assert [r["reader"] for r in results["readers"]] == list(torture_run.READERS_V2)
    assert results["writer"]["updates"] > 1000
    assert results["writer"]["slots"] == [1, 2, 0]  # two thread slots and the shared slot
    for r in results["readers"]:
        if min(r["checked"].values()) == 0:  # a reader that starts slowly (a JVM on a loaded machine)
            (r,) = torture_run.run(3, only={r["reader"]}, fmt=2)["readers"]
        assert r["errors"] == {}, r
        assert r["torn"] == 0, r
        assert all(n > 0 for n in r["checked"].values()), r
    assert torture_run.table_v2(results).splitlines()[-1] == \
        f"v2 torn: 0 of {sum(r['reads'] for r in results['readers'])} reads"
