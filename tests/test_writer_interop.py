"""Our writer reproduces the files mmstats 0.8 wrote, byte for byte.

Each test replays a scenario of conformance/golden/mmstats-0.8/README.md
(the files 0.8 wrote, kept in the repository) through the seed API and
compares the whole file with the reference. For models with the MmStats
defaults, the process-specific default values (sys.pid, sys.tid, sys.uid,
sys.gid, org.python.version, sys.created) are pinned to the reference's
values, read independently from its JSON, so every byte counts.
"""
from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import pytest

import mmstats
from mmstats import _defaults
from mmstats_format.scan import scan

from conftest import require_golden_08

_DEFAULT_SOURCES = {"sys.pid": "pid", "sys.tid": "tid", "sys.uid": "uid", "sys.gid": "gid",
                    "org.python.version": "python_version", "sys.created": "created"}


def reference(name: str):
    ref = require_golden_08()
    return (ref / f"{name}.mmstats").read_bytes(), json.loads((ref / f"{name}.json").read_text())


@pytest.fixture
def replay(tmp_path, monkeypatch):
    """replay(name, Model, actions, **model_kw): run actions(stats) and compare with the reference."""

    def run(name, model_cls, actions, **kw):
        ref_bytes, ref_json = reference(name)
        for f in ref_json["fields"]:
            for suffix, source in _DEFAULT_SOURCES.items():
                if f["label"].endswith(suffix) and f["label"][: -len(suffix)] == kw.get("label_prefix", ""):
                    monkeypatch.setitem(_defaults.SOURCES, source, lambda v=f["value"]: v)
        stats = model_cls(path=tmp_path, filename=f"{name}.mmstats", **kw)
        actions(stats)
        ours = Path(stats.filename).read_bytes()
        assert_same_bytes(ours, ref_bytes, name)
        stats.remove()

    return run


def assert_same_bytes(ours: bytes, ref: bytes, name: str):
    if ours == ref:
        return
    layouts, _ = scan(ref)
    at = next((i for i, (a, b) in enumerate(zip(ours, ref)) if a != b), min(len(ours), len(ref)))
    owner = next((f.label for f in layouts if f.offset <= at < f.end), "outside any record")
    pytest.fail(f"{name}: {len(ours)} vs {len(ref)} bytes; first difference at offset {at} ({owner}): "
                f"ours {ours[at:at + 16].hex()} reference {ref[at:at + 16].hex()}")


def test_defaults_only(replay):
    class Empty(mmstats.MmStats):
        pass

    replay("defaults-only", Empty, lambda s: None)


def test_counter(replay):
    class M(mmstats.MmStats):
        requests = mmstats.CounterField(label="requests")
        errors = mmstats.CounterField(label="errors.total")
        untouched = mmstats.CounterField(label="untouched")

    def act(s):
        for _ in range(3):
            s.requests.incr()
        s.requests.incr(5)
        s.requests.incr(amount=10)
        with pytest.deprecated_call():
            s.errors.inc()
        with pytest.deprecated_call():
            s.errors.inc(n=41)
        assert (s.requests.value, s.errors.value, s.untouched.value) == (18, 42, 0)

    replay("counter", M, act)


def test_average(replay):
    class M(mmstats.MmStats):
        mean = mmstats.AverageField(label="latency.mean")
        avg_once = mmstats.AverageField()
        avg_never = mmstats.AverageField()

    def act(s):
        for v in (1, 2, 4):
            s.mean.add(v)
        s.avg_once.add(-2.5)

    replay("average", M, act)


def test_moving_average(replay):
    class M(mmstats.MmStats):
        ma3 = mmstats.MovingAverageField(size=3)
        size1 = mmstats.MovingAverageField(size=1, label="ma.size1")
        ma_partial = mmstats.MovingAverageField(size=4)

    def act(s):
        for v in (1, 2, 3, 4, 5):
            s.ma3.add(v)
        for v in (7, 8, 9):
            s.size1.add(v)
        for v in (10, 20):
            s.ma_partial.add(v)

    replay("moving-average", M, act)


def test_timer_with_fake_clock(replay):
    ticks = iter([100.0, 100.5, 200.0, 201.25, 300.0, 300.125])

    class M(mmstats.MmStats):
        request = mmstats.TimerField(timer=lambda: next(ticks), size=4, label="timers.request")
        t_unused = mmstats.TimerField()

    def act(s):
        with s.request:
            pass
        s.request.start()
        assert s.request.stop() == 1.25
        with s.request:
            pass
        assert s.request.last == 0.125

    replay("timer", M, act)


def test_integers(replay):
    class M(mmstats.MmStats):
        u64 = mmstats.UInt64Field(label="int.u64")
        u32 = mmstats.UIntField(label="int.u32")
        i32 = mmstats.IntField(label="int.i32")
        i16 = mmstats.ShortField(label="int.i16")
        u16 = mmstats.UShortField(label="int.u16")
        i8 = mmstats.ByteField(label="int.i8")

    def act(s):
        s.u64 = 12345678901234567890
        s.u32 = 4000000000
        s.i32 = 7
        s.i32 = -123456
        s.i16 = -1234
        s.u16 = 65535
        s.i8 = -100
        assert (s.u64, s.i32, s.i8) == (12345678901234567890, -123456, -100)

    replay("integers", M, act)


def test_floats(replay):
    class M(mmstats.MmStats):
        f32 = mmstats.FloatField(label="float.f32")
        f64 = mmstats.DoubleField(label="float.f64")
        static32 = mmstats.StaticFloatField(label="float.static32", value=3.14159)
        static64 = mmstats.StaticDoubleField(label="float.static64", value=2.718281828459045)
        third = mmstats.FloatField(label="float.f32.third")

    def act(s):
        s.f32 = 0.1
        s.f64 = 0.1
        s.third = 1 / 3
        assert s.f32 == struct.unpack("<f", struct.pack("<f", 0.1))[0]

    replay("floats", M, act)


def test_special_floats(replay):
    neg_nan = -math.nan if math.copysign(1.0, -math.nan) < 0 else struct.unpack("<d", bytes.fromhex("000000000000f8ff"))[0]

    class M(mmstats.BaseMmStats):
        f32_nan = mmstats.FloatField(label="f32.nan")
        f32_inf = mmstats.FloatField(label="f32.inf")
        f32_ninf = mmstats.FloatField(label="f32.ninf")
        f32_denormal = mmstats.FloatField(label="f32.denormal")
        f64_nan = mmstats.DoubleField(label="f64.nan")
        f64_negnan = mmstats.DoubleField(label="f64.negnan")
        f32_negnan = mmstats.FloatField(label="f32.negnan")
        f64_inf = mmstats.DoubleField(label="f64.inf")
        f64_ninf = mmstats.DoubleField(label="f64.ninf")
        f64_negzero = mmstats.DoubleField(label="f64.negzero")
        f64_max = mmstats.DoubleField(label="f64.max")
        f64_denormal = mmstats.DoubleField(label="f64.denormal")
        f64_static_nan = mmstats.StaticDoubleField(label="f64.static.nan", value=math.nan)
        f32_static_ninf = mmstats.StaticFloatField(label="f32.static.ninf", value=-math.inf)

    def act(s):
        s.f32_nan = math.nan
        s.f32_inf = math.inf
        s.f32_ninf = -math.inf
        s.f32_denormal = 1.401298464324817e-45
        s.f64_nan = math.nan
        s.f64_negnan = neg_nan
        s.f32_negnan = neg_nan
        s.f64_inf = math.inf
        s.f64_ninf = -math.inf
        s.f64_negzero = -0.0
        s.f64_max = 1.7976931348623157e308
        s.f64_denormal = 5e-324

    replay("special-floats", M, act)


def test_bools(replay):
    class M(mmstats.MmStats):
        default = mmstats.BoolField(label="bool.default")
        initial_true = mmstats.BoolField(initial=True, label="bool.initial_true")
        set_true = mmstats.BoolField(label="bool.set_true")
        set_truthy = mmstats.BoolField(label="bool.set_truthy")
        cleared = mmstats.BoolField(initial=True, label="bool.cleared")

    def act(s):
        s.set_true = True
        s.set_truthy = "Anything truthy at all"
        s.cleared = []
        assert (s.default, s.initial_true, s.set_truthy, s.cleared) == (False, True, True, False)

    replay("bools", M, act)


def test_strings(replay):
    _, ref_json = reference("strings")
    utf8_text = ref_json["fields"][1]["value"]

    class M(mmstats.MmStats):
        ascii = mmstats.StringField(label="str.ascii")
        utf8 = mmstats.StringField(label="str.utf8")
        trunc_ascii = mmstats.StringField(size=8, label="str.trunc_ascii")
        trunc_utf8 = mmstats.StringField(size=10, label="str.trunc_utf8")
        exact = mmstats.StringField(size=5, label="str.exact")
        shrunk = mmstats.StringField(size=32, label="str.shrunk")
        empty = mmstats.StringField(size=16, label="str.empty")

    def act(s):
        s.ascii = "hello, mmstats"
        s.utf8 = utf8_text
        s.trunc_ascii = "abcdefghijkl"
        s.trunc_utf8 = "\u2764" * 11
        s.exact = "12345"
        s.shrunk = "a much longer earlier value"
        s.shrunk = "short"
        assert (s.trunc_ascii, s.trunc_utf8, s.shrunk) == ("abcdefgh", "\u2764" * 3, "short")

    replay("strings", M, act)


def test_static(replay):
    class M(mmstats.MmStats):
        u32 = mmstats.StaticUIntField(label="static.u32", value=4294967295)
        i64 = mmstats.StaticInt64Field(label="static.i64", value=-2 ** 63)
        u64 = mmstats.StaticUInt64Field(label="static.u64", value=2 ** 64 - 1)
        u64_callable = mmstats.StaticUInt64Field(label="static.u64.callable", value=lambda: 1234567)
        text = mmstats.StaticTextField(label="static.text", value="something cool")
        text_utf8 = mmstats.StaticTextField(label="static.text.utf8", value="grüß dich — ça va")
        text_empty = mmstats.StaticTextField(label="static.text.empty", value="")
        zero = mmstats.StaticUIntField(label="static.zero", value=0)

    def act(s):
        assert (s.u64_callable, s.text_utf8) == (1234567, "grüß dich — ça va")
        with pytest.raises(AttributeError):
            s.u32 = 1

    replay("static", M, act)


def test_webstats(replay):
    class WebStats(mmstats.MmStats):
        status2xx = mmstats.CounterField(label="status.2XX")
        status3xx = mmstats.CounterField(label="status.3XX")
        status4xx = mmstats.CounterField(label="status.4XX")
        status5xx = mmstats.CounterField(label="status.5XX")
        last_hit = mmstats.DoubleField(label="timers.last_hit")

    def act(s):
        for counter, n in ((s.status2xx, 42), (s.status3xx, 3), (s.status4xx, 7)):
            for _ in range(n):
                with pytest.deprecated_call():
                    counter.inc()
        s.last_hit = 1699999999.5
        s.last_hit = 1700000000.25

    replay("webstats", WebStats, act, label_prefix="web.stats.")


def test_many_fields_cross_a_page(replay):
    kinds = [
        ("counter", mmstats.CounterField, lambda f, k: f.incr(3 * k)),
        ("uint", mmstats.UIntField, 1000003),
        ("int", mmstats.IntField, -7),
        ("double", mmstats.DoubleField, lambda k: k + 0.5),
        ("float", mmstats.FloatField, lambda k: k / 4),
        ("bool", mmstats.BoolField, None),
        ("short", mmstats.ShortField, -1),
        ("ushort", mmstats.UShortField, 300),
        ("byte", mmstats.ByteField, None),
        ("uint64", mmstats.UInt64Field, lambda k: 2 ** 40 + k),
        ("average", mmstats.AverageField, lambda f, k: f.add(k)),
        ("string", lambda label: mmstats.StringField(size=12, label=label), None),
    ]
    names = {}
    for k in range(200):
        kind, cls, _ = kinds[k % 12]
        names[f"f{k:03d}"] = cls(label=f"many.{k:03d}.{kind}")
    Many = type("Many", (mmstats.MmStats,), names)

    def act(s):
        for k in range(200):
            kind, _, how = kinds[k % 12]
            attr = f"f{k:03d}"
            if kind == "bool":
                setattr(s, attr, (k // 12) % 2 == 0)
            elif kind == "byte":
                setattr(s, attr, k % 256 - 128)
            elif kind == "string":
                setattr(s, attr, f"value-{k:03d}")
            else:
                for _ in range((k // 12) % 3):
                    if kind in ("counter", "average"):
                        how(getattr(s, attr), k)
                    else:
                        setattr(s, attr, how(k) if callable(how) else how * k)

    replay("many-fields", Many, act)


def test_base_model_has_no_defaults(replay):
    class Bare(mmstats.BaseMmStats):
        hits = mmstats.CounterField()
        name = mmstats.StaticTextField(value="no defaults")
        ratio = mmstats.DoubleField()

    def act(s):
        s.hits.incr(3)
        s.ratio = 0.75

    replay("base-model", Bare, act, label_prefix="bare.")


def test_write_buffer_flips_per_update(replay):
    class M(mmstats.BaseMmStats):
        never = mmstats.UIntField(label="wb.never")
        once = mmstats.UIntField(label="wb.once")
        odd = mmstats.UIntField(label="wb.odd")
        even = mmstats.UIntField(label="wb.even")
        c_odd = mmstats.CounterField(label="wb.counter.odd")
        c_even = mmstats.CounterField(label="wb.counter.even")

    def act(s):
        s.once = 11
        for v in (21, 22, 23):
            s.odd = v
        for v in (31, 32, 33, 34):
            s.even = v
        for _ in range(5):
            s.c_odd.incr()
        for _ in range(6):
            s.c_even.incr()

    replay("write-buffer", M, act)


def test_exact_page_has_no_terminator(replay):
    class M(mmstats.BaseMmStats):
        c = mmstats.CounterField()
        x = mmstats.StringField(size=4000)
        y = mmstats.StringField(size=52)

    def act(s):
        s.c.incr(7)
        s.x = "X" * 4000
        s.y = "the last field ends exactly at byte 4096"

    replay("exact-page", M, act)


def test_labels(replay):
    _, ref_json = reference("labels")
    long_labels = [f["label"][len("p."):] for f in ref_json["fields"][4:]]

    class M(mmstats.BaseMmStats):
        empty_label = mmstats.UIntField(label="")  # falls back to the attribute name
        a = mmstats.UIntField(label="a")
        the_bool = mmstats.BoolField(initial=True, label="The Bool")
        temp = mmstats.DoubleField(label="temp.°C.météo")
        l255 = mmstats.UIntField(label=long_labels[0])
        l256 = mmstats.UIntField(label=long_labels[1])  # label size bytes 00 01
        l512 = mmstats.ByteField(label=long_labels[2])  # label size bytes 00 02

    def act(s):
        s.empty_label = 1
        s.a = 2
        s.temp = 21.5
        s.l255 = 255
        s.l256 = 256
        s.l512 = 5

    replay("labels", M, act, label_prefix="p.")


def test_wraparound(replay):
    class M(mmstats.BaseMmStats):  # wrap=True: 0.8 wrapped silently
        counter = mmstats.CounterField(label="wrap.counter")
        u32 = mmstats.UIntField(label="wrap.u32", wrap=True)
        i16 = mmstats.ShortField(label="wrap.i16", wrap=True)
        u16 = mmstats.UShortField(label="wrap.u16", wrap=True)
        i8 = mmstats.ByteField(label="wrap.i8", wrap=True)

    def act(s):
        s.counter.incr(10)
        s.counter.incr(-11)
        s.u32 = -1
        s.i16 = 40000
        s.u16 = -2
        s.i8 = 200
        assert (s.counter.value, s.u32, s.i16, s.u16, s.i8) == (2 ** 64 - 1, 2 ** 32 - 1, -25536, 65534, -56)

    replay("wraparound", M, act)


def test_string_size_zero(replay):
    class M(mmstats.BaseMmStats):
        zero = mmstats.StringField(size=0, label="str.zero")
        after = mmstats.UIntField()

    def act(s):
        s.after = 99
        assert s.zero == ""

    replay("string-size-zero", M, act)


def test_string_invalid_utf8(replay):
    class M(mmstats.BaseMmStats):
        cut_bytes = mmstats.StringField(size=8, label="str.cut_bytes")
        cut_text = mmstats.StringField(size=8, label="str.cut_text")

    def act(s):
        s.cut_bytes = "abcdef€".encode("utf-8")
        s.cut_text = "abcdef€"
        assert (s.cut_bytes, s.cut_text) == ("abcdef\ufffd", "abcdef")

    replay("string-invalid-utf8", M, act)
