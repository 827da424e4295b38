"""The server's memory of the recent past: one ring buffer per series, all on one clock.

Every sample (one tick of the sampler) stores its time once in the clock's ring and
one float64 per series; a series missing at a tick holds NaN there. So the memory is
bounded by ``max_series * capacity * 8`` bytes of values (plus a small fixed cost per
series), ``capacity = history seconds / interval``: the default 15 minutes at 1 s and
10,000 series are 900 points and at most 72 MB. A series past ``max_series`` is not
kept (counted in ``refused``); one with no value for a whole capacity is dropped.

Counters are stored as the increase at each tick, so a rate over any window is a sum
over the ring divided by the time it spans, computed when asked (``rate``).
"""
from __future__ import annotations

import math
import threading
from array import array

__all__ = ["History", "DEFAULT_SECONDS", "DEFAULT_INTERVAL", "DEFAULT_MAX_SERIES"]

DEFAULT_SECONDS = 900.0
DEFAULT_INTERVAL = 1.0
DEFAULT_MAX_SERIES = 10_000
NAN = math.nan


class _Ring:
    __slots__ = ("values", "last")

    def __init__(self, capacity: int):
        self.values = array("d", [NAN]) * capacity
        self.last = -1  # the tick of the newest value


class History:
    """Thread-safe: the sampler writes one tick at a time (begin, put..., end); readers copy."""

    def __init__(self, seconds: float = DEFAULT_SECONDS, interval: float = DEFAULT_INTERVAL,
                 max_series: int = DEFAULT_MAX_SERIES):
        self.interval = interval
        self.capacity = max(2, int(round(seconds / interval)))
        self.max_series = max_series
        self.times = array("d", [NAN]) * self.capacity
        self.ticks = 0          # ticks begun so far; the current one is ticks - 1
        self.refused = 0        # series not kept for want of room
        self.drops = 0          # series dropped so far (room made)
        self._series: dict = {}
        self.lock = threading.Lock()

    @property
    def bytes_bound(self) -> int:
        """The values' memory at most: every series full."""
        return (self.max_series + 1) * self.capacity * 8

    # -- writing (the sampler) ------------------------------------------------------------------
    def begin(self, now: float) -> None:
        self.lock.acquire()
        self.times[self.ticks % self.capacity] = now
        self.ticks += 1

    def put(self, key, value: float) -> None:
        """``value`` of series ``key`` at the current tick."""
        ring = self._series.get(key)
        if ring is None:
            if len(self._series) >= self.max_series:
                self.refused += 1
                return
            ring = self._series[key] = _Ring(self.capacity)
        tick, cap, values = self.ticks - 1, self.capacity, ring.values
        for gap in range(max(ring.last + 1, tick - cap + 1), tick):  # ticks it missed
            values[gap % cap] = NAN
        values[tick % cap] = value
        ring.last = tick

    def put_many(self, keys, values) -> None:
        """put() of each key with its value (the loop of a whole tick, without a call per value)."""
        series, cap, tick = self._series, self.capacity, self.ticks - 1
        slot, max_series = tick % cap, self.max_series
        for key, value in zip(keys, values):
            ring = series.get(key)
            if ring is None:
                if len(series) >= max_series:
                    self.refused += 1
                    continue
                ring = series[key] = _Ring(cap)
            if ring.last != tick - 1:
                for gap in range(max(ring.last + 1, tick - cap + 1), tick):  # ticks it missed
                    ring.values[gap % cap] = NAN
            ring.values[slot] = value
            ring.last = tick

    def refuses(self, keys, memo: dict) -> bool:
        """Would put() refuse every one of ``keys`` (the history full, none of them held)? For the
        writer only. ``memo``, kept by the caller, remembers a yes until the history drops a series."""
        if len(self._series) < self.max_series:
            return False
        if memo.get(id(keys)) == self.drops:
            return True
        series = self._series
        if any(k in series for k in keys):
            return False
        memo[id(keys)] = self.drops
        return True

    def end(self) -> None:
        """Close the tick: series silent for a whole capacity are dropped."""
        try:
            oldest = self.ticks - self.capacity
            for key in [k for k, r in self._series.items() if r.last < oldest]:
                del self._series[key]
                self.drops += 1
        finally:
            self.lock.release()

    # -- reading -------------------------------------------------------------------------------------
    def span(self, since: float | None = None) -> tuple[int, int]:
        """(first tick, end tick) held, from the first after ``since`` (unix seconds) when given."""
        end = self.ticks
        first = max(0, end - self.capacity)
        if since is not None:
            while first < end and not self.times[first % self.capacity] > since:
                first += 1
        return first, end

    def clock(self, first: int, end: int) -> list:
        return [self.times[t % self.capacity] for t in range(first, end)]

    def values(self, key, first: int, end: int) -> list:
        """The series' values at ticks [first, end) (None: no value), all None for an unknown key."""
        ring = self._series.get(key)
        if ring is None:
            return [None] * (end - first)
        cap, vals, last = self.capacity, ring.values, ring.last
        out = []
        for t in range(first, end):
            v = vals[t % cap] if t <= last and t > last - cap else NAN
            out.append(None if v != v else v)
        return out

    def rate(self, key, first: int, end: int, window_ticks: int) -> list:
        """Per second over the last ``window_ticks`` ticks (fewer at the start of the history) at each
        tick in [first, end): the increases after the window's first tick summed, divided by the time
        from that tick; None where no increase is known."""
        start = max(first - window_ticks, end - self.capacity, 0)
        inc = self.values(key, start, end)
        times = self.clock(start, end)
        total, known = [0.0], [0]   # prefix sums
        for v in inc:
            total.append(total[-1] + (v or 0.0))
            known.append(known[-1] + (v is not None))
        out = []
        for i in range(first - start, end - start):
            base = max(0, i - window_ticks)
            n = known[i + 1] - known[base + 1]
            dt = times[i] - times[base]
            out.append((total[i + 1] - total[base + 1]) / dt if i > base and n and dt > 0 else None)
        return out

    def keys(self) -> list:
        with self.lock:
            return list(self._series)

    def __len__(self) -> int:
        return len(self._series)
