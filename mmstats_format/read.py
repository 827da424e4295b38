"""Read a whole file once: mmstats_format.read(path)."""
from __future__ import annotations

import os
from typing import NamedTuple

from .decode import field_value
from .errors import FormatError
from .scan import scan

__all__ = ["Field", "DEFAULT_MAX_SIZE", "read", "read_bytes", "decode_bytes"]

# Hostile-input cap: no honest stats file comes near this.
DEFAULT_MAX_SIZE = 256 * 1024 * 1024


class Field(NamedTuple):
    """One field as a reader returns it."""

    label: str
    type: str
    buffered: bool
    value: object


def read_bytes(path, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The file's bytes, read (never mapped) so a truncating writer cannot fault us."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_size:
            raise FormatError("file_too_large", max_size,
                              f"file is {size} bytes, over the limit of {max_size}", os.fspath(path))
        data = f.read(max_size + 1)
    if len(data) > max_size:
        raise FormatError("file_too_large", max_size, f"file grew past the limit of {max_size} while being read",
                          os.fspath(path))
    return data


def decode_bytes(data, path=None) -> list[Field]:
    """Fields of a file held in memory; raises FormatError for the first problem."""
    layouts, errors = scan(data)
    if errors:
        raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
    return [Field(f.label, f.type, f.buffered, field_value(data, f)) for f in layouts]


def read(path, *, max_size: int = DEFAULT_MAX_SIZE) -> list[Field]:
    """Every field of the file at ``path``, in file order.

    Raises FormatError (code, offset, path) for a file that breaks the format,
    OSError when it cannot be read.
    """
    return decode_bytes(read_bytes(path, max_size), path)
