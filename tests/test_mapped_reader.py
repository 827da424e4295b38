"""The mapped re-read of version 2 files (mmstats_format/v2/mapped.py): StatsReader and
StatsDirectory with mapped=True, the compiled MappedPlan and the pure-Python PurePlan.

Each test runs on both plans (the compiled one taken from the extension itself, whatever
MMSTATS_PURE_PYTHON says); answers are held to the copying path (StatsReader without a
mapping), to the corpus' JSON, and on random layouts to the construct-built bytes and the
JSON their description alone gives.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mmstats_format as mf
from mmstats_format.scan import scan
from mmstats._v2writer import V2Writer
from mmstats_conformance import model_v2 as m2
from mmstats_format import accel
from mmstats_format.canonical import to_canonical
from mmstats_format.v2 import RETRIES, diff as diff_v2
from mmstats_format.v2 import derived as d
from mmstats_format.v2 import layout as v2layout
from mmstats_format.v2 import mapped
from mmstats_format.v2.mapped import MappedFile, PurePlan

from test_compiled_decode import same_answer, v2_files

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "conformance"
CASES = [e for e in json.loads((ROOT / "manifest.json").read_text("utf-8"))["cases"] if e["format_version"] == 2]
VALID = [e for e in CASES if e["kind"] == "valid"]
INVALID = [e for e in CASES if e["kind"] == "invalid"]


def _compiled():
    try:
        import mmstats._speedups as module
    except ImportError:
        return None
    return getattr(module, "MappedPlan", None)


COMPILED = _compiled()
PLANS = [pytest.param(COMPILED, id="compiled"), pytest.param(PurePlan, id="python")]
MAX = mf.DEFAULT_MAX_SIZE


def test_the_compiled_mapped_plan_is_built():
    """Part of the normal install: a missing build is a failure, not a skip."""
    assert COMPILED is not None


def test_the_switch_selects_the_pure_python_plan():
    code = "import mmstats_format.v2.mapped as m; print(m.PLAN_TYPE.__name__)"
    for env, want in (("1", "PurePlan"), ("0", "MappedPlan")):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, accel.PURE_PYTHON_ENV: env},
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == want


def answer(fn):
    """("values", the values) or ("error", code, offset) of one read."""
    try:
        return ("values", fn())
    except mf.FormatError as e:
        return ("error", e.code, e.offset)


def same(a, b) -> bool:
    return a[0] == b[0] and (same_answer(a[1], b[1]) if a[0] == "values" else a == b)


def mapped_read(path, plan, **opts):
    m = MappedFile.open(path, opts.get("max_size", MAX), plan_type=plan)
    assert m is not None, f"{path} was not mapped"
    try:
        return m.read()
    finally:
        m.close()


def copied_read(path, **opts):
    r = mf.StatsReader(path, **opts)
    try:
        return r.read()
    finally:
        r.close()


def ids(entries):
    return [e["id"] for e in entries]


# ---------------------------------------------------------------- the corpus

@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("entry", VALID, ids=ids(VALID))
def test_valid_case_reads_to_its_json_and_as_the_copying_reader(entry, plan):
    path = ROOT / entry["path"]
    assert path.exists(), path
    m = MappedFile.open(path, MAX, plan_type=plan)
    assert m is not None
    try:
        values = m.read()
        got = to_canonical(str(path), m.layout.fields_of(values), version=2)
    finally:
        m.close()
    want = json.loads((ROOT / entry["expect"]).read_text("utf-8"))
    assert diff_v2(want, got, limit=100) == []
    assert same_answer(values, copied_read(path))


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("entry", INVALID, ids=ids(INVALID))
def test_invalid_case_gives_the_copying_readers_code_and_offset(entry, plan, monkeypatch):
    path, opts = ROOT / entry["path"], entry.get("options", {})
    assert path.exists(), path
    want = (entry["expect"]["code"], entry["expect"]["offset"])
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    with pytest.raises(mf.FormatError) as copied:
        copied_read(path, **opts)
    assert (copied.value.code, copied.value.offset) == want
    with pytest.raises(mf.FormatError) as e:
        mf.StatsReader(path, mapped=True, **opts).read()
    assert (e.value.code, e.value.offset) == want
    assert str(e.value).startswith(f"{path}: offset {want[1]}: {want[0]}: ")
    raw = path.read_bytes()
    try:
        m = MappedFile.open(path, opts.get("max_size", MAX), plan_type=plan)
    except mf.FormatError as direct:  # mapped, and its private copy parsed: the same problem
        assert (direct.code, direct.offset) == want
    else:  # left to the copying path: not a whole version 2 file within the limit
        assert m is None
        assert not raw or raw[0] != d.FORMAT_VERSION or len(raw) % d.PAGE_SIZE or len(raw) > opts.get("max_size", MAX)


def test_some_invalid_cases_are_found_through_the_mapping():
    mapped_ones = 0
    for entry in INVALID:
        try:
            m = MappedFile.open(ROOT / entry["path"], entry.get("options", {}).get("max_size", MAX))
        except mf.FormatError:
            mapped_ones += 1
        else:
            assert m is None
    assert mapped_ones >= 20, mapped_ones


# ---------------------------------------------------------------- files that change under the reader

def _image(tmp_path, name="f.mmstats", **kw):
    spec = m2.File2(fields=(m2.Field2("c", "counter", "u64", slots=(1, 2)),
                            m2.Field2("g", "gauge", "f64", value=-0.0),
                            m2.Field2("s", "string", "utf8", value=b"abc", capacity=8, seq=2),
                            m2.Field2("h", "histogram", "f64", bounds=(1.0,), slots=((0.5, (1, 0), 2), (3.0, (0, 1), 4)))),
                    slot_count=3, slots_used=2, meta_capacity=512, process_capacity=64, slot_size=64, **kw)
    image = m2.build(spec)
    path = tmp_path / name
    path.write_bytes(bytes(image.data))
    return path, image


def patch_file(path, offset, raw):
    """Store raw at offset of the file in place (as a writer does: same inode, same size)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, raw, offset)
    finally:
        os.close(fd)


@pytest.mark.parametrize("plan", PLANS)
def test_values_follow_stores_into_the_file(tmp_path, plan):
    path, image = _image(tmp_path)
    m = MappedFile.open(path, MAX, plan_type=plan)
    try:
        v = m.read()
        assert list(v)[:3] == [3, -0.0, "abc"] and v[3]["count"] == 2 and v[3]["sum"] == 3.5
        assert v.header["state"] == "ready" and v.header == copied_read(path).header
        patch_file(path, image.entries[0].value_at + 64, struct.pack("<Q", 40))  # slot 1's copy
        patch_file(path, image.entries[2].value_at + 8, struct.pack("<L", 2))    # the length alone
        assert list(m.read())[:3:2] == [41, "ab"]
        patch_file(path, d.H_SLOTS_USED, struct.pack("<L", 1))
        assert m.read()[0] == 1
    finally:
        m.close()


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("size", [0, 100, 4095, 8192])
def test_a_file_truncated_or_grown_between_polls_is_bad_file_size(tmp_path, plan, size, monkeypatch):
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    path, _ = _image(tmp_path)
    assert path.stat().st_size == 4096
    r = mf.StatsReader(path, mapped=True)
    assert r.read()[0] == 3 and r._map is not None
    os.truncate(path, size)
    with pytest.raises(mf.FormatError) as e:
        r.read()
    assert (e.value.code, e.value.offset) == ("bad_file_size", size)
    assert str(e.value).startswith(f"{path}: offset {size}: bad_file_size: ")
    assert r._map is None and r.fileno() == -1  # dropped: the next read looks afresh ...
    assert same(answer(r.read), answer(lambda: copied_read(path)))  # ... and answers as the copying reader
    r.close()


@pytest.mark.parametrize("plan", PLANS)
def test_a_file_replaced_by_rename_is_mapped_anew_and_the_old_mapping_is_gone(tmp_path, plan, monkeypatch):
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    path, _ = _image(tmp_path)
    r = mf.StatsReader(path, mapped=True)
    assert r.read()[0] == 3
    for k in range(5):
        new = tmp_path / f"new{k}.tmp"
        new.write_bytes(bytes(m2.build(m2.File2(fields=(m2.Field2("n", "gauge", "u64", value=10 + k),))).data))
        os.replace(new, path)
        values = r.read()
        assert list(values) == [10 + k] and [f.label for f in r.layout.fields] == ["n"]
        assert os.fstat(r.fileno()).st_ino == path.stat().st_ino
    maps = [line for line in Path("/proc/self/maps").read_text().splitlines() if str(tmp_path) in line]
    assert len(maps) == 1, maps  # the file's one mapping; none of the files it replaced
    r.close()
    assert not [line for line in Path("/proc/self/maps").read_text().splitlines() if str(tmp_path) in line]


@pytest.mark.parametrize("plan", PLANS)
def test_a_mapped_file_dropped_without_close_gives_back_its_descriptors_and_mapping(tmp_path, plan):
    import gc
    path, _ = _image(tmp_path)
    before = len(os.listdir("/proc/self/fd"))
    m = MappedFile.open(path, MAX, plan_type=plan)
    assert m.read()[0] == 3 and len(os.listdir("/proc/self/fd")) == before + 2  # ours and the mapping's
    del m
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) == before
    assert not [line for line in Path("/proc/self/maps").read_text().splitlines() if str(tmp_path) in line]


@pytest.mark.parametrize("plan", PLANS)
def test_fields_appended_at_run_time_are_parsed_alone(tmp_path, plan, counted, monkeypatch):
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    w = V2Writer.create(tmp_path / "a.mmstats", slot_count=4)
    try:
        hits = w.counter("hits")
        r = mf.StatsReader(w.path, mapped=True)
        hits.add(2)
        assert list(r.read()) == [2] and counted["scan"] == 1
        for _ in range(3):
            assert list(r.read()) == [2]
        w.gauge("queue", "i64", value=-7)
        hits.add(1)
        assert list(r.read()) == [3, -7]
        assert counted["walked"] == [(1, ["queue"])]  # entry 0 was not walked again
        w.string("state", 16, value="ok")
        w.histogram("lat", (1.0, 10.0)).observe(5.0)
        values = r.read()
        assert values[2] == "ok" and values[3]["count"] == 1
        assert counted["walked"][-1] == (2, ["state", "lat"]) and len(counted["walked"]) == 2
        assert counted["scan"] == 1
        assert [f.label for f in r.fields] == ["hits", "queue", "state", "lat"]
        r.close()
    finally:
        w.close()


class _Yields:
    def __init__(self, monkeypatch):
        self.n = 0
        real = os.sched_yield

        def counted():
            self.n += 1
            real()
        monkeypatch.setattr(os, "sched_yield", counted)


@pytest.mark.parametrize("plan", PLANS)
def test_a_sequence_left_odd_reads_null_after_the_bounded_retry(tmp_path, plan, monkeypatch):
    w = V2Writer.create(tmp_path / "x.mmstats")
    try:
        s = w.string("s", 8, value="abc")
        h = w.histogram("h", (1.0,))
        h.observe(0.5)
        w.counter("n").add(4)
        m = MappedFile.open(w.path, MAX, plan_type=plan)
        assert list(m.read())[::2] == ["abc", 4]
        w._q[s._at >> 3] = 1  # a writer inside an update of the string (or dead there)
        yields = _Yields(monkeypatch)
        values = m.read()
        assert values[0] is None and values[1]["count"] == 1 and values[2] == 4
        if plan is PurePlan:  # a yield after every ten failed attempts, none after the last
            assert yields.n == RETRIES // 10 - 1
        w._q[s._at >> 3] = 2
        assert m.read()[0] == "abc"
        m.close()
    finally:
        w.close()


@pytest.mark.parametrize("plan", PLANS)
def test_an_odd_sequence_in_a_closed_file_is_no_value_at_once(tmp_path, plan, monkeypatch):
    path, image = _image(tmp_path, state=2)
    patch_file(path, image.entries[3].value_at + 64, struct.pack("<Q", 5))  # the histogram's copy in slot 1
    yields = _Yields(monkeypatch)
    values = mapped_read(path, plan)
    assert values[3] is None and values[2] == "abc" and values.header["state"] == "closed"
    assert yields.n == 0
    assert same_answer(values, copied_read(path))


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("offset_of, raw, code", [
    (lambda image: d.H_STATE, struct.pack("<L", 0), "not_ready"),
    (lambda image: d.H_STATE, struct.pack("<L", 7), "bad_state"),
    (lambda image: d.H_SLOTS_USED, struct.pack("<L", 0), "bad_count"),
    (lambda image: d.H_SLOTS_USED, struct.pack("<L", 4), "bad_count"),
    (lambda image: image.entries[2].value_at + d.S_LENGTH, struct.pack("<L", 9), "bad_string_length"),
    (lambda image: d.H_FIELD_COUNT, struct.pack("<L", 9), "bad_entry_size"),
])
def test_a_problem_stored_between_polls_is_named_as_the_copying_reader_names_it(tmp_path, plan, offset_of, raw,
                                                                               code, monkeypatch):
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    path, image = _image(tmp_path)
    r, c = mf.StatsReader(path, mapped=True), mf.StatsReader(path)
    assert same_answer(r.read(), c.read())
    patch_file(path, offset_of(image), raw)
    got, want = answer(r.read), answer(c.read)
    assert want[:2] == ("error", code) and got == want
    r.close()
    c.close()


def test_a_version_1_file_is_copied_by_a_mapped_reader(tmp_path):
    path = tmp_path / "v1.mmstats"
    path.write_bytes(mf.build_file([{"label": "q", "type": "Q", "write_buffer": 255, "value": 9}]))
    r = mf.StatsReader(path, mapped=True)
    assert r.read() == [9] and r.read() == [9]
    assert r._map is None and r.fileno() >= 0
    r.close()


# ---------------------------------------------------------------- a directory

def _our_maps(tmp_path):
    return [line for line in Path("/proc/self/maps").read_text().splitlines() if str(tmp_path) in line]


@pytest.mark.parametrize("plan", PLANS)
def test_a_mapped_directory_maps_version_2_copies_version_1_and_follows_changes(tmp_path, plan, counted,
                                                                               monkeypatch):
    monkeypatch.setattr(mapped, "PLAN_TYPE", plan)
    a = V2Writer.create(tmp_path / "a.mmstats")
    try:
        a.counter("x").add(3)
        _image(tmp_path, "b.mmstats")
        _image(tmp_path, "t.mmstats")
        (tmp_path / "v1.mmstats").write_bytes(mf.build_file([{"label": "q", "type": "Q", "write_buffer": 255,
                                                              "value": 9}]))
        writers_maps = len(_our_maps(tmp_path))
        sd = mf.StatsDirectory(tmp_path, mapped=True)

        def poll():
            files, problems = sd.poll()
            return {os.path.basename(f.path): list(f.values)[:1] for f in files}, problems

        assert poll() == ({"a.mmstats": [3], "b.mmstats": [3], "t.mmstats": [3], "v1.mmstats": [9]}, [])
        assert sd.open_files == 7  # three mapped files (two descriptors each), one copied
        assert len(_our_maps(tmp_path)) == writers_maps + 3
        a.string("who", 8, value="a")
        files, _ = sd.poll()
        assert [list(f.values) for f in files if f.path.endswith("a.mmstats")] == [[3, "a"]]
        assert counted["walked"] == [(1, ["who"])] and counted["scan"] == 3  # (a, b and t alike, v1)
        new = tmp_path / "c.tmp"
        new.write_bytes(bytes(m2.build(m2.File2(fields=(m2.Field2("y", "gauge", "u64", value=7),))).data))
        os.replace(new, tmp_path / "b.mmstats")
        assert poll()[0]["b.mmstats"] == [7]
        os.truncate(tmp_path / "t.mmstats", 5000)
        files, problems = poll()
        assert "t.mmstats" not in files and [(p.code, p.offset) for p in problems] == [("bad_file_size", 5000)]
        assert len(_our_maps(tmp_path)) == writers_maps + 2
        sd.close()
        assert sd.open_files == 0 and len(_our_maps(tmp_path)) == writers_maps
    finally:
        a.close()


def test_a_mapped_directory_copies_the_files_past_its_descriptor_budget(tmp_path):
    writers = [V2Writer.create(tmp_path / f"{k}.mmstats") for k in range(3)]
    try:
        for k, w in enumerate(writers):
            w.counter("x").add(k)
        sd = mf.StatsDirectory(tmp_path, mapped=True, max_open=3)
        files, problems = sd.poll()
        assert problems == [] and sorted(list(f.values) for f in files) == [[0], [1], [2]]
        assert sum(f.mapped is not None for f in sd._files.values()) == 1 and sd.open_files == 3
        sd.close()
    finally:
        for w in writers:
            w.close()


# ---------------------------------------------------------------- random layouts

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _skeleton(image):
    """Bytes a mapped reader takes as fixed once parsed: the header's fixed words but field_count,
    and the published entries (spec/v2.md: entries never change)."""
    h = dict(zip(d.HEADER_FIELDS, struct.unpack_from(d.HEADER_FORMAT, image)))
    layout = v2layout.Layout(mf.scan.scan(image)[0], image, plan_type=None)
    out = set()
    for at, n in v2layout._same_ranges(h["meta_offset"], layout.entries_end):
        out.update(range(at, at + n))
    return out - set(range(d.H_FIELD_COUNT, d.H_FIELD_COUNT + 4))


@SETTINGS
@given(v2_files(), st.data())
def test_random_layouts_read_alike_mapped_compiled_python_copied_and_construct(spec, data):
    image = bytes(m2.build(spec).data)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.mmstats")
        with open(path, "wb") as f:
            f.write(image)
        compiled = MappedFile.open(path, MAX, plan_type=COMPILED)
        python = MappedFile.open(path, MAX, plan_type=PurePlan)
        copying = mf.StatsReader(path)
        try:
            got = compiled.read()
            assert diff_v2(m2.expected_json("f", spec), to_canonical("f", compiled.layout.fields_of(got),
                                                                    version=2)) == []
            assert same_answer(got, python.read())
            assert same_answer(got, copying.read())
            fixed, alike = _skeleton(image), True
            for _ in range(3):  # a byte stored between polls
                at = data.draw(st.integers(0, min(len(image), 4096) - 1))
                byte = data.draw(st.integers(0, 255))
                patch_file(path, at, bytes([byte]))
                a, b = answer(compiled.read), answer(python.read)
                assert same(a, b), (at, byte, a, b)
                alike = alike and (at not in fixed or image[at] == byte)
                if alike:  # only bytes both readers look at again at every poll changed
                    c = answer(copying.read)
                    assert same(a, c), (at, byte, a, c)
                if a[0] == "error":
                    break
        finally:
            compiled.close()
            python.close()
            copying.close()


# ---------------------------------------------------------------- a writer racing the reader

def _fits(text: str) -> bool:
    """The racing writer's texts: "k/" repeated 1 + k % 7 times (as torture/check_v2.py checks them)."""
    k = text.split("/", 1)[0]
    return k.isdigit() and text == (k + "/") * (1 + int(k) % 7)


@pytest.mark.parametrize("plan", PLANS)
def test_a_writer_thread_racing_the_reader_never_shows_a_torn_text_or_histogram(tmp_path, plan):
    """A writer thread of this process (the GIL can pass to the reader in the middle of an update,
    with the sequence odd) against the mapped poll: every text and histogram read is whole."""
    import threading
    w = V2Writer.create(tmp_path / "race.mmstats", slot_count=2)
    s, h = w.string("s", 160, value="1/1/"), w.histogram("h", (1.0, 2.0, 4.0))
    stop = threading.Event()

    def write():
        k = 1
        while not stop.is_set():
            s.set(f"{k}/" * (1 + k % 7))
            h.observe(0.5 if k % 2 else 3.0)
            k += 1

    t = threading.Thread(target=write)
    m = MappedFile.open(w.path, MAX, plan_type=plan)
    t.start()
    try:
        reads = nulls = 0
        last = 0
        for _ in range(3000):
            text, hist = m.read()
            reads += 1
            if text is None or hist is None:
                nulls += 1
                continue
            assert _fits(text), text
            b = [c["count"] for c in hist["buckets"]]
            per = [b[0], b[1] - b[0], b[2] - b[1], b[3] - b[2]]
            assert per[1] == per[3] == 0 and hist["sum"] == 0.5 * per[0] + 3.0 * per[2], hist
            assert hist["count"] >= last
            last = hist["count"]
        assert last > 0 and nulls < reads // 2, (reads, nulls)
    finally:
        stop.set()
        t.join()
        m.close()
        w.close()


# ---------------------------------------------------------------- plans that make no sense

def _plan_args(**change):
    args = dict(size=4096, state=(12, 4, 1, 2, 2), field_count=(88, 4, 1), slots_used=(84, 4, 2),
                ops=(("uint", 8, 0, 1024, 8, 0, 0, None, (), ()),), header=(), strings=(0, 8, 4, 16),
                histograms=(0, 8, 16), values_type=v2layout.Values)
    args.update(change)
    return args


@pytest.mark.parametrize("plan", PLANS)
def test_a_mapped_plan_refuses_values_that_are_not_aligned_words_of_its_mapping(plan):
    assert plan(**_plan_args()) is not None
    for bad in (("uint", 8, 0, 1020, 8, 0, 0, None, (), ()),   # not aligned
                ("uint", 8, 1, 1024, 8, 0, 0, None, (), ())):  # a version 1 write buffer
        with pytest.raises(ValueError):
            plan(**_plan_args(ops=(bad,)))
    if plan is COMPILED:  # the compiled plan also bounds every load by the mapping
        for bad in (("uint", 8, 0, 4096, 8, 0, 0, None, (), ()),
                    ("uint", 8, 0, 2048, 8, 2048, 1, None, (), ()),  # slot 1 ends past the mapping
                    ("histogram", 8, 0, 0, 48, 0, 0, (1.0, 2.0), (), ())):  # size not 16 + 8 x 3
            with pytest.raises(ValueError):
                plan(**_plan_args(ops=(bad,)))
        with pytest.raises(ValueError):
            plan(**_plan_args(state=(13, 4, 1, 2, 2)))
        p = plan(**_plan_args())
        with tempfile.TemporaryFile() as f:
            f.write(bytes(4096))
            f.flush()
            with pytest.raises(ValueError, match="mapping of 8 bytes"):
                p.poll(bytes(8), f.fileno(), "x", None, 0, 0, True, 1)


@pytest.mark.parametrize("reserved", [1, 0xFFFFFFFF])
def test_a_strings_reserved_word_is_not_part_of_its_length(tmp_path, reserved):
    """A string's length is a u32 and a reserved u32 follows it (spec/v2.md "Strings"): a non-zero
    reserved word changes no reader's answer. The copying readers once read the two as one u64
    length past the capacity (read() raised AttributeError, StatsReader returned None)."""
    spec = m2.File2(fields=(m2.Field2(name="s", kind="string", type="utf8", unit="", help="", attributes=(),
                                      value="abc", capacity=16),))
    image = bytearray(m2.build(spec).data)
    (entry,), problems = scan(bytes(image))
    assert problems == [] and entry.type == "utf8"
    struct.pack_into("<I", image, entry.at + 12, reserved)
    path = tmp_path / "s.mmstats"
    path.write_bytes(bytes(image))
    assert mf.validate(path).errors == []
    assert [f.value for f in mf.read(path)] == ["abc"]
    assert mf.StatsReader(path).read() == ["abc"]
    assert mf.StatsReader(path, mapped=True).read() == ["abc"]
