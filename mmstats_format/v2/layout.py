"""A version 2 file's layout, parsed once: values re-read, new fields picked up without re-parsing old ones.

The skeleton is what cannot change while the layout holds: the header's structure
(version, magic, sizes, region offsets and capacities, slot count, field count)
and the bytes of the published entries. Everything else a writer changes (state,
heartbeat, slots in use, overflow count, pid and times) is read with the values,
so files of one program share one layout. A file with more entries than the
layout (fields added at run time) gets a longer layout by ``extended``, which walks
only the new entries: published entries never change (spec/v2.md, "Reading a file").

A re-read copies only the bytes the values are read from (``copy_used``; the ReadPlan's ``copies``):
the header, the published entries, the process area's values and the slots in use -- a file of the
default capacities is mostly unused room. A copy whose header says anything else is not decoded.

With the C extension built (accel.ReadPlan), ``checked_values`` and ``checked_fields``
are one call of a ReadPlan made from the same offsets (read_plan below): header and
entries compared with memcmp, state and slots_used range-checked, string lengths
checked, values made in C and the header's bytes kept, its dict made only when asked for
(decode.Headed; tests/test_compiled_decode.py holds it to this module's own path).
"""
from __future__ import annotations

import os
import re
import struct
from operator import itemgetter

from ..accel import ReadPlan
from . import derived as d
from .decode import RETRIES, Field, File2, Headed, header_values, value_of, walk_entries

__all__ = ["Layout", "Values"]

_HEADER = struct.Struct(d.HEADER_FORMAT)
_new_list = list.__new__
_SEQ = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_ODD = _SEQ.pack(1)  # marks a copy that has no consistent value

# Header words a writer changes after publishing the file: read with the values, not part of the skeleton.
_MOVING = ("state", "pid", "start_ticks", "created_unix_ns", "heartbeat_unix_ns", "slots_used", "overflow_count")
_FIXED = itemgetter(*(i for i, name in enumerate(d.HEADER_FIELDS) if name not in _MOVING))
_FIELD_COUNT = d.HEADER_FIELDS.index("field_count")

# (offset, width) of every header field, from the header's struct format
_CODES = re.findall(r"\d*[a-zA-Z?]", d.HEADER_FORMAT[1:])
_WHERE = {name: (struct.calcsize("<" + "".join(_CODES[:i])), struct.calcsize("<" + code))
          for i, (name, code) in enumerate(zip(d.HEADER_FIELDS, _CODES))}
assert _WHERE["state"] == (d.H_STATE, 4) and _WHERE["slots_used"][0] == d.H_SLOTS_USED


class Values(Headed):
    """Values of every field in file order, with the header values read in the same copy."""

    __slots__ = ()  # no per-instance dict: one is made per file per poll

    def copy(self) -> "Values":
        new = _new_list(Values)  # without __init__, _share_header inlined: this is per file per poll
        new += self
        h = self._header
        new._header = h if h.__class__ is bytes else dict(h)
        return new


def _op(f):
    """The ReadPlan op of one entry: how its value is stored."""
    prefix, suffix = (f.label, f.type, False), (f.kind, f.unit, f.help, f.attributes)
    if f.kind == "histogram":
        return ("histogram", 8, 0, f.at, f.size, f.stride, 0, f.bounds, prefix, suffix)
    if f.type == "utf8":
        return ("text2", 1, 0, f.at, f.size, f.stride, 0, None, prefix, suffix)
    code = {"u64": "uint", "i64": "int", "f64": "float"}[f.type]
    return (code, d.SCALAR_SIZE, 0, f.at, d.SCALAR_SIZE, f.stride, int(f.stride != 0), None, prefix, suffix)


def _same_ranges(meta_offset, entries_end):
    """(offset, length) of the skeleton: the header's fixed words, merged where adjacent, and the entries."""
    out = []
    for name, (at, width) in _WHERE.items():
        if name in _MOVING:
            continue
        if out and out[-1][0] + out[-1][1] == at:
            out[-1] = (out[-1][0], out[-1][1] + width)
        else:
            out.append((at, width))
    if entries_end > meta_offset:
        out.append((meta_offset, entries_end - meta_offset))
    return tuple(out)


# Ranges closer than this are copied as one: a system call costs about what copying this many bytes does.
_GAP = 4096


def _used_ranges(h, fields, entries_end):
    """(offset, length) of the bytes a copy needs besides the slots in use: the header, the published
    entries and each value of the process area (slotted values lie in the slots), merged when close."""
    spans = sorted([(0, _HEADER.size), (h["meta_offset"], entries_end)]
                   + [(f.at, f.at + f.size) for f in fields if not f.stride])
    out = []
    for start, end in spans:
        if out and start <= out[-1][1] + _GAP:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return tuple((start, end - start) for start, end in out if end > start)


def read_plan(plan_type, layout, data):
    """A ReadPlan checking what ``layout._header`` and ``checked_values`` check, making their values."""
    states = (d.STATE_READY, d.STATE_CLOSED)
    assert states == tuple(range(min(states), max(states) + 1))  # a range check says "one of these"
    state_at, state_width = _WHERE["state"]
    used_at, used_width = _WHERE["slots_used"]
    bounds = ((state_at, state_width, min(states), max(states)), (used_at, used_width, 1, layout.slot_count))
    texts = tuple((f.at, f.size - d.STRING_HEADER_SIZE) for _, f in layout._sequenced
                  if f.type == "utf8" and f.kind != "histogram")
    # the header's bytes, kept beside the values: Headed.header makes the dict when it is asked for
    header = (0, _HEADER.size)
    return plan_type(bytes(data[:layout.file_size]), _same_ranges(layout.meta_offset, layout.entries_end), bounds,
                     tuple(map(_op, layout.fields)), texts, (), (used_at, used_width), header, Field, Values, File2,
                     copies=layout.copy_ranges, slot_area=layout.slot_area)


class Layout:
    """Compiled once per skeleton (cache.LayoutCache); never mutated after it is made."""

    def __init__(self, fields, data, entries_end: int | None = None, plan_type=ReadPlan):
        """``plan_type``: the compiled decode (accel.ReadPlan), or None for this module's pure-Python one."""
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
        # what a re-read copies (copy_used): these ranges, the first holding the header, then slots_used
        # slots from slot_area's offset (of slot_area's size each)
        self.copy_ranges = _used_ranges(h, self.fields, entries_end)
        self.slot_area = (h["slots_offset"], h["slot_size"])
        self.skeleton = (self.file_size, _FIXED(_HEADER.unpack_from(data, 0)),
                         bytes(data[self.meta_offset:entries_end]))
        self.write_buffers = None  # numbers are single-copy atomic: no whole-file re-check
        self._sequenced = [(i, f) for i, f in enumerate(self.fields) if f.sequenced]
        # some value is behind a sequence lock: readers follow the copy protocol (``sequenced``)
        self.has_sequenced = bool(self._sequenced)
        self._plan_type = plan_type
        self.reread_plan = None  # the ReadPlan when one copy is a whole re-read (nothing sequence-locked)
        if plan_type is not None:
            plan = read_plan(plan_type, self, data)
            self.checked_values, self.checked_fields = plan.values, plan.fields
            if not self._sequenced:
                self.reread_plan = plan

    # ------------------------------------------------------------ one copy

    def copy_used(self, fd, buf) -> bool:
        """Copy into ``buf`` (at their own offsets) only the bytes this layout's values are read from:
        ``copy_ranges``, then the slots in use by the copied header, then the file's last byte to see
        that its size is still the layout's (one more when ``buf`` has room: it grew). False when a copy
        came back short, slots_used is out of range or the size changed: take the whole-file path.
        Bytes outside those ranges keep what they held; nothing decodes them (the ranges hold every
        value of a copy with this skeleton, and a copy without it is rejected before any value)."""
        view = memoryview(buf)
        try:
            for at, n in self.copy_ranges:
                if os.preadv(fd, [view[at:at + n]], at) != n:
                    return False
            used = _U32.unpack_from(buf, d.H_SLOTS_USED)[0]
            if not 1 <= used <= self.slot_count:
                return False
            at, n = self.slot_area[0], self.slot_area[1] * used
            if at + n > self.file_size or os.preadv(fd, [view[at:at + n]], at) != n:
                return False
        finally:
            view.release()
        tail = 2 if len(buf) > self.file_size else 1
        return len(os.pread(fd, tail, self.file_size - 1)) == 1

    def same_used(self, a, b) -> bool:
        """Whether copies ``a`` (made by copy_used) and ``b`` hold the same bytes where copy_used copies:
        then they have the same values."""
        for at, n in self.copy_ranges:
            if a[at:at + n] != b[at:at + n]:
                return False
        at, n = self.slot_area[0], self.slot_area[1] * _U32.unpack_from(a, d.H_SLOTS_USED)[0]
        return a[at:at + n] == b[at:at + n]

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
                seq, length = struct.unpack_from("<QI", buf, f.at)  # length is a u32; a reserved u32 follows
                if seq % 2 == 0 and length > f.size - d.STRING_HEADER_SIZE:
                    return None
        return Values([value_of(f, slots, buf) for f in self.fields], header_values(h))

    def checked_fields(self, buf, size=None):
        """The reader's fields of ``buf`` at rest (File2) if it has this layout's skeleton, else None."""
        values = self.checked_values(buf, size)
        return None if values is None else self.fields_of(values)

    def fields_of(self, values) -> File2:
        return values._share_header(File2([Field(f.label, f.type, False, v, f.kind, f.unit, f.help, f.attributes)
                                           for f, v in zip(self.fields, values)], None))

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
        return Layout(self.fields + new, buf[:self.file_size], end, self._plan_type)

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
            return self._checked(first, size)
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
            return self._checked(data, size)
        data = bytearray(data[:self.file_size])
        for _, at, _ in pending:
            data[at:at + 8] = _ODD
        if h["state"] != d.STATE_CLOSED:
            self._retry(fd, data, pending)
        return self._checked(data)

    def _checked(self, data, size=None):
        """(values, data), or None when ``data`` does not have this layout's skeleton."""
        values = self.checked_values(data, size)
        return None if values is None else (values, data)

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
