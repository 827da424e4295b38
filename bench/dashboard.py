"""Section "dashboard": what serving mmash's charts costs, as the server's CPU seconds per second.

The server is an mmash process over P processes' files of F fields (default 100 x 50), sampling
once a second into its history. Each second the bench changes every value, and one client does
what an open charts page does: GET /api/v1/series?since=... (the new points of every chart) after
one full load. The figure is the server's CPU time (every thread's, from /proc/PID/task/*/schedstat) over the
wall time, in CPU milliseconds per second (1000 is one core busy); the baseline is the same server
with no client (the sampler alone).

Cases: format version 2 (one file per process: 35 counters, 10 gauges, 5 histograms of 10
buckets; the files' locks held by this bench, so every writer is live) and format version 1
(one file per process of 50 counters and sys.pid, as the metrics section writes them).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from _harness import Config, Row, log
from metrics import Mmash

SECTION = "dashboard"
PROCESSES, FIELDS = 100, 50
FIRST_PID = 5_000_000  # above the largest pid_max: no live process is ever guessed at


class V2Files:
    """P version 2 files written from this process (pids pinned): ``mutate()`` changes every value."""

    def __init__(self, root: Path, n: int, f: int):
        from mmstats._v2writer import V2Writer
        self.dir = root / f"dashboard-v2-{n}x{f}"
        self.dir.mkdir()
        self.writers, self.counters, self.gauges, self.histograms = [], [], [], []
        n_hist, n_gauge = max(1, f // 10), max(1, f // 5)
        for i in range(n):
            w = V2Writer.create(self.dir / f"app-{i}.mmstats", pid=FIRST_PID + i, meta_capacity=65536)
            self.writers.append(w)
            self.counters += [w.counter(f"app.requests.{j:02d}", unit="{request}")
                              for j in range(f - n_hist - n_gauge)]
            self.gauges += [w.gauge(f"app.queue.{j:02d}", "f64", unit="{item}") for j in range(n_gauge)]
            self.histograms += [w.histogram(f"app.latency.{j:02d}", bounds=tuple(2.0 ** k for k in range(10)),
                                            unit="ms") for j in range(n_hist)]
        self.step = 0

    def mutate(self):
        self.step += 1
        for i, c in enumerate(self.counters):
            c.add(1 + i % 7)
        for i, g in enumerate(self.gauges):
            g.set(float((i + self.step) % 13))
        for i, h in enumerate(self.histograms):
            h.observe(float((i * 37 + self.step * 11) % 700))

    def close(self):
        for w in self.writers:
            w.close()


class V1Files:
    def __init__(self, root: Path, n: int, f: int):
        from metrics import MetricsFiles
        self.files = MetricsFiles(root, n, f, "-dashboard")
        self.dir = self.files.dir
        self.round = 0

    def mutate(self):
        self.round += 1
        self.files.mutate(self.round)

    def close(self):
        pass


def _cpu_seconds(pid: int) -> float:
    """CPU time of every thread of ``pid`` in nanoseconds from /proc/PID/task/*/schedstat (the clock ticks
    of /proc/PID/stat are 10 ms: too coarse for a few seconds of a quick run). The server's threads (main,
    sampler, the one kept-alive connection's) live through a measurement, so none of its time is lost."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def start_server(directory: Path) -> Mmash:
    """mmash sampling every second (the dashboard's history), one kept-alive connection to it."""
    return Mmash(directory, "--interval", "1", timeout=60)


def _measure(server: Mmash, files, seconds: float, client: bool, charts: int) -> float:
    """The server's CPU milliseconds per second over ``seconds``, values changing every second."""
    since = None
    if client:
        doc = json.loads(server.get("/api/v1/series?window=10"))   # the page's first load
        if len(doc["charts"]) != charts:
            raise AssertionError(f"dashboard: {len(doc['charts'])} charts, expected {charts}")
        since = doc["t"][-1] if doc["t"] else None
    cpu0, t0 = _cpu_seconds(server.proc.pid), time.monotonic()
    due = t0
    while time.monotonic() - t0 < seconds:
        files.mutate()
        if client:
            doc = json.loads(server.get("/api/v1/series?window=10" + (f"&since={since}" if since else "")))
            since = doc["t"][-1] if doc["t"] else since
        due += 1.0
        time.sleep(max(0.0, due - time.monotonic()))
    return 1000 * (_cpu_seconds(server.proc.pid) - cpu0) / (time.monotonic() - t0)


def run(cfg: Config, fx) -> list[Row]:
    seconds, settle = (2, 1) if cfg.quick else (30, 3)
    n, f = (10, 10) if cfg.quick else (PROCESSES, FIELDS)
    rows = []
    for version, make, charts in (("v2", V2Files, f), ("v1", V1Files, f)):
        log(f"dashboard: {n} processes x {f} fields ({version}), {seconds} s idle then {seconds} s with a client")
        files = make(fx.root, n, f)
        server = start_server(files.dir)
        try:
            time.sleep(settle)   # the first samples: every file opened and parsed
            idle = _measure(server, files, seconds, False, charts)
            busy = _measure(server, files, seconds, True, charts)
        finally:
            server.close()
            files.close()
        rows.append(Row(SECTION, f"{n} processes x {f} fields ({version}), 1 s samples + a page polling each second: "
                                 "server CPU per second (1000 ms: one core)", busy, "ms",
                        "the sampler alone (no client)", idle))
    return rows
