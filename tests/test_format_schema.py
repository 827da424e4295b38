"""The construct schema: worked examples as byte literals, and build/parse symmetry."""
import construct as c
import pytest
from hypothesis import given, settings

from _strategies import descriptions, same
from mmstats_format import schema

# A buffered u64 "requests" = 18 whose writer wrote 5 times (write buffer 1; stale 8), as 0.8 wrote it.
COUNTER = bytes.fromhex("0800" "7265717565737473" "0100" "51" "01" "1200000000000000" "0800000000000000")
# An unbuffered 5-byte string filled exactly: no NUL.
STRING5 = bytes.fromhex("0100" "78" "0200" "3573" "ff" "3132333435")


def common(con, data, obj, size=None):
    """parse(data) == obj, build(obj) == data, and sizeof when it is static (construct's own test idiom)."""
    parsed = con.parse(data)
    for key, want in obj.items():
        assert same(parsed[key], want), key
    assert con.build(obj) == data
    if size is not None:
        assert con.sizeof() == size


def test_buffered_record_has_label_type_write_buffer_and_two_values():
    common(schema.Record, COUNTER, {"label_size": 8, "label": "requests", "type_size": 1, "type": "Q",
                                    "write_buffer": 1, "value": [18, 8]})


def test_unbuffered_string_record_holds_one_value_of_n_bytes():
    common(schema.Record, STRING5, {"label": "x", "type": "5s", "write_buffer": 0xFF, "value": b"12345"})


def test_file_is_version_records_and_zero_fill_to_a_page():
    data = schema.File.build({"records": [{"label": "requests", "type": "Q", "write_buffer": 1, "value": [18, 8]}]})
    assert len(data) == schema.PAGE_SIZE
    assert data[:1] == b"\x01" and data[1:1 + len(COUNTER)] == COUNTER
    assert not any(data[1 + len(COUNTER):])


def test_records_filling_the_page_exactly_need_no_terminator():
    label = "x"
    head = 1 + 2 + 1 + 2 + 5 + 1  # version, label size, label, type size, "NNNNs", write buffer
    n = schema.PAGE_SIZE - head
    data = schema.File.build({"records": [{"label": label, "type": f"{n}s", "write_buffer": 0xFF, "value": b"A" * n}]})
    assert len(data) == schema.PAGE_SIZE
    assert schema.File.parse(data).records[0].value == b"A" * n


def test_label_size_256_has_low_byte_zero_but_is_not_a_terminator():
    rec = {"label": "L" * 256, "type": "B", "write_buffer": 0xFF, "value": 7}
    data = schema.File.build({"records": [rec]})
    assert data[1:3] == b"\x00\x01"
    assert schema.File.parse(data).records[0].value == 7


@pytest.mark.parametrize("bad", [b"\x00", b"\x02", b"\xff"])
def test_schema_rejects_a_version_other_than_1(bad):
    data = bytearray(schema.File.build({"records": []}))
    data[0:1] = bad
    with pytest.raises(c.ConstructError):
        schema.File.parse(bytes(data))


def test_schema_rejects_write_buffer_2():
    data = bytearray(schema.File.build({"records": [{"label": "a", "type": "B", "write_buffer": 0, "value": [1, 2]}]}))
    data[1 + 2 + 1 + 2 + 1] = 2
    with pytest.raises(c.ConstructError):
        schema.File.parse(bytes(data))


def test_schema_rejects_unknown_type():
    with pytest.raises(c.ConstructError):
        schema.File.build({"records": [{"label": "a", "type": "l", "write_buffer": 0xFF, "value": 1}]})


@settings(max_examples=150, deadline=None)
@given(descriptions)
def test_any_description_built_by_the_schema_parses_back_equal(records):
    data = schema.File.build({"records": records})
    assert len(data) % schema.PAGE_SIZE == 0 and data
    parsed = schema.File.parse(data)
    assert len(parsed.records) == len(records)
    for got, want in zip(parsed.records, records):
        assert (got.label, got.type, got.write_buffer) == (want["label"], want["type"], want["write_buffer"])
        assert same(list(got.value) if isinstance(got.value, list) else got.value, want["value"])
    assert schema.File.build(parsed) == data
