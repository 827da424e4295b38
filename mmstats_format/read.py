"""Read a whole file once: mmstats_format.read(path).

A file with the same non-value bytes as one read before (any file of the same
program: see layout.LayoutCache) is decoded with one precompiled unpack;
others are scanned. decode_scanned() is the reference path the fast
one is tested against (tests/test_perf_paths.py).
"""
from __future__ import annotations

import os
from itertools import repeat
from typing import NamedTuple

from . import _v2
from .decode import field_value
from .errors import FormatError
from .layout import LayoutCache
from .scan import scan

__all__ = ["Field", "DEFAULT_MAX_SIZE", "LAYOUTS", "read", "read_bytes", "decode_bytes", "decode_scanned"]

# Hostile-input cap: no honest stats file comes near this.
DEFAULT_MAX_SIZE = 256 * 1024 * 1024

# Layouts of files read so far, shared by every one-shot read in this process.
LAYOUTS = LayoutCache()


class Field(NamedTuple):
    """One field as a reader returns it."""

    label: str
    type: str
    buffered: bool
    value: object


_new = tuple.__new__  # Field(...) without the Python-level __new__: a third of the cost per field


# One read() of this many bytes takes a whole ordinary stats file (a few pages) with no fstat first.
_FIRST_READ = 1 << 16


def _read_fd(fd, path, max_size: int) -> bytes:
    """All bytes of an open file; os-level calls, no file object (they cost more than the read)."""
    first = min(_FIRST_READ, max_size + 1)
    data = os.read(fd, first)
    if len(data) < first:
        return data  # a short read of a regular file is its end
    size = os.fstat(fd).st_size
    if size > max_size:
        raise FormatError("file_too_large", max_size, f"file is {size} bytes, over the limit of {max_size}",
                          os.fspath(path))
    parts, total = [data], len(data)
    while total <= max_size:
        more = os.read(fd, min(max_size + 1 - total, max(size + 1 - total, 1 << 16)))
        if not more:
            break
        parts.append(more)
        total += len(more)
    if total > max_size:
        raise FormatError("file_too_large", max_size, f"file grew past the limit of {max_size} while being read",
                          os.fspath(path))
    return b"".join(parts)


def _read_path(path, max_size: int) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return _read_fd(fd, path, max_size)
    finally:
        os.close(fd)


def read_bytes(path, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The file's bytes, read (never mapped) so a truncating writer cannot fault us."""
    return _read_path(path, max_size)


def decode_scanned(data, path=None) -> list[Field]:
    """Fields of a file held in memory, through scan() and one value at a time (the reference path)."""
    layouts, errors = scan(data)
    if errors:
        raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
    return [Field(f.label, f.type, f.buffered, field_value(data, f)) for f in layouts]


def _layout_values(data, path):
    """(layout, values) of a file held in memory; raises FormatError for the first problem."""
    if not isinstance(data, (bytes, bytearray)):
        data = memoryview(data).cast("B")
    hit = LAYOUTS.lookup(data)
    if hit is None:
        layouts, errors = scan(data)
        if errors:
            raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
        layout = LAYOUTS.learn(data, layouts)
        hit = layout, layout.checked_values(data)
    return hit


def _fields(layout, values) -> list[Field]:
    labels, types, buffereds = layout.columns
    return list(map(_new, repeat(Field), zip(labels, types, buffereds, values)))


def _decode(data, path) -> list[Field]:
    return _fields(*_layout_values(data, path))


def _settle(fd, data, again, wb_of):
    """The spec's "Reading a buffered value", steps 3 and 4, for whole-file copies: ``again`` was
    made right after ``data``; if a write buffer flipped in between, the newer copy is the one to
    check, against a copy made at once, at most RETRIES times. Returns the copy to decode (copies
    are compared before any is decoded: decoding in between would widen the window)."""
    from .reread import RETRIES
    for n in range(RETRIES):
        if len(again) != len(data) or again == data or wb_of(again) == wb_of(data):
            return data  # nothing flipped while data was copied (or the file shrank: keep data)
        data = again
        if n + 1 < RETRIES:
            again = os.pread(fd, len(data), 0)
    return data  # still flipping: a sample that may be torn (spec: what v1 cannot guarantee)


def decode_bytes(data, path=None) -> list[Field]:
    """Fields of a file held in memory; raises FormatError for the first problem."""
    if data[:1] == b"\x02":  # format version 2 (the lead re-wires this into the version dispatch)
        return _v2.decode(data, path)
    return _decode(data, path)


def read(path, *, max_size: int = DEFAULT_MAX_SIZE, recheck: bool = True) -> list[Field]:
    """Every field of the file at ``path``, in file order.

    Buffered values get the spec's re-check (``recheck``): the file is read a
    second time, and a value whose write buffer flipped during the first copy
    is taken from a newer copy. Raises FormatError (code, offset, path) for a
    file that breaks the format, OSError when it cannot be read.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        data = _read_fd(fd, path, max_size)
        if data[:1] == b"\x02":  # format version 2
            return _v2.read_fd(fd, data, path)
        again = os.pread(fd, len(data), 0) if recheck else None  # at once, before decoding
        layout, values = _layout_values(data, path)
        if again is not None and layout.write_buffers is not None:
            kept = _settle(fd, data, again, layout.write_buffers)
            if kept is not data:
                newer = layout.checked_values(kept)
                if newer is not None:  # else rewritten meanwhile: keep the copy that was checked
                    values = newer
    finally:
        os.close(fd)
    return _fields(layout, values)
