"""/metrics: mmstats fields in the Prometheus text format, through prometheus_client's collector API.

One series per file and field, labelled with the file's name and its writer's
pid. Buffered ``Q`` fields (counters) become counters, other numbers (ints,
floats, bools as 0/1) gauges; strings are left out. Labels become metric
names by replacing every character outside [a-zA-Z0-9_] with "_" (and a
leading "_" before a digit). When several labels map to one name, their series
carry an extra ``mmstats_label`` label with the original text, so no two
series are the same; a name used by counters and gauges alike is exposed as a
gauge.

StatsCollector states these rules through prometheus_client's collector API,
and render_collector() turns it into text with generate_latest: the
reference. render() writes the same bytes directly, working out names, kinds
and label text once per layout and once per file instead of once per sample
(tests/test_perf_paths.py compares the two byte for byte); it escapes with
prometheus_client's own functions.
"""
from __future__ import annotations

import os
import re

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.openmetrics.exposition import ALLOWUTF8, _escape, escape_metric_name
from prometheus_client.utils import floatToGoString

from .._liveness import default_field
from .data import is_counter

__all__ = ["metric_name", "StatsCollector", "render", "render_collector", "CONTENT_TYPE_LATEST"]

_NOT_NAME = re.compile(r"[^a-zA-Z0-9_]")


def metric_name(label: str) -> str:
    name = _NOT_NAME.sub("_", label)
    if not name or name[0].isdigit():
        name = "_" + name
    return name


class StatsCollector:
    """A custom collector over one snapshot of files (see mmash.data.StatsDir.snapshot)."""

    def __init__(self, files, directory: str):
        self.files = files
        self.directory = directory

    def _series(self):
        """(family name, kind, original label, file name, pid, value) for every numeric field."""
        for fs in self.files:
            pid = fs.pid()
            pid_text = str(pid) if isinstance(pid, int) and not isinstance(pid, bool) else ""
            rel = os.path.relpath(fs.path, self.directory)
            for field, value in zip(fs.fields, fs.values):
                if not isinstance(value, (int, float)):
                    continue
                kind = "counter" if is_counter(field) else "gauge"
                name = metric_name(field.label)
                if kind == "counter" and name.endswith("_total"):
                    name = name[:-len("_total")]  # the _total suffix is the exposition's, added once
                yield name, kind, field.label, rel, pid_text, float(value)

    def collect(self):
        series = list(self._series())
        kinds, originals = {}, {}
        for name, kind, label, *_ in series:
            kinds.setdefault(name, set()).add(kind)
            originals.setdefault(name, {}).setdefault(label, None)
        gauge_names = {n for n, k in kinds.items() if "gauge" in k}
        # A counter "x" is exposed as x_total: it must not meet a gauge "x" or "x_total".
        as_gauge = {n for n, k in kinds.items() if "counter" in k and (n in gauge_names or n + "_total" in gauge_names)}
        families, seen = {}, set()
        for name, kind, label, rel, pid, value in series:
            if (name, label, rel) in seen:
                continue  # a label twice in one file: one series (the first), or the exposition is invalid
            seen.add((name, label, rel))
            family = families.get(name)
            if family is None:
                labels = list(originals[name])
                extra = ["mmstats_label"] if len(labels) > 1 else []
                doc = "mmstats field " + " | ".join(labels[:4])
                if kind == "counter" and name not in as_gauge:
                    family = CounterMetricFamily(name, doc, labels=["file", "pid", *extra])
                else:
                    family = GaugeMetricFamily(name, doc, labels=["file", "pid", *extra])
                families[name] = family
            values = [rel, pid, label] if len(originals[name]) > 1 else [rel, pid]
            family.add_metric(values, value)
        yield from families.values()


def render_collector(files, directory: str) -> bytes:
    """The exposition through prometheus_client's registry and generate_latest (the reference)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatsCollector(files, directory))
    return generate_latest(registry)


# -- render(): the same text, written directly ---------------------------------------------------

_CACHE_LIMIT = 65536
_names: dict[str, str] = {}      # label -> metric name
_relpaths: dict[tuple, str] = {}  # (path, directory) -> relative path


def _label_value(text: str) -> str:
    return _escape(text, ALLOWUTF8, False)


def _help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")


_EXACT = 1 << 53  # integers below this convert to float exactly


def sample_value(value) -> str:
    """floatToGoString(float(value)) -- what generate_latest prints -- with integers (most fields are
    counters) written straight from their digits: float(v) is exact below 2**53, its repr is the
    digits and ".0", and Go's form switches to an exponent from 7 digits on."""
    if value.__class__ is int and -_EXACT < value < _EXACT:
        if value <= 0:
            return f"{value}.0"
        digits = str(value)
        if len(digits) <= 6:
            return digits + ".0"
        return f"{(digits[0] + '.' + digits[1:] + '0').rstrip('0.')}e+{len(digits) - 1:02d}"
    return floatToGoString(float(value))


def _cached(cache: dict, key, make):
    value = cache.get(key)
    if value is None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


class _LayoutSeries:
    """What one layout contributes: its numeric fields as (value index, name, kind, label), in
    file order, each (name, label) once; and where its sys.pid is."""

    __slots__ = ("all", "series", "pid_index")

    def __init__(self, fields):
        self.all = []         # every numeric field, repeats too: they count for names and kinds
        series, seen = [], set()
        for i, field in enumerate(fields):
            if field.type.endswith("s"):
                continue  # strings (<N>s) are left out; every other type reads as int, float or bool
            kind = "counter" if is_counter(field) else "gauge"
            name = _cached(_names, field.label, lambda: metric_name(field.label))
            if kind == "counter" and name.endswith("_total"):
                name = name[:-len("_total")]
            self.all.append((i, name, kind, field.label))
            if (name, field.label) in seen:
                continue  # a label twice in one file: the first series only
            seen.add((name, field.label))
            series.append((i, name, kind, field.label))
        self.series = series
        pid = default_field(fields, "sys.pid")
        self.pid_index = None if pid is None else fields.index(pid)


_by_list: dict[int, tuple] = {}           # id(fields) -> (fields, series): readers keep their lists
_by_shape: dict[tuple, _LayoutSeries] = {}  # (label, type, buffered) of every field -> series


def _layout_series(fields) -> _LayoutSeries:
    hit = _by_list.get(id(fields))
    if hit is not None and hit[0] is fields:
        return hit[1]
    shape = tuple((f.label, f.type, f.buffered) for f in fields)
    ls = _cached(_by_shape, shape, lambda: _LayoutSeries(fields))
    if len(_by_list) >= _CACHE_LIMIT:
        _by_list.clear()
    _by_list[id(fields)] = (fields, ls)  # holding ``fields`` keeps its id from being reused
    return ls


def render(files, directory: str) -> bytes:
    """Prometheus text exposition of ``files``: byte for byte what render_collector() gives."""
    order: dict[int, _LayoutSeries] = {}  # distinct layouts in order of first appearance
    per_file = []
    for fs in files:
        ls = _layout_series(fs.fields)
        order.setdefault(id(ls), ls)
        per_file.append((fs, ls))
    # Names, kinds and the labels behind each name, in order of first appearance (as collect() sees them).
    kinds: dict[str, set] = {}
    originals: dict[str, dict] = {}
    for ls in order.values():
        for _, name, kind, label in ls.all:
            kinds.setdefault(name, set()).add(kind)
            originals.setdefault(name, {}).setdefault(label, None)
    gauge_names = {n for n, k in kinds.items() if "gauge" in k}
    families: dict[str, list] = {}
    heads: dict[str, tuple] = {}
    for name in originals:  # dicts keep first-appearance order: the families' order
        labels = list(originals[name])
        counter = "counter" in kinds[name] and not (name in gauge_names or name + "_total" in gauge_names)
        heads[name] = (counter, labels)
        families[name] = []
    # Per layout and name: how a sample line starts (name, and the label text that is not per file).
    starts: dict[tuple, tuple] = {}
    for fs, ls in per_file:
        values = fs.values
        pid = values[ls.pid_index] if ls.pid_index is not None else None
        pid_text = str(pid) if isinstance(pid, int) and not isinstance(pid, bool) else ""
        rel = _cached(_relpaths, (fs.path, directory), lambda: os.path.relpath(fs.path, directory))
        file_label = 'file="' + _label_value(rel) + '"'
        pid_label = 'pid="' + _label_value(pid_text) + '"}'
        for i, name, kind, label in ls.series:
            value = values[i]
            if not isinstance(value, (int, float)):
                continue
            key = (name, label)
            start = starts.get(key)
            if start is None:
                counter, labels = heads[name]
                sample = escape_metric_name(name + "_total" if counter else name)
                mid = ',mmstats_label="' + _label_value(label) + '",' if len(labels) > 1 else ","
                start = starts[key] = (sample + "{", mid)
            families[name].append(f"{start[0]}{file_label}{start[1]}{pid_label} {sample_value(value)}\n")
    out = []
    for name, lines in families.items():
        if not lines:
            continue
        counter, labels = heads[name]
        shown = escape_metric_name(name + "_total" if counter else name)
        out.append(f"# HELP {shown} {_help('mmstats field ' + ' | '.join(labels[:4]))}\n")
        out.append(f"# TYPE {shown} {'counter' if counter else 'gauge'}\n")
        out += lines
    return "".join(out).encode("utf-8")
