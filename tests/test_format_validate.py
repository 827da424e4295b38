"""Every error code, at the byte its offset must point at; hostile input never crashes."""
import pytest
from hypothesis import given, settings, strategies as st

import mmstats_format as m
from mmstats_format import errors
from mmstats_format.scan import scan
from conftest import INTEROP

PAGE = 4096


def page(data: bytes, size: int = PAGE) -> bytes:
    assert len(data) <= size
    return data + bytes(size - len(data))


def rec(label: bytes, type_: bytes, wb: int, value: bytes) -> bytes:
    """A record spelled out by hand, independent of the schema."""
    return len(label).to_bytes(2, "little") + label + len(type_).to_bytes(2, "little") + type_ + bytes([wb]) + value


GOOD = rec(b"hits", b"Q", 1, (5).to_bytes(8, "little") + (4).to_bytes(8, "little"))  # 1 + 25 bytes

CASES = {
    "empty file": (b"", "not_ready", 0),
    "version still zero": (page(b""), "not_ready", 0),
    "version 2": (page(b"\x02" + GOOD), "bad_version", 0),
    # a 4092-byte label ends at 4095: one byte is left for the 2-byte type size
    "type size cut": (b"\x01" + (4092).to_bytes(2, "little") + b"a" * 4092 + b"\x01", "truncated_record", 4095),
    # a record fills bytes 1..4094; the last byte is a non-zero half of a label size
    "label size cut": (b"\x01" + rec(b"x", b"4083s", 0xFF, b"z" * 4083) + b"\x07", "truncated_record", 4095),
    # the type ends exactly at the end of the page: no room for the write buffer
    "write buffer cut": (b"\x01" + (4090).to_bytes(2, "little") + b"a" * 4090 + b"\x01\x00Q", "truncated_record", 4096),
    "label past end": (page(b"\x01" + (5000).to_bytes(2, "little")), "past_eof", 3),
    "value past end": (b"\x01" + rec(b"a" * 4080, b"Q", 0, b""), "past_eof", 1 + 2 + 4080 + 2 + 1 + 1),
    "label not utf-8": (page(b"\x01" + rec(b"a\xffb", b"B", 0xFF, b"\x01")), "bad_label_utf8", 1 + 2 + 1),
    "type l": (page(b"\x01" + rec(b"a", b"l", 0xFF, b"\x01" * 8)), "unknown_type", 1 + 2 + 1 + 2),
    "type 01s": (page(b"\x01" + rec(b"a", b"01s", 0xFF, b"x")), "unknown_type", 6),
    "type not ascii": (page(b"\x01" + rec(b"a", "é".encode(), 0xFF, b"x")), "unknown_type", 6),
    "write buffer 2": (page(b"\x01" + GOOD[:9] + b"\x02" + GOOD[10:]), "bad_write_buffer", 1 + 2 + 4 + 2 + 1),
    "garbage after terminator": (page(b"\x01" + GOOD + b"\x00\x00\x00\x09"), "trailing_garbage", 1 + len(GOOD) + 3),
    "size not a page multiple": (b"\x01" + GOOD + b"\x00\x00", "bad_file_size", 1 + len(GOOD) + 2),
}


@pytest.mark.parametrize("name", CASES)
def test_first_error_has_code_and_offset(name, tmp_path):
    data, code, offset = CASES[name]
    report = m.validate_bytes(data, "case.mmstats")
    assert not report.valid
    first = report.errors[0]
    assert (first.code, first.offset) == (code, offset), str(first)
    p = tmp_path / "case.mmstats"
    p.write_bytes(data)
    with pytest.raises(m.FormatError) as e:
        m.read(p)
    assert (e.value.code, e.value.offset, e.value.path) == (code, offset, str(p))
    assert str(e.value).startswith(f"{p}: offset {offset}: {code}: ")
    # one line, the offset given once (it used to be repeated in hex at the end)
    assert "\n" not in str(e.value) and f"0x{offset:x})" not in str(e.value)


def test_every_code_has_a_case():
    covered = {code for _, code, _ in CASES.values()} | {"file_too_large"}
    assert covered == set(errors.CODES)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.mmstats"
    p.write_bytes(page(b"\x01" + GOOD, 2 * PAGE))
    with pytest.raises(m.FormatError) as e:
        m.read(p, max_size=PAGE)
    assert e.value.code == "file_too_large"
    assert m.validate(p, max_size=PAGE).errors[0].code == "file_too_large"


def test_validator_reports_every_independent_problem():
    data = b"\x01" + rec(b"\xc0\xafx", b"B", 0xFF, b"\x01") + rec(b"ok", b"Z", 0xFF, b"") + b"\x00"
    codes = [(e.code, e.offset) for e in m.validate_bytes(data).errors]
    assert codes == [("bad_label_utf8", 3), ("unknown_type", 1 + 10 + 2 + 2 + 2), ("bad_file_size", len(data))]


def test_a_lone_zero_byte_at_the_end_ends_the_record_list():
    body = b"\x01" + rec(b"x", b"4083s", 0xFF, b"y" * 4083)
    assert len(body) == PAGE - 1
    fields = m.decode_bytes(body + b"\x00")
    assert [f.value for f in fields] == ["y" * 4083]


SAMPLES = ["counter", "strings", "labels", "exact-page", "webstats", "special-floats"]


@pytest.mark.parametrize("name", SAMPLES)
def test_every_truncation_gives_a_clean_error_or_a_valid_prefix(name, interop_dir):
    data = (interop_dir / f"{name}.mmstats").read_bytes()
    used = max(f.end for f in scan(data)[0])
    allowed = {"not_ready", "truncated_record", "past_eof", "bad_file_size"}
    for n in range(0, min(used + 3, len(data))):
        fields, errs = scan(data[:n])
        assert errs, n  # no prefix shorter than the file is a page multiple, except n == 4096
        assert {e.code for e in errs} <= allowed, (n, errs)
        with pytest.raises(m.FormatError):
            m.decode_bytes(data[:n])


@pytest.mark.parametrize("tail", [b"\x00", b"\x01", b"\x00" * 4096, b"\xff" * 7])
def test_trailing_bytes_after_a_valid_file_are_reported(tail, interop_dir):
    data = (interop_dir / "counter.mmstats").read_bytes() + tail
    report = m.validate_bytes(data)
    assert not report.valid or len(data) % PAGE == 0 and not any(tail)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_scanner(blob):
    for data in (blob, b"\x01" + blob):
        fields, errs = scan(data)
        for e in errs:
            assert e.code in errors.CODES and 0 <= e.offset <= len(data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_interop_files_never_crash_the_reader(data):
    if not INTEROP.is_dir():
        return
    raw = bytearray((INTEROP / data.draw(st.sampled_from(["counter.mmstats", "labels.mmstats", "strings.mmstats"]))).read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, 700))] = data.draw(st.integers(0, 255))
    try:
        m.decode_bytes(bytes(raw))
    except m.FormatError as e:
        assert e.code in errors.CODES


def test_a_corrupt_label_size_quotes_a_short_excerpt_of_the_label():
    # a label size of 600 over zero bytes, then a type that is not in the table
    data = page(b"\x01" + (600).to_bytes(2, "little") + bytes(600) + (4).to_bytes(2, "little") + b"zzzz")
    report = m.validate_bytes(data, "case.mmstats")
    (only,) = report.errors
    assert only.code == "unknown_type" and only.offset == 1 + 2 + 600 + 2
    assert str(only) == ("case.mmstats: offset 605: unknown_type: type signature b'zzzz' of "
                         "'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00'… is not in the type table")


def test_excerpts_are_at_most_40_characters_then_an_ellipsis():
    assert errors.excerpt("short") == "'short'"
    assert errors.excerpt("a" * 38) == "'" + "a" * 38 + "'"  # 40 with its quotes: whole
    assert errors.excerpt("a" * 39) == "'" + "a" * 38 + "'…"  # 40 quoted, then the ellipsis
    assert errors.excerpt(b"\xff" * 100) == "b'" + "\\xff" * 9 + "'…"
    assert errors.excerpt("é" * 100) == "'" + "é" * 38 + "'…"


def test_file_too_large_gives_the_limit_once_as_its_offset(tmp_path):
    p = tmp_path / "big.mmstats"
    p.write_bytes(page(b"\x01" + GOOD, 2 * PAGE))
    (err,) = m.validate(p, max_size=PAGE).errors
    assert (err.code, err.offset) == ("file_too_large", PAGE)
    assert str(err) == f"{p}: offset 4096: file_too_large: the file (8192 bytes) goes past the size limit here"
    with pytest.raises(m.FormatError) as e:
        m.StatsReader(p, max_size=PAGE).read()
    assert str(e.value) == str(err)
    # the spec's error table says what that offset is
    assert "offset equals the limit" in errors.CODES["file_too_large"][1]
