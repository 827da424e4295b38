"""The low-level version 2 writer: files the corpus describes, slots that never go back, liveness."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import struct
import threading
from pathlib import Path

import pytest

import mmstats_format as mf
from mmstats._v2writer import FileFull, V2Writer
from mmstats_format.v2 import derived as d
from mmstats_format.v2.liveness import DIED, EXITED, LIVE, STALE, liveness

ROOT = Path(__file__).resolve().parents[1] / "conformance"
PINNED = {"pid": 4242, "start_ticks": 987654, "created_unix_ns": 1764672000000000000}  # model_v2.File2 defaults
CAPACITIES = {"meta_capacity": 1024, "process_capacity": 512, "slot_size": 256, "slot_count": 4}


def test_writer_writes_the_corpus_file_of_every_kind_byte_for_byte(tmp_path):
    w = V2Writer.create(tmp_path / "all.mmstats", thread_slots=False, **CAPACITIES, **PINNED)
    try:
        w.counter("c").add(1)
        w.gauge("g", "f64").set(1.0)
        w.updown_counter("u", "i64").add(-1)
        w.constant("k", "u64", 1)
        w.string("s", capacity=8, value="x")
        w.histogram("h", bounds=(1.0,)).observe(0.5)
        assert (tmp_path / "all.mmstats").read_bytes() == (ROOT / "v2/valid/kinds/all.mmstats").read_bytes()
    finally:
        w.close()


def test_writer_output_reads_back_with_kinds_units_attributes(tmp_path):
    path = tmp_path / "app.mmstats"
    w = V2Writer.create(path)
    try:
        ok = w.counter("http.requests", unit="{request}", help="Requests", attributes={"status": "2xx"})
        for _ in range(5):
            ok.add()
        w.string("state", 16).set("ready ✓")
        lat = w.histogram("http.latency", bounds=(10.0, 100.0), unit="ms")
        for v in (5.0, 50.0, 500.0, 7.5):
            lat.observe(v)
        obj = mf.to_canonical(path, mf.read(path))
        assert obj["pid"] == os.getpid() and obj["state"] == "ready" and mf.validate(path).errors == []
        by = {f["label"]: f for f in obj["fields"]}
        assert by["http.requests"]["value"] == 5 and by["http.requests"]["attributes"] == {"status": "2xx"}
        assert by["state"]["value"] == "ready ✓"
        assert by["http.latency"]["value"] == {"count": 4, "sum": 562.5, "buckets": [
            {"le": 10.0, "count": 2}, {"le": 100.0, "count": 3}, {"le": "Infinity", "count": 4}]}
    finally:
        w.close()
    assert not path.exists()  # removed at close by default


def test_counters_refuse_nan_and_a_counter_refuses_a_decrease(tmp_path):
    path = tmp_path / "app.mmstats"
    w = V2Writer.create(path)
    try:
        c, u = w.counter("bytes", "f64"), w.updown_counter("level", "f64")
        c.add(1.5)
        u.add(-2.0)
        for counter, bad in ((c, float("nan")), (c, -1.0), (u, float("nan"))):
            with pytest.raises(ValueError, match="NaN|only grows"):
                counter.add(bad)
        by = {f["label"]: f["value"] for f in mf.to_canonical(path, mf.read(path))["fields"]}
        assert by["bytes"] == 1.5 and by["level"] == -2.0  # nothing refused was stored
    finally:
        w.close()


def test_threads_that_exit_give_slots_back_and_no_read_ever_goes_back(tmp_path):
    path = tmp_path / "threads.mmstats"
    w = V2Writer.create(path, slot_count=3)  # two thread slots for twelve threads: reuse and the shared slot
    c = w.counter("work")
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            seen.append(mf.read(path)[0].value)

    together = threading.Barrier(3)

    def worker():
        c.add()
        together.wait()  # three threads alive at once: slots 1 and 2, and the shared slot for the third
        for _ in range(1999):
            c.add()

    r = threading.Thread(target=reader)
    r.start()
    try:
        for batch in range(4):
            ts = [threading.Thread(target=worker) for _ in range(3)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
    finally:
        stop.set()
        r.join()
    final = mf.read(path)[0].value
    slots_used = struct.unpack_from("<I", path.read_bytes(), d.H_SLOTS_USED)[0]
    returned = sorted(w._free_slots)
    w.close()
    assert final == 12 * 2000
    assert seen and all(a <= b for a, b in zip(seen, seen[1:])), "a read went backwards"
    assert slots_used == 3 and returned == [1, 2]  # both thread slots were handed out, given back, reused


def test_full_file_refuses_the_field_and_counts_it(tmp_path):
    path = tmp_path / "full.mmstats"
    w = V2Writer.create(path, meta_capacity=80)
    try:
        w.counter("a").add(1)
        w.counter("b").add(2)
        with pytest.raises(FileFull):
            w.counter("c")
        obj = mf.to_canonical(path, mf.read(path))
        assert [f["label"] for f in obj["fields"]] == ["a", "b"] and obj["overflow_count"] == 1
    finally:
        w.close()


def test_liveness_live_exited_and_stale(tmp_path):
    path = tmp_path / "live.mmstats"
    w = V2Writer.create(path, heartbeat_interval_ms=100)
    w.heartbeat()
    assert liveness(path) == LIVE
    assert liveness(path, now_ns=os.stat(path).st_mtime_ns + 10**12) == STALE
    w.close(keep=True)
    assert liveness(path) == EXITED and mf.to_canonical(path, mf.read(path))["state"] == "closed"


def test_liveness_sees_a_sigkilled_writer_as_died(tmp_path):
    path = tmp_path / "killed.mmstats"
    code = ("import sys, time\nfrom mmstats._v2writer import V2Writer\n"
            f"w = V2Writer.create({str(path)!r})\nw.counter('x').add(3)\nprint('up', flush=True)\ntime.sleep(60)\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"up\n"
        assert liveness(path) == LIVE
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert liveness(path) == DIED  # state still ready, but nobody holds the lock
        assert mf.read(path)[0].value == 3
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_writer_never_overwrites(tmp_path):
    path = tmp_path / "x.mmstats"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        V2Writer.create(path)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["x.mmstats"]


def test_reader_never_sees_a_torn_string_while_another_process_rewrites_it(tmp_path):
    """Live: a writer process rewrites a string with self-checking texts (one letter, its length given by the
    letter) between bursts of counter increments; every value read is one whole text, or None when the retry
    bound ran out (the spec's defined outcome), never a mix."""
    path = tmp_path / "live.mmstats"
    code = ("import itertools, sys\nfrom mmstats._v2writer import V2Writer\n"
            f"w = V2Writer.create({str(path)!r})\ns = w.string('s', 64, value='a')\nc = w.counter('n')\n"
            "print('up', flush=True)\n"
            "for i in itertools.count():\n"
            "    ch = 'abcdefghijklmnopqrstuvwxyz'[i % 26]\n"
            "    s.set(ch * (1 + (ord(ch) - 97) * 2))\n"
            "    for _ in range(20):\n"
            "        c.add()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"up\n"
        last, texts, nones = 0, set(), 0
        for _ in range(1000):
            text, n = (f.value for f in mf.read(path))
            if text is None:
                nones += 1
            else:
                assert set(text) == {text[0]} and len(text) == 1 + (ord(text[0]) - 97) * 2, text
                texts.add(text[0])
            assert n >= last
            last = n
        assert last > 0 and len(texts) > 5 and nones < 100, (len(texts), nones)
    finally:
        p.kill()
        p.wait()
