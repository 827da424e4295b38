"""The version 2 CounterSlot, C and pure Python: the bytes they leave are the ones the construct
schema (mmstats_format/schema_v2.py) builds for the same fields and increments."""
from __future__ import annotations

import os
import tempfile
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmstats import _slots
from mmstats._v2writer import V2Writer
from mmstats_format import schema_v2 as schema
from mmstats_format.v2 import derived as d

IMPLS = _slots.counter_slot_classes()
PINNED = {"pid": 4242, "start_ticks": 987654, "created_unix_ns": 1764672000000000000}
CAP = {"meta_capacity": 4096, "process_capacity": 64, "slot_size": 256, "slot_count": 4}
MASK = (1 << 64) - 1


def test_both_implementations_are_built():
    assert set(IMPLS) == {"python", "c"}, "the C extension is not built (make setup-test builds it)"


short = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
field_st = st.fixed_dictionaries({
    "name": st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10),
    "unit": st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=10),
    "help": st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
    "attributes": st.dictionaries(short.filter(bool), short, max_size=2),
    "adds": st.lists(st.tuples(st.integers(0, CAP["slot_count"] - 1), st.integers(0, MASK)), max_size=6),
})


def construct_image(fields) -> bytes:
    """The file, built by construct alone: header, entries, and each counter copy's sum."""
    slots_offset = d.HEADER_SIZE + CAP["meta_capacity"] + CAP["process_capacity"]
    end = slots_offset + CAP["slot_size"] * CAP["slot_count"]
    image = bytearray(end + (-end % d.PAGE_SIZE))
    header = dict(minor=schema.MINOR, header_size=schema.HEADER_SIZE, state=1, heartbeat_unix_ns=0,
                  heartbeat_interval_ms=0, entry_fixed_size=schema.ENTRY_FIXED_SIZE, flags=0,
                  meta_offset=schema.HEADER_SIZE, meta_capacity=CAP["meta_capacity"],
                  process_offset=schema.HEADER_SIZE + CAP["meta_capacity"], process_capacity=CAP["process_capacity"],
                  slots_offset=slots_offset, slot_size=CAP["slot_size"], slot_count=CAP["slot_count"],
                  slots_used=CAP["slot_count"], field_count=len(fields), overflow_count=0, **PINNED)
    image[:schema.HEADER_SIZE] = schema.Header.build(header)
    at = schema.HEADER_SIZE
    for i, f in enumerate(fields):
        name, unit, help_ = f["name"].encode(), f["unit"].encode(), f["help"].encode()
        attrs = schema.Attributes.build([{"key_size": len(k.encode()), "key": k.encode(),
                                          "value_size": len(v.encode()), "value": v.encode()}
                                         for k, v in f["attributes"].items()])
        strings = len(name) + len(unit) + len(help_) + len(attrs)
        size = schema.ENTRY_FIXED_SIZE + strings + (-(schema.ENTRY_FIXED_SIZE + strings) % schema.ALIGN)
        entry = schema.Entry.build(dict(entry_size=size, kind=schema.Kind.COUNTER, value_type=schema.ValueType.U64,
                                        flags=0, value_offset=8 * i, value_size=8, name_size=len(name),
                                        unit_size=len(unit), help_size=len(help_), attributes_size=len(attrs),
                                        extra_size=0, reserved=0, name=name, unit=unit, help=help_,
                                        attributes=attrs, extra=b"", tail=b""))
        image[at:at + size] = entry
        at += size
        for slot in range(CAP["slot_count"]):
            total = sum(n for k, n in f["adds"] if k == slot) & MASK
            off = slots_offset + slot * CAP["slot_size"] + 8 * i
            image[off:off + 8] = schema.Scalar.build({"value": total.to_bytes(8, "little")})
    return bytes(image)


@pytest.mark.parametrize("impl", sorted(IMPLS))
@settings(max_examples=60, deadline=None)
@given(fields=st.lists(field_st, max_size=5))
def test_counter_slots_leave_the_bytes_construct_builds(impl, fields):
    cls = IMPLS[impl]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.mmstats")
        w = V2Writer.create(path, thread_slots=False, **CAP, **PINNED)
        try:
            firsts = [w.counter(f["name"], unit=f["unit"], help=f["help"], attributes=f["attributes"])._at
                      for f in fields]
            w._store_u32(d.H_SLOTS_USED, CAP["slot_count"])  # as if four threads had taken slots
            for f, first in zip(fields, firsts):
                objs = {}
                for slot, n in f["adds"]:
                    if slot not in objs:
                        objs[slot] = cls(f["name"])
                        objs[slot]._bind(w._mm, d.H_SLOTS_USED, first, CAP["slot_size"], slot, w._lock)
                    objs[slot].incr(n)
                if objs:
                    assert next(iter(objs.values())).value == sum(n for _, n in f["adds"]) & MASK
                for o in objs.values():
                    o._bind(None, 0, 0, 0, 0)
            with open(path, "rb") as fh:
                assert fh.read() == construct_image(fields)
        finally:
            w.close()


@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_slot_zero_is_shared_without_losing_an_increment(impl):
    cls = IMPLS[impl]
    buf = bytearray(64)
    buf[0:4] = (1).to_bytes(4, "little")
    lock = threading.Lock()

    def work():
        c = cls("shared")
        c._bind(buf, 0, 8, 0, 0, lock)
        for _ in range(20000):
            c.incr()
        c._bind(None, 0, 0, 0, 0)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert int.from_bytes(buf[8:16], "little") == 80000


@pytest.mark.parametrize("impl", sorted(IMPLS))
def test_errors_are_the_same_in_both(impl):
    c = IMPLS[impl]("x")
    with pytest.raises(ValueError, match="'x': its file is closed"):
        c.incr()
    buf = bytearray(64)
    buf[0:4] = (2).to_bytes(4, "little")
    with pytest.raises(ValueError, match="do not fit"):
        c._bind(buf, 0, 8, 32, 2)
    c._bind(buf, 0, 8, 16, 1)
    with pytest.raises(ValueError, match="'x' only grows: cannot add -1"):
        c.incr(-1)
    with pytest.raises(TypeError, match="'x' adds an integer, not float"):
        c.incr(1.0)
    with pytest.raises(TypeError, match="adds an integer, not str"):
        c.incr("1")
    c.incr(amount=3)
    c.incr(n=4)
    assert c.value == 7 and c.slot == 1 and int.from_bytes(buf[24:32], "little") == 7
    with pytest.raises(TypeError, match="no labels"):
        c.labels(a="b")
    with pytest.deprecated_call():
        c.inc(2)
    assert c.value == 9


V2 = _slots.v2_implementations()


@settings(max_examples=50, deadline=None)
@given(size=st.integers(0, 5),
       values=st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), max_size=20))
def test_mean_gauges_publish_the_same_means_in_c_and_python(size, values):
    assert set(V2) == {"python", "c"}
    out = {}
    for name, (_, mean_cls, _) in V2.items():
        buf = bytearray(16)
        m = mean_cls("m", size)
        m._bind(buf, 8)
        seen = []
        for v in values:
            m.add(v)
            seen.append(bytes(buf[8:16]))
        out[name] = seen
    assert out["c"] == out["python"]
    if values:  # the mean of the window (or of everything), independently
        window = values[-size:] if size else values
        got = memoryview(bytearray(out["c"][-1])).cast("d")[0]
        assert got == pytest.approx(sum(window) / len(window), rel=1e-6, abs=1e-3)


@pytest.mark.parametrize("impl", sorted(V2))
def test_timer_front_times_a_block_into_the_mean(impl):
    import time
    _, mean_cls, timer_cls = V2[impl]
    buf = bytearray(16)
    m = mean_cls("t", 4)
    m._bind(buf, 8)
    t = timer_cls(m)
    with t:
        time.sleep(0.02)
    t.start()
    t.start()
    time.sleep(0.01)
    inner = t.stop()
    outer = t.stop()
    assert 0.01 <= inner <= outer
    assert t.last == outer and m.value == pytest.approx((0.02 + inner + outer) / 3, abs=0.05)
    assert 0.018 <= memoryview(buf).cast("d")[1] * 3 - inner - outer <= 1.0
    with pytest.raises(RuntimeError, match="stop\\(\\) without start\\(\\)"):
        t.stop()
    with pytest.raises(TypeError, match="takes a number, not str"):
        t.add("1")
