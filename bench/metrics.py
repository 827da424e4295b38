"""Section "metrics": a Prometheus scrape of mmash, HTTP included, beside prometheus_client.

Fixtures: N mmstats files of F buffered Q counters plus ``sys.pid`` (one file
per process, pids past the largest pid_max so none is alive), every file
rewritten with other values before each round; and prometheus_client
multiprocess files of the same shape (readers.PrometheusFiles).

mmash runs as users start it: its sampler reads every file once a second for the
dashboard, and /metrics answers from that read when it began at most
--metrics-max-age (default 1 s) before the request, else reads every file itself.
Cases, interleaved round by round:
- mmash ``/metrics?aggregate=sum``, a GET over loopback HTTP to an mmash process
  (request, the read, exposition, response) -- against MultiProcessCollector +
  generate_latest over the counters (summed over pids), in this process, no HTTP;
- mmash ``/metrics?aggregate=process`` (one series per pid) -- against the same
  over gauges in mode "all" (one series per pid);
- both again with ``max_age=0``: every scrape reads every file itself (the cost
  the sampler's read saves, and what a scrape pays when that read is too old);
- at the largest scale N (10,000 in a full run), both mmash modes against a
  10 s scrape timeout.

tests/test_prometheus_oracle.py proves the two sides of each pair hold the same samples.
"""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _harness import Config, Row, log, passes
from readers import raise_fd_limit

SECTION = "metrics"
FIRST_PID = 5_000_000  # above the largest pid_max (2^22): no live process is ever guessed at
SCRAPE_TIMEOUT_MS = 10_000


class MetricsFiles:
    """N one-process stats files of F counters and a sys.pid; ``mutate(round)`` changes every value."""

    def __init__(self, root: Path, n: int, f: int, tag: str = ""):
        import random
        import struct
        from mmstats_format import build_file
        from mmstats_format.scan import scan

        self.n, self.f = n, f
        self.dir = root / f"metrics{tag}-{n}x{f}"
        self.dir.mkdir()
        rnd = random.Random(n + f)
        self.images = []
        for variant in range(2):
            image = bytearray(build_file(
                [{"label": f"app.requests.{j:02d}", "type": "Q", "buffered": True, "value": 0} for j in range(f)]
                + [{"label": "sys.pid", "type": "I", "buffered": False, "value": 0}]))
            layouts, _ = scan(image)
            for fl in layouts[:-1]:
                struct.pack_into("<BQQ", image, fl.write_buffer_offset, rnd.getrandbits(1),
                                 rnd.getrandbits(40), rnd.getrandbits(40))
            self.pid_offset = layouts[-1].value_offset
            self.images.append(image)
        self.paths = [str(self.dir / f"app-{FIRST_PID + i}-{FIRST_PID + i}.mmstats") for i in range(n)]
        self.mutate(-1)

    def mutate(self, round_: int):
        import struct
        for i, p in enumerate(self.paths):
            image = self.images[(i + round_) % 2]
            struct.pack_into("<I", image, self.pid_offset, FIRST_PID + i)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)
            os.pwrite(fd, image, 0)
            os.close(fd)


class Mmash:
    """An mmash process over one directory, and a kept-alive HTTP connection to it."""

    def __init__(self, directory: Path, *options: str, timeout: float = 120):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mmstats.tools.mmash", "--port", "0", "--path", str(directory), *options],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r":(\d+)/ ", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"mmash did not start: {line!r} {self.proc.stderr.read()[-500:]}")
        self.conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=timeout)

    def get(self, path: str) -> bytes:
        self.conn.request("GET", path)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"mmash answered {resp.status}: {body[:200]!r}")
        return body

    def close(self):
        self.conn.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _exposition(prom):
    from prometheus_client import CollectorRegistry, generate_latest
    registry = CollectorRegistry()
    registry.register(prom.collector())
    return lambda: generate_latest(registry)


def _series(body: bytes, prefix: bytes = b"app_requests_") -> int:
    return sum(1 for line in body.splitlines() if line.startswith(prefix))


def run(cfg: Config, fx) -> list[Row]:
    n, f = cfg.files, cfg.fields
    raise_fd_limit(4 * n + 256)
    mm = MetricsFiles(fx.root, n, f)
    pc, pg = fx.prometheus(n, f, "counter"), fx.prometheus(n, f, "gauge")
    server = Mmash(mm.dir)
    try:
        cases = {
            "sum": lambda: server.get("/metrics?aggregate=sum"),
            "mpc_counters": _exposition(pc),
            "process": lambda: server.get("/metrics?aggregate=process"),
            "mpc_gauges": _exposition(pg),
            "sum_fresh": lambda: server.get("/metrics?aggregate=sum&max_age=0"),
            "process_fresh": lambda: server.get("/metrics?aggregate=process&max_age=0"),
        }
        log(f"metrics: {n} files x {f} fields over HTTP, checking the series")
        for key, want in (("sum", f), ("mpc_counters", f), ("process", n * f), ("mpc_gauges", n * f),
                          ("sum_fresh", f), ("process_fresh", n * f)):
            got = _series(cases[key]())
            if got != want:
                raise AssertionError(f"metrics: {key} gave {got} series, expected {want}")
        sec = passes(cases, cfg.rounds, mm.mutate)
    finally:
        server.close()
    ms = {k: v * 1e3 for k, v in sec.items()}
    label = f"{n} x {f}"
    rows = [
        Row(SECTION, f"{label}: MultiProcessCollector (counters) + generate_latest", ms["mpc_counters"], "ms",
            "mmash /metrics?aggregate=sum over HTTP", ms["sum"], ">= 10x"),
        Row(SECTION, f"{label}: MultiProcessCollector (gauges 'all') + generate_latest", ms["mpc_gauges"], "ms",
            "mmash /metrics?aggregate=process over HTTP", ms["process"], ">= 5x"),
        Row(SECTION, f"{label}: MultiProcessCollector (counters) + generate_latest", ms["mpc_counters"], "ms",
            "mmash /metrics?aggregate=sum&max_age=0 over HTTP (reads every file)", ms["sum_fresh"]),
        Row(SECTION, f"{label}: MultiProcessCollector (gauges 'all') + generate_latest", ms["mpc_gauges"], "ms",
            "mmash /metrics?aggregate=process&max_age=0 over HTTP (reads every file)", ms["process_fresh"]),
    ]
    return rows + scale(cfg, fx)


def scale(cfg: Config, fx) -> list[Row]:
    """The largest N of the scale grid, both modes, against the scrape timeout."""
    n, f = max(cfg.scale), cfg.fields
    raise_fd_limit(n + 256)
    log(f"metrics: {n} files x {f} fields over HTTP")
    mm = MetricsFiles(fx.root, n, f, "scale")
    server = Mmash(mm.dir)
    try:
        t0 = time.perf_counter()
        first = server.get("/metrics?aggregate=process")  # the sampler opened every file before mmash listened
        first_ms = (time.perf_counter() - t0) * 1e3
        if _series(first) != n * f:
            raise AssertionError(f"metrics: {_series(first)} series at {n} files, expected {n * f}")
        rounds = 2 if cfg.quick else 3
        sec = passes({"sum": lambda: server.get("/metrics?aggregate=sum"),
                      "process": lambda: server.get("/metrics?aggregate=process"),
                      "sum_fresh": lambda: server.get("/metrics?aggregate=sum&max_age=0")}, rounds, mm.mutate)
    finally:
        server.close()
    target = f"< {SCRAPE_TIMEOUT_MS // 2} ms"  # half the timeout: room to spare
    return [
        Row(SECTION, f"{n} files x {f}: mmash /metrics?aggregate=sum over HTTP", sec["sum"] * 1e3, "ms",
            target=target),
        Row(SECTION, f"{n} files x {f}: mmash /metrics?aggregate=process over HTTP", sec["process"] * 1e3, "ms",
            target=target),
        Row(SECTION, f"{n} files x {f}: mmash /metrics?aggregate=sum&max_age=0 over HTTP (reads every file)",
            sec["sum_fresh"] * 1e3, "ms", target=target),
        Row(SECTION, f"{n} files x {f}: first scrape after start", first_ms, "ms", target=target),
    ]
