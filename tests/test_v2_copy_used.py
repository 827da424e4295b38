"""A version 2 re-read copies only the bytes its layout's values use (Layout.copy_used, the ReadPlan's
copies): the header, the published entries, the process area's values and the slots in use.

Random files with large unused capacities change between re-reads (values set in place, fields
appended, threads taking new slots); every re-read of StatsReader and StatsDirectory must give what
the whole-file decode (v2.decode of the file's bytes) and construct's parse of the schema give. Runs
on both paths: the compiled one, and MMSTATS_PURE_PYTHON=1.
"""
from __future__ import annotations

import math
import struct
import tempfile
import threading
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmstats_format as mf
from mmstats._v2model import CAPACITY
from mmstats._v2writer import V2Writer
from mmstats_format import reread
from mmstats_format import schema_v2 as schema
from mmstats_format.read import read_bytes
from mmstats_format.v2 import decode as v2_decode
from mmstats_format.v2 import derived as d

from _strategies import same

_NUM = {"u64": "<Q", "i64": "<q", "f64": "<d"}
_MASK = (1 << 64) - 1


def construct_values(data) -> list:
    """(label, value) of every field, by construct's parse of the header, the entries and the values
    (slotted values summed over slots 0 to slots_used - 1)."""
    h = schema.Header.parse(data)
    out, at = [], h.meta_offset
    for _ in range(h.field_count):
        e = schema.Entry.parse(data[at:])
        kind, storage = d.KINDS[e.kind][0], d.KINDS[e.kind][1]
        vt = d.VALUE_TYPES[e.value_type][0]
        base = (h.slots_offset if storage == "slots" else h.process_offset) + e.value_offset
        copies = [base + k * h.slot_size for k in range(h.slots_used)] if storage == "slots" else [base]
        if kind == "histogram":
            bounds = struct.unpack(f"<{e.extra_size // 8}d", e.extra)
            parts = [schema.HistogramValue.parse(data[c:c + e.value_size], bucket_count=len(bounds) + 1)
                     for c in copies]
            counts = [sum(p.buckets[i] for p in parts) & _MASK for i in range(len(bounds) + 1)]
            total = parts[0].sum
            for p in parts[1:]:
                total += p.sum
            running, buckets = 0, []
            for bound, n in zip(bounds + (math.inf,), counts):
                running = (running + n) & _MASK
                buckets.append({"le": bound, "count": running})
            value = {"count": running, "sum": total, "buckets": buckets}
        elif vt == "utf8":
            s = schema.StringValue.parse(data[base:base + e.value_size], capacity=e.value_size - 16)
            value = s.text[:s.length].decode("utf-8", "replace")
        else:
            words = [struct.unpack(_NUM[vt], schema.Scalar.parse(data[c:c + 8]).value)[0] for c in copies]
            value = words[0]
            for w in words[1:]:
                value += w
            if vt != "f64":
                value &= _MASK
                if vt == "i64" and value >> 63:
                    value -= 1 << 64
        out.append((e.name.decode("utf-8"), value))
        at += e.entry_size
    return out


def _same_value(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_value(x, y) for x, y in zip(a, b))
    return same(a, b)


def _labelled(fields) -> list:
    return [(f.label, f.value) for f in fields]


def _check(want, got, what):
    assert [k for k, _ in got] == [k for k, _ in want], what
    for (label, w), (_, g) in zip(want, got):
        assert _same_value(w, g), (what, label, w, g)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
new_field = st.tuples(st.just("add"), st.sampled_from(["counter u64", "counter f64", "updown i64", "gauge f64",
                                                        "gauge i64", "string", "histogram"]))
change = st.tuples(st.just("change"), st.integers(0, 30), st.integers(0, 1000), finite,
                   st.text(max_size=20))
thread = st.tuples(st.just("thread"), st.integers(0, 30), st.integers(1, 5))
actions = st.lists(st.one_of(new_field, change, thread, st.just(("read",))), min_size=1, max_size=25)


class _File:
    """A V2Writer and its fields, driven by the actions."""

    def __init__(self, path, capacities):
        self.w = V2Writer.create(path, **capacities)
        self.fields = []  # (kind, handle)

    def add(self, what):
        n, w = len(self.fields), self.w
        kind, _, vt = what.partition(" ")
        if kind == "counter":
            self.fields.append(("counter", w.counter(f"c{n}", vt)))
        elif kind == "updown":
            self.fields.append(("counter", w.updown_counter(f"u{n}", vt)))
        elif kind == "gauge":
            self.fields.append(("gauge " + vt, w.gauge(f"g{n}", vt)))
        elif kind == "string":
            self.fields.append(("string", w.string(f"s{n}", 24, value="x")))
        else:
            self.fields.append(("histogram", w.histogram(f"h{n}", (1.0, 10.0, 100.0))))

    def change(self, i, k, x, text):
        if not self.fields:
            return
        kind, f = self.fields[i % len(self.fields)]
        if kind == "counter":
            f.add(k)
        elif kind == "gauge f64":
            f.set(x)
        elif kind == "gauge i64":
            f.set(k - 500)
        elif kind == "string":
            f.set(text)
        else:
            f.observe(x)

    def in_threads(self, i, n):
        """``n`` threads each change one field at once: each takes a slot of its own while free."""
        go = threading.Barrier(n)

        def run():
            go.wait()
            self.change(i, 1, 2.5, "t")
        threads = [threading.Thread(target=run) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


capacities = st.fixed_dictionaries({
    "meta_capacity": st.sampled_from([4096, 65536]), "process_capacity": st.sampled_from([4096, 65536]),
    "slot_size": st.sampled_from([512, 1024, 4096]), "slot_count": st.integers(1, 12)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(capacities, actions)
def test_a_reread_of_the_used_bytes_equals_the_whole_file_decode_and_construct(caps, steps):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.mmstats"
        f = _File(path, caps)
        reader = directory = None
        try:
            f.add("counter u64")
            reader, directory = mf.StatsReader(path), mf.StatsDirectory(tmp)
            for step in steps + [("read",)]:
                if step[0] == "add":
                    f.add(step[1])
                elif step[0] == "change":
                    f.change(*step[1:])
                elif step[0] == "thread":
                    f.in_threads(*step[1:])
                else:
                    data = read_bytes(path)
                    want = construct_values(data)
                    _check(want, _labelled(v2_decode(data)), "whole-file decode")
                    values = reader.read()
                    _check(want, list(zip([x.label for x in reader.layout.fields], values)), "StatsReader")
                    polled, problems = directory.poll()
                    assert problems == [] and [x.path for x in polled] == [str(path)]
                    _check(want, list(zip([x.label for x in polled[0].fields], polled[0].values)), "poll")
                    _check(want, _labelled(mf.read(path)), "read()")
        finally:
            for r in (reader, directory):
                if r is not None:
                    r.close()
            f.w.close()


def _copied_by_reread(path, counters) -> int:
    """Bytes of the file a StatsReader re-read copies: the thread's copy buffers are filled with one
    byte, the file re-read, then with another byte and re-read; a byte copied is the file's both
    times, a byte left alone differs."""
    r = mf.StatsReader(path)
    try:
        first = r.read()
        assert len(first) == counters
        size = path.stat().st_size
        seen = []
        for fill in (0xA5, 0x5A):
            pair = reread._scratch(size)
            for buf in pair:
                buf[:] = bytes([fill]) * size
            assert r.read() == first
            seen.append(bytes(pair[0]) if pair[0] != bytes([fill]) * size else bytes(pair[1]))
        return sum(a == b for a, b in zip(*seen)), size
    finally:
        r.close()


def test_a_reread_of_a_default_capacity_file_copies_a_small_part_of_it(tmp_path):
    path = tmp_path / "big.mmstats"
    w = V2Writer.create(path, **CAPACITY)
    try:
        for j in range(50):
            w.counter(f"app.requests.{j:02d}").add(j)
        copied, size = _copied_by_reread(path, 50)
    finally:
        w.close()
    assert size > 300_000  # what the default capacities make
    # the header, 50 entries and slot 0: a few pages, not the file
    assert 0 < copied < 20_000, (copied, size)


def test_a_copy_whose_slots_used_grew_is_read_with_the_new_slots(tmp_path):
    """slots_used from the copied header decides how many slots are copied: a slot taken since the
    layout was made is copied and added."""
    path = tmp_path / "s.mmstats"
    w = V2Writer.create(path, slot_count=8)
    try:
        c = w.counter("n")
        r = mf.StatsReader(path)
        try:
            c.add(1)
            assert r.read() == [1]
            for k in range(3):
                t = threading.Thread(target=c.add, args=(10,))
                t.start()
                t.join()
                assert r.read() == [1 + 10 * (k + 1)]
        finally:
            r.close()
    finally:
        w.close()


def test_read_of_a_default_capacity_file_of_a_known_layout_copies_a_small_part_of_it(tmp_path):
    """read() of a file whose size and skeleton are a known layout's copies only the used bytes,
    into the thread's copy buffers (probed as in _copied_by_reread)."""
    path = tmp_path / "one.mmstats"
    w = V2Writer.create(path, **CAPACITY)
    try:
        for j in range(50):
            w.counter(f"app.requests.{j:02d}").add(j)
        size = path.stat().st_size
        want = _labelled(mf.read(path))  # learns the layout
        assert [v for _, v in want] == list(range(50))
        seen = []
        for fill in (0xA5, 0x5A):
            pair = reread._scratch(size + 1)
            for buf in pair:
                buf[:] = bytes([fill]) * (size + 1)
            _check(want, _labelled(mf.read(path)), "read()")
            seen.append(bytes(pair[0]))
        copied = sum(a == b for a, b in zip(*seen))
    finally:
        w.close()
    assert 0 < copied < 20_000, (copied, size)
