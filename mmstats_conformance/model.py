"""Case descriptions, and how one becomes file bytes and the JSON a reader must print.

A case is a list of records (Rec). Bytes come from the construct schema
(mmstats_format.schema.Record); the expected JSON comes from the description
alone -- the value each record was described with -- never from a reader.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field

from mmstats_format.schema import (
    BUFFER_COUNT, FORMAT_VERSION, PAGE_SIZE, UNBUFFERED, LabelSize, Record, TypeSize, Version, WriteBuffer,
)
from mmstats_format.v1.types import lookup

__all__ = [
    "AUTO", "Bits", "Rec", "Layout", "Image", "f32", "f64", "u", "b", "pad", "end_at", "assemble", "record_bytes",
    "expected_value", "expected_json", "json_text", "record_size",
]


class _Auto:
    def __repr__(self):
        return "AUTO"


AUTO = _Auto()  # "derive the expected value from the stored one"

NAN, INF, NINF = "NaN", "Infinity", "-Infinity"


@dataclass(frozen=True)
class Bits:
    """A value given by its exact stored bytes, with what a reader must return for it."""

    raw: bytes
    expect: object


def f32(bits: int, expect) -> Bits:
    return Bits(bits.to_bytes(4, "little"), expect)


def f64(bits: int, expect) -> Bits:
    return Bits(bits.to_bytes(8, "little"), expect)


@dataclass(frozen=True)
class Rec:
    """One record. ``values`` holds one stored value, or two (value[0], value[1]) when buffered.

    Stored values: int for integer types; bool or the raw byte (int) for "?";
    float or Bits for f/d; str (UTF-8, NUL-padded) or bytes (NUL-padded) for "<N>s".
    A record whose label or type is bytes, or whose write buffer is not 0/1/0xff,
    is raw: ``values`` is then a single bytes object, the whole value area.
    """

    label: str | bytes
    type: str | bytes
    write_buffer: int
    values: tuple
    expect: object = AUTO

    @property
    def buffered(self) -> bool:
        return self.write_buffer != UNBUFFERED

    @property
    def raw(self) -> bool:
        return (not isinstance(self.label, str) or not isinstance(self.type, str)
                or self.write_buffer not in (0, 1, UNBUFFERED) or lookup(self.type) is None)


def u(label, type, value, expect=AUTO) -> Rec:
    """An unbuffered record."""
    return Rec(label, type, UNBUFFERED, (value,), expect)


def b(label, type, read, stale=None, wb=1, expect=AUTO) -> Rec:
    """A buffered record whose reader-visible buffer (value[wb ^ 1]) holds ``read``.

    The writer's buffer value[wb] holds ``stale`` (zero of the type by default).
    """
    if stale is None:
        stale = _zero(type)
    values = [None, None]
    values[wb ^ 1], values[wb] = read, stale
    return Rec(label, type, wb, tuple(values), expect)


def _zero(type):
    kind = lookup(type).kind
    return b"" if kind == "string" else 0.0 if kind == "float" else 0


def record_size(label: str | bytes, type: str | bytes, buffered: bool) -> int:
    """Bytes one record occupies, from the schema's field sizes."""
    lb = label.encode("utf-8") if isinstance(label, str) else label
    tb = type.encode("ascii") if isinstance(type, str) else type
    spec = lookup(tb.decode("ascii"))
    n = spec.size * (BUFFER_COUNT if buffered else 1)
    return LabelSize.sizeof() + len(lb) + TypeSize.sizeof() + len(tb) + WriteBuffer.sizeof() + n


def pad(size: int, label: str = "pad", fill: str = "") -> Rec:
    """An unbuffered string record of exactly ``size`` bytes (used to place the next record)."""
    for lab in (label, label + "_", label + "__"):
        for digits in range(1, 10):
            n = size - record_size(lab, "0s", False) + 1 - digits
            if n >= 0 and len(str(n)) == digits:
                text = (fill * n)[:n] if fill else ""
                return u(lab, f"{n}s", text)
    raise ValueError(f"no padding record of exactly {size} bytes")


def end_at(recs, end: int, label: str = "pad") -> list[Rec]:
    """``recs`` followed by a padding record, so that the records end exactly at offset ``end``."""
    used = assemble(recs, fill=False).records_end
    return list(recs) + [pad(end - used, label)]


# ---------------------------------------------------------------- bytes

@dataclass(frozen=True)
class Layout:
    """Where the parts of one record sit in its file (absolute offsets)."""

    start: int
    label_at: int
    type_size_at: int
    type_at: int
    write_buffer_at: int
    value_at: int
    end: int
    value_size: int

    def at(self, part: str) -> int:
        """Offset of a named part: label_size, label, type_size, type, write_buffer, value, value[0], value[1]."""
        if part == "label_size":
            return self.start
        if part.startswith("value[") and part.endswith("]"):
            return self.value_at + int(part[6:-1]) * self.value_size
        return getattr(self, f"{part}_at")


@dataclass
class Image:
    data: bytes
    layouts: list[Layout] = field(default_factory=list)

    @property
    def records_end(self) -> int:
        return self.layouts[-1].end if self.layouts else Version.sizeof()


def _stored(spec, v):
    """The value handed to construct (Bits get a zero placeholder, patched afterwards)."""
    if isinstance(v, Bits):
        return 0.0 if spec.kind == "float" else bytes(spec.size)
    if spec.kind == "string":
        raw = v.encode("utf-8") if isinstance(v, str) else bytes(v)
        if len(raw) > spec.size:
            raise ValueError(f"{len(raw)} bytes do not fit {spec.code}")
        return raw + bytes(spec.size - len(raw))
    if spec.kind == "bool":
        return int(v)
    if spec.kind == "float":
        v = float(v)
        if spec.code == "f" and not math.isnan(v) and struct.unpack("<f", struct.pack("<f", v))[0] != v:
            raise ValueError(f"{v!r} is not exact in binary32; give it as f32(bits, expect)")
        return v
    lo, hi = spec.bounds
    if not lo <= v <= hi:
        raise ValueError(f"{v} out of range for {spec.code}")
    return v


def record_bytes(rec: Rec, start: int) -> tuple[bytes, Layout]:
    lb = rec.label.encode("utf-8") if isinstance(rec.label, str) else bytes(rec.label)
    tb = rec.type.encode("ascii") if isinstance(rec.type, str) else bytes(rec.type)
    label_at = start + LabelSize.sizeof()
    type_size_at = label_at + len(lb)
    type_at = type_size_at + TypeSize.sizeof()
    wb_at = type_at + len(tb)
    value_at = wb_at + WriteBuffer.sizeof()
    if rec.raw:
        (area,) = rec.values
        data = LabelSize.build(len(lb)) + lb + TypeSize.build(len(tb)) + tb + WriteBuffer.build(rec.write_buffer) + area
        return data, Layout(start, label_at, type_size_at, type_at, wb_at, value_at, start + len(data), 0)
    spec = lookup(rec.type)
    if len(rec.values) != (BUFFER_COUNT if rec.buffered else 1):
        raise ValueError(f"{rec.label!r}: {len(rec.values)} values for write buffer {rec.write_buffer}")
    stored = [_stored(spec, v) for v in rec.values]
    data = bytearray(Record.build({"label": rec.label, "type": rec.type, "write_buffer": rec.write_buffer,
                                   "value": stored if rec.buffered else stored[0]}))
    for i, v in enumerate(rec.values):
        if isinstance(v, Bits):
            if len(v.raw) != spec.size:
                raise ValueError(f"{rec.label!r}: {len(v.raw)} bytes for a {spec.code} value")
            at = value_at - start + i * spec.size
            data[at:at + spec.size] = v.raw
    return bytes(data), Layout(start, label_at, type_size_at, type_at, wb_at, value_at, start + len(data), spec.size)


def assemble(recs, *, version: int = FORMAT_VERSION, fill: bool = True, tail: bytes = b"") -> Image:
    """Version byte, the records back to back, ``tail``, then zero fill to a page multiple."""
    out = bytearray(Version.build(version))
    layouts = []
    for rec in recs:
        data, lay = record_bytes(rec, len(out))
        out += data
        layouts.append(lay)
    out += tail
    if fill:
        out += bytes(-len(out) % PAGE_SIZE)
    return Image(bytes(out), layouts)


# ---------------------------------------------------------------- expected JSON

def _json_float(v: float):
    if math.isnan(v):
        return NAN
    if math.isinf(v):
        return INF if v > 0 else NINF
    return v


def expected_value(rec: Rec):
    """What a reader returns for ``rec``, in canonical JSON form, from the description alone."""
    v = rec.values[rec.write_buffer ^ 1] if rec.buffered else rec.values[0]
    if rec.expect is not AUTO:
        return rec.expect
    if isinstance(v, Bits):
        return v.expect
    spec = lookup(rec.type)
    if spec.kind == "int":
        return v
    if spec.kind == "bool":
        return v != 0
    if spec.kind == "float":
        return _json_float(float(v))
    if isinstance(v, str):
        if "\0" in v:
            raise ValueError(f"{rec.label!r}: text with NUL needs an explicit expect")
        return v
    return bytes(v).split(b"\0", 1)[0].decode("utf-8")  # strict: ill-formed bytes need an explicit expect


def expected_json(path: str, recs) -> dict:
    return {
        "path": path,
        "format_version": FORMAT_VERSION,
        "fields": [{"label": r.label, "type": r.type, "buffered": r.buffered, "value": expected_value(r)}
                   for r in recs],
    }


def json_text(obj) -> str:
    """Stable JSON text of corpus files: sorted nowhere (order is meaning), indented, UTF-8."""
    return json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
