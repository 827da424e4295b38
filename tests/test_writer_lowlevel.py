"""mmstats.lowlevel: creation protocol, update semantics, and a construct differential.

Slot-level checks run against every importable implementation (pure Python
and, when built, the C accelerator); expected bytes come from struct and
construct, never from the writer under test.
"""
from __future__ import annotations

import errno
import math
import os
import stat
import struct
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmstats import _slots
from mmstats.lowlevel import CreateError, StatsFile, create_file, open_new
from mmstats_format import MmstatsError, read, validate
from mmstats_format.build import build_file
from mmstats_format.schema import File
from mmstats_format.v1.types import lookup

IMPLS = _slots.implementations()


@pytest.fixture(params=sorted(IMPLS))
def impl(request):
    return IMPLS[request.param]


def make(path, fields, impl=None, wrap=False) -> StatsFile:
    return open_new(path, fields, impl=impl, wrap=wrap)


# -- an independent model of what one set()/incr() stores ----------------------------

def expected_raw(code: str, v) -> bytes:
    """Bytes one value of ``code`` holds after storing ``v`` (struct, little-endian)."""
    spec = lookup(code)
    if spec.kind == "bool":
        return bytes([1 if v else 0])
    if spec.kind == "float":
        try:
            return struct.pack("<" + code, float(v))
        except OverflowError:
            return struct.pack("<" + code, math.copysign(math.inf, float(v)))
    bits = spec.size * 8
    u = v % (1 << bits)
    return u.to_bytes(spec.size, "little")


def unpack_raw(code: str, raw: bytes):
    spec = lookup(code)
    if spec.kind == "bool":
        return raw[0] != 0
    if spec.kind == "string":
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    return struct.unpack("<" + code, raw)[0]


def cut_text(v, n: int) -> bytes:
    if isinstance(v, str):
        raw = v.encode("utf-8")
        while len(raw) > n:  # drop whole characters from the end
            v = v[:-1]
            raw = v.encode("utf-8")
        return raw
    return bytes(v)[:n]


class Model:
    """Expected buffers and write buffer of every field."""

    def __init__(self, fields):
        self.fields = fields
        self.areas = {}
        self.wb = {}
        for label, code, buffered in fields:
            size = lookup(code).size
            self.areas[label] = [bytearray(size) for _ in range(2 if buffered else 1)]
            self.wb[label] = 0 if buffered else 0xFF

    def _target(self, label):
        return self.areas[label][self.wb[label]] if self.wb[label] != 0xFF else self.areas[label][0]

    def _flip(self, label):
        if self.wb[label] != 0xFF:
            self.wb[label] ^= 1

    def current(self, label):
        wb = self.wb[label]
        return self.areas[label][wb ^ 1] if wb != 0xFF else self.areas[label][0]

    def set(self, label, code, v):
        spec = lookup(code)
        area = self._target(label)
        if spec.kind == "string":
            raw = cut_text(v, spec.size)
            area[:len(raw)] = raw
            if len(raw) < spec.size:
                area[len(raw)] = 0
        else:
            area[:] = expected_raw(code, v)
        self._flip(label)

    def incr(self, label, code, n):
        cur = unpack_raw(code, bytes(self.current(label)))
        self.set(label, code, cur + n)


# -- strategies ---------------------------------------------------------------------

NUMERIC = ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?"]
codes = st.one_of(st.sampled_from(NUMERIC), st.integers(0, 24).map(lambda n: f"{n}s"))
labels = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
field_lists = st.lists(st.tuples(labels, codes, st.booleans()), min_size=1, max_size=8,
                       unique_by=lambda f: f[0])
floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -0.0, 3.5e38, -3.5e38, 3.4028235677973366e38, 1e-46]))


def values_for(code):
    kind = lookup(code).kind
    if kind == "int":
        return st.integers(-(1 << 70), 1 << 70)
    if kind == "float":
        return st.one_of(floats, st.integers(-(1 << 60), 1 << 60))
    if kind == "bool":
        return st.one_of(st.booleans(), st.integers(), st.text(max_size=2), st.lists(st.none(), max_size=1))
    return st.one_of(st.text(max_size=30), st.binary(max_size=30))


@st.composite
def scenarios(draw):
    fields = draw(field_lists)
    ops = []
    for _ in range(draw(st.integers(0, 25))):
        label, code, buffered = draw(st.sampled_from(fields))
        kind = lookup(code).kind
        if kind in ("int", "float") and draw(st.booleans()):
            n = draw(st.integers(-(1 << 66), 1 << 66)) if kind == "int" else draw(floats)
            ops.append(("incr", label, n))
        else:
            ops.append(("set", label, draw(values_for(code))))
    return fields, ops


def check_against_model(path, model: Model):
    data = open(path, "rb").read()
    parsed = File.parse(data)  # construct: the schema is the authority
    assert [(r.label, r.type) for r in parsed.records] == [(lab, code) for lab, code, _ in model.fields]
    for rec, (label, code, buffered) in zip(parsed.records, model.fields):
        assert rec.write_buffer == model.wb[label], label
        values = list(rec.value) if buffered else [rec.value]
        for got, want in zip(values, model.areas[label]):
            spec = lookup(code)
            if spec.kind == "string":
                assert got == bytes(want), label
            elif spec.kind == "float":
                assert struct.pack("<" + code, got) == bytes(want), label
            else:
                assert got == struct.unpack("<" + ("B" if code == "?" else code), bytes(want))[0], label
    got = read(path)
    for f, (label, code, buffered) in zip(got, model.fields):
        want = unpack_raw(code, bytes(model.current(label)))
        assert (f.label, f.type, f.buffered) == (label, code, buffered)
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(f.value), label
        else:
            assert f.value == want and type(f.value) is type(want), label


@pytest.mark.parametrize("name", sorted(IMPLS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_updates_match_model_through_construct_and_read(name, scenario):
    fields, ops = scenario
    model = Model(fields)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "h.mmstats")
        f = make(path, fields, IMPLS[name], wrap=True)  # the model stores integers modulo 2**bits
        try:
            check_against_model(path, model)  # a new file: zeros, write buffers 0
            for op, label, v in ops:
                code = f[label].type
                if op == "set":
                    f[label].set(v)
                    model.set(label, code, v)
                else:
                    f[label].incr(v)
                    model.incr(label, code, v)
            check_against_model(path, model)
            for label, code, _ in fields:
                assert_same(f[label].get(), unpack_raw(code, bytes(model.current(label))))
        finally:
            f.close()


def assert_same(got, want):
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == want and type(got) is type(want)


# -- creation ---------------------------------------------------------------------------

FIELDS = [("requests", "Q", True), ("name", "16s", False), ("ok", "?", False), ("ratio", "d", True)]


def test_new_file_is_what_construct_builds(tmp_path, impl):
    path = tmp_path / "new.mmstats"
    f = make(path, FIELDS, impl)
    want = build_file([{"label": lab, "type": t, "buffered": b, "value": 0 if t != "16s" else ""}
                       for lab, t, b in FIELDS])
    assert path.read_bytes() == want
    assert len(want) % 4096 == 0
    assert validate(path).errors == []
    assert [s.label for s in f.slots] == [lab for lab, _, _ in FIELDS]
    assert f["requests"] is f.slots[0] and "name" in f and len(f) == 4
    f.close()


def test_initial_values_are_in_the_image(tmp_path):
    path = tmp_path / "init.mmstats"
    f = create_file(path, [("pid", "I", False, 1234), ("big", "b", False, 200), ("n", "Q", True, 7),
                           ("txt", "4s", False, "ab\u20acz")], wrap=True)
    assert [x.value for x in read(path)] == [1234, -56, 7, "ab"]
    parsed = File.parse(path.read_bytes())
    assert parsed.records[2].write_buffer == 0 and list(parsed.records[2].value) == [0, 7]
    f["n"].incr()
    assert f["n"].get() == 8
    f.close()


def test_slot_offsets_are_the_scanners(tmp_path, impl):
    from mmstats_format.scan import scan
    f = make(tmp_path / "o.mmstats", FIELDS, impl)
    layouts, errors = scan((tmp_path / "o.mmstats").read_bytes())
    assert errors == []
    assert [(s.offset, s.write_buffer_offset, s.value_offset) for s in f.slots] == \
        [(x.offset, x.write_buffer_offset, x.value_offset) for x in layouts]
    assert [s.buffered for s in f.slots] == [True, False, False, True]
    f.close()


def test_version_byte_is_stored_last(tmp_path, monkeypatch):
    import mmstats.lowlevel as ll
    real = ll.create_mapped
    seen = {}

    def spy(path, image, mode):
        mm, ident = real(path, image, mode)
        with open(path, "rb") as fh:
            seen["version_on_disk"] = fh.read(1)
        seen["report"] = validate(path).errors
        return mm, ident

    monkeypatch.setattr(ll, "create_mapped", spy)
    path = tmp_path / "v.mmstats"
    f = create_file(path, FIELDS)
    assert seen["version_on_disk"] == b"\x00"
    assert [e.code for e in seen["report"]] == ["not_ready"]
    assert path.read_bytes()[0] == 1
    f.close()


def test_mode_is_configurable_and_masked_by_umask(tmp_path):
    old = os.umask(0o022)
    try:
        a = create_file(tmp_path / "a.mmstats", FIELDS)
        b = create_file(tmp_path / "b.mmstats", FIELDS, mode=0o600)
        c = create_file(tmp_path / "c.mmstats", FIELDS, mode=0o666)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(a.path).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(b.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(c.path).st_mode) == 0o644
    for f in (a, b, c):
        f.close()


def test_symlink_at_the_path_is_refused_and_not_followed(tmp_path):
    target = tmp_path / "target"
    link = tmp_path / "link.mmstats"
    link.symlink_to(target)
    with pytest.raises(CreateError, match="symbolic link") as e:
        create_file(link, FIELDS)
    assert str(link) in str(e.value)
    assert not target.exists() and link.is_symlink()
    target.write_bytes(b"precious")
    with pytest.raises(CreateError):
        create_file(link, FIELDS)
    assert target.read_bytes() == b"precious"


def test_existing_file_is_not_reused(tmp_path):
    path = tmp_path / "taken.mmstats"
    path.write_bytes(b"someone else's data")
    with pytest.raises(CreateError, match="already exists") as e:
        create_file(path, FIELDS)
    assert e.value.errno == errno.EEXIST and isinstance(e.value, MmstatsError)
    assert path.read_bytes() == b"someone else's data"


def _stats_file_of(path, pid):
    f = create_file(path, [("app.sys.pid", "I", False, pid), ("hits", "Q", True)])
    f.close()
    return path.read_bytes()


def test_stale_file_of_a_dead_process_is_replaced(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    path = tmp_path / "stale.mmstats"
    _stats_file_of(path, pid)
    f = create_file(path, FIELDS)
    assert [x.label for x in read(path)] == [lab for lab, _, _ in FIELDS]
    f.close()


def test_file_of_a_live_process_is_kept(tmp_path):
    path = tmp_path / "live.mmstats"
    before = _stats_file_of(path, os.getppid())
    with pytest.raises(CreateError, match="still running"):
        create_file(path, FIELDS)
    assert path.read_bytes() == before
    mine = tmp_path / "mine.mmstats"
    before = _stats_file_of(mine, os.getpid())
    with pytest.raises(CreateError, match="this process"):
        create_file(mine, FIELDS)
    assert mine.read_bytes() == before


def test_missing_directory_names_path_and_cause(tmp_path):
    path = tmp_path / "no" / "such" / "dir" / "x.mmstats"
    with pytest.raises(CreateError) as e:
        create_file(path, FIELDS)
    msg = str(e.value)
    assert str(path) in msg and "does not exist" in msg and str(tmp_path / "no" / "such" / "dir") in msg
    assert e.value.errno == errno.ENOENT and isinstance(e.value, OSError)


def _fail_for(path, func_name, err, monkeypatch):
    import mmstats._create as cr
    real = getattr(os, func_name)

    def fake(first, *args, **kw):
        if func_name == "open" and os.fspath(first) != str(path):
            return real(first, *args, **kw)
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(cr.os, func_name, fake)


def test_permission_denied_names_path_and_cause(tmp_path, monkeypatch):
    path = tmp_path / "ro.mmstats"
    if os.geteuid() != 0:
        tmp_path.chmod(0o500)
    else:  # root ignores directory permissions: make open() fail as it would
        _fail_for(path, "open", errno.EACCES, monkeypatch)
    try:
        with pytest.raises(CreateError, match="permission denied") as e:
            create_file(path, FIELDS)
    finally:
        tmp_path.chmod(0o700)
    assert str(path) in str(e.value) and e.value.errno == errno.EACCES


def test_full_disk_names_cause_and_leaves_no_half_file(tmp_path, monkeypatch):
    path = tmp_path / "full.mmstats"
    _fail_for(path, "write", errno.ENOSPC, monkeypatch)
    with pytest.raises(CreateError, match="no space left on device") as e:
        create_file(path, FIELDS)
    assert str(path) in str(e.value) and e.value.errno == errno.ENOSPC
    assert not path.exists()


@pytest.mark.parametrize("fields, exc", [
    ([("a", "Q", True), ("a", "I", False)], ValueError),
    ([("", "Q", True)], ValueError),
    ([("a", "Z", True)], ValueError),
    ([("a", "Q")], TypeError),
    ([("a", "Q", "yes")], TypeError),
    ([("a" * 70000, "Q", True)], ValueError),
    ([("\ud800", "Q", True)], ValueError),
])
def test_bad_field_lists_are_rejected_before_any_file(tmp_path, fields, exc):
    with pytest.raises(exc):
        create_file(tmp_path / "bad.mmstats", fields)
    assert list(tmp_path.iterdir()) == []


# -- updates ------------------------------------------------------------------------------

@pytest.mark.parametrize("label, bad", [
    ("requests", "12"), ("requests", 1.5), ("requests", None), ("ratio", "0.5"), ("ratio", b"1"),
    ("name", 12), ("name", None), ("small", 1.0), ("f32", "x"),
])
def test_wrong_type_raises_and_leaves_file_untouched(tmp_path, impl, label, bad):
    path = tmp_path / "t.mmstats"
    f = make(path, FIELDS + [("small", "b", False), ("f32", "f", True)], impl)
    f["requests"].set(5)
    before = path.read_bytes()
    with pytest.raises(TypeError):
        f[label].set(bad)
    with pytest.raises(TypeError):
        f["requests"].incr("1")
    assert path.read_bytes() == before
    assert f["requests"].get() == 5
    f.close()


def test_update_semantics(tmp_path, impl):
    f = make(tmp_path / "s.mmstats", [("u8", "B", True), ("i16", "h", False), ("f", "f", True),
                                      ("ok", "?", False), ("s", "5s", False), ("c", "Q", True)], impl, wrap=True)
    f["u8"].set(-1)
    assert f["u8"].get() == 255
    f["u8"].incr(2)
    assert f["u8"].get() == 1
    f["i16"].set(40000)
    assert f["i16"].get() == -25536
    f["f"].set(1e39)
    assert f["f"].get() == math.inf
    f["f"].set(-1e39)
    assert f["f"].get() == -math.inf
    f["f"].set(True)
    assert f["f"].get() == 1.0
    f["ok"].set("yes")
    assert f["ok"].get() is True
    f["ok"].set(0)
    assert f["ok"].get() is False
    f["s"].set("ab\u20acz")  # 6 bytes: the euro sign is kept, z is cut
    assert f["s"].get() == "ab\u20ac"
    f["s"].set(b"\xff\xfe")
    assert f["s"].get() == "\ufffd\ufffd"
    f["c"].incr(n=2)
    f["c"].incr(amount=3)
    f["c"].value = 10
    assert f["c"].value == 10 and f["c"].current == 10
    with pytest.raises(TypeError):
        f["ok"].incr()
    with pytest.raises(TypeError):
        f["s"].incr()
    f.close()


def test_buffered_update_writes_the_other_buffer_then_flips(tmp_path, impl):
    path = tmp_path / "wb.mmstats"
    f = make(path, [("n", "I", True)], impl)
    for v, wb, buffers in [(11, 1, [11, 0]), (22, 0, [11, 22]), (33, 1, [33, 22])]:
        f["n"].set(v)
        rec = File.parse(path.read_bytes()).records[0]
        assert (rec.write_buffer, list(rec.value)) == (wb, buffers)
    f.close()


def test_close_keeps_the_file_and_later_updates_raise(tmp_path, impl):
    path = tmp_path / "c.mmstats"
    f = make(path, FIELDS, impl)
    f["requests"].set(3)
    f.flush()
    f.close()
    f.close()
    assert f.closed and path.exists() and read(path)[0].value == 3
    for action in (lambda: f["requests"].set(1), lambda: f["requests"].incr(), lambda: f["name"].set("x"),
                   lambda: f["requests"].get()):
        with pytest.raises(ValueError, match="closed"):
            action()


def test_remove_deletes_only_the_file_we_created(tmp_path):
    path = tmp_path / "r.mmstats"
    f = create_file(path, FIELDS)
    f.remove()
    assert not path.exists()
    g = create_file(path, FIELDS)
    os.unlink(path)
    path.write_bytes(b"a newcomer")
    g.remove()
    assert path.read_bytes() == b"a newcomer"


def test_context_manager_closes(tmp_path):
    with create_file(tmp_path / "cm.mmstats", FIELDS) as f:
        f["requests"].incr()
    assert f.closed


def test_implementation_is_selectable_by_environment():
    env = dict(os.environ, MMSTATS_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-c", "import mmstats; print(mmstats.IMPLEMENTATION)"],
                         capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "python"


@pytest.mark.parametrize("mode, word", [(0o4644, "setuid"), (0o2644, "setgid"), (0o1644, "sticky"),
                                        (0o6755, "setuid and setgid"), (0o10644, "permission bits"),
                                        (-1, "permission bits")])
def test_special_mode_bits_are_refused_before_anything_is_created(tmp_path, mode, word):
    with pytest.raises(ValueError, match=word):
        create_file(tmp_path / "m.mmstats", FIELDS, mode=mode)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError):
        create_file(tmp_path / "m.mmstats", FIELDS, mode="644")


def test_permission_bits_are_used_as_given(tmp_path):
    old = os.umask(0)
    try:
        f = create_file(tmp_path / "p.mmstats", FIELDS, mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "p.mmstats").st_mode) == 0o600
    f.remove()
