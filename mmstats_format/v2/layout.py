"""A version 2 file's layout, parsed once: values re-read, new fields picked up without re-parsing old ones.

The skeleton is what cannot change while the layout holds: the header's structure
(version, magic, sizes, region offsets and capacities, slot count, field count)
and the bytes of the published entries. Everything else a writer changes (state,
heartbeat, slots in use, overflow count, pid and times) is read with the values,
so files of one program share one layout. A file with more entries than the
layout (fields added at run time) gets a longer layout by ``extended``, which walks
only the new entries: published entries never change (spec/v2.md, "Reading a file").
"""
from __future__ import annotations

import os
import struct
from operator import itemgetter

from . import derived as d
from .decode import RETRIES, Field, File2, header_values, value_of, walk_entries

__all__ = ["Layout", "Values"]

_HEADER = struct.Struct(d.HEADER_FORMAT)
_SEQ = struct.Struct("<Q")
_ODD = _SEQ.pack(1)  # marks a copy that has no consistent value

# Header words a writer changes after publishing the file: read with the values, not part of the skeleton.
_MOVING = ("state", "pid", "start_ticks", "created_unix_ns", "heartbeat_unix_ns", "slots_used", "overflow_count")
_FIXED = itemgetter(*(i for i, name in enumerate(d.HEADER_FIELDS) if name not in _MOVING))
_FIELD_COUNT = d.HEADER_FIELDS.index("field_count")


class Values(list):
    """Values of every field in file order, with the header values read in the same copy."""

    def __init__(self, values, header: dict):
        super().__init__(values)
        self.header = header

    def copy(self) -> "Values":
        return Values(self, dict(self.header))


class Layout:
    """Compiled once per skeleton (cache.LayoutCache); never mutated after it is made."""

    def __init__(self, fields, data, entries_end: int | None = None):
        """``fields``: the walk's entries of ``data`` (an error-free file); ``entries_end``: the offset past
        the last published entry (found by the entries' sizes when not given)."""
        h = dict(zip(d.HEADER_FIELDS, _HEADER.unpack_from(data, 0)))
        if entries_end is None:
            entries_end = h["meta_offset"]
            for _ in range(h["field_count"]):
                entries_end += struct.unpack_from("<I", data, entries_end)[0]
        self.fields = list(fields)
        self.file_size = len(data)
        self.field_count = h["field_count"]
        self.slot_count = h["slot_count"]
        self.meta_offset, self.entries_end = h["meta_offset"], entries_end
        self.header_size = h["header_size"]
        self.skeleton = (self.file_size, _FIXED(_HEADER.unpack_from(data, 0)),
                         bytes(data[self.meta_offset:entries_end]))
        self.write_buffers = None  # numbers are single-copy atomic: no whole-file re-check
        self._sequenced = [(i, f) for i, f in enumerate(self.fields) if f.sequenced]

    # ------------------------------------------------------------ one copy

    def _header(self, buf, size):
        """The header of ``buf`` if it has this layout's skeleton, else None."""
        if (len(buf) if size is None else size) != self.file_size:
            return None
        t = _HEADER.unpack_from(buf, 0)
        if _FIXED(t) != self.skeleton[1] or buf[self.meta_offset:self.entries_end] != self.skeleton[2]:
            return None
        h = dict(zip(d.HEADER_FIELDS, t))
        if h["state"] not in (d.STATE_READY, d.STATE_CLOSED) or not 1 <= h["slots_used"] <= self.slot_count:
            return None  # not ready again, or broken: scan it and say so
        return h

    def checked_values(self, buf, size=None):
        """Values of ``buf`` at rest (an odd sequence: no value) if it has this layout's skeleton, else None."""
        h = self._header(buf, size)
        if h is None:
            return None
        slots = h["slots_used"]
        for _, f in self._sequenced:  # a length past the capacity with an even sequence is bad_string_length
            if f.type == "utf8" and f.kind != "histogram":
                seq, length = struct.unpack_from("<QQ", buf, f.at)
                if seq % 2 == 0 and length > f.size - d.STRING_HEADER_SIZE:
                    return None
        return Values([value_of(f, slots, buf) for f in self.fields], header_values(h))

    def fields_of(self, values) -> File2:
        return File2([Field(f.label, f.type, False, v, f.kind, f.unit, f.help, f.attributes)
                      for f, v in zip(self.fields, values)], values.header)

    # ------------------------------------------------------------ fields added at run time

    def extended(self, buf, size=None):
        """A layout with the entries published since this one was made, walking only those; None when
        ``buf`` is not this file grown by new entries (rewritten, or a new entry has a problem: scan it)."""
        if (len(buf) if size is None else size) != self.file_size:
            return None
        t = _HEADER.unpack_from(buf, 0)
        h = dict(zip(d.HEADER_FIELDS, t))
        grown = list(_FIXED(t))
        want = list(self.skeleton[1])
        at = list(i for i, name in enumerate(d.HEADER_FIELDS) if name not in _MOVING).index(_FIELD_COUNT)
        if h["field_count"] <= self.field_count:
            return None
        grown[at] = want[at]
        if grown != want or buf[self.meta_offset:self.entries_end] != self.skeleton[2]:
            return None
        view = memoryview(buf)[:self.file_size]
        try:
            new, end, errors = walk_entries(view, h, self.entries_end, self.field_count)
        finally:
            view.release()
        if errors:
            return None
        return Layout(self.fields + new, buf[:self.file_size], end)

    # ------------------------------------------------------------ the reader protocol on copies

    def _regions(self, slots):
        """(field index, offset) of every copy behind a sequence lock."""
        return [(i, f.at + k * f.stride, f.size) for i, f in self._sequenced
                for k in (range(slots) if f.stride else (0,))]

    def sequenced(self, fd, first, copies, size=None):
        """(values, the copy they came from) by spec/v2.md, "Readers that copy the file", or None when
        ``first`` does not have this layout's skeleton.

        ``first`` is copy A (already made); ``copies`` yields B and C (None: another size). Sequences
        come from A and C, payloads from B; a copy whose sequences differ or are odd is read again on
        its own (sequence, value, sequence: three small preads of ``fd``), RETRIES times at most, then
        it has no value. A closed file's odd sequence never becomes even: no retries.
        """
        h = self._header(first, size)
        if h is None:
            return None
        regions = self._regions(h["slots_used"])
        if not regions:
            return self.checked_values(first, size), first
        before = [first[at:at + 8] for _, at, _ in regions]
        b = next(copies, None)
        middle = b if b is not None and self._header(b, size) is not None else None
        c = next(copies, None) if middle is not None else None
        if c is not None and self._header(c, size) is not None:
            pending = [r for r, s1 in zip(regions, before)
                       if _SEQ.unpack(s1)[0] % 2 or s1 != c[r[1]:r[1] + 8]]
        else:
            pending = regions
        data = first if middle is None else middle
        if not pending:
            return self.checked_values(data, size), data
        data = bytearray(data[:self.file_size])
        for _, at, _ in pending:
            data[at:at + 8] = _ODD
        if h["state"] != d.STATE_CLOSED:
            self._retry(fd, data, pending)
        return self.checked_values(data), data

    @staticmethod
    def _retry(fd, data, pending):
        for attempt in range(RETRIES):
            left = []
            for region in pending:
                _, at, n = region
                s1 = os.pread(fd, 8, at)
                payload = os.pread(fd, n, at)
                s2 = os.pread(fd, 8, at)
                if len(s1) == 8 and s1 == s2 and len(payload) == n and _SEQ.unpack(s1)[0] % 2 == 0:
                    data[at:at + n] = s1 + payload[8:]
                else:
                    left.append(region)
            pending = left
            if not pending:
                return
            if attempt % 10 == 9:
                os.sched_yield()
