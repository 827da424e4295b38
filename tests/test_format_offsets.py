"""Differential: the construct-free paths (scan, decode, CompiledLayout) agree with construct."""
import struct

from hypothesis import given, settings

from _strategies import descriptions, same
from mmstats_format.v1 import offsets as o
from mmstats_format import schema
from mmstats_format.v1.decode import field_value
from mmstats_format.v1.layout import CompiledLayout
from mmstats_format.read import decode_bytes
from mmstats_format.scan import scan


def expected_value(rec):
    """What a reader returns, computed from the description alone."""
    v = rec["value"]
    if rec["write_buffer"] != schema.UNBUFFERED:
        v = v[rec["write_buffer"] ^ 1]
    if rec["type"] == "?":
        return v != 0
    if rec["type"].endswith("s"):
        return v.split(b"\0", 1)[0].decode("utf-8", "replace")
    if rec["type"] == "f":
        return struct.unpack("<f", struct.pack("<f", v))[0]
    return v


@settings(max_examples=150, deadline=None)
@given(descriptions)
def test_scanned_offsets_equal_where_construct_puts_each_record(records):
    data = schema.File.build({"records": records})
    fields, errors = scan(data)
    assert errors == []
    pos = o.FIRST_RECORD_OFFSET
    for f, rec in zip(fields, records):
        one = schema.Record.build(rec)  # construct's bytes for this record alone
        assert f.offset == pos
        assert data[pos:pos + len(one)] == one
        label_size = len(rec["label"].encode())
        assert f.write_buffer_offset == pos + o.write_buffer_offset(label_size, len(rec["type"]))
        assert data[f.write_buffer_offset] == rec["write_buffer"]
        assert f.end == pos + len(one)
        pos += len(one)
    assert len(fields) == len(records)


@settings(max_examples=150, deadline=None)
@given(descriptions)
def test_fast_values_equal_construct_parse(records):
    data = schema.File.build({"records": records})
    parsed = schema.File.parse(data).records
    fields, _ = scan(data)
    from_construct = [expected_value(dict(r)) for r in parsed]
    assert same([field_value(data, f) for f in fields], from_construct)
    assert same(CompiledLayout(fields).values(data), from_construct)
    assert same([f.value for f in decode_bytes(data)], [expected_value(r) for r in records])
