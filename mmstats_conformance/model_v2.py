"""Version 2 case descriptions, and how one becomes file bytes and the JSON a reader must print.

A case is a File2 (header values and region sizes) holding Field2 descriptions.
Bytes come from the construct schema (mmstats_format.schema_v2); the expected
JSON comes from the descriptions alone -- the values each field was described
with, added up over the slots by the rules of spec/v2.md -- never from a reader.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field, replace

from mmstats_format import schema_v2 as s

from .model import AUTO, Bits

__all__ = ["Field2", "File2", "Image2", "EntryAt", "build", "expected_json", "attrs_bytes", "kind_code",
           "type_code"]

_KIND_BY_NAME = {name: code for code, (name, *_rest) in s.KINDS.items()}
_TYPE_BY_NAME = {name: code for code, (name, *_rest) in s.VALUE_TYPES.items()}
U64 = (1 << 64) - 1


def kind_code(kind) -> int:
    return _KIND_BY_NAME[kind] if isinstance(kind, str) else kind


def type_code(vt) -> int:
    return _TYPE_BY_NAME[vt] if isinstance(vt, str) else vt


@dataclass(frozen=True)
class Field2:
    """One field. ``kind``/``type`` by name (or raw code, for unknown kinds and types).

    Numbers (counter, up-down counter, gauge, numeric constant): ``slots`` holds
    the value of each slot from slot 0 for slotted kinds; ``value`` the single
    value of process kinds. Text (string, utf8 constant): ``value`` (str or raw
    bytes), ``capacity`` bytes, ``seq``, ``length`` (default: the text's size).
    Histogram: ``bounds``, and ``slots`` of (sum, [bucket counts], seq) per slot.
    """

    name: str | bytes
    kind: str | int
    type: str | int
    unit: str | bytes = ""
    help: str | bytes = ""
    attributes: tuple | bytes = ()
    value: object = 0
    slots: tuple = ()
    bounds: tuple = ()
    capacity: int = 0
    seq: int = 0
    length: int | None = None
    expect: object = AUTO
    value_size: int | None = None     # raw override (invalid cases)
    value_offset: int | None = None   # raw override (invalid cases)
    extra: bytes | None = None        # raw override of the extra bytes
    tail: int = 0                     # extra bytes after the entry's known parts (later minors)

    @property
    def kind_name(self):
        row = s.KINDS.get(kind_code(self.kind))
        return row[0] if row else None

    @property
    def type_name(self):
        row = s.VALUE_TYPES.get(type_code(self.type))
        return row[0] if row else None

    @property
    def known(self) -> bool:
        """Whether a reader decodes this entry (kind and value type both known)."""
        return self.kind_name is not None and self.type_name is not None

    @property
    def storage(self) -> str:
        row = s.KINDS.get(kind_code(self.kind))
        return row[1] if row else "process"

    @property
    def text(self) -> bool:
        return type_code(self.type) == s.ValueType.UTF8

    def size(self) -> int:
        if self.value_size is not None:
            return self.value_size
        if kind_code(self.kind) == s.Kind.HISTOGRAM:
            return s.HISTOGRAM_HEADER_SIZE + 8 * (len(self.bounds) + 1)
        if self.text:
            return s.STRING_HEADER_SIZE + self.capacity
        return s.Scalar.sizeof()


@dataclass(frozen=True)
class File2:
    fields: tuple = ()
    state: int = s.State.READY
    minor: int = s.MINOR
    pid: int = 4242
    start_ticks: int = 987654
    created_unix_ns: int = 1764672000000000000
    heartbeat_unix_ns: int = 0
    heartbeat_interval_ms: int = 0
    meta_capacity: int = 1024
    process_capacity: int = 512
    slot_size: int = 256
    slot_count: int = 4
    slots_used: int = 1
    overflow_count: int = 0
    unpublished: tuple = ()   # fields written after the last published one (not counted in field_count)
    header_size: int = s.HEADER_SIZE
    header_extra: bytes = b""     # header bytes after the 128 of minor 0 (a later minor's fields)
    file_size: int | None = None  # default: the regions rounded up to a page


@dataclass(frozen=True)
class EntryAt:
    """Where one entry and its value sit (absolute offsets)."""

    start: int
    name_at: int
    unit_at: int
    help_at: int
    attributes_at: int
    extra_at: int
    end: int
    value_at: int        # the value in the process area, or in slot 0
    slot_stride: int     # 0 for process values

    def field(self, name: str) -> int:
        """Absolute offset of a fixed entry field, e.g. field("value_size")."""
        off = 0
        for x in s.Entry.subcons:
            if x.name == name:
                return self.start + off
            off += x.sizeof()
        raise KeyError(name)


@dataclass
class Image2:
    data: bytearray
    entries: list = field(default_factory=list)
    meta_offset: int = 0
    process_offset: int = 0
    slots_offset: int = 0

    def patch(self, offset: int, raw: bytes) -> "Image2":
        self.data[offset:offset + len(raw)] = raw
        return self


def _b(text) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else bytes(text)


def attrs_bytes(attributes) -> bytes:
    if isinstance(attributes, (bytes, bytearray)):
        return bytes(attributes)
    return b"".join(s.Attribute.build({"key_size": len(_b(k)), "key": _b(k), "value_size": len(_b(v)),
                                       "value": _b(v)}) for k, v in attributes)


def _extra(f: Field2) -> bytes:
    if f.extra is not None:
        return f.extra
    return b"".join(struct.pack("<d", b) for b in f.bounds)


def _entry_bytes(f: Field2, value_offset: int) -> bytes:
    name, unit, help, attrs, extra = _b(f.name), _b(f.unit), _b(f.help), attrs_bytes(f.attributes), _extra(f)
    strings = len(name) + len(unit) + len(help) + len(attrs)
    pad = -(s.ENTRY_FIXED_SIZE + strings) % s.ALIGN
    size = s.ENTRY_FIXED_SIZE + strings + pad + len(extra) + f.tail
    return s.Entry.build({
        "entry_size": size, "kind": kind_code(f.kind), "value_type": type_code(f.type), "flags": 0,
        "value_offset": value_offset, "value_size": f.size(), "name_size": len(name), "unit_size": len(unit),
        "help_size": len(help), "attributes_size": len(attrs), "extra_size": len(extra), "reserved": 0,
        "name": name, "unit": unit, "help": help, "attributes": attrs, "padding": None, "extra": extra,
        "tail": bytes(f.tail)})


def _number(f: Field2, v) -> bytes:
    if isinstance(v, Bits):
        return v.raw
    vt = type_code(f.type)
    if vt == s.ValueType.F64:
        return struct.pack("<d", float(v))
    if vt == s.ValueType.I64:
        return struct.pack("<q", v)
    return struct.pack("<Q", v)


def _string(f: Field2) -> bytes:
    raw = _b(f.value)
    if len(raw) > f.capacity:
        raise ValueError(f"{f.name!r}: {len(raw)} bytes do not fit capacity {f.capacity}")
    length = len(raw) if f.length is None else f.length
    return s.StringValue.build({"seq": f.seq, "length": length, "reserved": 0,
                                "text": raw + bytes(f.capacity - len(raw))}, capacity=f.capacity)


def _histogram(f: Field2, slot) -> bytes:
    total, buckets, seq = slot
    return s.HistogramValue.build({"seq": seq, "sum": total, "buckets": list(buckets)},
                                  bucket_count=len(f.bounds) + 1)


def _values(f: Field2) -> list[bytes]:
    """The value bytes of each copy: [process value] or [slot 0, slot 1, ...]."""
    if kind_code(f.kind) == s.Kind.HISTOGRAM and f.known:
        return [_histogram(f, slot) for slot in f.slots]
    if f.text:
        return [_string(f)]
    if f.storage == "slots" and f.known:
        return [_number(f, v) for v in f.slots]
    if not f.known:
        return [bytes(f.size())]
    return [_number(f, f.value)]


def build(spec: File2) -> Image2:
    """The file bytes of ``spec`` (construct builds every part) and where each entry sits."""
    meta_offset = s.HEADER_SIZE if spec.header_size == s.HEADER_SIZE else _round8(spec.header_size)
    process_offset = meta_offset + spec.meta_capacity
    slots_offset = process_offset + spec.process_capacity
    end = slots_offset + spec.slot_size * spec.slot_count
    size = spec.file_size if spec.file_size is not None else end + (-end % s.PAGE_SIZE)
    out = bytearray(max(size, end))
    img = Image2(out, [], meta_offset, process_offset, slots_offset)
    meta, proc, slot = meta_offset, 0, 0
    for f in spec.fields + spec.unpublished:
        slotted = f.storage == "slots"
        offset = f.value_offset if f.value_offset is not None else (slot if slotted else proc)
        raw = _entry_bytes(f, offset)
        out[meta:meta + len(raw)] = raw
        name, unit, help, attrs = (len(_b(f.name)), len(_b(f.unit)), len(_b(f.help)),
                                   len(attrs_bytes(f.attributes)))
        name_at = meta + s.ENTRY_FIXED_SIZE
        extra_at = meta + len(raw) - len(_extra(f)) - f.tail
        value_at = (slots_offset if slotted else process_offset) + offset
        img.entries.append(EntryAt(meta, name_at, name_at + name, name_at + name + unit,
                                   name_at + name + unit + help, extra_at, meta + len(raw), value_at,
                                   spec.slot_size if slotted else 0))
        for k, v in enumerate(_values(f)):
            at = value_at + k * (spec.slot_size if slotted else 0)
            out[at:at + len(v)] = v
        meta += len(raw)
        if f.value_offset is None:
            if slotted:
                slot += _round8(f.size())
            else:
                proc += _round8(f.size())
    header = s.Header.build({
        "minor": spec.minor, "header_size": spec.header_size, "state": spec.state, "pid": spec.pid,
        "start_ticks": spec.start_ticks, "created_unix_ns": spec.created_unix_ns,
        "heartbeat_unix_ns": spec.heartbeat_unix_ns, "heartbeat_interval_ms": spec.heartbeat_interval_ms,
        "entry_fixed_size": s.ENTRY_FIXED_SIZE, "flags": 0, "meta_offset": meta_offset,
        "meta_capacity": spec.meta_capacity, "process_offset": process_offset,
        "process_capacity": spec.process_capacity, "slots_offset": slots_offset, "slot_size": spec.slot_size,
        "slot_count": spec.slot_count, "slots_used": spec.slots_used, "field_count": len(spec.fields),
        "overflow_count": spec.overflow_count})
    out[:len(header)] = header
    out[len(header):len(header) + len(spec.header_extra)] = spec.header_extra
    img.data = out[:size]
    return img


def _round8(n: int) -> int:
    return n + (-n % s.ALIGN)


# ---------------------------------------------------------------- expected JSON

def _json_float(v: float):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _as_float(v) -> float:
    return struct.unpack("<d", v.raw)[0] if isinstance(v, Bits) else float(v)


def _add(f: Field2, values):
    """The slots added up as spec/v2.md says: integers modulo 2^64, floats in slot order."""
    vt = type_code(f.type)
    if vt == s.ValueType.F64:
        total = _as_float(values[0])
        for v in values[1:]:
            total += _as_float(v)
        return total
    total = sum(values) & U64
    return total - (1 << 64) if vt == s.ValueType.I64 and total >> 63 else total


def _expected_value(f: Field2, slots_used: int):
    if f.expect is not AUTO:
        return f.expect
    kind = kind_code(f.kind)
    missing = max(0, slots_used - len(f.slots))  # slots the description leaves out hold zeros
    if kind == s.Kind.HISTOGRAM:
        used = list(f.slots[:slots_used]) + [(0.0, [0] * (len(f.bounds) + 1), 0)] * missing
        if any(seq % 2 for _, _, seq in used):
            return None
        sums = [total for total, _, _ in used]
        counts = [sum(col) for col in zip(*(b for _, b, _ in used))] if used else [0] * (len(f.bounds) + 1)
        running, buckets = 0, []
        for bound, n in zip(list(f.bounds) + [math.inf], counts):
            running += n
            buckets.append({"le": _json_float(bound), "count": running})
        total = sums[0] if sums else 0.0
        for x in sums[1:]:
            total += x
        return {"count": running, "sum": _json_float(total), "buckets": buckets}
    if f.text:
        if f.seq % 2:
            return None
        return _b(f.value)[:f.length if f.length is not None else None].decode("utf-8", "replace")
    if f.storage == "slots":
        v = _add(f, list(f.slots[:slots_used]) + [0] * missing)
    else:
        v = f.value
    if isinstance(v, Bits):
        return v.expect
    return _json_float(v) if type_code(f.type) == s.ValueType.F64 else v


def expected_json(path: str, spec: File2) -> dict:
    fields = []
    for f in spec.fields:
        if not f.known:
            continue  # readers skip kinds and value types they do not know
        attrs = f.attributes if not isinstance(f.attributes, (bytes, bytearray)) else ()
        fields.append({"label": f.name, "kind": f.kind_name, "type": f.type_name, "unit": f.unit, "help": f.help,
                       "attributes": {k: v for k, v in attrs}, "value": _expected_value(f, spec.slots_used)})
    return {
        "path": path, "format_version": s.FORMAT_VERSION, "minor": spec.minor,
        "state": s.STATES[spec.state][0], "pid": spec.pid, "start_ticks": spec.start_ticks,
        "created_unix_ns": spec.created_unix_ns, "heartbeat_unix_ns": spec.heartbeat_unix_ns,
        "heartbeat_interval_ms": spec.heartbeat_interval_ms, "overflow_count": spec.overflow_count,
        "fields": fields,
    }


def with_fields(spec: File2, *fields) -> File2:
    return replace(spec, fields=tuple(fields))
