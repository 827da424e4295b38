"""Reads of the stats directory shared by the sampler and /metrics, each with its age.

The sampler reads every file once a tick; a scrape that arrives within ``max_age``
seconds of the start of the newest read answers from it instead of reading every
file again. A read's age counts from the moment it began (before its first file),
so every value of a reused read is at most ``max_age`` old when the scrape asks (a
read still in progress that began recently enough is waited for);
an older one is never reused, nor one that missed files the system refused to read:
the scrape reads afresh, and that read is then the newest for whoever asks next.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from dataclasses import dataclass, field

__all__ = ["Taken", "Snapshots", "DEFAULT_MAX_AGE"]

DEFAULT_MAX_AGE = 1.0  # seconds: the sampler's default interval


@dataclass(frozen=True)
class Taken:
    """One read of the files matching ``pattern``."""
    pattern: str
    started: float            # the clock before the first file was read: the age of the oldest value
    generation: int           # grows with every read published; a new one means new values
    files: list               # data.FileStats
    problems: list
    failed: list = field(default_factory=list)       # there, but not read this time
    unreadable: list = field(default_factory=list)   # ... of them, refused by the system


class Snapshots:
    """The newest read per glob of one StatsDir. Thread-safe."""

    def __init__(self, stats, clock=time.monotonic):
        self.stats = stats
        self.clock = clock
        self._latest: dict[str, Taken] = {}
        self._reading: dict[str, float] = {}   # glob -> when the newest read in progress began
        self._generations = itertools.count(1)
        self._done = threading.Condition()

    def take(self, pattern: str | None = None, corrupt: list | None = None, probe=None) -> Taken:
        """Read every file now (StatsDir.snapshot) and publish the result as the newest read, unless a
        read that began later was published meanwhile."""
        pattern = pattern or self.stats.default_glob
        failed, unreadable = [], []
        started = self.clock()
        with self._done:
            if self._reading.get(pattern, -math.inf) < started:
                self._reading[pattern] = started
        try:
            files, problems = self.stats.snapshot(pattern, failed, unreadable, corrupt, probe=probe)
        except BaseException:
            with self._done:
                self._finished(pattern, started)
            raise
        with self._done:
            self._finished(pattern, started)
            taken = Taken(pattern, started, next(self._generations), files, problems, failed, unreadable)
            old = self._latest.get(pattern)
            if old is None or old.started <= started:
                if old is None and len(self._latest) >= 16:  # a bounded number of globs remembered
                    self._latest.pop(next(iter(self._latest)))
                self._latest[pattern] = taken
        return taken

    def _finished(self, pattern, started) -> None:
        """A read ended (under the condition's lock): whoever waits for it looks again."""
        if self._reading.get(pattern) == started:
            del self._reading[pattern]
        self._done.notify_all()

    def age(self, taken: Taken) -> float:
        return self.clock() - taken.started

    def fresh(self, pattern: str | None = None, max_age: float = DEFAULT_MAX_AGE) -> Taken:
        """The newest read of ``pattern`` if it began at most ``max_age`` seconds ago and read every file
        it found readable, else a new one. A read in progress that began recently enough is waited for
        (a new read would wait for it anyway, then read every file again)."""
        pattern = pattern or self.stats.default_glob
        if max_age > 0:
            since = self.clock() - max_age   # a read that began at or after this is recent enough
            with self._done:
                while True:
                    taken = self._latest.get(pattern)
                    if taken is not None and not taken.unreadable and taken.started >= since:
                        return taken
                    if self._reading.get(pattern, -math.inf) < since:
                        break
                    self._done.wait()
        return self.take(pattern)
