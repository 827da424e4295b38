"""Polling a version 2 file through a read-only shared mapping (spec/v2.md, "Readers that map the file").

StatsReader(path, mapped=True) and StatsDirectory(directory, mapped=True) read a version 2 file
this way; a file of another version (or not yet a whole version 2 file) they copy as before.

The file is mapped once (``mmap(PROT_READ, MAP_SHARED)`` of all of it) and its layout parsed from a
private copy of the mapping, so the bytes checked are the bytes used. Each poll is one call of the
layout's MappedPlan: stat of the path (another device or inode: the file was replaced, map the new
one), fstat of the descriptor (another size: ``bad_file_size``, never a load past the end), then
acquire loads of ``state`` and ``field_count``, of ``slots_used``, one 8-byte load per number and
copy, and the sequence protocol for strings and histograms, retried at most RETRIES times with a
``sched_yield`` every ten. Fields appended at run time are parsed alone (Layout.extended, on a
private copy); anything else unexpected is parsed afresh from a private copy, which names the problem
as the copying path would.

The compiled plan (mmstats._speedups.MappedPlan) does the spec's acquire loads and fence; the
pure-Python plan (MMSTATS_PURE_PYTHON=1, or no extension) loads each word through a memoryview of
8-byte items, one load per word, and relies on the processor's load order (x86-64 keeps it; no fence
is available from Python). A file truncated by another process between a poll's fstat and its loads
still raises SIGBUS: a reader that must survive hostile truncation copies (mapped=False).
"""
from __future__ import annotations

import copy
import math
import mmap
import os
import struct
import weakref

from ..accel import MappedPlan as _CompiledPlan
from ..cache import LAYOUTS
from .._closeable import Closeable
from .._fileio import open_regular
from . import derived as d
from .decode import _HEADER, _KEEP, RETRIES, V2Error
from .layout import _WHERE, Layout, Values, _op

__all__ = ["MappedFile", "PurePlan", "plan_for", "PLAN_TYPE"]

_F64 = struct.Struct("<d")
_MASK = (1 << 64) - 1


def plan_args(layout: Layout) -> tuple:
    """What a MappedPlan of ``layout`` is made of: the ReadPlan's ops (layout._op), the header words of
    read_plan, and the words and value headers the mapped poll loads -- every offset from derived; last
    the header's bytes that MappedPlan keeps instead of the header dict (Headed.header makes it on first
    use), which PurePlan, the reference, makes at each poll."""
    state_at, state_width = _WHERE["state"]
    count_at, count_width = _WHERE["field_count"]
    used_at, used_width = _WHERE["slots_used"]
    header = tuple((k, *_WHERE[k], 0, None) for k in _KEEP)
    header += (("state", state_at, state_width, 0, {code: name for code, (name, _) in d.STATES.items()}),)
    return (layout.file_size, (state_at, state_width, d.STATE_READY, d.STATE_CLOSED, d.STATE_CLOSED),
            (count_at, count_width, layout.field_count), (used_at, used_width, layout.slot_count),
            tuple(map(_op, layout.fields)), header,
            (d.S_SEQ, d.S_LENGTH, d.S_RESERVED - d.S_LENGTH, d.STRING_HEADER_SIZE),
            (d.HG_SEQ, d.HG_SUM, d.HG_BUCKETS), Values, (0, _HEADER.size))


class _Views:
    """The 8-byte-word views of one mapping the pure-Python plan loads through."""

    __slots__ = ("u", "f", "b")

    def __init__(self, mm):
        b = memoryview(mm)
        self.b, self.u, self.f = b, b.cast("Q"), b.cast("d")

    def release(self):
        for v in (self.u, self.f, self.b):
            v.release()


class PurePlan:
    """The mapped poll in Python, with MappedPlan's arguments and answers (the reference it is tested
    against; MMSTATS_PURE_PYTHON=1 selects it)."""

    def __init__(self, size, state, field_count, slots_used, ops, header, strings, histograms, values_type,
                 header_bytes=None):
        self.size = size
        self.state, self.field_count, self.slots_used = state, field_count, slots_used
        self.ops = []
        for code, width, buffered, off, vsize, stride, sum_slots, bounds, _, _ in ops:
            if buffered or off % 8 or vsize % 8 or stride % 8:
                raise ValueError(f"PurePlan: op {code} at {off} is not aligned words of a version 2 value")
            self.ops.append((code, off >> 3, vsize >> 3, stride >> 3, sum_slots, bounds))
        self.header = [(key, *self._word(off, width), signed, names) for key, off, width, signed, names in header]
        self.text_seq, self.text_length, length_width, self.text_at = strings
        self.text_length_word = self._word(self.text_length, length_width)
        self.hist_seq, self.hist_sum, self.hist_buckets = (x >> 3 for x in histograms)
        self.values_type = values_type

    @staticmethod
    def _word(off, width):
        """(8-byte word index, shift, mask) of an aligned little-endian word of ``width`` bytes."""
        if off % width or width not in (1, 2, 4, 8):
            raise ValueError(f"PurePlan: a word of {width} bytes at {off} is not aligned")
        return off >> 3, (off & 7) * 8, (1 << 8 * width) - 1

    @staticmethod
    def attach(mm):
        return _Views(mm)

    @staticmethod
    def detach(views):
        views.release()

    def poll(self, views, fd, path, encoded, dev, ino, follow, attempts):
        if encoded is not None:
            st = os.stat(path, follow_symlinks=follow)
            if st.st_dev != dev or st.st_ino != ino:
                return None
        if os.fstat(fd).st_size != self.size:
            return None
        u = views.u
        at, width = self.state[0], self.state[1]
        state = u[at >> 3] >> (at & 7) * 8 & (1 << 8 * width) - 1
        at, width, fields = self.field_count
        count = u[at >> 3] >> (at & 7) * 8 & (1 << 8 * width) - 1
        if not self.state[2] <= state <= self.state[3] or count != fields:
            return None
        at, width, slot_count = self.slots_used
        slots = u[at >> 3] >> (at & 7) * 8 & (1 << 8 * width) - 1
        if not 1 <= slots <= slot_count:
            return None
        if state == self.state[4]:
            attempts = 1
        attempts = max(attempts, 1)
        h = {}
        for key, w, shift, mask, signed, names in self.header:
            raw = u[w] >> shift & mask
            if names is not None:
                if raw not in names:
                    return None
                h[key] = names[raw]
            else:
                h[key] = raw - (mask + 1) if signed and raw > mask >> 1 else raw
        out = []
        for code, w, n, stride, sum_slots, bounds in self.ops:
            if code == "text2":
                got = self._text(views, w, n, attempts)
                if got is False:
                    return None  # a consistent length past the capacity: the general path names it
                out.append(got)
            elif code == "histogram":
                out.append(self._histogram(views, w, n, stride, bounds, slots, attempts))
            elif code == "float":
                f = views.f
                if sum_slots:
                    total = f[w]
                    for k in range(1, slots):
                        total += f[w + k * stride]
                    out.append(total)
                else:
                    out.append(f[w])
            else:
                v = sum(u[w + k * stride] for k in range(slots)) & _MASK if sum_slots else u[w]
                out.append(v - (1 << 64) if code == "int" and v >> 63 else v)
        values = self.values_type.__new__(self.values_type)
        values += out
        values.header = h
        return values

    def _copy(self, u, seq, first, n, attempts, length_word=None):
        """(words, length) of a consistent copy of ``n`` words from word ``first`` by the sequence
        protocol (a text, whose length is at ``length_word``: (its bytes, its length)); None when
        none came within ``attempts``."""
        for attempt in range(attempts):
            s1 = u[seq]
            if s1 % 2 == 0:
                length = None
                if length_word is not None:
                    w, shift, mask = length_word
                    length = u[w] >> shift & mask
                    n = min(n, (length + 7) >> 3)
                words = u[first:first + n]
                words = words.tobytes() if length_word is not None else words.tolist()  # text: bytes
                if u[seq] == s1:
                    return words, length
            if attempt % 10 == 9 and attempt + 1 < attempts:
                os.sched_yield()
        return None

    def _text(self, views, w, n, attempts):
        capacity = (n << 3) - self.text_at
        got = self._copy(views.u, w + (self.text_seq >> 3), w + (self.text_at >> 3), capacity >> 3, attempts,
                         (w + self.text_length_word[0], *self.text_length_word[1:]))
        if got is None:
            return None
        raw, length = got
        if length > capacity:
            return False
        return raw[:length].decode("utf-8", "replace")

    def _histogram(self, views, w, n, stride, bounds, slots, attempts):
        nb = len(bounds) + 1
        counts, total = [0] * nb, 0.0
        first = self.hist_buckets - self.hist_sum
        for k in range(slots):
            at = w + k * stride
            got = self._copy(views.u, at + self.hist_seq, at + self.hist_sum, n - self.hist_sum, attempts)
            if got is None:
                return None
            words = got[0]
            s = _F64.unpack(struct.pack("<Q", words[0]))[0]
            total = s if k == 0 else total + s
            counts = [(a + b) & _MASK for a, b in zip(counts, words[first:first + nb])]
        running, buckets = 0, []
        for bound, c in zip(tuple(bounds) + (math.inf,), counts):
            running = (running + c) & _MASK
            buckets.append({"le": bound, "count": running})
        return {"count": running, "sum": total, "buckets": buckets}


PLAN_TYPE = _CompiledPlan if _CompiledPlan is not None else PurePlan
_PLANS: "weakref.WeakKeyDictionary[Layout, object]" = weakref.WeakKeyDictionary()


def plan_for(layout: Layout, plan_type=None):
    """The mapped plan of ``layout``: one per layout and plan type, shared by every file of that layout."""
    plan_type = plan_type or PLAN_TYPE
    plans = _PLANS.get(layout)
    if plans is None:
        plans = _PLANS[layout] = {}
    plan = plans.get(plan_type)
    if plan is None:
        plan = plans[plan_type] = plan_type(*plan_args(layout))
    return plan


def _attach(plan_type, mm):
    return plan_type.attach(mm) if plan_type is PurePlan else mm


def _detach(plan_type, view):
    if plan_type is PurePlan:
        view.release()


_GENERAL_TRIES = 3  # general-path looks per read before the values of a private copy are taken


class MappedFile(Closeable):
    """One version 2 file, mapped read-only: ``open()`` it, ``read()`` its values at each poll,
    ``close()`` it (or drop it: collection closes it). ``layout`` is the file's layout (a new object per
    file parsed, as StatsReader's)."""

    __slots__ = ("path", "encoded", "max_size", "follow_symlinks", "fd", "ident", "size", "mm", "view", "layout",
                 "plan", "plan_type")

    def __init__(self, path, max_size, follow_symlinks, plan_type):
        self.path, self.max_size, self.follow_symlinks, self.plan_type = path, max_size, follow_symlinks, plan_type
        self.encoded = os.fsencode(path)
        self.fd, self.ident, self.size, self.mm, self.view, self.layout, self.plan = -1, None, 0, None, None, None, None

    @classmethod
    def open(cls, path, max_size: int, follow_symlinks: bool = True, plan_type=None):
        """The file at ``path`` mapped and parsed; None when it is not a whole version 2 file within
        ``max_size`` (a version 1 file, an empty or cut one...: the copying path reads it and names the
        problem). Raises FormatError (with the path) for a version 2 file with a problem, OSError."""
        m = cls(os.fspath(path), max_size, follow_symlinks, plan_type or PLAN_TYPE)
        try:
            if not m._map() or not m._parse():
                m.close()
                return None
        except BaseException:
            m.close()
            raise
        return m

    def _map(self) -> bool:
        fd, st = open_regular(self.path, follow_symlinks=self.follow_symlinks)
        self.fd, self.ident, self.size = fd, (st.st_dev, st.st_ino), st.st_size
        if self.size <= 0 or self.size % d.PAGE_SIZE or self.size > self.max_size:
            return False
        self.mm = mmap.mmap(fd, self.size, mmap.MAP_SHARED, mmap.PROT_READ)
        if self.mm[0] != d.FORMAT_VERSION:
            return False
        self.view = _attach(self.plan_type, self.mm)
        return True

    def _private(self) -> bytes:
        """A private copy of the mapping: what is parsed is what is checked."""
        return self.mm[:]

    def _parse(self, data=None) -> bool:
        """Parse a private copy (``data``, or a new one); False when it is not version 2 (rewritten)."""
        shared, _ = LAYOUTS.find(self._private() if data is None else data, self.path)
        if not isinstance(shared, Layout):
            return False
        self._use(copy.copy(shared), plan_for(shared, self.plan_type))
        return True

    def _use(self, layout, plan):
        self.layout, self.plan = layout, plan

    def read(self, recheck: bool = True, stat_path: bool = True):
        """The current values (v2.layout.Values), or None when the path names another file now
        (``stat_path=False``: the caller checks that, e.g. from a directory listing). ``recheck``: a
        sequence-locked copy is tried up to RETRIES times (False: once, an odd sequence is no value). Raises
        FormatError (bad_file_size when the file's size is no longer the size mapped; the first
        problem of the file otherwise) or OSError."""
        attempts = RETRIES if recheck else 1
        values = self.plan.poll(self.view, self.fd, self.path, self.encoded if stat_path else None, self.ident[0],
                                self.ident[1], self.follow_symlinks, attempts)
        return values if values is not None else self._look(attempts, stat_path)

    def _look(self, attempts: int, stat_path: bool):
        """read() past what the poll could not take: the general path, then the poll again."""
        for _ in range(_GENERAL_TRIES):
            if not self._general(stat_path):
                return None
            values = self.plan.poll(self.view, self.fd, self.path, self.encoded if stat_path else None,
                                    self.ident[0], self.ident[1], self.follow_symlinks, attempts)
            if values is not None:
                return values
        data = self._private()  # changed at every look: the values of a private copy, at rest
        return self.layout.checked_values(data) if self._parse(data) else None

    def _general(self, stat_path: bool) -> bool:
        """What the poll could not take: False when the path names another file (or this one is no
        longer version 2), True after the layout was extended or parsed again (poll again); raises the
        file's problem."""
        if stat_path:
            st = os.stat(self.path, follow_symlinks=self.follow_symlinks)
            if (st.st_dev, st.st_ino) != self.ident:
                return False
        size = os.fstat(self.fd).st_size
        if size != self.size:
            raise V2Error("bad_file_size", size, f"the file is {size} bytes now, it was {self.size} bytes when "
                                                 f"mapped: truncated or grown by another process", self.path)
        data = self._private()
        grown = self.layout.extended(data)
        if grown is not None:  # fields appended: only the new entries were parsed
            self._use(grown, plan_for(grown, self.plan_type))
            return True
        return self._parse(data)

    def fileno(self) -> int:
        return self.fd

    def close(self):
        if self.view is not None:
            _detach(self.plan_type, self.view)
            self.view = None
        if self.mm is not None:
            self.mm.close()
            self.mm = None
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
