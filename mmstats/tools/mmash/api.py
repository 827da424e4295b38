"""The JSON API under /api/v1/: documents built from the sampler's last tick and the history.

Every value is given with the file it was read from and the writer's pid and liveness;
an unknown label, process or path is a NotFound whose message says what exists.
"""
from __future__ import annotations

import difflib
import math

from mmstats_format.canonical import json_value

from .._fieldinfo import describe
from .._kinds import CHANGE, SUM, aggregation
from .sampler import PERCENTILES

__all__ = ["NotFound", "BadRequest", "ENDPOINTS", "index", "series", "labels", "values", "processes", "process",
           "number_text", "axis_unit", "WINDOWS"]

PREFIX = "/api/v1/"
ENDPOINTS = {
    "/api/v1/series?prefix=&pid=&window=&since=":
        "the history of every charted label (of one process with pid): time stamps in seconds and one "
        "line per series; counters as a rate per second over window seconds (default 10), histograms "
        "as p50/p90/p99, gauges as min/mean/max across processes (per process: the value); since=T "
        "gives only points after T",
    "/api/v1/labels?prefix=": "every label with its kind, unit, how it combines across processes, and its processes",
    "/api/v1/values/LABEL": "the label's value in every file, each with its file, pid and the writer's liveness",
    "/api/v1/processes": "every process: pid, command, threads (version 2 slots in use, version 1 files), "
                         "liveness (live, stale, exited, died), age and files",
    "/api/v1/processes/PID": "one process and the value of each of its fields, with its file",
}
WINDOWS = (1, 10, 60, 300)   # the rate windows the pages offer, in seconds
DEFAULT_WINDOW = 10


class NotFound(LookupError):
    pass


class BadRequest(ValueError):
    pass


def index() -> dict:
    return {"version": 1, "endpoints": ENDPOINTS}


def _hint(what: str, wanted: str, known, listing: str) -> str:
    known = [str(k) for k in known]
    close = difflib.get_close_matches(wanted, known, n=3)
    maybe = f"; did you mean {', '.join(close)}?" if close else (
        f"; there are: {', '.join(known)}" if 0 < len(known) <= 10 else "")
    return f"no {what} {wanted!r}{maybe} ({listing} lists them)"


def value_json(v):
    """A decoded value as JSON: NaN and the infinities as the canonical strings, a histogram's too."""
    if isinstance(v, dict):
        return {k: [{"le": json_value(b["le"]), "count": b["count"]} for b in x] if k == "buckets" else json_value(x)
                for k, x in v.items()}
    return json_value(v)


def number_text(v) -> str:
    """A number as a person reads it: integral values without a fraction, others to 6 significant digits."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def axis_unit(kind: str, unit: str, how: str) -> str:
    """The value axis' unit: the field's unit (UCUM annotations without braces), per second for counters."""
    text = unit[1:-1] if unit.startswith("{") and unit.endswith("}") else ("" if unit == "1" else unit)
    if kind != "histogram" and how == CHANGE:
        return f"{text}/s" if text else "per second"
    return text or "value"


def _process_key(snap, pid: str):
    if pid in snap.processes:
        return pid
    raise NotFound(_hint("process", pid, list(snap.processes), "/api/v1/processes"))


def _window(query) -> int:
    text = query.get("window", "") or str(DEFAULT_WINDOW)
    try:
        window = float(text)
    except ValueError:
        raise BadRequest(f"window {text!r} is not a number of seconds") from None
    if not 0 < window <= 86400:
        raise BadRequest(f"window {text!r}: want seconds between 0 and 86400")
    return window


def series(sampler, query) -> dict:
    snap, h = sampler.latest, sampler.history
    prefix, pid = query.get("prefix", ""), query.get("pid", "")
    window = _window(query)
    window_ticks = max(1, int(round(window / h.interval)))
    since = query.get("since")
    try:
        since = float(since) if since else None
    except ValueError:
        raise BadRequest(f"since {since!r} is not a time in seconds") from None
    pkey = _process_key(snap, pid) if pid else None
    charts = []
    with h.lock:
        first, end = h.span(since)
        clock = h.clock(first, end)
        for label in sorted(snap.labels):
            lab = snap.labels[label]
            if not label.startswith(prefix) or (pkey is not None and pkey not in lab.pids):
                continue
            base = ("a", label) if pkey is None else ("p", pkey, label)
            if lab.kind == "histogram":
                lines = {name: h.values(base + (name,), first, end) for name, _ in PERCENTILES}
                now = lab.count if pkey is None else snap.current.get((pkey, label))
            elif lab.how == CHANGE:
                lines = {"rate": h.rate(base + ("inc",), first, end, window_ticks)}
                now = lab.total if pkey is None else snap.current.get((pkey, label))
            elif pkey is not None:
                lines = {"value": h.values(base + ("value",), first, end)}
                now = snap.current.get((pkey, label))
            elif lab.how == SUM:
                lines = {"sum": h.values(base + ("sum",), first, end)}
                now = lab.total
            else:
                lines = {name: h.values(base + (name,), first, end) for name in ("min", "mean", "max")}
                now = lab.values[0] if len(lab.values) == 1 else None
            text = number_text(now) if now is not None else (
                f"{number_text(min(lab.values))} … {number_text(max(lab.values))}" if lab.values else "–")
            charts.append({"label": label, "kind": lab.kind, "unit": lab.unit, "axis": axis_unit(lab.kind, lab.unit, lab.how),
                           "aggregation": lab.how, "processes": len(lab.pids), "value": json_value(now), "text": text,
                           "lines": [{"name": n, "values": v} for n, v in lines.items()]})
    return {"time": snap.time, "interval": h.interval, "capacity": h.capacity, "window": window,
            "pid": pkey, "t": clock, "charts": charts, **status(snap)}


def status(snap) -> dict:
    """What every page says of the files: how many, which problems, which writers are dead and which stale."""
    def listed(test):
        return [{"pid": p.pid, "key": k, "state": p.state, "command": p.command}
                for k, p in snap.processes.items() if test(p)]
    return {"files": len(snap.files), "process_count": len(snap.processes), "problems": snap.problems,
            "dead": listed(lambda p: p.dead),                       # exited or died: the values are the last ones
            "stale": listed(lambda p: p.state == "stale")}          # holds its lock, heartbeat late: hung?


def labels(sampler, query) -> dict:
    snap = sampler.latest
    prefix = query.get("prefix", "")
    out: dict = {}
    for fs in snap.files:
        for label in {f.label for f in fs.fields if f.label.startswith(prefix)}:
            entry = out.get(label)
            if entry is None:
                f = next(f for f in fs.fields if f.label == label)
                info = describe(f)
                entry = out[label] = {"label": label, "kind": info.kind, "unit": info.unit,
                                      "aggregation": aggregation(f), "files": 0}
            entry["files"] += 1
    return {"time": snap.time, "labels": [out[k] for k in sorted(out)], **status(snap)}


def _file_value(fs, i, snap) -> dict:
    w = fs.writer
    dead = snap.processes.get(str(w.pid)) if w is not None and w.pid is not None else None
    return {"file": fs.path, "pid": None if w is None else w.pid, "state": None if w is None else w.state,
            "dead": bool(w is not None and w.state in ("exited", "died")) or bool(dead and dead.dead),
            "value": value_json(fs.values[i])}


def values(sampler, label: str) -> dict:
    snap = sampler.latest
    found, first = [], None
    for fs in snap.files:
        for i, f in enumerate(fs.fields):
            if f.label == label:
                first = first or f
                found.append(_file_value(fs, i, snap))
                break
    if first is None:
        known = sorted({f.label for fs in snap.files for f in fs.fields})
        raise NotFound(_hint("label", label, known, "/api/v1/labels"))
    info = describe(first)
    return {"time": snap.time, "label": label, "kind": info.kind, "unit": info.unit,
            "aggregation": aggregation(first), "values": found}


def processes(sampler) -> dict:
    snap = sampler.latest
    return {"time": snap.time, "processes": [p.as_json(snap.time) for p in snap.processes.values()], **status(snap)}


def process(sampler, pid: str) -> dict:
    snap = sampler.latest
    key = _process_key(snap, pid)
    proc = snap.processes[key]
    paths = {w.path for w in proc.writers}
    fields = []
    for fs in snap.files:
        if fs.path in paths:
            for i, f in enumerate(fs.fields):
                info = describe(f)
                fields.append({"label": f.label, "kind": info.kind, "unit": info.unit, "file": fs.path,
                               "pid": proc.pid, "value": value_json(fs.values[i])})
    return {"time": snap.time, **proc.as_json(snap.time), "fields": fields}
