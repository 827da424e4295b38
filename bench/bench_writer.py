"""Writer hot paths against a plain Python method measured in the same run.

    python bench/bench_writer.py             # the active implementation, then pure Python
    python bench/bench_writer.py --only      # the active implementation only
    MMSTATS_PURE_PYTHON=1 python bench/bench_writer.py --only

Every case runs `number` calls per sample; samples of all cases are
interleaved, `repeats` rounds, and the table shows the median ns/op and its
ratio to the floor (`s.hits.incr()` on a plain object whose method does
`self.v += n`). Targets (brief): CounterField.incr within 2.5x of the floor
and at least 3x faster than prometheus_client's Counter.inc(). Nothing here
asserts: the machine is shared and numbers drift; read the ratios.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for _var in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"):  # single-process mode, as stated
    os.environ.pop(_var, None)

import mmstats  # noqa: E402
from mmstats.lowlevel import create_file  # noqa: E402
from mmstats_format import StatsReader  # noqa: E402

READ_FIELDS = 50


class _Plain:
    __slots__ = ("v",)

    def __init__(self):
        self.v = 0

    def incr(self, n=1):
        self.v += n


class _Holder:
    pass


class BenchStats(mmstats.MmStats):
    hits = mmstats.CounterField(label="hits")
    ratio = mmstats.DoubleField(label="ratio")
    latency = mmstats.TimerField(label="latency", size=100)


def cases(tmp):
    """(name, statement, globals, per) -- per: divide the time by this many operations."""
    floor = _Holder()
    floor.hits = _Plain()
    stats = BenchStats(path=tmp, label_prefix="bench.")
    out = [
        ("floor: plain method s.hits.incr()", "s.hits.incr()", {"s": floor}, 1),
        ("CounterField  stats.hits.incr()", "s.hits.incr()", {"s": stats}, 1),
        ("DoubleField   stats.ratio = 0.5", "s.ratio = 0.5", {"s": stats}, 1),
        ("TimerField    with stats.latency: pass", "with s.latency: pass", {"s": stats}, 1),
    ]
    try:
        import prometheus_client
    except ImportError:
        print("prometheus_client is not installed: its row is skipped", file=sys.stderr)
    else:
        registry = prometheus_client.CollectorRegistry()
        counter = prometheus_client.Counter("bench_hits", "hits", registry=registry)
        out.append(("prometheus_client Counter.inc()", "c.inc()", {"c": counter}, 1))
    path = os.path.join(tmp, "read50.mmstats")
    f = create_file(path, [(f"counter.{i:02d}", "Q", True) for i in range(READ_FIELDS)])
    for i, slot in enumerate(f.slots):
        slot.set(i * 1000)
    reader = StatsReader(path)
    reader.read()
    out.append((f"StatsReader.read() of {READ_FIELDS} fields, per field", "r.read()", {"r": reader}, READ_FIELDS))
    return out, (stats, f, reader)


def measure(repeats: int, number: int):
    with tempfile.TemporaryDirectory() as tmp:
        rows, keep = cases(tmp)
        samples = {name: [] for name, *_ in rows}
        for _ in range(repeats):
            for name, stmt, g, per in rows:
                n = max(1, number // per)
                samples[name].append(timeit.Timer(stmt, globals=g).timeit(n) / (n * per) * 1e9)
        keep[0].remove()
        keep[1].close()
        keep[2].close()
    return {name: statistics.median(v) for name, v in samples.items()}


def report(medians: dict, implementation: str) -> None:
    floor = next(iter(medians.values()))
    print(f"\nmmstats writer ({implementation} slots), median ns/op; ratio = x the plain-method floor")
    print(f"{'case':48s} {'ns/op':>9s} {'ratio':>7s}")
    for name, ns in medians.items():
        print(f"{name:48s} {ns:9.1f} {ns / floor:7.2f}")
    hits = medians["CounterField  stats.hits.incr()"]
    prom = medians.get("prometheus_client Counter.inc()")
    print(f"CounterField.incr: {hits / floor:.2f}x floor (target <= 2.5)", end="")
    print(f"; prometheus_client Counter.inc is {prom / hits:.1f}x slower (target >= 3)" if prom else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--number", type=int, default=100_000)
    ap.add_argument("--only", action="store_true", help="do not also run the pure-Python slots")
    args = ap.parse_args(argv)
    report(measure(args.repeats, args.number), mmstats.IMPLEMENTATION)
    if not args.only and mmstats.IMPLEMENTATION != "python":
        env = dict(os.environ, MMSTATS_PURE_PYTHON="1")
        cmd = [sys.executable, __file__, "--only", "--repeats", str(args.repeats), "--number", str(args.number)]
        return subprocess.call(cmd, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
