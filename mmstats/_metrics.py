"""Slots with a little state of their own: averages and timers (type d, buffered).

They subclass the active BufferedSlot (C or pure Python), keep their running
state in Python and publish each new average with one set(). Binding to new
memory (a new file after fork) starts the state afresh, like the file.
"""
from __future__ import annotations

import math
import sys
import time
from array import array

from ._slots import BufferedSlot

__all__ = ["Average", "MovingAverage", "Timer"]


class Average(BufferedSlot):
    """Mean of every value added so far."""

    __slots__ = ("_count", "_total")

    def _bind(self, buf, offset, write_buffer_offset, value_offset):
        super()._bind(buf, offset, write_buffer_offset, value_offset)
        self._count = 0
        self._total = 0.0

    def add(self, value) -> None:
        """Add one value and publish the new mean (one update)."""
        total = self._total + value  # a wrong type fails here, before any store
        self.set(total / (self._count + 1))
        self._count += 1
        self._total = total


def _grow(partials: list, x: float) -> None:
    """Add x to the exact sum held by non-overlapping ``partials`` (Shewchuk's
    algorithm, which math.fsum uses). The caller keeps every sum finite."""
    i = 0
    for y in partials:
        if abs(x) < abs(y):
            x, y = y, x
        hi = x + y
        lo = y - (hi - x)
        if lo:
            partials[i] = lo
            i += 1
        x = hi
    partials[i:] = [x] if x else []


class MovingAverage(BufferedSlot):
    """Mean of the last ``size`` values added: math.fsum(window) / count, as 0.8 computed it.

    The exact sum of the window is kept incrementally (the partials math.fsum
    builds), so an add costs O(1) instead of a pass over the window, and fsum
    of the partials is the same correctly rounded number. Values fsum treats
    specially -- inf, NaN, or so large that a sum could overflow -- are left
    out of the partials; while the window holds one, fsum(window) decides,
    errors included, exactly as in 0.8.
    """

    __slots__ = ("_size", "_limit", "_window", "_idx", "_full", "_partials", "_specials")

    def _setup(self, size: int):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"moving average size must be a positive int, not {size!r}")
        self._size = size
        self._limit = sys.float_info.max / (2 * size)  # size values this large cannot overflow
        return self

    def _bind(self, buf, offset, write_buffer_offset, value_offset):
        super()._bind(buf, offset, write_buffer_offset, value_offset)
        self._window = array("d", bytes(8 * self._size))
        self._idx = 0
        self._full = False
        self._partials = []
        self._specials = 0

    def _rebuild(self):
        self._partials, self._specials = [], 0
        for v in self._window:
            if abs(v) <= self._limit:
                _grow(self._partials, v)
            else:
                self._specials += 1

    def add(self, value) -> None:
        """Add one value and publish the mean of the window (one update)."""
        window, i, limit = self._window, self._idx, self._limit
        old = window[i]
        window[i] = value  # a wrong type fails here, before any store
        new = window[i]
        p = self._partials
        if abs(new) <= limit:
            _grow(p, new)
        else:
            self._specials += 1
        if abs(old) <= limit:
            _grow(p, -old)
        else:
            self._specials -= 1
        try:
            total = math.fsum(window) if self._specials else math.fsum(p)
            self.set(total / (self._size if self._full else i + 1))
        except BaseException:
            window[i] = old
            self._rebuild()
            raise
        if i == self._size - 1:
            self._idx, self._full = 0, True
        else:
            self._idx = i + 1


class Timer(MovingAverage):
    """Moving average of durations in seconds: ``with stats.t:`` or start()/stop()."""

    __slots__ = ("_timer", "_starts", "_last")

    def _setup(self, size: int, timer=None):
        super()._setup(size)
        self._timer = timer if timer is not None else time.perf_counter
        self._starts = []
        self._last = 0.0
        return self

    def start(self) -> None:
        self._starts.append(self._timer())

    def stop(self) -> float:
        """End the innermost running timing, add its duration; returns it."""
        if not self._starts:
            raise RuntimeError(f"timer {self.label!r}: stop() without start()")
        elapsed = self._timer() - self._starts.pop()
        self.add(elapsed)
        self._last = elapsed
        return elapsed

    @property
    def last(self) -> float:
        """Duration of the last finished timing in seconds (0.0 before the first)."""
        return self._last

    @property
    def elapsed(self) -> float:
        """Seconds since the innermost running timing started (else the last duration)."""
        if self._starts:
            return self._timer() - self._starts[-1]
        return self._last

    def __enter__(self):
        self._starts.append(self._timer())
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
