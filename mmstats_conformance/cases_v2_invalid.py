"""v2/invalid/<code>/<name>: one defect each, with the code and offset of the first problem the walk finds.

Each case is a valid file (model_v2) with one part changed; the offset comes
from where the builder put that part, never from a reader.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace

from mmstats_format import schema_v2 as s

from .model_v2 import Field2, File2, Image2, attrs_bytes, build

__all__ = ["InvalidCase2", "invalid_cases_v2", "BASE"]

H = {sub.name: off for sub, off in zip(s.Header.subcons, [sum(x.sizeof() for x in s.Header.subcons[:i])
                                                           for i in range(len(s.Header.subcons))])}


@dataclass(frozen=True)
class InvalidCase2:
    code: str
    name: str
    description: str
    data: bytes
    offset: int
    level: str = "required"
    options: dict = field(default_factory=dict)
    problems: tuple = ()  # every problem (code, offset) a validator finds, in walk order; () when only one

    @property
    def expect(self) -> dict:
        out = {"code": self.code, "offset": self.offset}
        if self.problems:
            out["problems"] = [{"code": c, "offset": o} for c, o in self.problems]
        return out

    @property
    def id(self) -> str:
        return f"v2/invalid/{self.code}/{self.name}"


BASE = File2(fields=(
    Field2("c", "counter", "u64", unit="1", help="h", attributes=(("k", "v"),), slots=(1,)),
    Field2("g", "gauge", "f64", value=0.5),
    Field2("s", "string", "utf8", value="abc", capacity=8, seq=2),
    Field2("h", "histogram", "f64", bounds=(1.0, 2.0), slots=((1.5, (0, 1, 0), 2),)),
))


def _u32(v) -> bytes:
    return struct.pack("<I", v)


def _u16(v) -> bytes:
    return struct.pack("<H", v)


def _header(name: str, value: int, spec: File2 = BASE) -> tuple[bytes, int]:
    img = build(spec)
    sub = next(x for x in s.Header.subcons if x.name == name)
    raw = value.to_bytes(sub.sizeof(), "little")
    return bytes(img.patch(H[name], raw).data), H[name]


def _one(*fields, **kw) -> Image2:
    return build(File2(fields=tuple(fields), **kw))


def _field(f: Field2, attr: str, **kw) -> tuple[bytes, int]:
    """A file holding ``f`` only; the offset of its entry field ``attr``."""
    img = _one(f, **kw)
    return bytes(img.data), img.entries[0].field(attr)


def _cases():
    good = build(BASE)
    data = bytes(good.data)

    yield "not_ready", "state-creating", "state 0: the writer is still creating the file", *_header("state", 0)
    yield "not_ready", "zero-version-byte", "byte 0 is 00 (a file of zeros)", bytes(4096), 0
    yield "not_ready", "empty-file", "an empty file", b"", 0
    yield "bad_version", "version-3", "a later major version: 03 then MMSTATS", b"\x03" + data[1:], 0
    yield "bad_file_size", "truncated-page", "the file cut one byte short of a page", data[:4095], 4095
    yield "bad_file_size", "header-only", "only the 128 header bytes", data[:128], 128
    yield "bad_file_size", "extra-byte", "one byte more than a page", data + b"\0", 4097
    yield "bad_version", "magic-mmstatz", "byte 0 is 02 but the magic is MMSTATZ: not a version 2 file", \
        data[:7] + b"Z" + data[8:], 0
    yield "bad_version", "magic-mmstatz-cut", "a bad magic in a file cut short of a page: not version 2, so " \
        "bad_version before the size", data[:7] + b"Z" + data[8:4000], 0
    yield "bad_version", "magic-short", "02 then 3 bytes that do not start MMSTATS", b"\x02XYZ", 0
    yield "bad_file_size", "magic-prefix", "02 then the first bytes of MMSTATS: a version 2 file cut short", \
        data[:5], 5
    yield "bad_header_size", "too-small", "header_size 120", *_header("header_size", 120)
    yield "bad_header_size", "misaligned", "header_size 132", *_header("header_size", 132)
    yield "bad_state", "three", "state 3", *_header("state", 3)
    yield "bad_state", "all-ones", "state 0xffffffff", *_header("state", 0xFFFFFFFF)
    yield "bad_count", "entry-fixed-size-small", "entry_fixed_size 24", *_header("entry_fixed_size", 24)
    yield "bad_count", "entry-fixed-size-misaligned", "entry_fixed_size 36", *_header("entry_fixed_size", 36)
    yield "bad_region", "meta-offset-misaligned", "meta_offset 132", *_header("meta_offset", 132)
    yield "bad_region", "meta-offset-in-header", "meta_offset 64, inside the header", *_header("meta_offset", 64)
    yield "bad_region", "meta-capacity-misaligned", "meta_capacity 1020", *_header("meta_capacity", 1020)
    yield "bad_region", "process-overlaps-meta", "process_offset inside the metadata region", \
        *_header("process_offset", good.process_offset - 8)
    yield "bad_region", "process-capacity-misaligned", "process_capacity 100", *_header("process_capacity", 100)
    yield "bad_region", "slots-overlap-process", "slots_offset inside the process area", \
        *_header("slots_offset", good.slots_offset - 8)
    yield "bad_region", "slot-size-misaligned", "slot_size 250", *_header("slot_size", 250)
    yield "bad_region", "no-slots", "slot_count 0", *_header("slot_count", 0)
    yield "bad_region", "slots-past-eof", "the slot array runs past the end of the file", \
        *_header("slot_count", 64)
    yield "bad_count", "slots-used-zero", "slots_used 0", *_header("slots_used", 0)
    yield "bad_count", "slots-used-above-count", "slots_used 5 of 4 slots", *_header("slots_used", 5)

    e0 = good.entries[0]
    yield "bad_entry_size", "zero", "entry_size 0", bytes(build(BASE).patch(e0.start, _u32(0)).data), e0.start
    yield "bad_entry_size", "misaligned", "entry_size not a multiple of 8", \
        bytes(build(BASE).patch(e0.start, _u32(e0.end - e0.start + 4)).data), e0.start
    yield "bad_entry_size", "past-capacity", "the last entry runs past the metadata capacity", \
        bytes(build(BASE).patch(good.entries[3].start, _u32(4096)).data), good.entries[3].start
    over = build(replace(BASE, meta_capacity=good.entries[3].end - good.meta_offset))
    yield "bad_entry_size", "count-past-capacity", "field_count says one entry more than the region holds", \
        bytes(over.patch(H["field_count"], _u32(5)).data), good.entries[3].end
    yield "bad_lengths", "name-size-huge", "name_size runs past entry_size", \
        bytes(build(BASE).patch(e0.field("name_size"), _u16(500)).data), e0.field("name_size")
    yield "bad_lengths", "extra-past-entry", "extra_size runs past entry_size", \
        bytes(build(BASE).patch(e0.field("extra_size"), _u32(64)).data), e0.field("name_size")
    img = _one(Field2("", "counter", "u64", slots=(1,)))
    yield "bad_name", "empty", "name_size 0", bytes(img.data), img.entries[0].field("name_size")

    for what, f, at in (
        ("name", Field2(b"ab\xc3\x28", "counter", "u64"), lambda e: e.name_at + 2),
        ("help", Field2("a", "counter", "u64", help=b"ok\xed\xa0\x80"), lambda e: e.help_at + 2),
        ("attribute-key", Field2("a", "counter", "u64", attributes=attrs_bytes(((b"k\xff", "v"),))),
         lambda e: e.attributes_at + 3),
        ("attribute-value", Field2("a", "counter", "u64", attributes=attrs_bytes((("k", b"\xc0\xaf"),))),
         lambda e: e.attributes_at + 5),
    ):
        img = _one(f)
        yield "bad_utf8", what, f"ill-formed UTF-8 in the {what.replace('-', ' ')}", bytes(img.data), \
            at(img.entries[0])
    img = _one(Field2("later", 200, "u64", value_size=24, help=b"ok\xed\xa0\x80"))
    yield "bad_utf8", "unknown-kind-help", "ill-formed UTF-8 in the help of an entry of an unknown kind: an " \
        "unknown kind skips only the value checks", bytes(img.data), img.entries[0].help_at + 2
    img = _one(Field2("a", "counter", "u64", attributes=attrs_bytes((("k", "1"), ("k", b"\xc0\xaf")))))
    yield "bad_utf8", "repeated-key-bad-value", "a repeated key whose value is ill-formed UTF-8: a pair's text " \
        "is checked before the key is compared", bytes(img.data), img.entries[0].attributes_at + 11
    for name, unit, off in (("space", "k m", 1), ("high-byte", b"m\x80", 1), ("control", b"\x07", 0)):
        img = _one(Field2("a", "gauge", "u64", unit=unit))
        yield "bad_unit", name, f"a unit with a bad byte ({name})", bytes(img.data), img.entries[0].unit_at + off
    img = _one(Field2("a", "gauge", "u64", unit="x" * 64))
    yield "bad_unit", "too-long", "a unit of 64 bytes", bytes(img.data), img.entries[0].field("unit_size")

    pair = attrs_bytes((("k", "v"),))
    for name, raw, off, what in (
        ("empty-key", attrs_bytes((("", "v"),)), 0, "an empty key"),
        ("duplicate-key", attrs_bytes((("k", "1"), ("k", "2"))), 6, "a key that repeats"),
        ("value-past-end", pair[:-1], 0, "a value that runs past attributes_size"),
        ("lone-byte", pair + b"\x01", 6, "one byte left, too short for a key_size"),
    ):
        img = _one(Field2("a", "gauge", "u64", attributes=raw))
        yield "bad_attributes", name, what, bytes(img.data), img.entries[0].attributes_at + off

    for name, f in (("utf8-counter", Field2("a", "counter", "utf8", capacity=8)),
                    ("u64-histogram", Field2("a", "histogram", "u64", bounds=(1.0,), slots=((0, (0, 0), 0),))),
                    ("f64-string", Field2("a", "string", "f64", value=0.0)),
                    ("i64-counter", Field2("a", "counter", "i64", slots=(1,)))):
        yield "bad_value_type", name, f"a {name.replace('-', ' ')}", *_field(f, "value_type")
    for name, f in (("counter-16", Field2("a", "counter", "u64", value_size=16)),
                    ("string-under-16", Field2("a", "string", "utf8", value_size=8)),
                    ("string-misaligned", Field2("a", "string", "utf8", value_size=20)),
                    ("histogram-short", Field2("a", "histogram", "f64", bounds=(1.0,), value_size=24))):
        yield "bad_value_size", name, f"value_size wrong for a {name.split('-')[0]}", *_field(f, "value_size")
    for name, f, kw in (("misaligned", Field2("a", "gauge", "u64", value_offset=4), {}),
                        ("past-process-area", Field2("a", "gauge", "u64", value_offset=512), {}),
                        ("past-slot", Field2("a", "counter", "u64", value_offset=256), {})):
        yield "bad_value_offset", name, f"value offset {name.replace('-', ' ')}", *_field(f, "value_offset", **kw)
    img = _one(Field2("a", "histogram", "f64", bounds=(1.0,), extra=b"\0" * 12, value_size=32, tail=4))
    yield "bad_histogram", "extra-misaligned", "extra_size 12", bytes(img.data), img.entries[0].field("extra_size")
    for name, bounds, bad in (("nan-bound", (1.0, float("nan")), 1), ("infinite-bound", (float("inf"),), 0),
                              ("decreasing", (2.0, 1.0), 1), ("equal", (1.0, 1.0), 1)):
        img = _one(Field2("a", "histogram", "f64", bounds=bounds, slots=((0.0, (0,) * (len(bounds) + 1), 0),)))
        yield "bad_histogram", name, f"bounds: {name.replace('-', ' ')}", bytes(img.data), \
            img.entries[0].extra_at + 8 * bad
    img = _one(Field2("a", "string", "utf8", value="abc", capacity=8, length=9, seq=2))
    yield "bad_string_length", "over-capacity", "length 9 in a capacity of 8", bytes(img.data), \
        img.entries[0].value_at + 8


def _several():
    """Cases with more than one problem: a validator reports them all, in walk order (which may step back)."""
    img = _one(Field2(b"ab\xc3\x28", "counter", "utf8", capacity=8))
    e = img.entries[0]
    yield "bad_utf8", "name-then-value-type", "a bad name, then a value type the kind does not allow: the walk " \
        "steps back to the entry's value_type", bytes(img.data), \
        (("bad_utf8", e.name_at + 2), ("bad_value_type", e.field("value_type")))


def invalid_cases_v2() -> list[InvalidCase2]:
    out = [InvalidCase2(code, name, description, data, offset)
           for code, name, description, data, offset in _cases()]
    out += [InvalidCase2(code, name, description, data, found[0][1], problems=found)
            for code, name, description, data, found in _several()]
    out.append(InvalidCase2("file_too_large", "over-max-size", "a file over the reader's size limit (4096 here)",
                            bytes(build(replace(BASE, slot_count=20)).data), 4096, level="recommended",
                            options={"max_size": 4096}))
    return out
