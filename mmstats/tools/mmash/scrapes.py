"""/metrics answers: from the newest read of the files within the age bound, each exposition
rendered once per read.

Between two reads nothing a scrape shows can change but the liveness of writers, which the
exposition of that read already says as of its rendering; so a second scrape of one read (the
same glob, aggregation, gauge rule and format) gets the same bytes without rendering again.
Reads and renderings happen under one lock, in the order reads were published, so what
``sum`` mode keeps of files that went away only ever moves forward; the sampler gives way to
both (snapshots.Turns).
"""
from __future__ import annotations

import threading

from .snapshots import Snapshots, Taken

__all__ = ["Scrapes"]

_MAX_RENDERED = 256


class Scrapes:
    def __init__(self, snapshots: Snapshots, exporter, gauge_rules=()):
        self.snapshots = snapshots
        self.exporter = exporter
        self.gauge_rules = tuple(gauge_rules)
        self._rendered: dict = {}   # (glob, aggregate, gauge, openmetrics) -> (generation, bytes)
        self._lock = threading.Lock()

    def answer(self, pattern: str | None, aggregate: str, gauge: str, openmetrics: bool,
               max_age: float) -> tuple[Taken, bytes | None]:
        """(the read answered from, its exposition); no exposition when some file was unreadable."""
        with self._lock:
            taken = self.snapshots.fresh(pattern, max_age)
            if taken.unreadable:
                return taken, None
            key = (taken.pattern, aggregate, gauge, openmetrics)
            done = self._rendered.get(key)
            if done is not None and done[0] == taken.generation:
                return taken, done[1]
            scrape = {"read": len(taken.files), "skipped": len(taken.failed), "unreadable": 0}
            with self.snapshots.turns.first():   # the sampler waits meanwhile
                body = self.exporter.render(taken.files, aggregate, gauge, openmetrics, taken.failed,
                                            taken.pattern, self.gauge_rules, scrape)
            for old in [k for k, (g, _) in self._rendered.items() if k[0] == taken.pattern and g != taken.generation]:
                del self._rendered[old]   # an older read's answers are never given again: their memory goes
            if len(self._rendered) >= _MAX_RENDERED:
                self._rendered.clear()
            self._rendered[key] = (taken.generation, body)
            return taken, body
