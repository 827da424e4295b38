"""Byte offsets of format version 1, construct-free.

Every offset is "offset of the previous field + size of the previous field",
with the sizes of table.py (generated from the schema's constructs), so the
hot paths cannot drift from it. tests/test_format_offsets.py proves them equal
to construct's parse and build.
"""
from __future__ import annotations

from .table import (BUFFER_COUNT, FIRST_RECORD_OFFSET, LABEL_OFFSET, LABEL_SIZE_FORMAT, LABEL_SIZE_OFFSET,
                       LABEL_SIZE_SIZE, TYPE_SIZE_FORMAT, TYPE_SIZE_SIZE, VERSION_OFFSET, VERSION_SIZE,
                       WRITE_BUFFER_SIZE)

__all__ = [
    "VERSION_OFFSET", "VERSION_SIZE", "FIRST_RECORD_OFFSET", "LABEL_SIZE_OFFSET", "LABEL_SIZE_SIZE",
    "LABEL_SIZE_FORMAT", "LABEL_OFFSET", "TYPE_SIZE_SIZE", "TYPE_SIZE_FORMAT", "WRITE_BUFFER_SIZE",
    "type_size_offset", "type_offset", "write_buffer_offset", "value_offset", "value_area_size",
    "record_size", "buffer_offset", "read_index",
]


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
    """Bytes of a whole record, from its label size to the end of its value area."""
    return value_offset(label_size, type_size) + value_area_size(value_size, buffered)


def buffer_offset(first_value_offset: int, value_size: int, index: int) -> int:
    """Offset of value[index] of a buffered record."""
    return first_value_offset + index * value_size


def read_index(write_buffer: int) -> int:
    """The buffer a reader reads: the one the writer is not about to write."""
    return write_buffer ^ 1
