"""Section "metrics": a Prometheus scrape of mmash, HTTP included, beside prometheus_client.

Fixtures: N mmstats files of F buffered Q counters plus ``sys.pid`` (one file
per process, pids past the largest pid_max so none is alive), every file
rewritten with other values before each round; and prometheus_client
multiprocess files of the same shape (readers.PrometheusFiles).

mmash runs as users start it: its sampler reads every file once a second for the
dashboard, and /metrics answers from that read when it began at most
--metrics-max-age (default 1 s) before the request, else reads every file itself.
The same fleet is also written as version 2 files (one per process, what new files are by
default), served by a second mmash. Cases, interleaved round by round:
- mmash ``/metrics?aggregate=sum``, a GET over loopback HTTP to an mmash process
  (request, the read, exposition, response) -- against MultiProcessCollector +
  generate_latest over the counters (summed over pids), in this process, no HTTP;
- mmash ``/metrics?aggregate=process`` (one series per pid) -- against the same
  over gauges in mode "all" (one series per pid);
- both again with ``max_age=0``: every scrape reads every file itself (the cost
  the sampler's read saves, and what a scrape pays when that read is too old);
- version 2 files: ``sum``, ``sum&max_age=0`` and ``process&max_age=0`` against the same
  MultiProcessCollector cases;
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
    """N one-process stats files of F counters; ``mutate(round)`` changes every value in place.

    Version 1: F buffered Q counters and a sys.pid per file. Version 2 (what new files are by
    default): F u64 counters in the default writer's capacities, the pid in the header, the state
    closed (the writer exited)."""

    def __init__(self, root: Path, n: int, f: int, tag: str = "", version: int = 1):
        import random
        self.n, self.f = n, f
        self.dir = root / f"metrics{tag}-v{version}-{n}x{f}"
        self.dir.mkdir()
        rnd = random.Random(n + f)
        variants = [[(rnd.getrandbits(40), rnd.getrandbits(40)) for _ in range(f)] for _ in range(2)]
        build = _v1_image if version == 1 else _v2_image
        self.images, self.pid_at, self.ranges = [], None, None
        for values in variants:
            image, self.pid_at, self.ranges = build(root, f, values)
            self.images.append(image)
        self.paths = [str(self.dir / f"app-{FIRST_PID + i}-{FIRST_PID + i}.mmstats") for i in range(n)]
        self.mutate(-1, whole=True)

    def mutate(self, round_: int, whole: bool = False):
        import struct
        fmt, at = self.pid_at
        for i, p in enumerate(self.paths):
            image = self.images[(i + round_) % 2]
            struct.pack_into(fmt, image, at, FIRST_PID + i)
            fd = os.open(p, os.O_WRONLY | os.O_CREAT, 0o644)
            for start, end in ([(0, len(image))] if whole else self.ranges):
                os.pwrite(fd, memoryview(image)[start:end], start)
            os.close(fd)


def _v1_image(root: Path, f: int, values):
    """(image, (pid format, offset), byte ranges that change): ``values`` as the buffered counters' two
    buffers."""
    import struct
    from mmstats_format import build_file
    from mmstats_format.scan import scan
    image = bytearray(build_file(
        [{"label": f"app.requests.{j:02d}", "type": "Q", "buffered": True, "value": 0} for j in range(f)]
        + [{"label": "sys.pid", "type": "I", "buffered": False, "value": 0}]))
    layouts, _ = scan(image)
    for fl, (a, b) in zip(layouts[:-1], values):
        struct.pack_into("<BQQ", image, fl.write_buffer_offset, a & 1, a, b)
    return image, ("<I", layouts[-1].value_offset), [(0, len(image))]


def _v2_image(root: Path, f: int, values):
    """(image, (pid format, offset), byte ranges that change): a file the default writer made, its
    counters set to ``values``' first of each pair, then closed."""
    from mmstats._v2model import CAPACITY
    from mmstats._v2writer import V2Writer
    from mmstats_format.v2 import derived as d
    path = root / "metrics-v2-template.mmstats"
    w = V2Writer.create(path, thread_slots=False, pid=FIRST_PID, start_ticks=0,
                        created_unix_ns=1_700_000_000_000_000_000, **CAPACITY)
    for j, (a, _) in enumerate(values):
        w.counter(f"app.requests.{j:02d}").add(a)
    slot0 = w._h["slots_offset"]
    w.close(keep=True)
    image = bytearray(path.read_bytes())
    path.unlink()
    return image, ("<Q", d.H_PID), [(0, d.HEADER_SIZE), (slot0, slot0 + 8 * f)]


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
    raise_fd_limit(8 * n + 256)
    mm, mm2 = MetricsFiles(fx.root, n, f), MetricsFiles(fx.root, n, f, version=2)
    pc, pg = fx.prometheus(n, f, "counter"), fx.prometheus(n, f, "gauge")
    server, server2 = Mmash(mm.dir), Mmash(mm2.dir)

    def mutate(round_):
        mm.mutate(round_)
        mm2.mutate(round_)

    try:
        cases = {
            "sum": lambda: server.get("/metrics?aggregate=sum"),
            "mpc_counters": _exposition(pc),
            "process": lambda: server.get("/metrics?aggregate=process"),
            "mpc_gauges": _exposition(pg),
            "sum_fresh": lambda: server.get("/metrics?aggregate=sum&max_age=0"),
            "process_fresh": lambda: server.get("/metrics?aggregate=process&max_age=0"),
            "v2_sum": lambda: server2.get("/metrics?aggregate=sum"),
            "v2_sum_fresh": lambda: server2.get("/metrics?aggregate=sum&max_age=0"),
            "v2_process_fresh": lambda: server2.get("/metrics?aggregate=process&max_age=0"),
        }
        log(f"metrics: {n} files x {f} fields (versions 1 and 2) over HTTP, checking the series")
        for key, want in (("sum", f), ("mpc_counters", f), ("process", n * f), ("mpc_gauges", n * f),
                          ("sum_fresh", f), ("process_fresh", n * f), ("v2_sum", f), ("v2_sum_fresh", f),
                          ("v2_process_fresh", n * f)):
            got = _series(cases[key]())
            if got != want:
                raise AssertionError(f"metrics: {key} gave {got} series, expected {want}")
        sec = passes(cases, cfg.rounds, mutate)
    finally:
        server.close()
        server2.close()
    ms = {k: v * 1e3 for k, v in sec.items()}
    label = f"{n} x {f}"
    mpc_c = f"{label}: MultiProcessCollector (counters) + generate_latest"
    mpc_g = f"{label}: MultiProcessCollector (gauges 'all') + generate_latest"
    rows = [
        Row(SECTION, mpc_c, ms["mpc_counters"], "ms", "mmash /metrics?aggregate=sum over HTTP", ms["sum"], ">= 10x"),
        Row(SECTION, mpc_g, ms["mpc_gauges"], "ms", "mmash /metrics?aggregate=process over HTTP", ms["process"],
            ">= 5x"),
        Row(SECTION, mpc_c, ms["mpc_counters"], "ms",
            "mmash /metrics?aggregate=sum&max_age=0 over HTTP (reads every file)", ms["sum_fresh"]),
        Row(SECTION, mpc_g, ms["mpc_gauges"], "ms",
            "mmash /metrics?aggregate=process&max_age=0 over HTTP (reads every file)", ms["process_fresh"]),
        Row(SECTION, mpc_c, ms["mpc_counters"], "ms", "version 2 files: mmash /metrics?aggregate=sum over HTTP",
            ms["v2_sum"], ">= 10x"),
        Row(SECTION, mpc_c, ms["mpc_counters"], "ms",
            "version 2 files: mmash /metrics?aggregate=sum&max_age=0 over HTTP (reads every file)",
            ms["v2_sum_fresh"], ">= 10x"),
        Row(SECTION, mpc_g, ms["mpc_gauges"], "ms",
            "version 2 files: mmash /metrics?aggregate=process&max_age=0 over HTTP (reads every file)",
            ms["v2_process_fresh"]),
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
