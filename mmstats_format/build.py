"""Build file images from a description, through the construct schema.

A description is a list of records, each a mapping with ``label``, ``type``,
``value`` and either ``write_buffer`` (0, 1 or 0xff) or ``buffered``:
- unbuffered: ``value`` is the one value;
- buffered: ``value`` is ``[value0, value1]``, or a single value which then
  goes to the buffer readers read (and the other buffer stays zero).
String values may be bytes of exactly N, or text that is encoded and NUL-padded.
Used by the Python writer for a new file's image and by the corpus generator.
"""
from __future__ import annotations

from .schema import File, UNBUFFERED
from .v1 import offsets as o
from .v1.types import lookup

__all__ = ["build_file", "record", "encode_string"]


def encode_string(text, size: int, *, strict: bool = True) -> bytes:
    """``text`` as exactly ``size`` bytes: UTF-8, NUL-padded.

    Longer text is an error when ``strict``; otherwise it is cut on a UTF-8
    character boundary (raw bytes are cut blindly).
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(raw) > size:
        if strict:
            raise ValueError(f"{len(raw)} bytes do not fit a {size}s value")
        raw = raw[:size]
        if isinstance(text, str):
            raw = raw.decode("utf-8", "ignore").encode("utf-8")
    return raw + bytes(size - len(raw))


def _stored(spec, v):
    if spec.kind == "string":
        return encode_string(v, spec.size)
    if spec.kind == "bool":
        return 1 if v is True else 0 if v is False else int(v)
    if spec.kind == "float":
        return float(v)
    return int(v)


def record(label: str, type: str, value, *, buffered: bool | None = None, write_buffer: int | None = None) -> dict:
    """One record of a description, normalised for File.build."""
    spec = lookup(type)
    if spec is None:
        raise ValueError(f"unknown type signature {type!r}")
    if write_buffer is None:
        write_buffer = 0 if (buffered if buffered is not None else isinstance(value, (list, tuple))) else UNBUFFERED
    if write_buffer == UNBUFFERED:
        stored = _stored(spec, value)
    else:
        if isinstance(value, (list, tuple)):
            stored = [_stored(spec, v) for v in value]
        else:
            zero = _stored(spec, "" if spec.kind == "string" else 0)
            stored = [zero, zero]
            stored[o.read_index(write_buffer)] = _stored(spec, value)
    return {"label": label, "type": type, "write_buffer": write_buffer, "value": stored}


def build_file(records) -> bytes:
    """The bytes of a version 1 file: version, the records, zero fill to a page multiple."""
    normal = [record(r["label"], r["type"], r["value"], buffered=r.get("buffered"),
                     write_buffer=r.get("write_buffer")) for r in records]
    return File.build({"records": normal})
