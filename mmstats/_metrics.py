"""Slots with a little state of their own: averages and timers (type d, buffered).

They subclass the active BufferedSlot (C or pure Python), keep their running
state in Python and publish each new average with one set(). Binding to new
memory (a new file after fork) starts the state afresh, like the file.
"""
from __future__ import annotations

import math
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


class MovingAverage(BufferedSlot):
    """Mean of the last ``size`` values added."""

    __slots__ = ("_size", "_window", "_idx", "_full")

    def _setup(self, size: int):
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"moving average size must be a positive int, not {size!r}")
        self._size = size
        return self

    def _bind(self, buf, offset, write_buffer_offset, value_offset):
        super()._bind(buf, offset, write_buffer_offset, value_offset)
        self._window = array("d", bytes(8 * self._size))
        self._idx = 0
        self._full = False

    def add(self, value) -> None:
        """Add one value and publish the mean of the window (one update)."""
        window, i = self._window, self._idx
        old = window[i]
        window[i] = value  # a wrong type fails here, before any store
        try:
            self.set(math.fsum(window) / (self._size if self._full else i + 1))
        except BaseException:
            window[i] = old
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
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
