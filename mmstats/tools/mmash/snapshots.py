"""Reads of the stats directory shared by the sampler and /metrics, each with its age.

The sampler reads every file once a tick; a scrape that arrives within ``max_age``
seconds of the start of the newest read answers from it instead of reading every
file again. A read's age counts from the moment it began (before its first file),
so every value of a reused read is at most ``max_age`` old when the scrape asks (a
read still in progress that began recently enough is waited for);
an older one is never reused, nor one that missed files the system refused to read:
the scrape reads afresh, and that read is then the newest for whoever asks next.

Scrapes go first (``Turns``): while a scrape reads or renders, the sampler waits at its next
file or step instead of sharing the interpreter with it.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

__all__ = ["Taken", "Snapshots", "Turns", "GiveWay", "DEFAULT_MAX_AGE"]

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


class Turns:
    """Who runs first: a scrape, while it reads or renders (``first``), holds the sampler back at its
    next ``GiveWay`` check; the sampler never holds a lock a scrape needs while it waits there."""

    def __init__(self):
        self.scraping = 0   # scrapes reading or rendering now (read without the lock: one int)
        self._cond = threading.Condition()

    @contextmanager
    def first(self):
        with self._cond:
            self.scraping += 1
        try:
            yield
        finally:
            with self._cond:
                self.scraping -= 1
                if not self.scraping:
                    self._cond.notify_all()

    def wait(self, timeout: float) -> None:
        """Until no scrape runs, at most ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: not self.scraping, timeout)


class GiveWay:
    """One sampler read's (or tick's) yielding to scrapes: ``waiting`` says a scrape runs, calling it waits
    for the scrapes to end; at most ``budget`` seconds in all, so that scrapes back to back slow the
    sampler down but never stop it."""

    __slots__ = ("turns", "left", "given")

    def __init__(self, turns: Turns, budget: float):
        self.turns, self.left, self.given = turns, budget, 0.0

    @property
    def waiting(self) -> bool:
        return self.turns.scraping > 0 and self.left > 0

    def __call__(self) -> None:
        if self.waiting:
            began = time.monotonic()
            self.turns.wait(self.left)
            spent = time.monotonic() - began
            self.left -= spent
            self.given += spent


class Snapshots:
    """The newest read per glob of one StatsDir. Thread-safe."""

    def __init__(self, stats, clock=time.monotonic):
        self.stats = stats
        self.clock = clock
        self.turns = Turns()
        self._latest: dict[str, Taken] = {}
        self._reading: dict[str, float] = {}   # glob -> when the newest read in progress began
        self._generations = itertools.count(1)
        self._done = threading.Condition()

    def take(self, pattern: str | None = None, corrupt: list | None = None, probe=None,
             give_way: GiveWay | None = None) -> Taken:
        """Read every file now (StatsDir.snapshot) and publish the result as the newest read, unless a
        read that began later was published meanwhile. ``give_way``: the sampler's read, which waits
        between files while a scrape runs (its values only get newer for it); without it, the read
        is a scrape's and goes first."""
        pattern = pattern or self.stats.default_glob
        failed, unreadable = [], []
        started = self.clock()
        with self._done:
            if self._reading.get(pattern, -math.inf) < started:
                self._reading[pattern] = started
        try:
            if give_way is None:
                with self.turns.first():
                    files, problems = self.stats.snapshot(pattern, failed, unreadable, corrupt, probe=probe)
            else:
                files, problems = self.stats.snapshot(pattern, failed, unreadable, corrupt, probe=probe,
                                                      give_way=give_way)
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
