"""StatsReader and StatsDirectory on version 2 files written by mmstats._v2writer, live.

The layout is parsed once; values are re-read; entries appended at run time are
walked alone (the old ones never again); slots are summed; sequence-locked values
follow the copy protocol with its bounded retry.
"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading

import pytest

import mmstats_format as mf
from mmstats._v2writer import V2Writer
from mmstats_format import scan as scan_module
from mmstats_format.v2 import RETRIES
from mmstats_format.v2 import derived as d


def _by_label(fields):
    return {f.label: f.value for f in fields}


def _current(r):
    """The reader's Field records of one read (StatsReader.read() gives the values alone)."""
    values = r.read()
    return r.layout.fields_of(values)


def test_stats_reader_picks_up_fields_added_while_polling_without_parsing_old_entries(tmp_path, counted):
    w = V2Writer.create(tmp_path / "a.mmstats", slot_count=4)
    try:
        hits = w.counter("hits", unit="{request}", help="requests served")
        r = mf.StatsReader(w.path)
        try:
            hits.add(2)
            assert _by_label(_current(r)) == {"hits": 2}
            assert counted["scan"] == 1
            w.gauge("queue", "i64", value=7)
            hits.add(1)
            fields = _current(r)
            assert _by_label(fields) == {"hits": 3, "queue": 7}
            assert counted["walked"] == [(1, ["queue"])]  # entry 0 was not walked again
            w.string("state", 16, value="ok")
            w.histogram("lat", (1.0, 10.0), unit="ms").observe(5.0)
            fields = _current(r)
            assert counted["walked"][-1] == (2, ["state", "lat"])
            assert counted["scan"] == 1
            got = {f.label: f for f in fields}
            assert got["state"].value == "ok" and got["state"].kind == "string"
            assert got["lat"].value["count"] == 1 and got["lat"].value["buckets"][1] == {"le": 10.0, "count": 1}
            assert got["hits"].kind == "counter" and got["hits"].unit == "{request}"
            assert got["hits"].help == "requests served"
            assert [f.label for f in r.fields] == ["hits", "queue", "state", "lat"]
        finally:
            r.close()
    finally:
        w.close()


def test_stats_reader_sums_slots_and_a_reused_slot_never_goes_backwards(tmp_path):
    w = V2Writer.create(tmp_path / "s.mmstats", slot_count=4)
    try:
        c = w.counter("n")
        r = mf.StatsReader(w.path)
        seen = []

        def work(k):
            for _ in range(k):
                c.add()
            seen.append(r.read()[0])

        for k in (5, 7, 11):  # each thread ends before the next starts: its slot is given back and reused
            t = threading.Thread(target=work, args=(k,))
            t.start()
            t.join()
        c.add(100)  # the main thread's own slot
        assert r.read()[0] == 123
        assert seen == sorted(seen) and seen[-1] == 23
        raw = open(w.path, "rb").read()
        assert struct.unpack_from("<I", raw, d.H_SLOTS_USED)[0] <= 3  # slots were reused, not one per thread
        r.close()
    finally:
        w.close()


def _stuck_string(path):
    """A live file whose string sequence is odd: a writer inside an update (or died there)."""
    w = V2Writer.create(path)
    s = w.string("s", 8, value="abc")
    w._q[s._at >> 3] = 1  # sequence 1: inside an update
    return w


def test_stats_reader_gives_none_for_a_value_whose_sequence_stays_odd(tmp_path, monkeypatch):
    w = _stuck_string(tmp_path / "x.mmstats")
    try:
        calls = []
        real = os.pread
        monkeypatch.setattr(os, "pread", lambda fd, n, off: calls.append(n) or real(fd, n, off))
        r = mf.StatsReader(w.path)
        assert r.read()[0] is None
        assert calls.count(8) == 2 * RETRIES  # the bounded retry: sequence, value, sequence per attempt
        r.close()
    finally:
        w.close()


def test_stats_directory_reads_v2_files_and_their_new_fields(tmp_path, counted):
    a = V2Writer.create(tmp_path / "a.mmstats")
    b = V2Writer.create(tmp_path / "b.mmstats")
    try:
        a.counter("x").add(3)
        b.counter("x").add(4)
        sd = mf.StatsDirectory(tmp_path)
        files, problems = sd.poll()
        assert problems == []
        assert {os.path.basename(f.path): list(f.values) for f in files} == {"a.mmstats": [3], "b.mmstats": [4]}
        assert counted["scan"] == 1  # two files of one shape: one scan
        a.string("who", 8, value="a")
        files, problems = sd.poll()
        got = {os.path.basename(f.path): ([e.label for e in f.fields], list(f.values)) for f in files}
        assert got == {"a.mmstats": (["x", "who"], [3, "a"]), "b.mmstats": (["x"], [4])}
        assert counted["walked"] == [(1, ["who"])] and counted["scan"] == 1
        assert [e.kind for e in files[0].fields if e.label == "x"] == ["counter"]
        sd.close()
    finally:
        a.close()
        b.close()


def test_stats_directory_and_reader_see_a_string_rewritten_by_another_process_whole(tmp_path):
    path = tmp_path / "live.mmstats"
    code = ("import itertools\nfrom mmstats._v2writer import V2Writer\n"
            f"w = V2Writer.create({str(path)!r})\ns = w.string('s', 64, value='a')\nc = w.counter('n')\n"
            "print('up', flush=True)\n"
            "for i in itertools.count():\n"
            "    ch = 'abcdefghijklmnopqrstuvwxyz'[i % 26]\n"
            "    s.set(ch * (1 + (ord(ch) - 97) * 2))\n"
            "    c.add()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"up\n"
        r, sd = mf.StatsReader(path), mf.StatsDirectory(tmp_path)
        last, texts = 0, set()
        for i in range(600):
            if i % 2:
                text, n = r.read()
            else:
                files, problems = sd.poll()
                assert problems == []
                text, n = files[0].values
            if text is not None:
                assert set(text) == {text[0]} and len(text) == 1 + (ord(text[0]) - 97) * 2, text
                texts.add(text[0])
            assert n >= last
            last = n
        assert last > 0 and len(texts) > 5
        r.close()
        sd.close()
    finally:
        p.kill()
        p.wait()
