"""Fast paths against slow ones: the layout cache behind read()/decode_bytes(), the
skeleton check of CompiledLayout, the bulk poller StatsDirectory, and read()'s
os-level file reading.

The oracle is always the reference path: scan() plus one value at a time
(read.decode_scanned), which tests/test_format_offsets.py proves equal to
construct. Every fast answer must be the same fields and values, or the same
error (code and offset), byte for byte of input.
"""
from __future__ import annotations

import copy
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _strategies import descriptions, same
from mmstats_format import FormatError, build_file, read
from mmstats_format import directory as directory_module
from mmstats_format.directory import StatsDirectory
from mmstats_format.cache import LAYOUTS, LayoutCache
from mmstats_format.v1.layout import CompiledLayout
from mmstats_format.read import decode_bytes, decode_scanned, read_bytes
from mmstats_format.scan import scan

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

COUNTERS = [{"label": f"counter.{i}", "type": "Q", "value": [i, 1000 + i], "write_buffer": i % 2} for i in range(6)]
MIXED = [
    {"label": "alpha", "type": "Q", "value": 11, "buffered": True},
    {"label": "name", "type": "8s", "value": "a-file", "buffered": False},
    {"label": "ratio", "type": "d", "value": 0.25, "buffered": True},
    {"label": "ok", "type": "?", "value": True, "buffered": True},
]


def outcome(fn, data):
    """("ok", [(label, type, buffered, value)]) or ("error", code, offset): comparable results."""
    try:
        fields = fn(data)
    except FormatError as e:
        return ("error", e.code, e.offset)
    return ("ok", [tuple(f) for f in fields])


def same_outcome(a, b) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "error":
        return a == b
    return len(a[1]) == len(b[1]) and all(x[:3] == y[:3] and same(x[3], y[3]) for x, y in zip(a[1], b[1]))


def fresh_cache_decode(data):
    """decode through a cache that has learnt this very image first (so the fast path answers)."""
    return decode_bytes(data)


# -- layout cache and skeleton check -------------------------------------------------------------

@SETTINGS
@given(descriptions)
def test_cached_decode_equals_scanned_decode(records):
    data = build_file(records)
    slow = outcome(decode_scanned, data)
    first = outcome(decode_bytes, data)   # learns the layout
    again = outcome(decode_bytes, data)   # answered by the cache
    assert same_outcome(first, slow) and same_outcome(again, slow)
    if slow[0] == "ok":
        assert LAYOUTS.lookup(data) is not None  # the second answer did come from the cache


@SETTINGS
@given(descriptions, st.data())
def test_any_one_byte_change_after_learning_gives_what_a_fresh_scan_gives(records, data):
    image = build_file(records)
    decode_bytes(image)  # the cache now holds this skeleton
    changed = bytearray(image)
    offset = data.draw(st.integers(0, len(image) - 1), label="offset")
    changed[offset] = data.draw(st.integers(0, 255).filter(lambda b: b != image[offset]), label="byte")
    assert same_outcome(outcome(decode_bytes, bytes(changed)), outcome(decode_scanned, bytes(changed)))


@SETTINGS
@given(descriptions, st.data())
def test_checked_values_accepts_exactly_the_bytes_whose_scan_is_the_same(records, data):
    image = build_file(records)
    fields, errors = scan(image)
    assert not errors
    layout = CompiledLayout(fields, image)
    changed = bytearray(image)
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        offset = data.draw(st.integers(0, len(image) - 1), label="offset")
        changed[offset] = data.draw(st.integers(0, 255), label="byte")
    got = layout.checked_values(bytes(changed))
    new_fields, new_errors = scan(bytes(changed))
    if got is None:
        assert new_errors or new_fields != fields  # refused only what scans differently
    else:
        assert not new_errors and new_fields == fields
        assert same(got, [f.value for f in decode_scanned(bytes(changed))])


def test_checked_values_refuses_other_sizes_and_every_header_byte():
    image = build_file(MIXED)
    fields, _ = scan(image)
    layout = CompiledLayout(fields, image)
    assert same(layout.checked_values(image), [f.value for f in decode_scanned(image)])
    assert layout.checked_values(image + bytes(4096)) is None
    assert layout.checked_values(image[:-1]) is None
    value_bytes = set()
    for f in fields:
        first = f.write_buffer_offset + 1 if f.buffered else f.value_offset
        value_bytes.update(range(first, f.end))
    for offset in range(len(image)):
        changed = bytearray(image)
        changed[offset] ^= 0x80
        got = layout.checked_values(bytes(changed))
        if offset in value_bytes:
            assert same(got, [f.value for f in decode_scanned(bytes(changed))]), offset
        else:
            assert got is None, offset  # hand check: a header, a write buffer, terminator or zero fill


def test_values_reports_a_bad_write_buffer_with_its_offset():
    image = bytearray(build_file(MIXED))
    fields, _ = scan(image)
    layout = CompiledLayout(fields)
    wb = fields[2].write_buffer_offset
    image[wb] = 0x07
    with pytest.raises(FormatError) as e:
        layout.values(image)
    assert (e.value.code, e.value.offset) == ("bad_write_buffer", wb)


def test_cache_tells_two_layouts_of_one_size_apart_and_stays_bounded():
    a, b = build_file(COUNTERS), build_file(MIXED)
    assert len(a) == len(b)
    cache = LayoutCache(max_files=4, per_size=2)
    for image in (a, b):
        fields, _ = scan(image)
        cache.learn(image, fields, ident=("dev", image[:8]))
    for image in (a, b, a):
        layout, values = cache.lookup(image)
        assert same(values, [f.value for f in decode_scanned(image)])
        assert layout.fields == scan(image)[0]
    # identity says "a", content says "b": content wins
    layout, values = cache.lookup(b, ident=("dev", a[:8]))
    assert layout.fields == scan(b)[0]
    for i in range(10):
        cache._remember(("x", i), layout)
    assert len(cache) <= 4
    assert cache.lookup(build_file(COUNTERS[:2] + COUNTERS[3:])) is None  # same size, other skeleton


def test_files_of_one_program_share_one_compiled_layout(tmp_path):
    paths = []
    for i in range(5):
        p = tmp_path / f"app-{i}.mmstats"
        p.write_bytes(build_file([dict(r, value=[i, i * 7]) for r in COUNTERS]))
        paths.append(p)
    for p in paths:
        assert [f.value for f in read(p)] == [f.value for f in decode_scanned(p.read_bytes())]
    layouts = {id(LAYOUTS.lookup(p.read_bytes())[0]) for p in paths}
    assert len(layouts) == 1


# -- read(): os-level reading --------------------------------------------------------------------

def test_read_of_a_file_past_the_first_read_size(tmp_path):
    big = [{"label": f"s{i}", "type": "4000s", "value": f"text {i}", "buffered": False} for i in range(20)]
    p = tmp_path / "big.mmstats"
    p.write_bytes(build_file(big))
    assert os.path.getsize(p) > 65536
    assert outcome(lambda _: read(p), None) == outcome(decode_scanned, p.read_bytes())
    assert read_bytes(p) == p.read_bytes()


@pytest.mark.parametrize("limit, ok", [(4096, True), (4095, False), (100, False), (65536, True)])
def test_max_size_is_the_limit_with_or_without_the_first_read(tmp_path, limit, ok):
    p = tmp_path / "one.mmstats"
    p.write_bytes(build_file(MIXED))
    if ok:
        assert read(p, max_size=limit) == read(p)
    else:
        with pytest.raises(FormatError) as e:
            read(p, max_size=limit)
        assert (e.value.code, e.value.offset, e.value.path) == ("file_too_large", limit, str(p))


def test_read_errors_are_the_same_oserrors(tmp_path):
    with pytest.raises(FileNotFoundError):
        read(tmp_path / "missing.mmstats")
    with pytest.raises(IsADirectoryError):
        read(tmp_path)
    empty = tmp_path / "empty.mmstats"
    empty.write_bytes(b"")
    with pytest.raises(FormatError) as e:
        read(empty)
    assert e.value.code == "not_ready"


# -- StatsDirectory ------------------------------------------------------------------------------

def expected(directory, pattern=".mmstats"):
    """path -> outcome of the reference path, for every regular matching file."""
    out = {}
    for name in sorted(os.listdir(directory)):
        p = os.path.join(directory, name)
        if name.endswith(pattern) and os.path.isfile(p) and not os.path.islink(p):
            out[p] = outcome(decode_scanned, open(p, "rb").read())
    return out


def polled(sd):
    files, problems = sd.poll()
    got = {f.path: ("ok", [(fl.label, fl.type, fl.buffered, v) for fl, v in zip(f.fields, f.values)]) for f in files}
    for e in problems:
        assert isinstance(e, FormatError), e
        got[e.path] = ("error", e.code, e.offset)
    return got


def agree(sd, directory):
    got, want = polled(sd), expected(directory)
    assert got.keys() == want.keys()
    for p in want:
        assert same_outcome(got[p], want[p]), p


def write_value(path, field_index, value, flip=True):
    """What a writer does: store value[wb] then flip wb (through plain pwrite here)."""
    data = open(path, "rb").read()
    f = scan(data)[0][field_index]
    wb = data[f.write_buffer_offset]
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, struct.pack("<Q", value), f.value_offset + 8 * wb)
        if flip:
            os.pwrite(fd, bytes([wb ^ 1]), f.write_buffer_offset)
    finally:
        os.close(fd)


def test_poll_equals_read_through_every_kind_of_change(tmp_path):
    for i in range(4):
        (tmp_path / f"app-{i}.mmstats").write_bytes(build_file(COUNTERS))
    (tmp_path / "other.txt").write_text("not a stats file")
    (tmp_path / "sub.mmstats").mkdir()
    os.symlink(tmp_path / "app-0.mmstats", tmp_path / "link.mmstats")
    with StatsDirectory(tmp_path) as sd:
        agree(sd, tmp_path)
        agree(sd, tmp_path)                                   # nothing changed
        write_value(tmp_path / "app-1.mmstats", 2, 12345)      # a value
        agree(sd, tmp_path)
        write_value(tmp_path / "app-1.mmstats", 2, 999, flip=False)  # the buffer nobody reads
        agree(sd, tmp_path)
        (tmp_path / "app-2.mmstats").write_bytes(build_file(MIXED))  # rewritten in place, same size
        agree(sd, tmp_path)
        with open(tmp_path / "app-3.mmstats", "ab") as f:      # grew
            f.write(bytes(4096))
        agree(sd, tmp_path)
        os.truncate(tmp_path / "app-3.mmstats", 100)          # shrank
        agree(sd, tmp_path)
        (tmp_path / "new.tmp").write_bytes(build_file(MIXED))
        os.rename(tmp_path / "new.tmp", tmp_path / "app-0.mmstats")  # replaced by rename
        agree(sd, tmp_path)
        os.unlink(tmp_path / "app-1.mmstats")                 # gone
        agree(sd, tmp_path)
        (tmp_path / "late.mmstats").write_bytes(bytes(4096))  # a writer is creating it
        got = polled(sd)
        assert got[str(tmp_path / "late.mmstats")] == ("error", "not_ready", 0)
        agree(sd, tmp_path)
        assert sd.open_files == 2  # app-0 and app-2; app-3 is broken, late not ready: only what reads cleanly
    assert sd.open_files == 0


@SETTINGS
@given(st.lists(descriptions, min_size=1, max_size=4), st.data())
def test_poll_equals_read_for_random_files_and_rewrites(tmp_path_factory, files, data):
    directory = tmp_path_factory.mktemp("poll")
    with StatsDirectory(directory) as sd:
        for round_ in range(2):
            for i, records in enumerate(files):
                image = bytearray(build_file(records))
                if round_ and data.draw(st.booleans(), label="mutate"):
                    offset = data.draw(st.integers(0, len(image) - 1), label="offset")
                    image[offset] = data.draw(st.integers(0, 255), label="byte")
                (directory / f"f{i}.mmstats").write_bytes(image)
            agree(sd, directory)


def test_recheck_takes_the_newer_copy_when_a_write_buffer_flips_during_the_copy(tmp_path, monkeypatch):
    path = tmp_path / "live.mmstats"
    path.write_bytes(build_file(COUNTERS))
    sd = StatsDirectory(tmp_path)
    sd.poll()
    for f in sd._files.values():  # the Python re-check (pure Python, and the general path); the compiled
        f.layout = copy.copy(f.layout)  # one is tested in test_compiled_decode.py
        f.layout.reread_plan = None
    write_value(path, 0, 7)  # a change, so the poll copies and checks
    real = os.preadv
    calls = []

    def preadv(fd, buffers, offset):
        n = real(fd, buffers, offset)
        calls.append(n)
        if len(calls) == 1:
            write_value(path, 0, 4242)  # the writer updates between the first copy and the re-check
        return n

    monkeypatch.setattr(directory_module.os, "preadv", preadv)
    files, problems = sd.poll()
    assert not problems and len(calls) >= 2
    assert files[0].values[0] == 4242 == read(path)[0].value
    sd.close()


def test_past_the_descriptor_budget_files_are_opened_for_each_poll(tmp_path):
    for i in range(3):
        (tmp_path / f"app-{i}.mmstats").write_bytes(build_file([dict(r, value=[i, i]) for r in COUNTERS]))
    with StatsDirectory(tmp_path, max_open=1) as sd:
        agree(sd, tmp_path)
        assert sd.open_files == 1
        for i in range(3):
            write_value(tmp_path / f"app-{i}.mmstats", 3, 31337 + i)  # every file, held open or not
        agree(sd, tmp_path)
        (tmp_path / "app-2.mmstats").write_bytes(build_file(MIXED))
        agree(sd, tmp_path)
        assert sd.open_files == 1
    assert sd.open_files == 0


# -- v1/table.py: the read path's constants, generated from the construct schema -----------------

def test_table_is_what_the_schema_gives_now():
    from mmstats_build import derive
    assert derive.current() == derive.render()
    assert derive.main(["--check"]) == 0


@pytest.mark.parametrize("code", ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?",
                                  "0s", "1s", "16s", "255s", "999999999s",
                                  "", "s", "01s", "1000000000s", "-1s", "L", "x", "Qs", "16S", " 1s"])
def test_table_lookup_equals_the_construct_schema(code):
    from mmstats_format import schema
    from mmstats_format.v1 import types
    got, element = types.lookup(code), schema.element(code)
    assert (got is None) == (element is None)
    if got is not None:
        row = schema.NUMERIC_TYPES.get(code)
        kind, meaning, canonical = row[1:] if row else ("string", schema.STRING_MEANING, schema.STRING_CANONICAL)
        size = element.sizeof()
        struct_char = f"{size}s" if kind == "string" else element.fmtstr.lstrip("<")
        assert (got.code, got.kind, got.meaning, got.canonical, got.size, got.struct_char) == (
            code, kind, meaning, canonical, size, struct_char)
        assert struct.calcsize("<" + got.struct_char) == size
        if kind == "int":  # the bounds are what the element can build and parse back
            lo, hi = got.bounds
            assert element.parse(element.build(lo)) == lo and element.parse(element.build(hi)) == hi
            for bad in (lo - 1, hi + 1):
                with pytest.raises(Exception):
                    element.build(bad)
        else:
            assert got.bounds is None
        assert got.element is element


def test_table_offsets_are_the_schemas_sizes():
    from mmstats_format import schema
    from mmstats_format.v1 import offsets, table
    assert (table.FORMAT_VERSION, table.PAGE_SIZE, table.UNBUFFERED, table.BUFFER_COUNT) == (
        schema.FORMAT_VERSION, schema.PAGE_SIZE, schema.UNBUFFERED, schema.BUFFER_COUNT)
    assert offsets.FIRST_RECORD_OFFSET == schema.Version.sizeof()
    assert offsets.LABEL_OFFSET == schema.LabelSize.sizeof()
    assert (offsets.LABEL_SIZE_FORMAT, offsets.TYPE_SIZE_FORMAT) == (schema.LabelSize.fmtstr, schema.TypeSize.fmtstr)
    assert offsets.type_offset(5) == schema.LabelSize.sizeof() + 5 + schema.TypeSize.sizeof()
    assert offsets.value_offset(5, 1) == offsets.type_offset(5) + 1 + schema.WriteBuffer.sizeof()


def test_table_check_fails_on_a_stale_table(tmp_path, monkeypatch):
    from mmstats_build import derive
    stale = tmp_path / "table.py"
    original = open(derive.PATH).read()
    stale.write_text(original.replace("PAGE_SIZE = 4096", "PAGE_SIZE = 4095"))
    monkeypatch.setattr(derive, "PATH", str(stale))
    assert derive.main(["--check"]) == 1
    assert derive.main(["--write"]) == 0 and derive.main(["--check"]) == 0
    assert stale.read_text() == original


READ_PATH_WITHOUT_CONSTRUCT = r"""
import importlib.util, sys, types
# the package without its __init__ (which imports the builder, and so construct)
pkg = types.ModuleType("mmstats_format")
pkg.__path__ = [sys.argv[1]]
sys.modules["mmstats_format"] = pkg
from mmstats_format.read import read
from mmstats_format.reread import StatsReader
from mmstats_format.directory import StatsDirectory
assert "construct" not in sys.modules, sorted(m for m in sys.modules if m.startswith("construct"))
fields = read(sys.argv[2])
with StatsReader(sys.argv[2]) as r:
    assert r.read() == [f.value for f in fields]
print(fields)
"""


def test_the_read_path_does_not_import_construct(tmp_path):
    import subprocess
    import sys
    import mmstats_format
    p = tmp_path / "one.mmstats"
    p.write_bytes(build_file(MIXED))
    out = subprocess.run([sys.executable, "-c", READ_PATH_WITHOUT_CONSTRUCT,
                          os.path.dirname(mmstats_format.__file__), str(p)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == repr(read(p))


# -- cost per byte: a big file of small records ---------------------------------------------------

BIG_FILE_PEAK = r"""
import resource, sys
size = int(sys.argv[2])
records = b"".join(b"\x02\x00" + bytes((97 + i % 26, 97 + i // 26 % 26)) + b"\x01\x00B\xff\x07"
                   for i in range((size - 3) // 9))
data = b"\x01" + records
data += bytes(-len(data) % 4096)
del records
with open(sys.argv[1], "wb") as f:
    f.write(data)
from mmstats_format import read
from mmstats_format.cache import LAYOUTS
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
before = peak()
fields = read(sys.argv[1])
print(len(data), len(fields), peak() - before, LAYOUTS.lookup(data) is None)
"""


def test_a_big_file_of_small_records_costs_memory_in_proportion(tmp_path):
    """512 KiB and a page of 9-byte records (58709 fields): compiling generated code for such a layout took
    over 300 bytes of memory per byte of file (a 16 MiB file: 8.5 GB). Now a small constant, and
    the layout is not kept in the shared cache afterwards."""
    import subprocess
    import sys
    p = tmp_path / "big.mmstats"
    want = LAYOUTS.max_file_size + 4096  # just over what the shared cache keeps
    out = subprocess.run([sys.executable, "-c", BIG_FILE_PEAK, str(p), str(want)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    size, fields, grown, not_kept = out.stdout.split()
    assert int(size) == want and int(fields) == (want - 3) // 9
    assert int(grown) / int(size) < 200, f"{int(grown) / int(size):.0f} bytes of peak memory per byte of file"
    assert not_kept == "True"
    assert [f.label for f in read(p)[:3]] == ["aa", "ba", "ca"]  # and it reads right


def test_poll_gives_the_caller_lists_of_its_own(tmp_path):
    """Changing what one poll returned changes nothing the next poll returns, whether the file
    changed or not (the compiled path keeps no values between polls, the Python one keeps a copy)."""
    path = tmp_path / "app.mmstats"
    path.write_bytes(build_file(COUNTERS))
    want = [f.value for f in read(path)]
    with StatsDirectory(tmp_path) as sd:
        for change in (None, None, None, 777, None, None):
            if change is not None:
                write_value(path, 0, change)
                want = [f.value for f in read(path)]
                assert want[0] == change
            (got,), problems = sd.poll()
            assert problems == [] and list(got.values) == want
            got.values[:] = [-1] * len(got.values)
