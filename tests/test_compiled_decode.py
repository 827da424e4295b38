"""The compiled decode (mmstats._speedups.ReadPlan) against the pure-Python decode and the
construct schemas, on random layouts of both versions.

For every layout hypothesis makes, the same layout is compiled twice: with a ReadPlan
and without (plan_type=None, the pure-Python path MMSTATS_PURE_PYTHON=1 selects).
Both must give the same answer for the file and for every one-byte change of it
(values, records, header values, or None: "scan it"); and the answer for the file
must be what the construct schema parses (version 1: schema.File; version 2: the
bytes mmstats_conformance.model_v2 builds with schema_v2 from a description, and
the JSON that description alone gives).
"""
from __future__ import annotations

import math
import os
import struct
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategies import descriptions, same
from mmstats_conformance import model_v2 as m2
from mmstats_format import build_file, schema
from mmstats_format import accel
from mmstats_format.canonical import to_canonical
from mmstats_format.scan import scan
from mmstats_format.v1.layout import CompiledLayout
from mmstats_format.v2 import diff as diff_v2
from mmstats_format.v2.layout import Layout

def _extension():
    try:
        import mmstats._speedups as module
    except ImportError:
        return None
    return module


ReadPlan = getattr(_extension(), "ReadPlan", None)
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_compiled_decode_is_built():
    """The extension is part of the normal install: a missing build is a failure here, not a skip
    (ReadPlan comes from the module itself, whatever MMSTATS_PURE_PYTHON says)."""
    assert ReadPlan is not None


def test_the_switch_selects_pure_python_for_reader_and_writer_alike():
    code = ("import mmstats_format.accel as a, mmstats, mmstats_format.read as r; "
            "print(a.IMPLEMENTATION, mmstats.IMPLEMENTATION)")
    for env, want in (("1", "python python"), ("0", "c c")):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, accel.PURE_PYTHON_ENV: env},
                             capture_output=True, text=True, check=True).stdout.split()
        assert " ".join(out) == want


def same_answer(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_answer(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b) and all(same_answer(x, y) for x, y in zip(a, b))
                and same_answer(getattr(a, "header", None), getattr(b, "header", None)))
    return same(a, b)


def mutations(data, draw):
    """A few copies of ``data`` with one byte changed (anywhere, and in the first 256 bytes)."""
    out = []
    for limit in (len(data), min(len(data), 256)):
        at = draw(st.integers(0, limit - 1))
        byte = draw(st.integers(0, 255))
        out.append(bytes(data[:at]) + bytes([byte]) + bytes(data[at + 1:]))
    return out


# ---------------------------------------------------------------- version 1

def v1_construct_values(data):
    """Each record's value as the spec's reader rule gives it, from construct's parse of the file."""
    out = []
    for r in schema.File.parse(data).records:
        raw = r.value if r.write_buffer == schema.UNBUFFERED else r.value[r.write_buffer ^ 1]
        if isinstance(raw, bytes):
            raw = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
        elif r.type == "?":
            raw = raw != 0
        out.append(raw)
    return out


def v1_pair(data):
    fields, errors = scan(data)
    assert not errors
    return CompiledLayout(fields, data, plan_type=None), CompiledLayout(fields, data, plan_type=ReadPlan)


@SETTINGS
@given(descriptions, st.data())
def test_v1_compiled_decode_equals_python_and_construct(records, data):
    image = build_file(records)
    py, c = v1_pair(image)
    want = v1_construct_values(image)
    assert same_answer(py.checked_values(image), want)
    assert same_answer(c.checked_values(image), want)
    assert same_answer(c.checked_fields(image), py.checked_fields(image))
    assert same_answer(c.checked_values(bytearray(image) + b"x", len(image)), want)  # a longer buffer
    assert c.checked_values(image + bytes(4096)) is None  # another size
    for changed in mutations(image, data.draw):
        assert same_answer(c.checked_values(changed), py.checked_values(changed))
        assert same_answer(c.checked_fields(changed), py.checked_fields(changed))
        if py.write_buffers is not None:
            assert (c.write_buffers(changed) == c.write_buffers(image)) == \
                   (py.write_buffers(changed) == py.write_buffers(image))


def test_v1_a_bad_write_buffer_and_every_skeleton_byte_mean_scan_it():
    image = build_file([{"label": "a", "type": "Q", "value": [1, 2], "write_buffer": 0},
                        {"label": "s", "type": "4s", "value": b"ab\0\0", "write_buffer": 255}])
    py, c = v1_pair(image)
    values = set()
    for at in range(len(image)):
        changed = bytearray(image)
        changed[at] ^= 0x80
        got = c.checked_values(changed)
        assert same_answer(got, py.checked_values(changed)), at
        values.add(got is None)
    assert values == {True, False}  # some bytes are values, every other one is skeleton


# ---------------------------------------------------------------- version 2

U64 = (1 << 64) - 1
names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
floats = st.floats(allow_nan=True, allow_infinity=True)


@st.composite
def v2_fields(draw, slots_used):
    kind = draw(st.sampled_from(["counter", "gauge", "updown_counter", "constant", "string", "histogram"]))
    types = {"counter": ["u64", "f64"], "gauge": ["u64", "i64", "f64"], "updown_counter": ["i64", "f64"],
             "constant": ["u64", "i64", "f64", "utf8"], "string": ["utf8"], "histogram": ["f64"]}[kind]
    vt = draw(st.sampled_from(types))
    base = dict(name=draw(names), kind=kind, type=vt, unit=draw(st.sampled_from(["", "ms", "By"])),
                help=draw(st.text(max_size=6)),
                attributes=tuple(draw(st.dictionaries(names, st.text(max_size=4), max_size=2)).items()))
    number = {"u64": st.integers(0, U64), "i64": st.integers(-(1 << 63), (1 << 63) - 1), "f64": floats}.get(vt)
    if kind == "histogram":
        bounds = sorted(set(draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), max_size=4))))
        # bucket counts whose running totals stay below 2**64: model_v2's expected JSON does not wrap them
        slots = tuple((draw(floats), tuple(draw(st.integers(0, 2 ** 58)) for _ in range(len(bounds) + 1)),
                       draw(st.sampled_from([0, 2, 2, 2, 1]))) for _ in range(slots_used))
        return m2.Field2(bounds=tuple(bounds), slots=slots, **base)
    if vt == "utf8":
        raw = draw(st.binary(max_size=12)) if draw(st.booleans()) else draw(st.text(max_size=6)).encode()
        capacity = len(raw) + (-len(raw) % 8) + draw(st.sampled_from([0, 8]))
        return m2.Field2(value=raw, capacity=capacity, seq=draw(st.sampled_from([0, 4, 4, 3])), **base)
    if kind in ("counter", "updown_counter"):
        return m2.Field2(slots=tuple(draw(number) for _ in range(slots_used)), **base)
    return m2.Field2(value=draw(number), **base)


def round8(n: int) -> int:
    return n + 8 + -n % 8


@st.composite
def v2_files(draw):
    slot_count = draw(st.integers(1, 4))
    slots_used = draw(st.integers(1, slot_count))
    fields = draw(st.lists(v2_fields(slots_used), min_size=0, max_size=8))
    meta = sum(64 + len(f.name.encode()) + len(f.unit) + len(f.help.encode()) + len(m2.attrs_bytes(f.attributes))
               + 8 * len(f.bounds) for f in fields)
    process = sum(f.size() + 8 for f in fields if f.storage == "process")
    slot = sum(f.size() + 8 for f in fields if f.storage == "slots")
    return m2.File2(fields=tuple(fields), slot_count=slot_count, slots_used=slots_used,
                    state=draw(st.sampled_from([1, 1, 2])), pid=draw(st.integers(0, U64)),
                    meta_capacity=round8(meta), process_capacity=round8(process), slot_size=round8(slot),
                    heartbeat_unix_ns=draw(st.integers(0, U64)), overflow_count=draw(st.integers(0, 2 ** 32 - 1)))


def v2_pair(data):
    fields, errors = scan(data)
    assert not errors, errors
    return Layout(fields, data, plan_type=None), Layout(fields, data, plan_type=ReadPlan)


@SETTINGS
@given(v2_files(), st.data())
def test_v2_compiled_decode_equals_python_and_construct(spec, data):
    image = bytes(m2.build(spec).data)
    py, c = v2_pair(image)
    records = c.checked_fields(image)
    assert records is not None
    assert diff_v2(m2.expected_json("f", spec), to_canonical("f", records, version=2)) == []
    assert same_answer(c.checked_values(image), py.checked_values(image))
    assert same_answer(records, py.checked_fields(image))
    assert c.checked_values(image + bytes(4096)) is None
    for changed in mutations(image, data.draw):
        assert same_answer(c.checked_values(changed), py.checked_values(changed))
        assert same_answer(c.checked_fields(changed), py.checked_fields(changed))


def test_v2_header_words_out_of_range_mean_scan_it():
    spec = m2.File2(fields=(m2.Field2("c", "counter", "u64", slots=(1, 2)),
                            m2.Field2("s", "string", "utf8", value=b"abc", capacity=8, seq=2)),
                    slot_count=3, slots_used=2, meta_capacity=256, process_capacity=64, slot_size=64)
    image = m2.build(spec)
    py, c = v2_pair(bytes(image.data))
    assert c.checked_values(image.data)[0] == 3
    string_at = image.entries[1].value_at
    for offset, raw in ((12, struct.pack("<L", 0)), (12, struct.pack("<L", 3)), (84, struct.pack("<L", 0)),
                        (84, struct.pack("<L", 4)), (string_at + 8, struct.pack("<Q", 9))):
        changed = bytearray(image.data)
        changed[offset:offset + len(raw)] = raw
        assert py.checked_values(changed) is None and c.checked_values(changed) is None, offset
    closed = bytearray(image.data)
    closed[12:16] = struct.pack("<L", 2)
    assert c.checked_values(closed).header["state"] == "closed"


# ---------------------------------------------------------------- plans that make no sense

def test_a_plan_refuses_offsets_outside_its_file():
    with pytest.raises(ValueError, match="outside a file of 8 bytes"):
        ReadPlan(bytes(8), ((4, 8),), (), (), (), (), None, None, None)
    with pytest.raises(ValueError, match="outside"):
        ReadPlan(bytes(8), (), (), (("uint", 8, 0, 4, 8, 0, 0, None, (), ()),), (), (), None, None, None)
    with pytest.raises(ValueError, match="slotted value needs slots"):
        ReadPlan(bytes(16), (), (), (("uint", 8, 0, 0, 8, 8, 1, None, (), ()),), (), (), None, None, None)
    plan = ReadPlan(bytes(8), (), (), (("float", 8, 0, 0, 8, 0, 0, None, (), ()),), (), (), None, None, None)
    assert plan.values(struct.pack("<d", math.pi)) == [math.pi]
    with pytest.raises(TypeError, match="no field type"):
        plan.fields(bytes(8))


# ---------------------------------------------------------------- the whole re-read in one call

from mmstats_format.settle import RETRIES, settle  # noqa: E402


def flipped(image, draw):
    """A later copy of a version 1 file: some write buffers flipped, some values changed."""
    fields, _ = scan(image)
    out = bytearray(image)
    for f in fields:
        if f.buffered and draw(st.booleans()):
            out[f.write_buffer_offset] ^= 1
        if f.end > f.value_offset and draw(st.booleans()):
            at = draw(st.integers(f.value_offset, f.end - 1))
            out[at] = draw(st.integers(0, 255))
    return bytes(out)


def filler(copies):
    """A fill(buf) handing out ``copies`` in turn (the file as a writer changes it between copies),
    counting the copies made."""
    made = []

    def fill(buf):
        data = copies[min(len(made), len(copies) - 1)]
        made.append(1)
        buf[:len(data)] = data
        return len(data)
    return fill, made


@SETTINGS
@given(descriptions, st.data())
def test_v1_reread_settles_like_the_python_rule(records, data):
    """The compiled re-read (copy, re-check while a write buffer flipped, decode) keeps the copy
    settle() keeps and decodes it as checked_values does, after as many copies."""
    image = build_file(records)
    py, c = v1_pair(image)
    copies = [image] + [flipped(image, data.draw) for _ in range(data.draw(st.integers(0, 5)))]
    for retries in (0, RETRIES):
        fill, made = filler(copies)
        got = c.reread_plan.reread(fill, bytearray(len(image)), bytearray(len(image)), retries)
        taken = []
        more = (copies[min(k, len(copies) - 1)] for k in range(1, 99) if not taken.append(k))
        kept = settle(image, more, py.write_buffers) if retries and py.write_buffers is not None else image
        assert same_answer(got, py.checked_values(kept))
        assert len(made) == 1 + (len(taken) if retries and py.write_buffers is not None else 0)


def test_reread_takes_the_newer_copy_when_a_write_buffer_flips_during_the_copy():
    torn, good = (5 << 32) | 6, (7 << 32) | 7
    image = build_file([{"label": "q", "type": "Q", "value": [0, torn], "write_buffer": 0}])  # reads value[1]
    (field,), _ = scan(image)
    after = bytearray(image)  # the writer stored value[0] = good and flipped, right after the first copy
    after[field.value_offset:field.value_offset + 8] = good.to_bytes(8, "little")
    after[field.write_buffer_offset] = 1
    plan = v1_pair(image)[1].reread_plan
    fill, made = filler([image, bytes(after)])
    assert plan.reread(fill, bytearray(len(image)), bytearray(len(image)), RETRIES) == [good]
    assert len(made) == 3  # the copy, the re-check that saw the flip, one that agreed
    fill, made = filler([image, bytes(after)])
    assert plan.reread(fill, bytearray(len(image)), bytearray(len(image)), 0) == [torn] and len(made) == 1


def test_reread_answers_none_for_anything_but_the_ordinary_case(tmp_path):
    image = build_file([{"label": "q", "type": "Q", "value": [1, 2], "write_buffer": 0}])
    plan = v1_pair(image)[1].reread_plan
    path = tmp_path / "f.mmstats"
    path.write_bytes(image)
    st_ = os.stat(path)
    ident = (st_.st_dev, st_.st_ino, st_.st_size)
    bufs = lambda: (bytearray(len(image)), bytearray(len(image)))  # noqa: E731
    fd = os.open(path, os.O_RDONLY)
    try:
        assert plan.reread(fd, *bufs(), RETRIES, str(path), ident) == [2]
        assert plan.reread(fd, *bufs(), RETRIES, str(path), (ident[0], ident[1] + 1, ident[2])) is None
        changed = bytearray(image)
        changed[3] ^= 0xff  # a label byte: another skeleton
        path.write_bytes(changed)
        assert plan.reread(fd, *bufs(), RETRIES, str(path), ident) is None
        os.truncate(path, 100)  # shorter than the plan's file
        assert plan.reread(fd, *bufs(), RETRIES) is None
        other = tmp_path / "other"
        other.write_bytes(image)
        os.rename(other, path)  # the path names another file now
        assert plan.reread(fd, *bufs(), RETRIES, str(path), ident) is None
        path.unlink()
        with pytest.raises(FileNotFoundError) as e:
            plan.reread(fd, *bufs(), RETRIES, str(path), ident)
        assert e.value.filename == str(path)
        with pytest.raises(ValueError, match="distinct"):
            buf = bytearray(len(image))
            plan.reread(fd, buf, buf, RETRIES)
    finally:
        os.close(fd)


def test_repoll_tells_an_unchanged_copy_by_its_digest():
    image = build_file([{"label": "q", "type": "Q", "value": [1, 2], "write_buffer": 0}])
    plan = v1_pair(image)[1].reread_plan
    d = plan.digest(image)
    later = bytearray(image)
    later[-1] ^= 1  # zero fill: skeleton, so values are None either way; the digest must differ
    assert plan.digest(later) != d
    fill, _ = filler([image])
    assert plan.repoll(fill, bytearray(len(image) + 1), bytearray(len(image) + 1), RETRIES, d) == (None, d)
    changed = bytearray(image)
    changed[15] = 9  # value[1]'s last byte... a value, same skeleton
    fill, _ = filler([bytes(changed)])
    values, d2 = plan.repoll(fill, bytearray(len(image) + 1), bytearray(len(image) + 1), RETRIES, d)
    assert values == v1_pair(image)[0].checked_values(bytes(changed)) and d2 == plan.digest(bytes(changed)) != d


@SETTINGS
@given(descriptions, st.data())
def test_repoll_always_decodes_each_copy_as_without_it(records, data):
    """repoll(..., always=True) (StatsDirectory keeps no values between polls): what repoll() gives
    for a changed copy; for an unchanged one (the same digest) its values, decoded again without a
    re-check copy, where repoll() says (None, digest)."""
    image = build_file(records)
    py, c = v1_pair(image)
    plan = c.reread_plan
    bufs = lambda: (bytearray(len(image) + 1), bytearray(len(image) + 1))  # noqa: E731
    d = plan.digest(image)
    streams = [[image] + [flipped(image, data.draw) for _ in range(data.draw(st.integers(0, 4)))],
               [flipped(image, data.draw) for _ in range(data.draw(st.integers(1, 4)))]]
    for copies in streams:
        fill, _ = filler(copies)
        want = plan.repoll(fill, *bufs(), RETRIES, d)
        fill, made = filler(copies)
        got = plan.repoll(fill, *bufs(), RETRIES, d, True)
        digest = (lambda d: d) if py.write_buffers is not None else (lambda d: 0)  # none taken: nothing to re-check
        if want[0] is None:  # the first copy is the image
            assert copies[0] == image and want == (None, d)
            assert same_answer(got[0], py.checked_values(image)) and got[1] == digest(d) and len(made) == 1
        else:
            assert same_answer(got[0], want[0]) and got[1] == digest(want[1])


def test_v2_repoll_always_makes_one_copy_and_takes_no_digest():
    spec = m2.File2(fields=(m2.Field2("c", "counter", "u64", slots=(1, 2)),
                            m2.Field2("d", "counter", "u64", slots=(5, 0))),
                    slot_count=3, slots_used=2, meta_capacity=256, process_capacity=64, slot_size=64)
    image = bytes(m2.build(spec).data)
    py, c = v2_pair(image)
    plan = c.reread_plan
    assert plan is not None  # nothing sequence-locked: one copy is the whole read
    fill, made = filler([image, bytes(len(image))])  # a second copy would differ from the first
    values, d = plan.repoll(fill, bytearray(len(image) + 1), bytearray(len(image) + 1), RETRIES, 0, True)
    assert values == [3, 5] and same_answer(values, py.checked_values(image)) and d == 0 and len(made) == 1


def test_open_copies_gives_two_copies_of_an_ordinary_file_and_none_for_anything_else(tmp_path):
    from mmstats_format._fileio import _FLAGS
    open_copies = _extension().open_copies
    image = build_file([{"label": "q", "type": "Q", "value": [1, 2], "write_buffer": 0}])
    path = tmp_path / "f.mmstats"
    path.write_bytes(image)
    fd, first, second = open_copies(str(path), _FLAGS, 1 << 16, True)
    try:
        assert first == second == image
        assert os.pread(fd, 10, 0) == image[:10]  # left open for more copies
    finally:
        os.close(fd)
    fd, first, second = open_copies(path, _FLAGS, len(image), False)  # a path-like, exactly the limit
    os.close(fd)
    assert (first, second) == (image, None)
    assert open_copies(str(path), _FLAGS, len(image) - 1, True) is None  # past the limit
    assert open_copies(str(tmp_path), _FLAGS, 1 << 16, True) is None  # a directory
    os.mkfifo(tmp_path / "fifo")
    assert open_copies(str(tmp_path / "fifo"), _FLAGS, 1 << 16, True) is None  # not a regular file
    with pytest.raises(FileNotFoundError) as e:
        open_copies(str(tmp_path / "missing"), _FLAGS, 1 << 16, True)
    assert e.value.filename == str(tmp_path / "missing")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        assert open_copies(str(tmp_path), _FLAGS, 1 << 16, True) is None
    assert len(os.listdir("/proc/self/fd")) == before  # nothing left open by a None


# ---------------------------------------------------------------- read() of a known layout in one call

def python_read(py, image, stream, retries):
    """What read()'s Python path answers for the copy ``image`` and the copies after it (``stream``,
    the last repeated), and how many of them it took."""
    taken = []
    more = (stream[min(k, len(stream) - 1)] for k in range(99) if not taken.append(k))
    kept = settle(image, more, py.write_buffers) if retries and py.write_buffers is not None else image
    got = py.checked_fields(kept) if kept is not image else None
    return (got if got is not None else py.checked_fields(image)), len(taken)


@SETTINGS
@given(descriptions, st.data())
def test_v1_settle_fields_settles_like_read(records, data):
    """open_copies' whole read() of a known layout (settle_fields: the same code, its copies handed
    in) keeps the copy read()'s Python path keeps, after as many copies, and falls back to the
    first copy when the kept one lost the skeleton."""
    settle_fields = _extension().settle_fields
    image = build_file(records)
    py, c = v1_pair(image)
    stream = [flipped(image, data.draw) for _ in range(data.draw(st.integers(1, 5)))]
    if data.draw(st.booleans()):
        stream.insert(data.draw(st.integers(0, len(stream))), mutations(image, data.draw)[0])
    for retries in (0, RETRIES):
        fill, made = filler(stream[1:] or stream)
        got = settle_fields((c.reread_plan,), image, stream[0], fill, retries)
        want, taken = python_read(py, image, stream, retries)
        assert same_answer(got, want)
        assert len(made) == max(taken - 1, 0)  # the second copy came with the call
    assert same_answer(settle_fields((c.reread_plan,), image, None, fill, RETRIES), py.checked_fields(image))  # NaN: same
    other = build_file(records + [{"label": "x", "type": "Q", "value": 1}])
    assert settle_fields((c.reread_plan,), other, None, fill, RETRIES) is None  # no plan fits


def test_settle_fields_takes_the_newer_copy_when_a_write_buffer_flips_during_the_copy():
    torn, good = (5 << 32) | 6, (7 << 32) | 7
    image = build_file([{"label": "q", "type": "Q", "value": [0, torn], "write_buffer": 0}])  # reads value[1]
    (field,), _ = scan(image)
    after = bytearray(image)  # the writer stored value[0] = good and flipped, right after the first copy
    after[field.value_offset:field.value_offset + 8] = good.to_bytes(8, "little")
    after[field.write_buffer_offset] = 1
    plan = v1_pair(image)[1].reread_plan
    fill, made = filler([bytes(after)])
    assert [f.value for f in _extension().settle_fields((plan,), image, bytes(after), fill, RETRIES)] == [good]
    assert len(made) == 1  # one re-check that agreed


def test_open_copies_reads_a_known_layout_whole_in_one_call(tmp_path):
    from mmstats_format import read
    from mmstats_format._fileio import _FLAGS
    from mmstats_format.cache import LayoutCache
    from mmstats_format.scan import ONE_COPY
    open_copies = _extension().open_copies
    image = build_file([{"label": "q", "type": "Q", "value": [1, 2], "write_buffer": 0}])
    path = tmp_path / "f.mmstats"
    path.write_bytes(image)
    cache = LayoutCache()
    assert open_copies(str(path), _FLAGS, 1 << 16, True, cache.plans, RETRIES, ONE_COPY)[1:] == (image, image)
    layout, _ = cache.find(image)
    assert cache.plans == ({len(image): (layout.reread_plan,)} if accel.ReadPlan is not None else {len(image): ()})
    plans = {len(image): (v1_pair(image)[1].reread_plan,)}  # whatever the switch says
    before = len(os.listdir("/proc/self/fd"))
    got = open_copies(str(path), _FLAGS, 1 << 16, True, plans, RETRIES, ONE_COPY)
    assert got == read(path) == [("q", "Q", True, 2)] and type(got[0]) is type(read(path)[0])
    assert len(os.listdir("/proc/self/fd")) == before  # the file is closed
    changed = bytearray(image)
    changed[3] ^= 0xff  # a label byte: no known skeleton, the caller parses it
    path.write_bytes(changed)
    fd, first, second = open_copies(str(path), _FLAGS, 1 << 16, True, plans, RETRIES, ONE_COPY)
    os.close(fd)
    assert first == second == changed
    v2 = bytes(m2.build(m2.File2(fields=(m2.Field2("c", "counter", "u64", slots=(3,)),), slot_count=1,
                                  slots_used=1, meta_capacity=128, process_capacity=8, slot_size=16)).data)
    path.write_bytes(v2)
    fd, first, second = open_copies(str(path), _FLAGS, 1 << 16, True, plans, RETRIES, ONE_COPY)
    os.close(fd)
    assert (first, second) == (v2, None)  # version 2: one copy (no write buffers to re-check)
    got = open_copies(str(path), _FLAGS, 1 << 16, True, {len(v2): (v2_pair(v2)[1].reread_plan,)}, RETRIES, ONE_COPY)
    assert same_answer(got, read(path)) and got[0].value == 3 and got.header["state"] == "ready"


# ---------------------------------------------------------------- records made in C

def reference_records():
    """Each record type a reader returns, beside a NamedTuple declared the same way here."""
    from typing import NamedTuple
    from mmstats_format.directory import FileValues
    from mmstats_format.v1 import Field as Field1
    from mmstats_format.v2 import Field as Field2
    out = []
    for made in (Field1, Field2, FileValues):
        ref = NamedTuple(made.__name__, list(made.__annotations__.items()))
        ref.__doc__ = made.__doc__
        out.append((made, ref))
    return out


def sample(cls):
    return [f"v{i}" if i % 2 else [i] for i in range(len(cls._fields))]


@pytest.mark.parametrize("made, ref", reference_records(), ids=lambda x: getattr(x, "__qualname__", "ref"))
def test_records_behave_as_the_namedtuple_they_are_made_from(made, ref):
    import copy
    import gc
    import pickle
    import weakref
    assert made.__mro__[1:] == (tuple, object)
    assert made.__module__.startswith("mmstats_format.") and made.__qualname__ == made.__name__ == ref.__name__
    items = sample(ref)
    a, r = made(*items), ref(*items)
    assert isinstance(a, tuple) and tuple(a) == tuple(r) and a == r and hash(made(*map(str, items))) == \
        hash(ref(*map(str, items)))
    assert repr(a) == repr(r) and made._fields == ref._fields and made.__match_args__ == ref.__match_args__
    assert made.__doc__ == ref.__doc__ and made.__annotations__ == ref.__annotations__
    assert made(**dict(zip(ref._fields, items))) == a and made._make(items) == a and a._asdict() == r._asdict()
    assert type(a._replace(**{ref._fields[0]: 9})) is made and a._replace(**{ref._fields[0]: 9})[0] == 9
    for name, value in zip(ref._fields, items):
        assert getattr(a, name) is value
    for attempt in (lambda: setattr(a, ref._fields[0], 1), lambda: setattr(a, "other", 1)):
        with pytest.raises(AttributeError):
            attempt()
    with pytest.raises(TypeError, match="missing"):
        made(*items[:-1])
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(a, protocol))
        assert type(back) is made and back == a
    assert type(copy.copy(a)) is made and copy.deepcopy(a) == a and copy.deepcopy(a)[0] is not a[0]

    class Sub(made):
        __slots__ = ()

    assert Sub(*items) == a and type(Sub(*items)._replace()) is Sub

    class Node:
        pass

    node = Node()
    node.rec = made(node, *items[1:])  # a cycle through a record: the collector must see it
    assert gc.is_tracked(node.rec)
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None


def test_records_are_reused_without_mixing_their_items():
    from mmstats_format.v1 import Field
    from mmstats_format.v2 import Field as Field2
    for round_ in range(3):
        kept = [Field(f"l{i}", "Q", bool(i % 2), i * round_) if i % 3 else
                Field2(f"l{i}", "u64", False, i, "counter", "", "", {}) for i in range(5000)]
        for i, f in enumerate(kept):
            assert f.label == f"l{i}" and f.value == (i * round_ if i % 3 else i) and len(f) == (4 if i % 3 else 8)
        del kept[::2]


def test_both_paths_make_the_same_record_type():
    """Pure Python constructs the module's Field too: a record pickled by one path loads in the other."""
    import pickle
    from mmstats_format import Field
    code = ("import pickle, sys, mmstats_format as m; f = pickle.loads(sys.stdin.buffer.read()); "
            "assert type(f) is m.Field, type(f); sys.stdout.buffer.write(pickle.dumps(m.Field(*f)))")
    for env in ("1", "0"):
        out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(Field("a", "Q", True, 7)),
                             env={**os.environ, accel.PURE_PYTHON_ENV: env}, capture_output=True, check=True)
        assert pickle.loads(out.stdout) == ("a", "Q", True, 7)
