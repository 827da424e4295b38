"""Section "writer (Python)": one update through mmstats against what users would pick instead.

Baselines, all in the same process and the same interleaved rounds:
- the floor: a plain method ``self.v += n`` called as ``s.hits.incr()``;
- prometheus_client Counter.inc(), single-process (MutexValue) and multiprocess
  (MmapedValue, PROMETHEUS_MULTIPROC_DIR in a temporary directory; the value
  class is swapped in for that one counter, as setting the variable before
  import would do for the whole process);
- a statsd-style client: one UDP datagram to 127.0.0.1 per increment, to a
  bound local socket nobody drains (a draining thread would take the GIL from
  every other case); once its buffer is full the kernel drops datagrams at the
  receiving end, after the whole send path, so the sender's cost is unchanged.
The pure-Python slots (MMSTATS_PURE_PYTHON=1) are chosen at import, so they
run in a subprocess with their own floor: ``python bench/writer_python.py --json``.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
for _var in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"):  # single-process unless asked
    os.environ.pop(_var, None)

from _harness import Config, Row, log, ns_per_op  # noqa: E402

SECTION = "writer (Python)"
FLOOR = "floor: plain method self.v += n"


class _Plain:
    __slots__ = ("v",)

    def __init__(self):
        self.v = 0

    def incr(self, n=1):
        self.v += n


class _Holder:
    pass


class _PlainTimer:
    """A context manager that reads the clock twice and keeps the difference: what timing costs at least."""

    __slots__ = ("start", "last")

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.last = time.perf_counter() - self.start


class StatsdClient:
    """The whole of a statsd client's increment: format one line, send one datagram."""

    def __init__(self, addr, prefix="bench."):
        self.addr = addr
        self.prefix = prefix
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    def incr(self, name, n=1):
        self.sock.sendto(f"{self.prefix}{name}:{n}|c".encode(), self.addr)


def _model(tmp, version):
    import mmstats

    class BenchStats(mmstats.MmStats):
        hits = mmstats.CounterField(label="hits")
        ratio = mmstats.DoubleField(label="ratio")
        latency = mmstats.TimerField(label="latency", size=100)
        lat = mmstats.HistogramField(buckets=(0.001, 0.01, 0.1), label="lat")

        if version == 1:
            del lat

    return BenchStats(path=tmp, label_prefix=f"bench.v{version}.", format_version=version)


VERSIONS = (2, 1)  # format 2 (the default) beside format 1
COUNTER, DOUBLE, TIMER = "CounterField: stats.hits.incr()", "DoubleField: stats.ratio = 0.5", \
    "TimerField: with stats.latency: pass"
HISTOGRAM_TIME = "HistogramField: with stats.lat.time(): pass"


def _v(name, version):
    return f"{name} v{version}"


def _floor():
    h = _Holder()
    h.hits = _Plain()
    return h


def mmstats_cases(tmp) -> tuple[dict, list]:
    models = {v: _model(tmp, v) for v in VERSIONS}
    cases = {FLOOR: ("s.hits.incr()", {"s": _floor()}, 1),
             "plain context manager, perf_counter twice": ("with t: pass", {"t": _PlainTimer()}, 1)}
    for v, stats in models.items():
        cases[_v(COUNTER, v)] = ("s.hits.incr()", {"s": stats}, 1)
        cases[_v(DOUBLE, v)] = ("s.ratio = 0.5", {"s": stats}, 1)
        cases[_v(TIMER, v)] = ("with s.latency: pass", {"s": stats}, 1)
    cases[_v(HISTOGRAM_TIME, 2)] = ("with s.lat.time(): pass", {"s": models[2]}, 1)
    return cases, list(models.values())


def prometheus_cases(mp_dir) -> dict:
    import prometheus_client
    from prometheus_client import values

    single = prometheus_client.Counter("bench_hits", "hits", registry=prometheus_client.CollectorRegistry())
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = mp_dir
    saved = values.ValueClass
    values.ValueClass = values.MultiProcessValue()
    try:
        multi = prometheus_client.Counter("bench_hits", "hits", registry=prometheus_client.CollectorRegistry())
    finally:
        values.ValueClass = saved
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    assert not getattr(single._value, "_multiprocess", False) and multi._value._multiprocess
    return {
        "prometheus_client Counter.inc(), single process": ("c.inc()", {"c": single}, 1),
        "prometheus_client Counter.inc(), multiprocess mode": ("c.inc()", {"c": multi}, 1),
    }


def pure_python(cfg: Config) -> dict:
    """Floor, CounterField and DoubleField with the pure-Python slots (a subprocess: chosen at import)."""
    env = dict(os.environ, MMSTATS_PURE_PYTHON="1")
    cmd = [sys.executable, str(Path(__file__)), "--json"] + (["--quick"] if cfg.quick else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    return json.loads(out.stdout)


def run(cfg: Config) -> list[Row]:
    import mmstats

    log("writer (Python): timing")
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as mp_dir:
        cases, models = mmstats_cases(tmp)
        cases.update(prometheus_cases(mp_dir))
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("127.0.0.1", 0))
        sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        client = StatsdClient(sink.getsockname())
        cases["statsd-style client: one UDP datagram per increment"] = ("c.incr('hits')", {"c": client}, 1)
        try:
            ns = ns_per_op(cases, cfg)
        finally:
            for stats in models:
                stats.remove()
            sink.close()
            client.sock.close()
    impl = mmstats.IMPLEMENTATION
    counter = _v(COUNTER, 2)
    floor = ns[FLOOR]
    timer_floor = "plain context manager, perf_counter twice"
    rows = [Row(SECTION, FLOOR, floor, "ns/op", FLOOR, floor)]
    for v in VERSIONS:
        rows.append(Row(SECTION, f"{COUNTER} [{impl} slots] v{v}", ns[_v(COUNTER, v)], "ns/op", FLOOR, floor,
                        "<= 1.2x" if v == 2 else "<= 2x"))
    for v in VERSIONS:
        rows.append(Row(SECTION, f"{DOUBLE} [{impl} slots] v{v}", ns[_v(DOUBLE, v)], "ns/op", FLOOR, floor))
    for v in VERSIONS:
        rows.append(Row(SECTION, f"{TIMER} [{impl} slots] v{v}", ns[_v(TIMER, v)], "ns/op", timer_floor,
                        ns[timer_floor], "<= 1.5x" if v == 2 else ""))
    rows.append(Row(SECTION, f"{HISTOGRAM_TIME} [{impl} slots] v2", ns[_v(HISTOGRAM_TIME, 2)], "ns/op", timer_floor,
                    ns[timer_floor]))
    rows.append(Row(SECTION, timer_floor, ns[timer_floor], "ns/op", FLOOR, floor))
    for name in ("prometheus_client Counter.inc(), single process", "prometheus_client Counter.inc(), multiprocess mode"):
        rows.append(Row(SECTION, name, ns[name], "ns/op", FLOOR, floor))
        rows.append(Row(SECTION, name, ns[name], "ns/op", "CounterField.incr() v2", ns[counter], ">= 4x"))
    statsd = "statsd-style client: one UDP datagram per increment"
    rows.append(Row(SECTION, statsd, ns[statsd], "ns/op", "CounterField.incr() v2", ns[counter]))
    log("writer (Python): pure-Python slots (subprocess)")
    try:
        pure = pure_python(cfg)
    except Exception as e:  # noqa: BLE001 - reported in the table
        rows.append(Row(SECTION, "CounterField.incr() [python slots]", None, "ns/op", note=f"failed: {e}"))
    else:
        pfloor = pure[FLOOR]
        if pure.get("implementation") != "python":
            log(f"note: MMSTATS_PURE_PYTHON=1 gave {pure.get('implementation')!r} slots")
        for name in (COUNTER, DOUBLE):
            for v in VERSIONS:
                target = ("<= 2.5x" if v == 2 else "<= 2x") if name == COUNTER else ""
                rows.append(Row(SECTION, f"{name} [python slots, own process] v{v}", pure[_v(name, v)], "ns/op",
                                FLOOR, pfloor, target))
    return rows


def _main_json(quick: bool) -> int:
    """The subprocess side of pure_python(): floor and mmstats cases only, as JSON."""
    import mmstats

    cfg = Config.make(quick)
    with tempfile.TemporaryDirectory() as tmp:
        cases, models = mmstats_cases(tmp)
        keep = {FLOOR} | {_v(name, v) for name in (COUNTER, DOUBLE) for v in VERSIONS}
        ns = ns_per_op({k: v for k, v in cases.items() if k in keep}, cfg)
        for stats in models:
            stats.remove()
    ns["implementation"] = mmstats.IMPLEMENTATION
    print(json.dumps(ns))
    return 0


if __name__ == "__main__":
    if "--json" in sys.argv:
        sys.exit(_main_json("--quick" in sys.argv))
    for row in run(Config.make("--quick" in sys.argv)):
        print(row)
