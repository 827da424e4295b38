"""invalid/<code>/<defect>: one defect per file, with the code and offset it must produce.

Files are built valid from the schema and then given exactly one defect; the
expected offset is where the description put the defect (a record part of a
known layout), never what a validator says. Files stay page-sized unless the
defect is the size.
"""
from __future__ import annotations

from mmstats_format.schema import PAGE_SIZE, UNBUFFERED

from .case import InvalidCase
from .model import Rec, assemble, b, end_at, record_bytes, u

__all__ = ["invalid_cases"]

FIRST = (u("first", "I", 1),)  # a valid record ahead of the defect, so offsets are not trivially 1


def _cut(rec: Rec, part: str, keep: int, before=FIRST, pages: int = 1, end: int | None = None):
    """A file of ``pages`` pages (or ``end`` bytes) whose last record ``rec`` ends ``keep`` bytes into ``part``.

    Returns (bytes, offset of ``part``).
    """
    _, rel = record_bytes(rec, 0)
    end = pages * PAGE_SIZE if end is None else end
    recs = end_at(before, end - (rel.at(part) + keep))
    img = assemble(recs + [rec], fill=False)
    return img.data[:end], img.layouts[-1].at(part)


def _raw(label=b"field", type=b"Q", wb=UNBUFFERED, area=b"\x05" + bytes(7)) -> Rec:
    return Rec(label, type, wb, (area,))


def _with_defect(rec: Rec, part: str, index: int = 0):
    """A page: FIRST, ``rec``, another valid record; offset = ``part`` of ``rec`` plus ``index``."""
    img = assemble(list(FIRST) + [rec, u("after", "I", 2)])
    return img.data, img.layouts[1].at(part) + index


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _not_ready():
    good = assemble([b("requests", "Q", 5), u("name", "8s", "x")], version=0).data
    return [
        ("empty-file", "a file of zero bytes: a writer has created it but not written it yet", b"", 0),
        ("version-zero", "complete records but the version byte still 0x00 (it is stored last)", good, 0),
        ("all-zero-page", "a page of zeros: the writer has sized the file, nothing more", bytes(PAGE_SIZE), 0),
    ]


def _bad_version():
    recs = [b("requests", "Q", 5)]
    return [(f"version-{v:02x}", f"version byte 0x{v:02x}; the records are otherwise valid",
             assemble(recs, version=v).data, 0) for v in (0x02, 0x80, 0xFF)]


def _truncated_record():
    q = u("cut", "Q", 1)
    two_pages = _cut(q, "type_size", 1, pages=2)
    lone = assemble(end_at(FIRST, PAGE_SIZE - 1), tail=b"\x80").data
    return [
        ("in-label-size", "the file ends one byte into a record's label size (03, not 00)", *_cut(q, "label_size", 1)),
        ("lone-non-zero-last-byte", "the record list ends with one byte 0x80: too short for a label size, not zero",
         lone, PAGE_SIZE - 1),
        ("before-type-size", "the file ends right after a label", *_cut(q, "type_size", 0)),
        ("in-type-size", "the file ends one byte into a type size", *_cut(q, "type_size", 1)),
        ("before-write-buffer", "the file ends right after the type signature", *_cut(q, "write_buffer", 0)),
        ("in-type-size-page-two", "a two-page file ending one byte into a type size", *two_pages),
        ("before-type-size-at-odd-size", "a 4000-byte file ending right after a label: truncated_record and "
         "bad_file_size share offset 4000, and bad_file_size sorts last", *_cut(q, "type_size", 0, end=4000)),
    ]


def _past_eof():
    q, bq = u("cut", "Q", 1), b("cut", "Q", 1, stale=2)
    big = assemble(list(FIRST) + [u("wide", "I", 1), u("after", "I", 2)]).data
    lay = assemble(list(FIRST) + [u("wide", "I", 1)]).layouts[1]
    return [
        ("before-label", "the file ends right after a label size of 3", *_cut(q, "label", 0)),
        ("in-label", "the label needs 3 bytes, 2 are left", *_cut(q, "label", 2)),
        ("label-size-65535", "a label size of 65535 in a 4096-byte file",
         _patched(big, lay.start, b"\xff\xff"), lay.label_at),
        ("before-type", "the file ends right after a type size", *_cut(u("cut", "255s", ""), "type", 0)),
        ("in-type", "type 255s, only '25' fits", *_cut(u("cut", "255s", ""), "type", 2)),
        ("type-size-65535", "a type size of 65535 in a 4096-byte file",
         _patched(big, lay.type_size_at, b"\xff\xff"), lay.type_at),
        ("before-value", "the file ends right after an unbuffered write-buffer byte", *_cut(q, "value", 0)),
        ("in-value", "an unbuffered Q with 3 of its 8 bytes", *_cut(q, "value", 3)),
        ("in-value-0", "a buffered Q with 5 bytes of value[0]", *_cut(bq, "value", 5)),
        ("before-value-1", "a buffered Q with value[0] complete and value[1] missing", *_cut(bq, "value", 8)),
        ("in-value-1", "a buffered Q with 4 bytes of value[1]", *_cut(bq, "value", 12)),
        ("in-string-value", "a 9999s value with 100 bytes left", *_cut(u("s", "9999s", ""), "value", 100)),
        ("in-buffered-string", "a buffered 3000s: value[1] does not fit the page",
         *_cut(b("s", "3000s", "x"), "value", 3500)),
        ("huge-string-type", "type 999999999s in a one-page file: its value cannot fit",
         *_with_defect(_raw(b"big", b"999999999s", UNBUFFERED, b""), "value")),
    ]


_BAD_LABELS = [
    # name, label bytes, index of the first byte of the ill-formed sequence, description
    ("lone-continuation", b"ab\x80cd", 2, "a continuation byte with no lead byte"),
    ("cut-at-label-end", b"ab\xc3", 2, "a two-byte sequence cut by the end of the label"),
    ("cut-mid-label", b"a\xe2\x82b", 1, "a three-byte sequence missing its last byte"),
    ("overlong-nul", b"a\xc0\x80", 1, "the overlong two-byte form of NUL (modified UTF-8)"),
    ("overlong-three-byte", b"\xe0\x80\xaf", 0, "an overlong three-byte form of '/'"),
    ("surrogate", b"x\xed\xa0\x80", 1, "an encoded UTF-16 surrogate (CESU-8)"),
    ("above-10ffff", b"\xf4\x90\x80\x80", 0, "a code point above U+10FFFF"),
    ("byte-ff", b"lab\xff", 3, "the byte 0xff, never in UTF-8"),
    ("byte-fe", b"\xfelab", 0, "the byte 0xfe, never in UTF-8"),
    ("f5-lead", b"\xf5\x80\x80\x80", 0, "lead byte 0xf5, beyond the four-byte range"),
    ("five-byte-form", b"\xf8\x88\x80\x80\x80", 0, "an obsolete five-byte sequence"),
    ("latin-1", b"caf\xe9", 3, "Latin-1 text, not UTF-8"),
]

_BAD_TYPES = [
    # name, type bytes, description, level
    ("lowercase-l", b"l", "'l' (a struct code, but not in the type table)", "required"),
    ("uppercase-l", b"L", "'L' (a struct code, but not in the type table)", "required"),
    ("z-code", b"z", "'z': no such code", "required"),
    ("bare-s", b"s", "'s' without a size", "required"),
    ("leading-zero", b"01s", "'01s': sizes have no leading zeros", "required"),
    ("negative-size", b"-1s", "'-1s': sizes have no sign", "required"),
    ("plus-size", b"+1s", "'+1s': sizes have no sign", "required"),
    ("uppercase-s", b"8S", "'8S': the string code is lowercase", "required"),
    ("non-ascii", "é".encode("utf-8"), "a non-ASCII type signature", "required"),
    ("high-byte", b"\xff", "the byte 0xff as type", "required"),
    ("empty", b"", "a type size of 0", "required"),
    ("leading-space", b" Q", "' Q': no whitespace allowed", "required"),
    ("trailing-space", b"Q ", "'Q ': no whitespace allowed", "required"),
    ("trailing-nul", b"Q\x00", "'Q' followed by a NUL inside the type size", "required"),
    ("two-codes", b"QQ", "'QQ': one code per record", "required"),
    ("struct-char", b"c", "'c' (a struct code, but not in the type table)", "required"),
    ("half-float", b"e", "'e' (binary16 is not in the type table)", "required"),
    ("size-then-junk", b"8sx", "'8sx': junk after the string code", "required"),
    ("hex-size", b"0x10s", "'0x10s': sizes are decimal", "required"),
    ("ten-digit-size", b"1000000000s", "a string size of ten digits, over the limit of nine", "required"),
    ("byte-order-prefix", b"<Q", "'<Q': no byte-order prefixes", "required"),
    ("native-prefix", b"=Q", "'=Q': no byte-order prefixes", "required"),
    ("repeat-count", b"2Q", "'2Q': no repeat counts", "required"),
    ("pointer", b"P", "'P' (a struct code, but not in the type table)", "required"),
]


def _cases():
    for name, desc, data, offset in _not_ready():
        yield InvalidCase("not_ready", name, desc, data, offset)
    for name, desc, data, offset in _bad_version():
        yield InvalidCase("bad_version", name, desc, data, offset)
    for name, desc, data, offset in _truncated_record():
        yield InvalidCase("truncated_record", name, desc, data, offset)
    for name, desc, data, offset in _past_eof():
        yield InvalidCase("past_eof", name, desc, data, offset)
    for name, label, index, desc in _BAD_LABELS:
        data, offset = _with_defect(_raw(label=label), "label", index)
        yield InvalidCase("bad_label_utf8", name, f"label {label!r}: {desc}", data, offset)
    data, offset = _with_defect(_raw(label=b"ab\x80"), "label", 2)
    data = _patched(data, 3, b"\xff")  # FIRST's label "first" -> "\xffirst": the earlier problem wins
    yield InvalidCase("bad_label_utf8", "first-of-two", "two bad labels: the first one is reported", data, 3)
    for name, type, desc, level in _BAD_TYPES:
        data, offset = _with_defect(_raw(type=type), "type")
        yield InvalidCase("unknown_type", name, f"type signature {desc}", data, offset, level)
    for wb in (0x02, 0x03, 0x7F, 0x80, 0xFE):
        data, offset = _with_defect(_raw(wb=wb, area=bytes(16)), "write_buffer")
        yield InvalidCase("bad_write_buffer", f"byte-{wb:02x}", f"write-buffer byte 0x{wb:02x} (allowed: 00, 01, ff)",
                          data, offset)
    yield from _trailing_garbage()
    yield from _bad_file_size()
    big = assemble([u("big", "5000s", "")]).data
    yield InvalidCase("file_too_large", "over-max-size",
                      "an otherwise valid 8192-byte file read with a size limit of 4096 (needs the max_size option)",
                      big, PAGE_SIZE, level="recommended", options={"max_size": PAGE_SIZE})


def _trailing_garbage():
    recs = list(FIRST) + [b("second", "Q", 2)]
    img = assemble(recs)
    end = img.records_end
    hidden, _ = record_bytes(u("hidden", "I", 1), end + 2)
    two = assemble(recs, tail=bytes(PAGE_SIZE)).data
    yield InvalidCase("trailing_garbage", "byte-after-terminator", "a 0x01 right after the zero label size",
                      _patched(img.data, end + 2, b"\x01"), end + 2)
    yield InvalidCase("trailing_garbage", "last-byte", "the file's last byte is 0x01, well after the terminator",
                      _patched(img.data, PAGE_SIZE - 1, b"\x01"), PAGE_SIZE - 1)
    yield InvalidCase("trailing_garbage", "hidden-record", "a whole record after the terminator",
                      _patched(img.data, end + 2, hidden), end + 2)
    yield InvalidCase("trailing_garbage", "on-second-page", "a 0xff on the second page of zero fill",
                      _patched(two, 5000, b"\xff"), 5000)
    empty = assemble([]).data
    yield InvalidCase("trailing_garbage", "after-empty-list", "a file with no fields, then a 0x07 at offset 100",
                      _patched(empty, 100, b"\x07"), 100)


def _bad_file_size():
    page = assemble(list(FIRST) + [b("second", "Q", 2)])
    two = assemble([u("big", "5000s", "")]).data
    rows = [
        ("one-byte-short", "an otherwise valid file of 4095 bytes", page.data[:-1]),
        ("one-byte-long", "an otherwise valid file of 4097 bytes (one more zero)", page.data + b"\0"),
        ("version-byte-only", "a file of one byte, 0x01", page.data[:1]),
        ("no-zero-fill", "records and nothing else: the file ends where the records end",
         page.data[:page.records_end]),
        ("half-page", "an otherwise valid file of 2048 bytes", page.data[:2048]),
        ("two-pages-minus-one", "an otherwise valid file of 8191 bytes", two[:-1]),
    ]
    for name, desc, data in rows:
        yield InvalidCase("bad_file_size", name, desc, data, len(data))


def invalid_cases() -> list[InvalidCase]:
    return list(_cases())
