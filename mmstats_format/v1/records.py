"""The record list of a version 1 file: one pass finds every field's layout and every problem,
each with its code and offset, with the schema's offsets and without construct."""
from __future__ import annotations

import struct
from typing import NamedTuple

from ..accel import records
from ..errors import FormatError, excerpt
from . import offsets as o
from .table import BUFFER_COUNT, UNBUFFERED
from .types import TypeSpec, lookup

__all__ = ["Field", "FieldLayout", "scan"]

_label_size = struct.Struct(o.LABEL_SIZE_FORMAT).unpack_from
_type_size = struct.Struct(o.TYPE_SIZE_FORMAT).unpack_from


class Field(NamedTuple):
    """One field as a reader returns it."""

    label: str
    type: str
    buffered: bool
    value: object


Field = records(Field)


class FieldLayout(NamedTuple):
    """Where one field lives in its file (a tuple: cheap to make for thousands of files)."""

    label: str
    type: str
    buffered: bool
    spec: TypeSpec           # the type table's row
    offset: int               # first byte of the record
    write_buffer_offset: int
    value_offset: int         # first byte of value (value[0] when buffered)

    @property
    def end(self) -> int:
        return self.value_offset + o.value_area_size(self.spec.size, self.buffered)


class _Stop(Exception):
    """A problem after which the record list cannot be followed."""


def scan(data) -> tuple[list[FieldLayout], list[FormatError]]:
    """Layouts of all fields that could be found, and every problem after the version byte.
    ``data`` is a bytes-like object of at least one byte whose version byte is FORMAT_VERSION."""
    fields: list[FieldLayout] = []
    errors: list[FormatError] = []
    try:
        _walk(data, len(data), fields, errors)
    except _Stop:
        pass
    return fields, errors


def _walk(data, size, fields, errors):
    # Each offset is the previous field's offset plus its size (offsets.py; tests prove the two agree).
    pos = o.FIRST_RECORD_OFFSET
    while True:
        left = size - pos
        if left < o.LABEL_SIZE_SIZE:
            if left and data[pos]:
                _stop(errors, "truncated_record", pos, f"record label size cut by end of file: {left} of {o.LABEL_SIZE_SIZE} bytes")
            return
        (label_size,) = _label_size(data, pos)
        if label_size == 0:
            _check_zero_fill(data, pos, size, errors)
            return
        label_off = pos + o.LABEL_OFFSET
        if label_off + label_size > size:
            _need(errors, label_off, label_size, size, "label")
        raw = bytes(data[label_off:label_off + label_size])
        try:
            label = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            errors.append(FormatError("bad_label_utf8", label_off + e.start,
                                      f"label byte 0x{raw[e.start]:02x} is not well-formed UTF-8 ({e.reason})"))
            label = raw.decode("utf-8", "replace")
        ts_off = label_off + label_size
        if ts_off + o.TYPE_SIZE_SIZE > size:
            _stop(errors, "truncated_record", ts_off,
                  f"type size of {excerpt(label)} cut by end of file: {size - ts_off} of {o.TYPE_SIZE_SIZE} bytes")
        (type_size,) = _type_size(data, ts_off)
        t_off = ts_off + o.TYPE_SIZE_SIZE
        if t_off + type_size > size:
            _need(errors, t_off, type_size, size, f"type of {excerpt(label)}")
        raw_type = bytes(data[t_off:t_off + type_size])
        spec = lookup(raw_type.decode("ascii")) if raw_type.isascii() else None
        if spec is None:
            _stop(errors, "unknown_type", t_off,
                  f"type signature {excerpt(raw_type)} of {excerpt(label)} is not in the type table")
        wb_off = t_off + type_size
        if wb_off >= size:
            _stop(errors, "truncated_record", wb_off, f"write buffer of {excerpt(label)} cut by end of file")
        wb = data[wb_off]
        if wb == UNBUFFERED:
            buffered, area = False, spec.size
        elif wb <= 1:
            buffered, area = True, spec.size * BUFFER_COUNT
        else:
            _stop(errors, "bad_write_buffer", wb_off,
                  f"write buffer of {excerpt(label)} is 0x{wb:02x}; allowed: 0x00, 0x01, 0xff")
        v_off = wb_off + o.WRITE_BUFFER_SIZE
        if v_off + area > size:
            _need(errors, v_off, area, size,
                  f"value of {excerpt(label)} ({spec.code}, {'2 buffers' if buffered else '1 value'})")
        fields.append(FieldLayout(label, spec.code, buffered, spec, pos, wb_off, v_off))
        pos = v_off + area


def _need(errors, offset, length, size, what):
    if offset + length > size:
        _stop(errors, "past_eof", offset,
              f"{what} needs {length} bytes, {max(size - offset, 0)} left before the end of the file")


def _stop(errors, code, offset, message):
    errors.append(FormatError(code, offset, message))
    raise _Stop


def _check_zero_fill(data, pos, size, errors):
    rest = bytes(data[pos:])
    nonzero = len(rest) - len(rest.lstrip(b"\0"))
    if nonzero < len(rest):
        off = pos + nonzero
        errors.append(FormatError("trailing_garbage", off,
                                  f"byte 0x{rest[nonzero]:02x} in the zero fill (the record list ended at {pos})"))
