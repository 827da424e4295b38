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
import operator
import threading
import time
from dataclasses import dataclass, field

from .._fieldinfo import describe
from .._kinds import CHANGE, SUM, aggregation, numeric
from . import processes
from .history import History
from .snapshots import GiveWay, Snapshots

__all__ = ["Sampler", "Label", "Snapshot", "percentile", "PERCENTILES", "CHARTED"]

PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
CHARTED = frozenset({"counter", "gauge", "updown_counter", "histogram"})
NAN = math.nan
_MAX_PLANS = 4096
_NUMBERS = frozenset({int, float, bool})
_STEP = 63   # files between two looks at whether a scrape waits (GiveWay)
_ROWS = 4096   # history rows stored between two such looks
GIVE_WAY_SECONDS = 10.0   # a tick's waits for scrapes in all: Prometheus's default scrape timeout


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
    seconds: float = 0.0                             # how long the tick took (waits for scrapes left out)


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


class _Plan:
    """What one file layout gives a tick: its charted fields, the scalar ones (every kind but
    histograms) taken out of a file's values in one C call, and where among those the counters are."""

    __slots__ = ("fields", "charted", "histograms", "scalars", "take", "change", "other", "position", "columnar")

    def __init__(self, fields):
        self.fields = fields
        self.charted = []
        for i, f in enumerate(fields):
            info = describe(f)
            if info.kind in CHARTED:
                self.charted.append((i, f.label, info.kind, info.unit, aggregation(f)))
        self.histograms = [c for c in self.charted if c[2] == "histogram"]
        self.scalars = [c for c in self.charted if c[2] != "histogram"]
        index = [c[0] for c in self.scalars]
        self.take = _getter(index)
        self.change = [k for k, c in enumerate(self.scalars) if c[4] == CHANGE]
        self.other = [k for k, c in enumerate(self.scalars) if c[4] != CHANGE]
        self.position = {c[1]: k for k, c in enumerate(self.scalars)}
        # a label twice (version 2: one per set of attributes) adds up per process: field by field, then
        self.columnar = bool(self.scalars) and len(self.position) == len(self.scalars)


class _Keys:
    """One process's keys for one layout (made once, reused every tick while both last)."""

    __slots__ = ("plan", "change_labels", "change_rows", "other_rows", "refused")

    def __init__(self, pkey, plan):
        self.plan = plan
        labels = [c[1] for c in plan.scalars]
        self.change_labels = [labels[k] for k in plan.change]
        self.change_rows = [("p", pkey, labels[k], "inc") for k in plan.change]
        self.other_rows = [("p", pkey, labels[k], "value") for k in plan.other]
        self.refused = {}   # id(rows) -> the history's drops when it last refused them all (History.refuses)


class Sampler:
    def __init__(self, stats, history: History, snapshots: Snapshots | None = None):
        self.stats = stats
        self.snapshots = snapshots if snapshots is not None else Snapshots(stats)
        self.history = history
        self.latest = Snapshot()
        self.totals = {"read": 0, "skipped": 0, "corrupt": 0, "unreadable": 0}   # over all ticks
        self.ticks = 0
        self._plans: dict = {}
        self._keys: dict = {}          # (process key, id(plan)) -> _Keys
        self._prev: dict = {}          # (process key, label) -> last total or last bucket counts;
                                       # process key -> (plan, its counters' totals) for one-file processes
        self._commands: dict = {}      # process key -> its command, remembered for when it is gone
        self._way = GiveWay(self.snapshots.turns, 0.0)   # this tick's yielding to scrapes
        self._stop = threading.Event()
        self._thread = None

    # -- the thread ---------------------------------------------------------------------------------
    def start(self) -> None:
        began = time.monotonic()
        self.tick()  # the pages have a first sample at once
        spent = time.monotonic() - began
        self._thread = threading.Thread(target=self._run, args=(spent,), name="mmash-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self, first: float = 0.0) -> None:
        """Tick every interval; ``first``: how long the first tick took (rested after like any other)."""
        interval = self.history.interval
        due = time.monotonic() + max(interval, first)
        while not self._stop.wait(max(0.0, due - time.monotonic())):
            began = time.monotonic()
            try:
                self.tick()
            except Exception as e:  # a bad tick must not end the history: say it and go on
                import sys
                import traceback
                sys.stderr.write(f"mmash: sampler: {e}\n{traceback.format_exc()}")
            due += interval
            now = time.monotonic()
            if due < now:  # fell behind (a stopped machine, or ticks longer than the interval): skip the
                # missed ticks, and rest as long as the tick worked (its waits for scrapes left out), so
                # the sampler never takes more than half of the process's time from the scrapes and
                # pages it serves
                due = now + max(interval, now - began - self._way.given)

    # -- one tick -------------------------------------------------------------------------------------
    def _plan(self, fields) -> _Plan:
        plan = self._plans.get(id(fields))
        if plan is not None and plan.fields is fields:
            return plan
        if len(self._plans) >= _MAX_PLANS:
            self._plans.clear()
        plan = self._plans[id(fields)] = _Plan(fields)
        return plan

    def _keys_of(self, pkey, plan) -> _Keys:
        keys = self._keys.get((pkey, id(plan)))
        if keys is None or keys.plan is not plan:
            keys = self._keys[(pkey, id(plan))] = _Keys(pkey, plan)
        return keys

    def tick(self) -> Snapshot:
        started = time.monotonic()
        # scrapes go first: the tick waits for them between files and steps
        way = self._way = GiveWay(self.snapshots.turns, GIVE_WAY_SECONDS)
        corrupt: list = []
        taken = self.snapshots.take(None, corrupt, probe=processes.probe, give_way=way)
        way()
        files, problems, failed, unreadable = taken.files, taken.problems, taken.failed, taken.unreadable
        now = time.time()
        procs = processes.group((fs.writer for fs in files), self._commands)
        key_of = processes.key_of
        pkeys = [key_of(fs.writer) for fs in files]
        files_of: dict = {}
        for pkey in pkeys:
            files_of[pkey] = files_of.get(pkey, 0) + 1
        per_process: dict = {}   # (process key, label) -> [kind, how, value or bucket counts, bounds, n]
        labels: dict = {}
        blocks: dict = {}        # id(plan) -> (plan, [(process key, scalar values)]): one-file processes
        for n, (fs, pkey) in enumerate(zip(files, pkeys)):
            if not n & _STEP:
                way()
            plan = self._plan(fs.fields)
            values = fs.values
            charted = plan.charted
            if files_of[pkey] == 1 and plan.columnar:
                row = plan.take(values)
                if _NUMBERS.issuperset(map(type, row)):  # the usual file: every value a number
                    block = blocks.get(id(plan))
                    if block is None:
                        block = blocks[id(plan)] = (plan, [])
                        self._bind(plan.scalars, labels)
                    block[1].append((pkey, row))
                    charted = plan.histograms
            for i, label, kind, unit, how in charted:
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
        current = self._store(now, per_process, list(blocks.values()), labels, procs)
        skipped = len(failed) - len(unreadable) - len(corrupt)
        counts = {"read": len(files), "skipped": skipped, "corrupt": len(corrupt), "unreadable": len(unreadable)}
        for k, n in counts.items():
            self.totals[k] += n
        self.ticks += 1
        if len(self._keys) > 2 * len(files) + 1024:  # processes gone: their keys with them
            self._keys.clear()
        self.latest = Snapshot(now, files, procs, labels, problems, counts, current,
                               time.monotonic() - started - way.given)
        return self.latest

    @staticmethod
    def _bind(scalars, labels) -> None:
        """The Labels of a layout's scalar fields, made where this tick has not met them yet."""
        for _, label, kind, unit, how in scalars:
            lab = labels.get(label)
            if lab is None:
                labels[label] = Label(kind, unit, how)
            elif unit and not lab.unit:
                lab.unit = unit

    def _store(self, now, per_process, blocks, labels, procs) -> dict:
        """Put this tick's values into the history; returns each process's current values."""
        prev, nxt, current = self._prev, {}, _Current()
        keys, values = [], []          # the history's rows, computed before it is locked
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
                    keys.append(("p", pkey, label, name))
                    values.append(NAN if p is None else p)
                if delta is not None:
                    seen = observed.get(label)
                    if seen is None:
                        observed[label] = (bounds, delta)
                    elif seen[0] == bounds:
                        observed[label] = (bounds, [a + b for a, b in zip(seen[1], delta)])
                else:
                    observed.setdefault(label, (bounds, None))
            elif how == CHANGE:
                before = _before(prev, pkey, label)
                nxt[(pkey, label)] = v
                inc = None if before is None else (v - before if v >= before else v)  # fell: restarted
                keys.append(("p", pkey, label, "inc"))
                values.append(NAN if inc is None else inc)
                increase[label] = increase.get(label, 0.0) + (inc or 0.0)
                lab.total += v
                current[(pkey, label)] = v
            else:
                value = v if how == SUM else v / n   # a process's thread files: levels add, gauges average
                current[(pkey, label)] = value
                keys.append(("p", pkey, label, "value"))
                values.append(value)
                if not dead:
                    if how == SUM:
                        lab.total += value
                    else:
                        lab.values.append(value)
        for plan, rows in blocks:
            self._way()
            self._store_block(plan, rows, labels, dead_keys, prev, nxt, current, increase, keys, values)
        own_keys, own_values = keys, values   # each process's rows; the rows across processes go in first,
        keys, values = [], []                 # so that a full history keeps those before any process's
        for label, lab in labels.items():
            if lab.kind == "histogram":
                bounds, counts = observed.get(label, ((), None))
                for name, q in PERCENTILES:
                    p = percentile(bounds, counts, q) if counts is not None else None
                    keys.append(("a", label, name))
                    values.append(NAN if p is None else p)
            elif lab.how == CHANGE:
                keys.append(("a", label, "inc"))
                values.append(increase.get(label, 0.0))
            elif lab.how == SUM:
                keys.append(("a", label, "sum"))
                values.append(lab.total if lab.pids else NAN)
            elif lab.values:
                vals = lab.values
                keys.extend([("a", label, "min"), ("a", label, "mean"), ("a", label, "max")])
                values.extend([min(vals), sum(vals) / len(vals), max(vals)])
        self._prev = nxt
        h = self.history
        h.begin(now)
        try:
            for ks, vs in ((keys, values), (own_keys, own_values)):
                for at in range(0, len(ks), _ROWS):   # a scrape waits for one chunk at most (scrapes
                    self._way()                       # never need the history's lock; pages may wait)
                    h.put_many(ks[at:at + _ROWS], vs[at:at + _ROWS])
        finally:
            h.end()
        return current

    def _store_block(self, plan, rows, labels, dead_keys, prev, nxt, current, increase, keys, values) -> None:
        """The one-file processes of one layout, column by column: the same values, increases and
        totals as the per-field loop above gives a process of one file. A process's row of values is
        kept whole (``current.rows``, ``nxt`` under the process key), not split into a key per field."""
        scalars, change, other = plan.scalars, plan.change, plan.other
        pkeys = [pkey for pkey, _ in rows]
        for _, label, *_ in scalars:
            labels[label].pids.update(pkeys)
        take_change = _getter(change)
        take_other = _getter(other)
        totals = [0.0] * len(change)
        incs_sum = [0.0] * len(change)
        live = []
        history = self.history
        way = self._way
        for n, (pkey, row) in enumerate(rows):
            if not n & _STEP:
                way()
            k = self._keys_of(pkey, plan)
            now = tuple(map(float, row))
            current.rows[pkey] = (plan, now)
            if change:
                counts = take_change(now)
                nxt[pkey] = (plan, counts)
                before = prev.get(pkey)
                if before is not None and before[0] is plan:
                    before = before[1]
                else:
                    before = [_before(prev, pkey, label) for label in k.change_labels]
                totals = list(map(operator.add, totals, counts))
                incs = None if None in before else list(map(operator.sub, counts, before))
                if incs is not None and min(incs, default=0.0) >= 0:  # the usual tick: every counter known, none fell
                    incs_sum = list(map(operator.add, incs_sum, incs))
                else:
                    incs = [None if b is None else (v - b if v >= b else v)  # fell: restarted
                            for v, b in zip(counts, before)]
                    incs_sum = list(map(operator.add, incs_sum, [i or 0.0 for i in incs]))
                    incs = [NAN if i is None else i for i in incs]
                if history.refuses(k.change_rows, k.refused):
                    history.refused += len(incs)
                else:
                    keys.extend(k.change_rows)
                    values.extend(incs)
            if other:
                levels = take_other(now)
                if history.refuses(k.other_rows, k.refused):
                    history.refused += len(levels)
                else:
                    keys.extend(k.other_rows)
                    values.extend(levels)
                if pkey not in dead_keys:
                    live.append(levels)
        for j, c in enumerate(change):
            label = scalars[c][1]
            labels[label].total += totals[j]
            increase[label] = increase.get(label, 0.0) + incs_sum[j]
        for j, c in enumerate(other):
            _, label, _, _, how = scalars[c]
            lab = labels[label]
            if how == SUM:
                lab.total += sum(r[j] for r in live)
            else:
                lab.values.extend(r[j] for r in live)


class _Current(dict):
    """(process key, label) -> a process's value now: the per-field entries, and the whole rows of
    processes of one file (``rows``: process key -> (plan, its scalar values)), looked up when asked."""

    def __init__(self):
        super().__init__()
        self.rows: dict = {}

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        entry = self.rows.get(key[0])
        if entry is not None:
            k = entry[0].position.get(key[1])
            if k is not None:
                return entry[1][k]
        return default


def _before(prev, pkey, label):
    """A counter's total at the last tick, from the per-field entries or a process's whole row."""
    value = prev.get((pkey, label))
    if value is None:
        entry = prev.get(pkey)
        if entry is not None:
            plan, counts = entry
            k = plan.position.get(label)
            if k is not None and k in plan.change:
                value = counts[plan.change.index(k)]
    return value


def _getter(positions):
    """A function giving the items of a sequence at ``positions`` as a tuple."""
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    if positions:
        return lambda seq, i=positions[0]: (seq[i],)
    return lambda seq: ()


def _bucket_counts(value) -> list:
    """Per-bucket counts of a decoded histogram (the reader gives them cumulative, per upper bound)."""
    out, before = [], 0
    for b in value["buckets"]:
        out.append(b["count"] - before)
        before = b["count"]
    return out

