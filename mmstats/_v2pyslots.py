"""Pure-Python CounterSlot: one copy of a format version 2 counter (spec/v2.md, Slots).

The reference for mmstats/_speedups.c's CounterSlot. The object adds to one
copy: the calling thread's own slot (no lock: the owner is the only writer, so
a load, an add and a store), or slot 0, the shared slot, under a process lock
(Python has no atomic add). It keeps its copy's value in ``_cur``, so an
increment stores without loading the map. ``value`` is the field's total:
the sum of its copies in slots 0 to slots_used - 1, modulo 2**64.
"""
from __future__ import annotations

import struct
import warnings
from operator import index as _index

__all__ = ["CounterSlot"]

_MASK = (1 << 64) - 1


class _Closed:
    __slots__ = ("label",)

    def __init__(self, label):
        self.label = label

    def _fail(self, *args):
        raise ValueError(f"mmstats field {self.label!r}: its file is closed")

    __getitem__ = __setitem__ = _fail


def to_amount(label, n) -> int:
    """n as what a counter adds: an int >= 0, modulo 2**64 (the C slot words its errors the same)."""
    if isinstance(n, float) or n.__class__ is not int and not hasattr(type(n), "__index__"):
        raise TypeError(f"mmstats counter {label!r} adds an integer, not {type(n).__name__}")
    n = _index(n)
    if n < 0:
        raise ValueError(f"mmstats counter {label!r} only grows: cannot add {n}")
    return n & _MASK


class CounterSlot:
    """incr(n=1) adds n >= 0 to this object's copy; ``value`` is the field's total."""

    __slots__ = ("label", "slot", "owner", "_copy", "_i", "_cur", "_words", "_first", "_stride", "_used", "_buf",
                 "_lock", "__weakref__")

    def __init__(self, label: str):
        if not isinstance(label, str):
            raise TypeError(f"label must be str, not {type(label).__name__}")
        self.label = label
        self.slot = -1
        self._copy = self._words = _Closed(label)
        self._cur = 0
        self._buf = self._lock = self.owner = None

    def __repr__(self):
        return f"<CounterSlot {self.label!r} slot {self.slot}>"

    def _bind(self, buf, slots_used_offset, first_offset, slot_size, slot, lock=None):
        """Point at a counter's copies in writable ``buf`` (None: closed); ``lock`` guards slot 0."""
        self._release()
        if buf is None:
            self.__class__ = CounterSlot
            return
        root = memoryview(buf).cast("B")
        own = first_offset + slot * slot_size
        if not (0 <= slots_used_offset and slots_used_offset + 4 <= len(root) and slots_used_offset % 4 == 0
                and 0 <= first_offset and first_offset % 8 == 0 and slot >= 0 and slot_size >= 0
                and slot_size % 8 == 0 and own + 8 <= len(root)):
            root.release()
            raise ValueError(f"counter {self.label!r}: copies at {first_offset} (slot {slot} of {slot_size} bytes) "
                             f"do not fit a buffer of {len(buf)} bytes aligned")
        words = root.cast("Q")
        self._buf = (root, words)
        self._words, self._first, self._stride, self._used = words, first_offset >> 3, slot_size >> 3, \
            slots_used_offset
        self._copy, self._i, self._cur, self.slot = words, own >> 3, words[own >> 3], slot
        self._lock = lock
        self.__class__ = _OwnedCounterSlot if slot else _SharedCounterSlot

    def _release(self):
        if self._buf is not None:
            for v in reversed(self._buf):
                v.release()
        self._buf = None
        self._copy = self._words = _Closed(self.label)

    @property
    def closed(self) -> bool:
        return self._buf is None

    def _total(self) -> int:
        words = self._words
        used = struct.unpack_from("<I", self._buf[0], self._used)[0]
        return sum(words[self._first + k * self._stride] for k in range(used)) & _MASK

    def incr(self, n=1, *, amount=None):
        raise ValueError(f"mmstats field {self.label!r}: its file is closed")

    def inc(self, n=1, *, amount=None):
        """Deprecated alias of incr()."""
        warnings.warn("inc() is deprecated, use incr()", DeprecationWarning, stacklevel=2)
        self.incr(n if amount is None else amount)

    def labels(self, **attributes):
        """This thread's copy of the same counter with these attributes added (owner.labels_of)."""
        if self.owner is None:
            raise TypeError(f"counter {self.label!r} belongs to no model: it has no labels()")
        return self.owner.labels_of(self, attributes)

    @property
    def value(self) -> int:
        if self._buf is None:
            raise ValueError(f"mmstats field {self.label!r}: its file is closed")
        return self._total()

    @value.setter
    def value(self, v):
        n = to_amount(self.label, v)
        if self._buf is None:
            raise ValueError(f"mmstats field {self.label!r}: its file is closed")
        total = self._total()
        if n < total:
            raise ValueError(f"mmstats counter {self.label!r} only grows: it is {total}, cannot set it to {v!r}")
        self._add(n - total)


class _OwnedCounterSlot(CounterSlot):
    """Bound to a thread slot: the owner adds without a lock."""

    __slots__ = ()

    def incr(self, n=1, *, amount=None):
        if amount is not None:
            n = amount
        try:
            c = self._cur + n
            if n < 0:
                c = -1  # the store refuses it: the slow path explains
            self._copy[self._i] = c  # a 'Q' view refuses what is not an int of 0 to 2**64 - 1
        except (TypeError, ValueError):  # wrap, refuse or convert: the slow path
            self._add(to_amount(self.label, n))
            return
        self._cur = c

    def _add(self, n):
        c = (self._cur + n) & _MASK
        self._cur = c
        self._copy[self._i] = c


class _SharedCounterSlot(CounterSlot):
    """Bound to slot 0, which any thread may write: a read-modify-write under the lock."""

    __slots__ = ()

    def incr(self, n=1, *, amount=None):
        if amount is not None:
            n = amount
        if n.__class__ is not int or n < 0:
            n = to_amount(self.label, n)
        self._add(n)

    def _add(self, n):
        with self._lock:
            words, i = self._copy, self._i
            words[i] = (words[i] + n) & _MASK
