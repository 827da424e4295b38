"""Reads of the stats directory shared by the sampler and /metrics, each with its age.

The sampler reads every file once a tick; a scrape that arrives within ``max_age``
seconds of the start of the newest read answers from it instead of reading every
file again. A read's age counts from the moment it began (before its first file),
so every value of a reused read is at most ``max_age`` old when the scrape asks;
an older one is never reused, nor one that missed files the system refused to read:
the scrape reads afresh, and that read is then the newest for whoever asks next.
"""
from __future__ import annotations

import itertools
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
        self._generations = itertools.count(1)
        self._lock = threading.Lock()

    def take(self, pattern: str | None = None, corrupt: list | None = None, probe=None) -> Taken:
        """Read every file now (StatsDir.snapshot) and publish the result as the newest read, unless a
        read that began later was published meanwhile."""
        pattern = pattern or self.stats.default_glob
        failed, unreadable = [], []
        started = self.clock()
        files, problems = self.stats.snapshot(pattern, failed, unreadable, corrupt, probe=probe)
        with self._lock:
            taken = Taken(pattern, started, next(self._generations), files, problems, failed, unreadable)
            old = self._latest.get(pattern)
            if old is None or old.started <= started:
                if old is None and len(self._latest) >= 16:  # a bounded number of globs remembered
                    self._latest.pop(next(iter(self._latest)))
                self._latest[pattern] = taken
        return taken

    def age(self, taken: Taken) -> float:
        return self.clock() - taken.started

    def fresh(self, pattern: str | None = None, max_age: float = DEFAULT_MAX_AGE) -> Taken:
        """The newest read of ``pattern`` if it began at most ``max_age`` seconds ago and read every file
        it found readable, else a new one."""
        pattern = pattern or self.stats.default_glob
        taken = self._latest.get(pattern)
        if taken is not None and not taken.unreadable and max_age > 0 and self.age(taken) <= max_age:
            return taken
        return self.take(pattern)
