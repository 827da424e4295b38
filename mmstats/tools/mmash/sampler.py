"""The background thread that samples every file once a tick into the History, aggregated by kind.

What a field becomes follows the one rule of tools._kinds.aggregation (pollstats follows it
too), per process (a version 1 process's thread files combined) and across processes:

- counters (CHANGE): the increase since the previous tick, per process and summed across
  processes (a process seen for the first time adds nothing: its total is not a rate);
  shown as a rate per second over a window the reader picks;
- histograms: the observations of each tick (bucket counts minus the previous tick's)
  as p50, p90 and p99, per process and over all processes' observations;
- levels (SUM: version 2 up-down counters, version 1 integers): the value, summed over live
  processes;
- everything else numeric (SAME: gauges, averages): the value per process, and across
  live processes their min, mean and max; never a sum. Identity fields (pid, tid, uid,
  creation time), strings and constants are not charted.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from .._fieldinfo import describe
from .._kinds import CHANGE, SUM, aggregation, numeric
from . import processes
from .history import History

__all__ = ["Sampler", "Label", "Snapshot", "percentile", "PERCENTILES", "CHARTED"]

PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
CHARTED = frozenset({"counter", "gauge", "updown_counter", "histogram"})
NAN = math.nan
_MAX_PLANS = 4096


@dataclass
class Label:
    """What one label is across the files that have it, as of the last tick."""
    kind: str
    unit: str
    how: str                  # CHANGE, SUM or SAME
    total: float = 0.0        # counters: all processes' totals; levels: the sum over live processes
    count: int = 0            # histograms: observations in all processes
    values: list = field(default_factory=list)   # SAME: live processes' values
    pids: set = field(default_factory=set)       # process keys that have it


@dataclass
class Snapshot:
    """The last tick: what the pages show beside the history."""
    time: float = 0.0
    files: list = field(default_factory=list)        # data.FileStats, each with its writer
    processes: dict = field(default_factory=dict)    # key -> processes.Process
    labels: dict = field(default_factory=dict)       # label -> Label
    problems: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)       # read, skipped, corrupt, unreadable (this tick)
    current: dict = field(default_factory=dict)      # (process key, label) -> its value now (histograms: count)
    seconds: float = 0.0                             # how long the tick took


def percentile(bounds, counts, q: float):
    """The ``q`` quantile of observations counted per bucket (``counts`` per upper bound, not
    cumulative; the last bucket is +Inf), interpolated linearly inside its bucket as Prometheus'
    histogram_quantile does; None without observations. One in the +Inf bucket: the last bound."""
    total = sum(counts)
    if total <= 0:
        return None
    rank, seen = q * total, 0
    for i, c in enumerate(counts):
        if c and seen + c >= rank:
            if i >= len(bounds):                  # the +Inf bucket
                return bounds[-1] if bounds else None
            lower = bounds[i - 1] if i else min(0.0, bounds[0])
            return lower + (bounds[i] - lower) * (rank - seen) / c
        seen += c
    return bounds[-1] if bounds else None


class Sampler:
    def __init__(self, stats, history: History):
        self.stats = stats
        self.history = history
        self.latest = Snapshot()
        self.totals = {"read": 0, "skipped": 0, "corrupt": 0, "unreadable": 0}   # over all ticks
        self.ticks = 0
        self._plans: dict = {}
        self._prev: dict = {}          # (process key, label) -> last total or last bucket counts
        self._commands: dict = {}      # process key -> its command, remembered for when it is gone
        self._stop = threading.Event()
        self._thread = None

    # -- the thread ---------------------------------------------------------------------------------
    def start(self) -> None:
        self.tick()  # the pages have a first sample at once
        self._thread = threading.Thread(target=self._run, name="mmash-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = self.history.interval
        due = time.monotonic() + interval
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            try:
                self.tick()
            except Exception as e:  # a bad tick must not end the history: say it and go on
                import sys
                import traceback
                sys.stderr.write(f"mmash: sampler: {e}\n{traceback.format_exc()}")
            due += interval
            now = time.monotonic()
            if due < now:  # fell behind (a stopped machine): skip the missed ticks
                due = now + interval

    # -- one tick -------------------------------------------------------------------------------------
    def _plan(self, fields):
        entry = self._plans.get(id(fields))
        if entry is not None and entry[0] is fields:
            return entry[1]
        plan = []
        for i, f in enumerate(fields):
            info = describe(f)
            if info.kind in CHARTED:
                plan.append((i, f.label, info.kind, info.unit, aggregation(f)))
        if len(self._plans) >= _MAX_PLANS:
            self._plans.clear()
        self._plans[id(fields)] = (fields, plan)
        return plan

    def tick(self) -> Snapshot:
        started = time.monotonic()
        failed, unreadable, corrupt = [], [], []
        files, problems = self.stats.snapshot(None, failed, unreadable, corrupt, probe=processes.probe)
        now = time.time()
        procs = processes.group((fs.writer for fs in files), self._commands)
        per_process: dict = {}   # (process key, label) -> [kind, how, value or bucket counts, bounds, n]
        labels: dict = {}
        for fs in files:
            pkey = processes.key_of(fs.writer)
            values = fs.values
            for i, label, kind, unit, how in self._plan(fs.fields):
                v = values[i]
                if v is None:
                    continue
                lab = labels.get(label)
                if lab is None:
                    lab = labels[label] = Label(kind, unit, how)
                elif unit and not lab.unit:  # a version 1 file has none: a version 2 file's unit tells
                    lab.unit = unit
                lab.pids.add(pkey)
                key = (pkey, label)
                acc = per_process.get(key)
                if kind == "histogram":
                    counts = _bucket_counts(v)
                    bounds = tuple(b["le"] for b in v["buckets"][:-1])
                    if acc is None:
                        per_process[key] = [kind, how, counts, bounds, 1]
                    elif acc[3] == bounds:
                        acc[2] = [a + b for a, b in zip(acc[2], counts)]
                    continue
                if not numeric(v):
                    continue
                v = float(v)
                if acc is None:
                    per_process[key] = [kind, how, v, None, 1]
                else:
                    acc[2] += v
                    acc[4] += 1
        current = self._store(now, per_process, labels, procs)
        skipped = len(failed) - len(unreadable) - len(corrupt)
        counts = {"read": len(files), "skipped": skipped, "corrupt": len(corrupt), "unreadable": len(unreadable)}
        for k, n in counts.items():
            self.totals[k] += n
        self.ticks += 1
        self.latest = Snapshot(now, files, procs, labels, problems, counts, current, time.monotonic() - started)
        return self.latest

    def _store(self, now, per_process, labels, procs) -> dict:
        """Put this tick's values into the history; returns each process's current values."""
        prev, nxt, current = self._prev, {}, {}
        rows = []                      # (key, value) to put, computed before the history is locked
        increase: dict = {}            # label -> counters' increase over processes
        observed: dict = {}            # label -> (bounds, this tick's bucket counts over processes)
        dead_keys = {k for k, p in procs.items() if p.dead}
        for (pkey, label), (kind, how, v, bounds, n) in per_process.items():
            lab = labels[label]
            dead = pkey in dead_keys
            if kind == "histogram":
                before = prev.get((pkey, label))
                nxt[(pkey, label)] = (bounds, v)
                lab.count += sum(v)
                current[(pkey, label)] = sum(v)
                delta = None
                if before is not None and before[0] == bounds:
                    delta = [c - b if c >= b else c for c, b in zip(v, before[1])]
                for name, q in PERCENTILES:
                    p = percentile(bounds, delta, q) if delta is not None else None
                    rows.append((("p", pkey, label, name), NAN if p is None else p))
                if delta is not None:
                    seen = observed.get(label)
                    if seen is None:
                        observed[label] = (bounds, delta)
                    elif seen[0] == bounds:
                        observed[label] = (bounds, [a + b for a, b in zip(seen[1], delta)])
                else:
                    observed.setdefault(label, (bounds, None))
            elif how == CHANGE:
                before = prev.get((pkey, label))
                nxt[(pkey, label)] = v
                inc = None if before is None else (v - before if v >= before else v)  # fell: restarted
                rows.append((("p", pkey, label, "inc"), NAN if inc is None else inc))
                increase[label] = increase.get(label, 0.0) + (inc or 0.0)
                lab.total += v
                current[(pkey, label)] = v
            else:
                value = v if how == SUM else v / n   # a process's thread files: levels add, gauges average
                current[(pkey, label)] = value
                rows.append((("p", pkey, label, "value"), value))
                if not dead:
                    if how == SUM:
                        lab.total += value
                    else:
                        lab.values.append(value)
        for label, lab in labels.items():
            if lab.kind == "histogram":
                bounds, counts = observed.get(label, ((), None))
                for name, q in PERCENTILES:
                    p = percentile(bounds, counts, q) if counts is not None else None
                    rows.append((("a", label, name), NAN if p is None else p))
            elif lab.how == CHANGE:
                rows.append((("a", label, "inc"), increase.get(label, 0.0)))
            elif lab.how == SUM:
                rows.append((("a", label, "sum"), lab.total if lab.pids else NAN))
            elif lab.values:
                vals = lab.values
                rows.extend([(("a", label, "min"), min(vals)), (("a", label, "mean"), sum(vals) / len(vals)),
                             (("a", label, "max"), max(vals))])
        self._prev = nxt
        h = self.history
        h.begin(now)
        try:
            for key, value in rows:
                h.put(key, value)
        finally:
            h.end()
        return current


def _bucket_counts(value) -> list:
    """Per-bucket counts of a decoded histogram (the reader gives them cumulative, per upper bound)."""
    out, before = [], 0
    for b in value["buckets"]:
        out.append(b["count"] - before)
        before = b["count"]
    return out

