"""Byte offsets of version 1, derived from the schema (agrona style).

Every offset is "offset of the previous field + size of the previous field",
with sizes read off the schema's constructs, so the hot paths cannot drift
from it. tests/test_offsets.py proves them equal to construct's parse and build.
"""
from __future__ import annotations

from .schema import BUFFER_COUNT, LabelSize, TypeSize, Version, WriteBuffer

VERSION_OFFSET = 0
VERSION_SIZE = Version.sizeof()
FIRST_RECORD_OFFSET = VERSION_OFFSET + VERSION_SIZE

# Within a record, relative to its first byte.
LABEL_SIZE_OFFSET = 0
LABEL_SIZE_SIZE = LabelSize.sizeof()
LABEL_SIZE_FORMAT = LabelSize.fmtstr
LABEL_OFFSET = LABEL_SIZE_OFFSET + LABEL_SIZE_SIZE
TYPE_SIZE_SIZE = TypeSize.sizeof()
TYPE_SIZE_FORMAT = TypeSize.fmtstr
WRITE_BUFFER_SIZE = WriteBuffer.sizeof()


def type_size_offset(label_size: int) -> int:
    return LABEL_OFFSET + label_size


def type_offset(label_size: int) -> int:
    return type_size_offset(label_size) + TYPE_SIZE_SIZE


def write_buffer_offset(label_size: int, type_size: int) -> int:
    return type_offset(label_size) + type_size


def value_offset(label_size: int, type_size: int) -> int:
    return write_buffer_offset(label_size, type_size) + WRITE_BUFFER_SIZE


def value_area_size(value_size: int, buffered: bool) -> int:
    return value_size * (BUFFER_COUNT if buffered else 1)


def record_size(label_size: int, type_size: int, value_size: int, buffered: bool) -> int:
    return value_offset(label_size, type_size) + value_area_size(value_size, buffered)


def buffer_offset(first_value_offset: int, value_size: int, index: int) -> int:
    """Offset of value[index] of a buffered record."""
    return first_value_offset + index * value_size


def read_index(write_buffer: int) -> int:
    """The buffer a reader reads: the one the writer is not about to write."""
    return write_buffer ^ 1
