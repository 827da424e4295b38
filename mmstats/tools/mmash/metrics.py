"""/metrics: mmstats files as Prometheus metrics, aggregated across processes.

Every field is first described (tools._fieldinfo.describe: kind, unit, help,
attributes; from the file's own metadata where it has some, by the spec's rules
for version 1), and that record alone decides what the field becomes:

- counter: a counter (``_total``); up-down counter, gauge, constant: a gauge;
  histogram: ``_bucket``/``_sum``/``_count``; a short string: an ``_info`` series
  whose ``value`` label holds the text (longer strings are left out);
- the writer's identity (``sys.pid``, ``sys.uid``, ``sys.gid``, ``sys.created``,
  the runtime version, and the command from the default file name
  ``{CMD}-{PID}-{TID}.mmstats``) is one ``mmstats_process_info`` series per process,
  with ``mmstats_process_start_time_seconds`` and ``mmstats_process_alive``, never
  gauges of pids (``sum`` mode counts processes instead: ``mmstats_processes``);
  thread ids are left out.

Aggregation (``--aggregate``, or ``?aggregate=`` per request):

- ``process`` (default): one series per process (``pid`` label); its thread files
  are added up (counters, up-down counters, histograms) or combined by the gauge rule;
- ``sum``: one series per metric. Counters and histograms add up every file in the
  directory, those of processes that have exited included; and a file that goes
  away (removed, or replaced by another writer at its name) leaves its last values
  behind in this server's memory, so a total never goes backwards when a worker
  exits or restarts. Up-down counters add up live processes only;
- ``file``: one series per file (``file`` and ``pid`` labels), as v1 writes them: per thread.

Gauges and constants follow the gauge rule (``--gauge``, ``?gauge=``; per field
``--gauge-rule 'GLOB=RULE'``, the first matching label glob winning): ``pid``
(default; one series per live process, in ``sum`` mode too: a version 1 gauge
may be an average or a time, which no sum, minimum or maximum suits), ``max``,
``min``, ``sum`` or ``last`` (the newest process's value). Gauges of processes
that are gone are left out except in ``file`` mode.

The text is formatted here, not by prometheus_client's generate_latest (which
builds an object per sample: too slow for 10,000 files in a scrape timeout);
tests parse it with prometheus_client's parsers and compare it with what
prometheus_client itself writes for the same values, and ``promtool check
metrics`` checks it.
"""
from __future__ import annotations

import fnmatch
import math
import os
import re
import threading
from operator import itemgetter

from ..._liveness import process_gone
from .._fieldinfo import describe
from .._output import json_text
from .kernels import column_sums, sample_lines
from .kernels import fmt as _fmt
from .kernels import join as _join
from .naming import family_name, label_name, unit_suffix

__all__ = ["AGGREGATIONS", "GAUGE_RULES", "CONTENT_TYPE_TEXT", "CONTENT_TYPE_OPENMETRICS", "CONTENT_TYPE_LATEST",
           "Exporter", "render", "wants_openmetrics"]

AGGREGATIONS = ("process", "sum", "file")
GAUGE_RULES = ("pid", "max", "min", "sum", "last")
CONTENT_TYPE_TEXT = "text/plain; version=0.0.4; charset=utf-8"
CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
CONTENT_TYPE_LATEST = CONTENT_TYPE_TEXT
MAX_INFO_TEXT = 128  # longer strings are not label material
_CMD_NAME = re.compile(r"^(.+)-(\d+)-(\d+)\.mmstats$")
_PROCESS_LABELS = ("pid", "cmd", "uid", "gid", "runtime")


def wants_openmetrics(accept: str) -> bool:
    """Does an Accept header ask for OpenMetrics (with a q above 0)?"""
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if media.lower() == "application/openmetrics-text":
            q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
            try:
                if float(q) > 0:
                    return True
            except ValueError:
                pass
    return False


# -- what each file's layout means (computed once per layout) ---------------------------------------

class _Plan:
    """For one file layout: where the identity is, and each metric field's (index, label, info, name, factor)."""

    __slots__ = ("fields", "identity", "metrics")

    def __init__(self, fields):
        self.fields = fields
        self.identity = {}
        self.metrics = []
        seen = set()
        for i, field in enumerate(fields):
            info = describe(field)
            if info.kind == "identity":
                self.identity.setdefault(info.role, i)  # the first in file order (spec: sys.pid)
                continue
            key = (field.label, info.attributes)
            if key in seen:
                continue  # a series twice in one file: the first
            seen.add(key)
            name, factor = family_name(field.label, info.kind, info.unit)
            self.metrics.append((i, field.label, info, name, factor))


def _version(text) -> str:
    """A runtime's version text, up to its first space ("3.11.2 (main, ...) [GCC ...]" -> "3.11.2")."""
    text = json_text(str(text)).strip()
    return text.split(" ", 1)[0][:MAX_INFO_TEXT]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _help_escape(text: str, openmetrics: bool) -> str:
    text = text.replace("\\", "\\\\").replace("\n", "\\n")
    return text.replace('"', '\\"') if openmetrics else text


def _labels(pairs) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


class _Process:
    __slots__ = ("key", "pid", "first", "ident", "start", "alive", "threads")

    def __init__(self, key, pid, first, ident):
        self.key, self.pid = key, pid
        self.first, self.ident = first, ident  # its first file, and where the identity is in it
        self.start = None
        self.alive = None
        self.threads = 0

    def labels(self) -> dict:
        """The labels of its info series (made only when it is listed: not in ``sum`` mode)."""
        ident, values = self.ident, self.first.values
        out = {"pid": str(self.pid)}
        m = _CMD_NAME.match(os.path.basename(self.first.path))
        if m and m.group(2) == str(self.pid):
            out["cmd"] = json_text(m.group(1))
        for role in ("uid", "gid"):
            if role in ident:
                out[role] = str(values[ident[role]])
        if "runtime" in ident:
            out["runtime"] = _version(values[ident["runtime"]])
        return out


class Exporter:
    """Turns snapshots of one stats directory into expositions; keeps what exited files left behind.

    Thread-safe. ``retired``: per series, the last counter values of files that went away
    (``sum`` mode), added to every later exposition.
    """

    MAX_PLANS = 1024

    def __init__(self, directory: str):
        self.directory = directory
        self._lock = threading.Lock()
        self._plans: dict[int, _Plan] = {}
        self._last: dict[str, dict] = {}      # glob -> {path: (identity, FileStats)}
        self._retired: dict[str, dict] = {}   # glob -> {(family, extra): value}

    def _plan(self, fields) -> _Plan:
        plan = self._plans.get(id(fields))
        if plan is None or plan.fields is not fields:
            if len(self._plans) >= self.MAX_PLANS:
                self._plans.clear()
            plan = self._plans[id(fields)] = _Plan(fields)
        return plan

    # -- the whole exposition --------------------------------------------------------------------

    def render(self, files, aggregate: str = "process", gauge: str = "pid", openmetrics: bool = False,
               failed=(), scope: str = "", gauge_rules=(), scrape=None) -> bytes:
        """The exposition of ``files`` (FileStats of one snapshot). ``failed``: paths that could not be
        read this time (their last values stand in, in ``sum`` mode); ``scope``: the glob they came from;
        ``gauge_rules``: (label glob, rule) pairs, the first match overriding ``gauge`` for a field;
        ``scrape``: {state: count} of the files this exposition looked at (SCRAPE_STATES), exposed
        as mmash's own gauge so that a partial answer shows."""
        if aggregate not in AGGREGATIONS:
            raise ValueError(f"aggregate must be one of {', '.join(AGGREGATIONS)}")
        if gauge not in GAUGE_RULES:
            raise ValueError(f"gauge must be one of {', '.join(GAUGE_RULES)}")
        for _, rule in gauge_rules:
            if rule not in GAUGE_RULES:
                raise ValueError(f"gauge rule must be one of {', '.join(GAUGE_RULES)}")
        with self._lock:
            planned = [(fs, self._plan(fs.fields)) for fs in files]
            procs, of_file = self._processes(planned)
            families = self._families(planned)
            series = self._series(planned, families, procs, of_file, aggregate, (gauge, tuple(gauge_rules)))
            if aggregate == "sum":
                self._retire(planned, failed, scope, series, families, procs, of_file)
            return self._text(families, series, procs, openmetrics, aggregate == "sum", scrape)

    def _processes(self, planned):
        procs: dict = {}
        of_file = []
        add = of_file.append
        no_header: dict = {}
        for fs, plan in planned:
            ident, values = plan.identity, fs.values
            header = getattr(values, "header", None) or no_header  # format version 2: the producer, in the header
            pid = header.get("pid") or (values[ident["pid"]] if "pid" in ident else None)
            if not (isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid < 1 << 31):
                pid = None
            key = pid if pid is not None else fs.path
            p = procs.get(key)
            if p is None:
                p = procs[key] = _Process(key, pid, fs, ident)
            p.threads += 1
            start = header.get("created_unix_ns")
            if isinstance(start, int) and start > 0:
                start = start // 1_000_000_000 + start % 1_000_000_000 / 1e9  # whole seconds kept exact
            elif "start_time" in ident:
                start = values[ident["start_time"]]
            if start is not None:
                if isinstance(start, float) and math.isfinite(start) and (p.start is None or start < p.start):
                    p.start = start
            add(p)
        return procs, of_file

    def _families(self, planned):
        """family name -> [type, help, UCUM unit, {label: FieldInfo}] over every distinct layout."""
        families: dict = {}
        done = set()
        for _, plan in planned:
            if id(plan) in done:
                continue
            done.add(id(plan))
            for _, label, info, name, _ in plan.metrics:
                ftype = _TYPES.get(info.kind)
                if ftype is None:
                    continue
                fam = families.get(name)
                if fam is None:
                    fam = families[name] = [ftype, info.help, info.unit, {}]
                elif fam[0] != ftype:
                    fam[0] = "gauge" if "histogram" not in (fam[0], ftype) else "unknown"
                fam[3].setdefault(label, info)
        return families

    def _series(self, planned, families, procs, of_file, aggregate, gauge):
        """(family, extra labels) -> {group label text: accumulated value}.

        Files of one layout are taken together: their counters column by column
        (kernels.column_sums), everything else file by file."""
        out: dict = {}
        gauged: set = set()  # keys whose buckets hold _Gauges
        directory = self.directory
        by_plan: dict = {}
        for (fs, plan), proc in zip(planned, of_file):
            entry = by_plan.get(id(plan))
            if entry is None:  # (not setdefault: its default would be built for every file)
                entry = by_plan[id(plan)] = (plan, [])
            entry[1].append((fs, proc))
        for plan, members in by_plan.values():
            counters, others = [], []
            for i, label, info, name, factor in plan.metrics:
                fam = families.get(name)
                if fam is not None:
                    key = (name, _extra(fam, label, info))
                    if info.kind == "counter":
                        counters.append((i, info.kind, key, factor))
                    else:
                        others.append((i, info.kind, key, factor, _rule_for(label, gauge)))
            if aggregate == "sum":
                groups = [""] * len(members)  # one series per metric: no labels to tell files apart
            else:
                groups = [_group(aggregate, fs, proc, directory) for fs, proc in members]
            rows = [fs.values for fs, _ in members]
            if counters and aggregate == "sum":
                _add_sums(out, counters, rows)
            elif counters:
                unique = len(set(groups)) == len(groups)
                for i, _, key, factor in counters:
                    bucket = out.setdefault(key, {})
                    if unique and not bucket:
                        col = map(itemgetter(i), rows)
                        bucket.update(zip(groups, col if factor == 1.0 else [v * factor for v in col]))
                    else:
                        for g, v in zip(groups, map(itemgetter(i), rows)):
                            if isinstance(v, (int, float)):
                                bucket[g] = bucket.get(g, 0) + v * factor
            if others:
                for (fs, proc), group in zip(members, groups):
                    self._others(out, others, fs, plan, proc, group, aggregate, gauge, gauged)
        for key in gauged:
            bucket = out[key]
            for g, v in bucket.items():
                if type(v) is _Gauge:
                    bucket[g] = v.value
        return out

    def _others(self, out, others, fs, plan, proc, group, aggregate, gauge, gauged):
        """Every field but counters, of one file (``gauged``: gets the keys given to _combine)."""
        values = fs.values
        created = values[plan.identity["start_time"]] if "start_time" in plan.identity else None
        for i, kind, key, factor, rule in others:
            value = values[i]
            if kind == "string":
                if not isinstance(value, str) or not value or len(value) > MAX_INFO_TEXT:
                    continue
                g = f'value="{_escape(json_text(value))}"'
                out.setdefault(key, {})[group + "," + g if group else g] = 1
                continue
            if kind == "histogram":
                _add_histogram(out.setdefault(key, {}), group, value, factor)
                continue
            if not isinstance(value, (int, float)):
                continue
            if factor != 1.0:
                value = value * factor
            bucket = out.setdefault(key, {})
            if aggregate == "file":
                bucket[group] = value
                continue
            if not _alive(proc):
                continue  # a gauge of a process that is gone is no state of anything
            if kind == "updown_counter":
                bucket[group] = bucket.get(group, 0) + value
                continue
            g = group
            if aggregate == "sum" and rule == "pid":
                g = _group("process", fs, proc, self.directory)
            _combine(bucket, g, value, rule, created)
            gauged.add(key)

    # -- what exited files leave behind (sum mode) ------------------------------------------------

    def _retire(self, planned, failed, scope, series, families, procs, of_file):
        last = self._last.setdefault(scope, {})
        retired = self._retired.setdefault(scope, {})
        now = {}
        for (fs, plan), proc in zip(planned, of_file):
            now[fs.path] = ((proc.pid, proc.start), fs, plan)
        gone = []
        for path, entry in last.items():
            cur = now.get(path)
            if cur is None:
                if path in failed:
                    now[path] = entry  # unreadable for now: its last values stand in
                    continue
                gone.append(entry)
            elif cur[0] != entry[0] and entry[0] != (None, None):
                gone.append(entry)  # another writer at the same name
        for _, fs, plan in gone:
            for i, label, info, name, factor in plan.metrics:
                if info.kind not in ("counter", "histogram") or name not in families:
                    continue
                key = (name, _extra(families[name], label, info))
                value = fs.values[i]
                if info.kind == "counter" and isinstance(value, (int, float)):
                    retired[key] = retired.get(key, 0) + value * factor
                elif info.kind == "histogram":
                    acc = retired.setdefault(key, {})
                    _add_histogram(acc, "", value, factor)
        # what stands in for unreadable files, then what has gone, joins this exposition
        read_now = {fs.path for fs, _ in planned}
        for path in failed:
            entry = now.get(path)
            if entry is not None and path not in read_now:
                _, fs, plan = entry
                for i, label, info, name, factor in plan.metrics:
                    if info.kind == "counter" and name in families and isinstance(fs.values[i], (int, float)):
                        key = (name, _extra(families[name], label, info))
                        bucket = series.setdefault(key, {})
                        bucket[""] = bucket.get("", 0) + fs.values[i] * factor
        for key, value in retired.items():
            if key[0] not in families:
                continue
            bucket = series.setdefault(key, {})
            if isinstance(value, dict):
                _add_histogram(bucket, "", value.get("", {}), 1.0)
            else:
                bucket[""] = bucket.get("", 0) + value
        self._last[scope] = now
        if len(self._last) > 16:  # a bounded number of globs remembered
            self._last.pop(next(iter(self._last)))
            self._retired.pop(next(iter(self._retired)), None)

    # -- text --------------------------------------------------------------------------------------

    def _text(self, families, series, procs, openmetrics: bool, summed: bool, scrape=None) -> bytes:
        out = []
        add = out.append
        extras: dict = {}
        for name, extra in series:
            extras.setdefault(name, []).append(extra)
        for name in sorted(families):
            ftype, help_text, unit, originals = families[name]
            labels = list(originals)
            doc = help_text or "mmstats field " + " | ".join(labels[:4])
            om_type = ftype
            if not openmetrics and ftype == "info":
                om_type = "gauge"
            family = name
            if not openmetrics:  # the 0.0.4 text format names a family after its samples
                family = name + {"info": "_info", "counter": "_total"}.get(ftype, "")
            add(f"# HELP {family} {_help_escape(doc, openmetrics)}\n")
            add(f"# TYPE {family} {om_type}\n")
            suffix = unit_suffix(unit, ftype)[0] if openmetrics else ""
            if suffix and name.endswith("_" + suffix):
                add(f"# UNIT {family} {suffix}\n")
            sample = name + ("_total" if ftype == "counter" else "_info" if ftype == "info" else "")
            for extra in sorted(extras.get(name, ())):
                bucket = series[(name, extra)]
                tail = _labels(extra)[1:-1]
                if ftype == "histogram":
                    for group, value in bucket.items():
                        _histogram_lines(add, name, _join(group, tail), value)
                else:
                    add(sample_lines(sample, bucket, tail))
        if summed:
            self._process_counts(add, procs)
        else:
            self._process_lines(add, procs, openmetrics)
        if scrape is not None and SCRAPE_FAMILY not in families:
            scrape_lines(add, scrape)
        if openmetrics:
            add("# EOF\n")
        return "".join(out).encode("utf-8")

    @staticmethod
    def _process_counts(add, procs):
        """``sum`` mode: no pid labels, so the processes are counted, not listed."""
        known = [p for p in procs.values() if p.pid is not None]
        if not known:
            return
        live = sum(1 for p in known if _alive(p))
        add("# HELP mmstats_processes Processes with stats files here, by whether they still exist.\n")
        add("# TYPE mmstats_processes gauge\n")
        add(f'mmstats_processes{{state="live"}} {live}\n')
        add(f'mmstats_processes{{state="exited"}} {len(known) - live}\n')

    @staticmethod
    def _process_lines(add, procs, openmetrics):
        known = sorted((p for p in procs.values() if p.pid is not None), key=lambda p: p.pid)
        if not known:
            return
        alive = _alive
        info = "mmstats_process" if openmetrics else "mmstats_process_info"
        add(f"# HELP {info} The process that writes mmstats files, one series per process.\n")
        add(f"# TYPE {info} {'info' if openmetrics else 'gauge'}\n")
        for p in known:
            labels = p.labels()
            add(f"mmstats_process_info{_labels([(k, labels[k]) for k in _PROCESS_LABELS if k in labels])} 1\n")
        started = [p for p in known if p.start is not None]
        if started:
            add("# HELP mmstats_process_start_time_seconds When the process created its first stats file, "
                "in seconds since the Unix epoch.\n")
            add("# TYPE mmstats_process_start_time_seconds gauge\n")
            if openmetrics:
                add("# UNIT mmstats_process_start_time_seconds seconds\n")
            for p in started:
                add(f'mmstats_process_start_time_seconds{{pid="{p.pid}"}} {_fmt(p.start)}\n')
        add("# HELP mmstats_process_alive 1 while the process exists, 0 after it exited (its files stay "
            "until cleanstats removes them).\n")
        add("# TYPE mmstats_process_alive gauge\n")
        for p in known:
            add(f'mmstats_process_alive{{pid="{p.pid}"}} {"1" if alive(p) else "0"}\n')
        add("# HELP mmstats_process_files Stats files of the process (version 1 writes one per thread).\n")
        add("# TYPE mmstats_process_files gauge\n")
        for p in known:
            add(f'mmstats_process_files{{pid="{p.pid}"}} {p.threads}\n')


SCRAPE_FAMILY = "mmash_scrape_files"
SCRAPE_STATES = ("read", "skipped", "unreadable")


def scrape_lines(add, scrape) -> None:
    """mmash's own gauge: the files of this scrape, by what became of them."""
    add(f"# HELP {SCRAPE_FAMILY} Stats files matched by this scrape: read, skipped (not valid or not "
        "ready yet) or unreadable (the system refused: no descriptor left, no permission).\n")
    add(f"# TYPE {SCRAPE_FAMILY} gauge\n")
    for state in SCRAPE_STATES:
        add(f'{SCRAPE_FAMILY}{{state="{state}"}} {int(scrape.get(state, 0))}\n')


_TYPES = {"counter": "counter", "gauge": "gauge", "constant": "gauge", "updown_counter": "gauge",
          "histogram": "histogram", "string": "info"}


def _alive(proc) -> bool:
    """kill(pid, 0), once per process per exposition."""
    if proc.alive is None:
        proc.alive = proc.pid is None or not process_gone(proc.pid)
    return proc.alive


def _rule_for(label: str, gauge) -> str:
    """The gauge rule of a field: the first (glob, rule) that matches its label, else the default."""
    default, rules = gauge
    for pattern, rule in rules:
        if fnmatch.fnmatchcase(label, pattern):
            return rule
    return default


def _group(aggregate, fs, proc, directory) -> str:
    """The labels (as text, without braces: a str hashes once) that tell one file's series from
    another's under ``aggregate``."""
    if aggregate == "sum":
        return ""
    if aggregate == "process" and proc.pid is not None:
        return f'pid="{proc.pid}"'
    rel = f'file="{_escape(json_text(os.path.relpath(fs.path, directory)))}"'
    if aggregate == "process":
        return rel
    return f'{rel},pid="{proc.pid if proc.pid is not None else ""}"'


def _add_sums(out, counters, rows) -> None:
    """``sum`` mode: each counter of files of one layout (their value lists ``rows``) added to its series."""
    plain = [c for c in counters if c[3] == 1.0]
    sums = dict(zip((c[2] for c in plain), column_sums(rows, [c[0] for c in plain])))
    for i, _, key, factor in counters:
        total = sums.get(key) if factor == 1.0 else None
        if total is None:  # not all ints, or scaled: added up here (a counter's value type is numeric)
            col = map(itemgetter(i), rows)
            total = sum(col if factor == 1.0 else [v * factor for v in col])
        bucket = out.setdefault(key, {})
        bucket[""] = bucket.get("", 0) + total


def _extra(fam, label: str, info) -> tuple:
    """The labels a series has besides its group: v2 attributes, and the original label when
    several labels share the family's name."""
    extra = tuple((label_name(k), str(v)) for k, v in info.attributes)
    if len(fam[3]) > 1:
        extra = (("mmstats_label", json_text(label)),) + extra
    return extra


class _Gauge:
    __slots__ = ("value", "stamp")

    def __init__(self, value, stamp):
        self.value, self.stamp = value, stamp


def _combine(bucket, group, value, rule, stamp):
    old = bucket.get(group)
    if old is None:
        bucket[group] = _Gauge(value, stamp if stamp is not None else -math.inf)
        return
    if rule == "sum":
        old.value += value
    elif rule == "max":
        old.value = value if value > old.value or old.value != old.value else old.value
    elif rule == "min":
        old.value = value if value < old.value or old.value != old.value else old.value
    else:  # last, and pid within one process: the newest file's value
        stamp = stamp if stamp is not None else -math.inf
        if stamp >= old.stamp:
            old.value, old.stamp = value, stamp


def _hist_parts(value):
    """(sum, count, [(upper bound, cumulative count)]) of a decoded histogram value, or None."""
    if isinstance(value, dict):
        buckets = value.get("buckets")
        if buckets is None:
            return None
        pairs = [(float(b["le"]) if isinstance(b, dict) else float(b[0]),
                  b["count"] if isinstance(b, dict) else b[1]) for b in buckets]
        return value.get("sum", 0.0), value.get("count", pairs[-1][1] if pairs else 0), pairs
    return None


def _add_histogram(bucket, group, value, factor):
    parts = _hist_parts(value)
    if parts is None:
        return
    total, count, pairs = parts
    old = bucket.get(group)
    scaled = [(le * factor, c) for le, c in pairs]
    if old is None:
        bucket[group] = {"sum": total * factor, "count": count, "buckets": scaled}
    elif [le for le, _ in old["buckets"]] == [le for le, _ in scaled]:
        old["sum"] += total * factor
        old["count"] += count
        old["buckets"] = [(le, a + b) for (le, a), (_, b) in zip(old["buckets"], scaled)]


def _histogram_lines(add, name, labels: str, value):
    buckets = list(value["buckets"])
    if not buckets or buckets[-1][0] != math.inf:
        buckets.append((math.inf, value["count"]))
    for le, c in buckets:
        add(f'{name}_bucket{{{_join(labels, f"le={chr(34)}{_fmt(le)}{chr(34)}")}}} {_fmt(c)}\n')
    braced = "{" + labels + "}" if labels else ""
    add(f"{name}_sum{braced} {_fmt(value['sum'])}\n")
    add(f"{name}_count{braced} {_fmt(value['count'])}\n")


def render(files, directory: str, aggregate: str = "file", gauge: str = "pid", openmetrics: bool = False) -> bytes:
    """One exposition of ``files`` with no memory of earlier ones (the server keeps an Exporter)."""
    return Exporter(directory).render(files, aggregate, gauge, openmetrics)


# -- mmash's own metrics: what its sampler read, apart from the files' metrics above -----------------

AGE_FAMILY = "mmash_scrape_age_seconds"


def age_lines(age: float, glob: str, openmetrics: bool) -> str:
    """mmash's own gauge: how long before this scrape the read of its values (of the files ``glob``
    matches) began."""
    unit = f"# UNIT {AGE_FAMILY} seconds\n" if openmetrics else ""
    return (f"# HELP {AGE_FAMILY} How long before this scrape the reading of its values began "
            f"(mmash --metrics-max-age bounds it).\n# TYPE {AGE_FAMILY} gauge\n{unit}"
            f'{AGE_FAMILY}{{glob="{_escape(json_text(glob))}"}} {_fmt(max(age, 0.0))}\n')


SAMPLER_FAMILY = "mmash_sampler_files"
SAMPLER_RESULTS = ("read", "skipped", "corrupt", "unreadable")


def sampler_lines(totals: dict, last: dict, openmetrics: bool) -> str:
    """The sampler's files by what became of them, counted over all its ticks (``totals``) and in the last
    tick (``last``): read, skipped (not ready yet), corrupt (not a valid stats file), unreadable (the
    system refused)."""
    total = SAMPLER_FAMILY if openmetrics else SAMPLER_FAMILY + "_total"
    out = [f"# HELP {total} Stats files the sampler looked at since mmash started, by result: read, skipped "
           "(not ready yet), corrupt (not a valid stats file) or unreadable (the system refused).\n",
           f"# TYPE {total} counter\n"]
    out += [f'{SAMPLER_FAMILY}_total{{result="{r}"}} {int(totals.get(r, 0))}\n' for r in SAMPLER_RESULTS]
    out += [f"# HELP {SAMPLER_FAMILY}_last Stats files of the sampler's last tick, by result.\n",
            f"# TYPE {SAMPLER_FAMILY}_last gauge\n"]
    out += [f'{SAMPLER_FAMILY}_last{{result="{r}"}} {int(last.get(r, 0))}\n' for r in SAMPLER_RESULTS]
    return "".join(out)
