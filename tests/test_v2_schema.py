"""Format version 2: the generated constants equal what construct builds and parses (differential tests).

mmstats_format/v2/derived.py is what the hot paths use; mmstats_format/schema_v2.py
is the single source of truth. Hypothesis builds random headers, entries and
values with construct and reads them back with the plain constants, and the
other way round.
"""
from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from mmstats_build import derive_v2
from mmstats_format.v2 import derived as d
from mmstats_format import schema_v2 as s

U16, U32, U64 = (st.integers(0, (1 << n) - 1) for n in (16, 32, 64))
FIELD = {"B": st.integers(0, 255), "H": U16, "L": U32, "Q": U64}


def test_generated_constants_are_current():
    assert derive_v2.main(["--check"]) == 0


def test_codes_tables_equal_the_schema():
    assert (d.KINDS, d.VALUE_TYPES, d.STATES, d.CODES) == (s.KINDS, s.VALUE_TYPES, s.STATES, s.CODES)
    assert d.KIND_HISTOGRAM == s.Kind.HISTOGRAM and d.VALUETYPE_UTF8 == s.ValueType.UTF8
    assert d.STATE_READY == s.State.READY


def test_sizes_follow_the_struct_formats():
    assert struct.calcsize(d.HEADER_FORMAT) == d.HEADER_SIZE == s.Header.sizeof() == 128
    assert struct.calcsize(d.ENTRY_FORMAT) == d.ENTRY_FIXED_SIZE == 32
    assert struct.calcsize(d.STRING_HEADER_FORMAT) == d.STRING_HEADER_SIZE
    assert struct.calcsize(d.HISTOGRAM_HEADER_FORMAT) == d.HG_BUCKETS


def test_every_atomic_header_word_is_aligned_to_its_size():
    for name, size in (("STATE", 4), ("HEARTBEAT_UNIX_NS", 8), ("SLOTS_USED", 4), ("FIELD_COUNT", 4),
                       ("OVERFLOW_COUNT", 4), ("PID", 8)):
        assert getattr(d, f"H_{name}") % size == 0, name


header_values = st.fixed_dictionaries({
    name: (FIELD[fmt] if fmt in FIELD else st.none())
    for name, fmt in zip(d.HEADER_FIELDS, struct.Struct(d.HEADER_FORMAT).format.lstrip("<").replace("7s", "s")
                         .replace("32s", "s"))
    if name not in ("version", "magic", "reserved")
})


@settings(max_examples=200, deadline=None)
@given(header_values)
def test_header_built_by_construct_reads_back_through_the_offsets(values):
    raw = s.Header.build(values)
    unpacked = dict(zip(d.HEADER_FIELDS, struct.unpack(d.HEADER_FORMAT, raw)))
    assert unpacked["version"] == d.FORMAT_VERSION and unpacked["magic"] == d.MAGIC
    for sub in s.Header.subcons:
        if sub.name in values:
            at, size = getattr(d, f"H_{sub.name.upper()}"), sub.sizeof()
            assert int.from_bytes(raw[at:at + size], "little") == values[sub.name] == unpacked[sub.name]


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=120, max_size=120))
def test_header_parsed_by_construct_equals_the_struct_unpack(body):
    raw = bytes([d.FORMAT_VERSION]) + d.MAGIC + body[:88] + bytes(32)
    parsed = s.Header.parse(raw)
    unpacked = dict(zip(d.HEADER_FIELDS, struct.unpack(d.HEADER_FORMAT, raw)))
    assert {k: parsed[k] for k in d.HEADER_FIELDS} == unpacked


text = st.binary(max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 255), st.integers(0, 255), U32, U32, text, text, text, text,
       st.lists(st.floats(allow_nan=False), max_size=5), st.integers(0, 3))
def test_entry_built_by_construct_reads_back_through_the_offsets(kind, vt, value_offset, value_size, name, unit,
                                                                 help, attrs, bounds, tail_words):
    extra = b"".join(struct.pack("<d", b) for b in bounds)
    strings = len(name) + len(unit) + len(help) + len(attrs)
    padded = d.ENTRY_FIXED_SIZE + strings + (-(d.ENTRY_FIXED_SIZE + strings) % d.ALIGN)
    size = padded + len(extra) + 8 * tail_words
    raw = s.Entry.build({
        "entry_size": size, "kind": kind, "value_type": vt, "flags": 0, "value_offset": value_offset,
        "value_size": value_size, "name_size": len(name), "unit_size": len(unit), "help_size": len(help),
        "attributes_size": len(attrs), "extra_size": len(extra), "reserved": 0, "name": name, "unit": unit,
        "help": help, "attributes": attrs, "padding": None, "extra": extra, "tail": bytes(8 * tail_words)})
    assert len(raw) == size and size % d.ALIGN == 0
    fields = dict(zip(d.ENTRY_FIELDS, struct.unpack_from(d.ENTRY_FORMAT, raw)))
    assert (fields["entry_size"], fields["kind"], fields["value_type"], fields["value_offset"],
            fields["value_size"]) == (size, kind, vt, value_offset, value_size)
    assert raw[d.E_KIND] == kind and raw[d.E_VALUE_TYPE] == vt
    at = d.ENTRY_FIXED_SIZE
    for part in (name, unit, help, attrs):
        assert raw[at:at + len(part)] == part
        at += len(part)
    assert raw[padded:padded + len(extra)] == extra
    parsed = s.Entry.parse(raw)
    assert {k: parsed[k] for k in d.ENTRY_FIELDS} == fields


@settings(max_examples=200, deadline=None)
@given(U64, st.integers(0, 64), st.integers(0, 8).map(lambda n: 8 * n), st.data())
def test_string_value_offsets_equal_construct(seq, length, capacity, data):
    body = data.draw(st.binary(min_size=capacity, max_size=capacity))
    raw = s.StringValue.build({"seq": seq, "length": length, "reserved": 0, "text": body}, capacity=capacity)
    assert struct.unpack_from(d.STRING_HEADER_FORMAT, raw) == (seq, length, 0)
    assert struct.unpack_from("<Q", raw, d.S_SEQ)[0] == seq
    assert struct.unpack_from("<L", raw, d.S_LENGTH)[0] == length
    assert raw[d.STRING_HEADER_SIZE:] == body


@settings(max_examples=200, deadline=None)
@given(U64, st.floats(allow_nan=False), st.lists(U64, min_size=1, max_size=8))
def test_histogram_value_offsets_equal_construct(seq, total, buckets):
    raw = s.HistogramValue.build({"seq": seq, "sum": total, "buckets": buckets}, bucket_count=len(buckets))
    assert struct.unpack_from(d.HISTOGRAM_HEADER_FORMAT, raw) == (seq, total)
    assert struct.unpack_from(f"<{len(buckets)}Q", raw, d.HG_BUCKETS) == tuple(buckets)
    assert len(raw) == d.HISTOGRAM_HEADER_SIZE + 8 * len(buckets)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.text(max_size=8)), max_size=4,
                unique_by=lambda kv: kv[0]))
def test_attribute_pairs_read_back_through_the_size_format(pairs):
    raw = b"".join(s.Attribute.build({"key_size": len(k.encode()), "key": k.encode(), "value_size": len(v.encode()),
                                      "value": v.encode()}) for k, v in pairs)
    pos, got = 0, []
    while pos < len(raw):
        (klen,) = struct.unpack_from(d.ATTR_SIZE_FORMAT, raw, pos)
        key = raw[pos + d.ATTR_SIZE_SIZE:pos + d.ATTR_SIZE_SIZE + klen]
        pos += d.ATTR_SIZE_SIZE + klen
        (vlen,) = struct.unpack_from(d.ATTR_SIZE_FORMAT, raw, pos)
        got.append((key.decode(), raw[pos + d.ATTR_SIZE_SIZE:pos + d.ATTR_SIZE_SIZE + vlen].decode()))
        pos += d.ATTR_SIZE_SIZE + vlen
    assert got == pairs
    assert [(a.key.decode(), a.value.decode()) for a in s.Attributes.parse(raw)] == pairs
