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
and render() turns it into text with generate_latest: the text is never
formatted by hand, so it follows whatever exposition rules the library does.
"""
from __future__ import annotations

import os
import re

from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from .._kinds import is_counter
from .._output import json_text

__all__ = ["metric_name", "StatsCollector", "render", "CONTENT_TYPE_LATEST"]

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
            rel = json_text(os.path.relpath(fs.path, self.directory))
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


def render(files, directory: str) -> bytes:
    """The exposition of ``files``, through prometheus_client's registry and generate_latest."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatsCollector(files, directory))
    return generate_latest(registry)
