"""/metrics: mmstats files as Prometheus metrics, aggregated across processes.

Every field is first described (tools._fieldinfo.describe: kind, unit, help,
attributes; from the file's own metadata where it has some, by the spec's rules
for version 1), and that record alone decides what the field becomes:

- counter: a counter (``_total``); up-down counter, gauge, constant: a gauge;
  histogram: ``_bucket``/``_sum``/``_count``; a short string (or text constant): an ``_info``
  series whose ``value`` label holds the text (longer strings are left out);
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

Names several kinds of field claim (a label that is a counter in one program's files and a gauge in
another's, or in two versions of one program; a histogram and a gauge that sanitise to one name; a field
named like one of mmash's own metrics) never share a family: the class first in counter, histogram,
up-down counter, gauge (and constant), string keeps the name, the others get a word appended
(``x_distribution``, ``x_updown``, ``x_level``, ``x_text_info``; ``x_cumulative_total`` for counters);
``mmash_metric_conflicts{conflict="kind"}`` counts them and one log line per conflict names the files.
Histograms of one series with different bucket bounds add up on the bounds they share
(``conflict="bounds"``). Attributes become labels sorted by name; one that is a label of the
exposition's own (``pid``, ``file``, ``le``, ``value``, ``mmstats_label``) is ``exported_``-prefixed, and
attributes that sanitise to one label name have their values joined with ``;``. A string's unit is left
out (an info series has none).

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
import sys
import threading
from operator import itemgetter

from .._fieldinfo import describe
from .._output import json_text, show
from .kernels import column_sums, sample_lines
from .kernels import fmt as _fmt
from .kernels import join as _join
from .naming import family_name, label_name, unit_suffix
from .processes import gone_pids

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
    """For one file layout: where the identity is, and each metric field's
    (index, label, info, name, factor, class, attribute labels)."""

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
            if info.kind == "constant" and field.type == "utf8":
                info = info._replace(kind="string")  # a text constant (a version) is text, not a number
            cls = _CLASS_OF.get(info.kind)
            if cls is None:
                continue  # a kind this exporter does not know
            key = (field.label, info.attributes, cls)
            if key in seen:
                continue  # a series twice in one file: the first
            seen.add(key)
            name, factor = family_name(field.label, info.kind, info.unit)
            self.metrics.append((i, field.label, info, name, factor, cls, _attribute_labels(info.attributes)))


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
    MAX_REPORTED = 1024

    def __init__(self, directory: str, warn=None):
        self.directory = directory
        self._warn = warn or _stderr
        self._lock = threading.Lock()
        self._plans: dict[int, _Plan] = {}
        self._last: dict[str, dict] = {}      # glob -> {path: (identity, FileStats, _Plan)}
        self._retired: dict[str, dict] = {}   # glob -> {(name, class, label, attribute labels): value}
        self._reported: set = set()           # the name conflicts already logged
        self._uneven: set = set()             # this exposition's series of histograms with unlike bounds

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
        as mmash's own gauge so that a partial answer shows, with the conflicts it resolved."""
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
            families, names, renamed = self._families(planned)
            self._uneven = set()
            series = self._series(planned, families, names, procs, of_file, aggregate,
                                  (gauge, tuple(gauge_rules)))
            if aggregate == "sum":
                self._retire(planned, of_file, failed, scope, series, families, names)
            conflicts = {"kind": len(renamed), "bounds": len(self._uneven)}
            return self._text(families, series, procs, openmetrics, aggregate == "sum", scrape, conflicts)

    def _processes(self, planned):
        procs: dict = {}
        of_file = []
        add = of_file.append
        for fs, plan in planned:
            ident, values = plan.identity, fs.values
            producer = getattr(values, "producer", None)  # format version 2: the producer, in the header
            if producer is not None:
                pid, start = producer()
            else:
                header = getattr(values, "header", None)
                pid, start = (header.get("pid"), header.get("created_unix_ns")) if header else (None, None)
            pid = pid or (values[ident["pid"]] if "pid" in ident else None)
            if not (isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid < 1 << 31):
                pid = None
            key = pid if pid is not None else fs.path
            p = procs.get(key)
            if p is None:
                p = procs[key] = _Process(key, pid, fs, ident)
            p.threads += 1
            if isinstance(start, int) and start > 0:
                start = start // 1_000_000_000 + start % 1_000_000_000 / 1e9  # whole seconds kept exact
            elif "start_time" in ident:
                start = values[ident["start_time"]]
            if start is not None:
                if isinstance(start, float) and math.isfinite(start) and (p.start is None or start < p.start):
                    p.start = start
            add(p)
        gone = gone_pids(p.pid for p in procs.values() if p.pid is not None)
        for p in procs.values():
            p.alive = p.pid is None or p.pid not in gone
        return procs, of_file

    def _families(self, planned):
        """(families, names, renamed): family name -> [type, help, UCUM unit, {label: FieldInfo}, kind]
        over every distinct layout; (name of its fields, class) -> the family's name; and the families
        that did not get their fields' name (see _allocate)."""
        claims: dict = {}  # name -> {class: [help, unit, {label: FieldInfo}, kind, {id(plan)}]}
        done = set()
        for _, plan in planned:
            if id(plan) in done:
                continue
            done.add(id(plan))
            for _, label, info, name, _, cls, _ in plan.metrics:
                by_class = claims.get(name)
                if by_class is None:
                    by_class = claims[name] = {}
                claim = by_class.get(cls)
                if claim is None:
                    claim = by_class[cls] = [info.help, info.unit, {}, info.kind, set()]
                claim[2].setdefault(label, info)
                claim[4].add(id(plan))
        names, renamed = _allocate(claims)
        families = {}
        for (name, cls), final in names.items():
            help_text, unit, labels, kind, _ = claims[name][cls]
            families[final] = [_TYPE_OF_CLASS[cls], help_text, unit, labels, kind]
        if renamed:
            self._report(claims, names, renamed, planned)
        return families, names, renamed

    def _report(self, claims, names, renamed, planned):
        """One log line per name conflict not logged before, naming the files of each kind."""
        for name in sorted({name for name, _ in renamed}):
            by_class = claims[name]
            classes = [c for c in _PRECEDENCE if c in by_class]
            what = tuple((c, names[name, c]) for c in classes)
            if (name, what) in self._reported:
                continue
            if len(self._reported) >= self.MAX_REPORTED:
                self._reported.clear()
            self._reported.add((name, what))
            parts = []
            for cls, final in what:
                paths = sorted({os.path.relpath(fs.path, self.directory) for fs, plan in planned
                                if id(plan) in by_class[cls][4]})
                more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
                shown = ", ".join(show(p) for p in paths[:3]) + more
                parts.append(f"{_CLASS_WORDS[cls]} as {final} ({shown})")
            whose = "fields of more than one kind" if len(classes) > 1 else "fields and one of mmash's own metrics"
            self._warn(f"mmash: /metrics: {show(name)} is the name of {whose}: " + "; ".join(parts))

    def _series(self, planned, families, names, procs, of_file, aggregate, gauge):
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
            for i, label, info, name, factor, cls, attrs in plan.metrics:
                final = names[name, cls]
                key = (final, _extra(families[final], label, attrs))
                if cls == "counter":
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
                if not _add_histogram(out.setdefault(key, {}), group, value, factor):
                    self._uneven.add(key)
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

    def _retire(self, planned, of_file, failed, scope, series, families, names):
        """Kept by what a series is (its fields' name, class, label and attributes), not by the family
        it has in one exposition: a name conflict that comes or goes moves it with its series."""
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
            for i, label, _, name, factor, cls, attrs in plan.metrics:
                value = fs.values[i]
                if cls == "counter" and isinstance(value, (int, float)):
                    what = (name, cls, label, attrs)
                    retired[what] = retired.get(what, 0) + value * factor
                elif cls == "histogram":
                    _add_histogram(retired.setdefault((name, cls, label, attrs), {}), "", value, factor)
        # what stands in for unreadable files, then what has gone, joins this exposition
        read_now = {fs.path for fs, _ in planned}
        for path in failed:
            entry = now.get(path)
            if entry is not None and path not in read_now:
                _, fs, plan = entry
                for i, label, _, name, factor, cls, attrs in plan.metrics:
                    final = names.get((name, cls))
                    if cls == "counter" and final is not None and isinstance(fs.values[i], (int, float)):
                        bucket = series.setdefault((final, _extra(families[final], label, attrs)), {})
                        bucket[""] = bucket.get("", 0) + fs.values[i] * factor
        for (name, cls, label, attrs), value in retired.items():
            final = names.get((name, cls))
            if final is None:
                continue  # no file of this exposition has the metric
            key = (final, _extra(families[final], label, attrs))
            bucket = series.setdefault(key, {})
            if isinstance(value, dict):
                if not _add_histogram(bucket, "", value.get("", {}), 1.0):
                    self._uneven.add(key)
            else:
                bucket[""] = bucket.get("", 0) + value
        self._last[scope] = now
        if len(self._last) > 16:  # a bounded number of globs remembered
            self._last.pop(next(iter(self._last)))
            self._retired.pop(next(iter(self._retired)), None)

    # -- text --------------------------------------------------------------------------------------

    def _text(self, families, series, procs, openmetrics: bool, summed: bool, scrape, conflicts) -> bytes:
        out = []
        add = out.append
        extras: dict = {}
        for name, extra in series:
            extras.setdefault(name, []).append(extra)
        for name in sorted(families):
            ftype, help_text, unit, originals, kind = families[name]
            labels = list(originals)
            doc = help_text or "mmstats field " + " | ".join(labels[:4])
            om_type = ftype
            if not openmetrics and ftype == "info":
                om_type = "gauge"
            family = name
            if not openmetrics:  # the 0.0.4 text format names a family after its samples
                family = name + {"info": "_info", "counter": "_total"}.get(ftype, "")
            add(f"# HELP {family} {_help_escape(json_text(doc), openmetrics)}\n")
            add(f"# TYPE {family} {om_type}\n")
            suffix = unit_suffix(unit, kind)[0] if openmetrics and ftype != "info" else ""
            if suffix and name.endswith("_" + suffix):
                add(f"# UNIT {family} {suffix}\n")
            sample = name + ("_total" if ftype == "counter" else "_info" if ftype == "info" else "")
            for extra in sorted(extras.get(name, ())):
                bucket = series[(name, extra)]
                tail = _labels(extra)[1:-1]
                if ftype == "histogram":
                    for group, value in bucket.items():
                        _histogram_lines(add, name, _join(group, tail), value, openmetrics)
                else:
                    if openmetrics and ftype == "counter" and not all(v >= 0 for v in bucket.values()):
                        # OpenMetrics has no NaN or negative total (a third-party writer can store one)
                        bucket = {g: v for g, v in bucket.items() if v >= 0}
                    add(sample_lines(sample, bucket, tail))
        if summed:
            self._process_counts(add, procs)
        else:
            self._process_lines(add, procs, openmetrics)
        if scrape is not None:  # (a scrape of mmash's: its own gauges)
            scrape_lines(add, scrape)
            conflict_lines(add, conflicts)
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


CONFLICT_FAMILY = "mmash_metric_conflicts"


def conflict_lines(add, conflicts) -> None:
    """mmash's own gauge: what this exposition had to resolve (see _allocate and _add_histogram)."""
    add(f"# HELP {CONFLICT_FAMILY} Conflicts resolved in this exposition: kind, families that did not get "
        "their fields' name (another kind of field, or mmash itself, has it: a word for their kind is "
        "appended); bounds, histogram series added up from files with different bucket bounds (on the "
        "bounds they share).\n")
    add(f"# TYPE {CONFLICT_FAMILY} gauge\n")
    for what in ("kind", "bounds"):
        add(f'{CONFLICT_FAMILY}{{conflict="{what}"}} {int(conflicts.get(what, 0))}\n')


# kind -> the class of series it makes: kinds of one class add up alike and may share a family
_CLASS_OF = {"counter": "counter", "histogram": "histogram", "updown_counter": "updown_counter",
             "gauge": "gauge", "constant": "gauge", "string": "string"}
_PRECEDENCE = ("counter", "histogram", "updown_counter", "gauge", "string")  # who keeps a name several claim
# what the others append (no Prometheus type name: promtool's lint refuses a name that holds one)
_RENAMED = {"counter": "cumulative", "histogram": "distribution", "updown_counter": "updown", "gauge": "level",
            "string": "text"}
_TYPE_OF_CLASS = {"counter": "counter", "histogram": "histogram", "updown_counter": "gauge", "gauge": "gauge",
                  "string": "info"}
_CLASS_WORDS = {"counter": "counters", "histogram": "histograms", "updown_counter": "up-down counters",
                "gauge": "gauges and constants", "string": "strings"}
_SAMPLE_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
                    "info": ("_info",), "gauge": ()}


def _occupied(name: str, ftype: str) -> set:
    """The names a family takes: its own, and its samples' (which a parser reads as its)."""
    return {name} | {name + s for s in _SAMPLE_SUFFIXES[ftype]}


def _allocate(claims) -> tuple[dict, list]:
    """Each (name, class) its family's name: the name itself for the class first in _PRECEDENCE, unless
    mmash's own metrics have it; else the name with the class's word appended (_RENAMED: ``x_level``;
    ``_2``, ``_3`` ... if that is taken too). Names are given in sorted order, every first class before
    any other, so one set of layouts always gets the same names.
    Returns ({(name, class): family name}, [(name, class) renamed])."""
    taken = set(_OWN_NAMES)
    names, renamed, later = {}, [], []
    for name in sorted(claims):
        classes = [c for c in _PRECEDENCE if c in claims[name]]
        first = _occupied(name, _TYPE_OF_CLASS[classes[0]])
        if first & taken:
            later.append((name, classes[0]))
        else:
            taken |= first
            names[name, classes[0]] = name
        later += [(name, c) for c in classes[1:]]
    for name, cls in later:
        ftype, n = _TYPE_OF_CLASS[cls], 1
        final = f"{name}_{_RENAMED[cls]}"
        while _occupied(final, ftype) & taken:
            n += 1
            final = f"{name}_{_RENAMED[cls]}_{n}"
        taken |= _occupied(final, ftype)
        names[name, cls] = final
        renamed.append((name, cls))
    return names, renamed


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def _alive(proc) -> bool:
    """kill(pid, 0)'s verdict, taken for every process of an exposition at once (_processes)."""
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


_OWN_LABELS = frozenset(("pid", "file", "le", "value", "mmstats_label"))


def _attribute_labels(attributes) -> tuple:
    """Version 2 attributes as (label, value) pairs in label order. A key whose label is one the exposition
    sets itself gets ``exported_`` before it (as Prometheus renames a scraped label that clashes with a
    target's); keys that give one label have their values joined by ";" in key order (as OpenTelemetry's
    Prometheus exporters do)."""
    named: dict = {}
    for key, value in sorted((str(k), str(v)) for k, v in attributes):
        name = label_name(key)
        if name in _OWN_LABELS:
            name = "exported_" + name
        named.setdefault(name, []).append(json_text(value))
    return tuple((name, ";".join(values)) for name, values in sorted(named.items()))


def _extra(fam, label: str, attrs: tuple) -> tuple:
    """The labels a series has besides its group: its attributes' (``attrs``), and the original label
    when several labels share the family's name."""
    if len(fam[3]) > 1:
        return (("mmstats_label", json_text(label)),) + attrs
    return attrs


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


def _add_histogram(bucket, group, value, factor) -> bool:
    """Adds a decoded histogram into ``bucket[group]``; False when the bounds there are not its own: the
    two are then added up on the bounds they share (+Inf at least), where both cumulative counts are exact."""
    parts = _hist_parts(value)
    if parts is None:
        return True
    total, count, pairs = parts
    scaled = [(le * factor, c) for le, c in pairs]
    if not scaled or scaled[-1][0] != math.inf:
        scaled.append((math.inf, count))
    old = bucket.get(group)
    if old is None:
        bucket[group] = {"sum": total * factor, "count": count, "buckets": scaled}
        return True
    mine = old["buckets"]
    same = [le for le, _ in mine] == [le for le, _ in scaled]
    if not same:
        theirs = dict(scaled)
        mine = [(le, c) for le, c in mine if le in theirs]
        scaled = [(le, theirs[le]) for le, _ in mine]
    old["sum"] += total * factor
    old["count"] += count
    old["buckets"] = [(le, a + b) for (le, a), (_, b) in zip(mine, scaled)]
    return same


def _histogram_lines(add, name, labels: str, value, openmetrics: bool):
    """A histogram's samples. OpenMetrics refuses a _sum that is negative or NaN, or beside a negative
    bound, and a _count without a _sum: such a histogram has its buckets only (+Inf holds its count)."""
    buckets = value["buckets"]
    for le, c in buckets:
        add(f'{name}_bucket{{{_join(labels, f"le={chr(34)}{_fmt(le)}{chr(34)}")}}} {_fmt(c)}\n')
    total = value["sum"]
    if openmetrics and not (total >= 0 and buckets[0][0] >= 0):
        return
    braced = "{" + labels + "}" if labels else ""
    add(f"{name}_sum{braced} {_fmt(total)}\n")
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


# every family mmash writes itself (here and in server.py), with its type: no field's family may take their names
_OWN_FAMILIES = (("mmstats_process", "info"), ("mmstats_process_start_time_seconds", "gauge"),
                 ("mmstats_process_alive", "gauge"), ("mmstats_process_files", "gauge"),
                 ("mmstats_processes", "gauge"), (SCRAPE_FAMILY, "gauge"), (CONFLICT_FAMILY, "gauge"),
                 (AGE_FAMILY, "gauge"), (SAMPLER_FAMILY, "counter"), (SAMPLER_FAMILY + "_last", "gauge"))
_OWN_NAMES = frozenset().union(*(_occupied(name, ftype) for name, ftype in _OWN_FAMILIES))
