"""Read a whole file once: mmstats_format.read(path).

A file with the same non-value bytes as one read before (any file of the same
program: see cache.LayoutCache) is decoded with one precompiled unpack;
others are scanned. decode_scanned() is version 1's reference path the fast
one is tested against (tests/test_perf_paths.py); version 2's is v2.decode().
"""
from __future__ import annotations

import os
from functools import partial

from ._fileio import DEFAULT_MAX_SIZE, open_and_copy, read_bytes
from .cache import LAYOUTS
from .v1.decode import field_value
from .scan import ONE_COPY, scan
from .reread import _scratch
from .settle import RETRIES, alternating, settle
from .v1 import Field

__all__ = ["Field", "DEFAULT_MAX_SIZE", "read", "read_bytes", "decode_bytes", "decode_scanned"]


def decode_scanned(data, path=None) -> list[Field]:
    """Fields of a version 1 file held in memory, through scan() and one value at a time (the reference path)."""
    layouts, errors = scan(data)
    if errors:
        raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
    return [Field(f.label, f.type, f.buffered, field_value(data, f)) for f in layouts]


def decode_bytes(data, path=None) -> list[Field]:
    """Fields of a file held in memory; raises FormatError for the first problem."""
    if not isinstance(data, (bytes, bytearray)):
        data = memoryview(data).cast("B")
    return LAYOUTS.find(data, path, fields=True)[1]


def _preads(fd, size, first):
    """``first`` (None: a copy made now), then fresh copies of the file (None when one comes back
    another size)."""
    again = os.pread(fd, size, 0) if first is None else first
    while True:
        yield again if len(again) == size else None
        again = os.pread(fd, size, 0)


def _read_used(fd, size: int, recheck: bool):
    """The fields of the open file of ``size`` bytes when a known layout of that size copies only the
    bytes it uses (version 2's copy_used) and the copy has its skeleton; else None (the caller reads
    the whole file)."""
    for layout in LAYOUTS.sized(size):
        copy_used = getattr(layout, "copy_used", None)
        if copy_used is None:
            continue
        buf, spare = _scratch(size + 1)  # one byte more: copy_used sees a file grown since fstat
        if not copy_used(fd, buf):
            return None
        if recheck and layout.has_sequenced:
            settled = layout.sequenced(fd, buf, alternating(buf, spare, partial(copy_used, fd)), size)
            fields = None if settled is None else layout.fields_of(settled[0])
        else:
            fields = layout.checked_fields(buf, size)
        if fields is not None:
            return fields
    return None


def read(path, *, max_size: int = DEFAULT_MAX_SIZE, recheck: bool = True) -> list[Field]:
    """Every field of the file at ``path``, in file order.

    ``recheck``: the version's reader protocol on copies -- version 1: the file is
    read a second time, and a value whose write buffer flipped during the first
    copy is taken from a newer copy; version 2: sequence-locked values are checked
    across three copies and retried alone (spec/v2.md). Raises FormatError (code, offset, path) for a
    file that breaks the format, OSError when it cannot be read.
    """
    got = open_and_copy(path, max_size, recheck, LAYOUTS.plans, RETRIES, ONE_COPY,
                        lambda fd, size: _read_used(fd, size, recheck))
    if got.__class__ is not tuple:
        return got  # a known layout: the compiled path did it all (the re-check below included)
    fd, data, second = got  # the second copy at once, before any decode
    try:
        layout, fields = LAYOUTS.find(data, path, fields=True)
        if recheck and layout.has_sequenced:
            settled = layout.sequenced(fd, data, _preads(fd, len(data), second))
            if settled is not None:
                fields = layout.fields_of(settled[0])
        elif recheck and layout.write_buffers is not None and second != data:  # equal: settle() keeps data
            kept = settle(data, _preads(fd, len(data), second), layout.write_buffers)
            if kept is not data:
                newer = layout.checked_fields(kept)
                if newer is not None:  # else rewritten meanwhile: keep the copy that was checked
                    fields = newer
    finally:
        os.close(fd)
    return fields
