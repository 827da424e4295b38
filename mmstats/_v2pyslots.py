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
import threading
import time
import warnings
from operator import index as _index

from ._pyslots import _Closed  # the closed file's stand-in, shared with version 1

__all__ = ["CounterSlot", "MeanGauge", "TimerFront"]

_MASK = (1 << 64) - 1


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

    __slots__ = ("label", "slot", "owner", "_copy", "_i", "_one", "_cur", "_words", "_first", "_stride", "_used", "_buf",
                 "_lock", "__weakref__")

    def __init__(self, label: str):
        if not isinstance(label, str):
            raise TypeError(f"label must be str, not {type(label).__name__}")
        self.label = label
        self.slot = -1
        self._copy = self._words = self._one = _Closed(label)
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
        one = words[own >> 3:(own >> 3) + 1]  # this copy alone: a store without an index attribute
        self._buf = (root, words, one)
        self._one = one
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
        self._copy = self._words = self._one = _Closed(self.label)

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

    def incr(self, n=1, amount=None):  # amount: the 0.8 spelling (positional-or-keyword: a cheaper call)
        if amount is not None:
            n = amount
        try:
            c = self._cur + n
            if n < 0:
                c = -1  # the store refuses it: the slow path explains
            self._one[0] = c  # a 'Q' view refuses what is not an int of 0 to 2**64 - 1
        except (TypeError, ValueError):  # wrap, refuse or convert: the slow path
            self._add(to_amount(self.label, n))
            return
        self._cur = c

    def _add(self, n):
        c = (self._cur + n) & _MASK
        self._one[0] = c
        self._cur = c


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


class MeanGauge:
    """The running mean (size 0) or moving mean of a gauge, shared by the threads of a process.

    Each add() publishes the new mean with one 8-byte store. The threads' adds are serialised by a
    lock (the C type needs none: it never releases the GIL). The moving average keeps a running sum
    of its window and sums the window again, left to right, at the end of every lap.
    """

    __slots__ = ("label", "_size", "_window", "_idx", "_full", "_total", "_count", "_view", "_i", "_lock")

    def __init__(self, label: str, size: int = 0):
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"moving average size must be a positive int, not {size!r}")
        self.label, self._size = label, size
        self._window = [0.0] * size if size else None
        self._view, self._i = _Closed(label), 0
        self._lock = threading.Lock()
        self._bind(None, 0)

    def _bind(self, buf, offset):
        """The gauge's 8-byte word in writable ``buf`` (None: closed); the running state starts afresh."""
        self._idx, self._full, self._total, self._count = 0, False, 0.0, 0
        if self._window is not None:
            self._window[:] = [0.0] * self._size
        if buf is None:
            self._view = _Closed(self.label)
            return
        view = memoryview(buf).cast("B")
        if not (0 <= offset and offset + 8 <= len(view) and offset % 8 == 0):
            raise ValueError(f"gauge {self.label!r} at {offset} does not fit a buffer of {len(view)} bytes aligned")
        self._view, self._i = view.cast("d"), offset >> 3

    def add(self, value) -> None:
        if value.__class__ is not float:
            if isinstance(value, (str, bytes, bytearray)):
                raise TypeError(f"mmstats field {self.label!r} takes a number, not {type(value).__name__}")
            value = float(value)
        with self._lock:
            w = self._window
            if w is None:
                self._total += value
                self._count += 1
                self._view[self._i] = self._total / self._count
                return
            i = self._idx
            self._total += value - w[i]
            w[i] = value
            i += 1
            if i == self._size:
                i, self._full = 0, True
                total = 0.0
                for x in w:
                    total += x
                self._total = total
            self._idx = i
            self._view[self._i] = self._total / (self._size if self._full else i)

    @property
    def value(self) -> float:
        return self._view[self._i]


class TimerFront:
    """One thread's TimerField: ``with stats.t:`` or start()/stop(); durations go to the MeanGauge."""

    __slots__ = ("mean", "_timer", "_starts", "_last")

    def __init__(self, mean, timer=None):
        self.mean, self._timer, self._starts, self._last = mean, timer or time.perf_counter, [], 0.0

    def __enter__(self):
        self._starts.append(self._timer())
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def start(self) -> None:
        self._starts.append(self._timer())

    def stop(self) -> float:
        if not self._starts:
            raise RuntimeError(f"timer {self.mean.label!r}: stop() without start()")
        elapsed = self._timer() - self._starts.pop()
        self.mean.add(elapsed)
        self._last = elapsed
        return elapsed

    def add(self, seconds) -> None:
        self.mean.add(seconds)

    @property
    def last(self) -> float:
        return self._last

    @property
    def elapsed(self) -> float:
        return self._timer() - self._starts[-1] if self._starts else self._last

    @property
    def value(self) -> float:
        return self.mean.value
