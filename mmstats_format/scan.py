"""Dispatch on the version byte: every reader finds a file's fields through ``scan`` here.

A format version is one module (``mmstats_format.v1``, ``mmstats_format.v2``)
and one entry in VERSIONS. ``scan`` handles what holds for every version (an empty
file or a version byte of 0x00 is ``not_ready``; an unknown version byte is
``bad_version``; the file size is a positive multiple of PAGE_SIZE -- a version
whose walk checks the size itself sets SELF_CHECKED) and hands the rest to the
version's module.

The interface a version module provides (``mmstats_format/v1/__init__.py`` is the
reference):

``VERSION: int``
    Its version byte (offset 0).
``scan(data) -> (fields, errors)``
    ``data``: the whole file (bytes, bytearray or a byte memoryview), at least one
    byte, ``data[0] == VERSION``. ``fields``: one description per field in file
    order, each with at least ``label`` (str), ``type`` (str) and ``buffered``
    (bool), plus whatever the version's layout needs (offsets, kind, unit, help,
    attributes, thread slots...). ``errors``: every problem found after the
    version byte, as FormatError with a code from errors.CODES and its byte
    offset, unsorted (``scan`` sorts). A file with no error must be readable.
    A file a writer is still creating (a lifecycle state of "being created") is
    reported as ``not_ready``.
``SELF_CHECKED: bool`` (optional, default False)
    True: ``scan`` checks the file size itself and returns its problems in the
    order its spec's walk finds them (``scan`` here neither adds nor sorts).
``ONE_COPY: bool`` (optional, default False)
    True: a one-shot read starts from one copy (no write buffers to re-check against a
    second copy made at once; sequence-locked values take their own copies).
``compile_layout(fields, data) -> layout``
    Called once per distinct file skeleton with ``scan``'s fields of an error-free
    ``data``; the result is cached and shared across files and threads
    (cache.LayoutCache), so it must not be mutated after it is made. It has:
    ``fields`` (the list given); ``file_size`` (int); ``skeleton`` (hashable,
    equal for two files whose layouts are interchangeable);
    ``checked_values(buf, size=None) -> list | None``: the values of every field of
    ``buf[:size]`` if it still has this layout's skeleton, else None (the caller
    scans again: fields appended at run time, a file rewritten in place). Values
    are what readers return: per-thread slots already summed, a histogram as one
    object; ``write_buffers``: None, or ``key(buf)``, the bytes a writer changes
    while a value is in flux (v1: the write-buffer bytes; a sequence-lock counter
    in a version that has one): settle.settle() re-copies the file while the key
    changes between copies; ``fields_of(values) -> list``: the reader's records
    (``Field`` tuples) for ``values``; a list with a ``header`` dict (version 2)
    adds those keys to the canonical form's top level;
    ``checked_fields(buf, size=None) -> list | None``: ``fields_of(checked_values(...))``
    in one step (the compiled decode makes the records without the values list).
    Optional, for a version with sequence-locked values and fields added at run time
    (version 2; absent or None otherwise):
    ``has_sequenced: bool``: some value is behind a sequence lock, so a reader follows
    ``sequenced`` (else ``checked_values`` of one copy is the answer).
    ``sequenced(fd, first, copies, size=None) -> (values, copy) | None``: the
    values by the version's reader protocol on copies -- ``first`` is a copy
    just made, ``copies`` yields the next whole copies (None: another size),
    ``fd`` serves reads of one value alone; None when ``first`` does not have
    this layout's skeleton. ``extended(buf, size=None) -> layout | None``: the
    layout of ``buf`` when it is this layout's file with entries appended since
    (only those are parsed), else None.
``Field``
    The record type ``fields_of`` returns (``label``, ``type``, ``buffered``,
    ``value``; a version may add keys such as ``kind``, ``unit``, ``help``,
    ``attributes`` after these four).
``canonical_field(field) -> dict``
    One field of the canonical JSON form (canonical.to_canonical), at least
    ``label`` and ``value``.
``diff(want, got, limit) -> list[str]`` (optional)
    A version whose canonical form compares differently from version 1's.
"""
from __future__ import annotations

from . import v1, v2
from .errors import FormatError
from .v1 import FieldLayout

__all__ = ["VERSIONS", "ONE_COPY", "PAGE_SIZE", "FieldLayout", "scan"]

# version byte -> the module that reads that version
VERSIONS = {v1.VERSION: v1, v2.VERSION: v2}

# version bytes of the versions whose one-shot read starts from one copy
ONE_COPY = bytes(v for v, module in VERSIONS.items() if getattr(module, "ONE_COPY", False))

# Every version's files are whole pages.
PAGE_SIZE = v1.PAGE_SIZE


def scan(data) -> tuple[list, list[FormatError]]:
    """Layouts of all fields that could be found, and every problem, by offset."""
    data = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
    size = len(data)
    if size == 0:
        return [], [FormatError("not_ready", 0, "the file is empty")]
    version = data[0]
    if version == 0:
        return [], [FormatError("not_ready", 0, "version byte is 0x00: the file is still being created")]
    module = VERSIONS.get(version)
    if module is None:
        fields, errors = [], [FormatError("bad_version", 0, f"version byte is 0x{version:02x}, "
                                          f"expected {' or '.join(f'0x{v:02x}' for v in VERSIONS)}")]
    elif getattr(module, "SELF_CHECKED", False):
        return module.scan(data)
    else:
        fields, errors = module.scan(data)
    if size % PAGE_SIZE:
        errors.append(FormatError(
            "bad_file_size", size, f"the file ends here, not at a multiple of {PAGE_SIZE} bytes (next: {size + -size % PAGE_SIZE})"))
    errors.sort(key=lambda e: e.offset)
    return fields, errors
