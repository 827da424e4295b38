"""Sections "reader" and "scale": all values of N files x F fields, every way there is.

Fixtures (in a temporary directory):
- N mmstats files of F buffered Q counters (one program's layout, as N
  processes of one program write), 4096 bytes each; before every round each
  file's values and write buffers are stored anew in place (pwrite into the
  same inode, as a live writer changes its file: a reader keeps its descriptor,
  its mapping and its layout), so no reader sees an unchanged file (the worst
  case for StatsDirectory, which skips those);
- N prometheus_client multiprocess files counter_<pid>.db holding F counters
  (written by prometheus_client's MmapedDict, then copied per pid), and the
  same as gauges in multiprocess_mode "all" (one series per process and
  metric, as mmash's /metrics gives) for the exposition comparison.

Readers (one pass = every value of every file):
- floor: os.open + readv into a reused buffer + close of each file;
- mmstats_format.read(path) for each path (one-shot, the layout cache warm);
- the same without the layout cache: scan() and one value at a time;
- StatsReader.read() of N readers kept open;
- StatsDirectory.poll() of the directory;
- version 2 files: the same with mapped=True (values loaded from each file's mapping: a stat
  and an fstat per file and poll for StatsReader, an fstat for StatsDirectory, whose poll of
  every file in the ordinary case is one C call, mapped or copied);
- mmash /metrics: StatsDir.snapshot() + metrics.render() through prometheus_client's collector API (what a scrape runs,
  minus HTTP);
- prometheus_client MultiProcessCollector.collect() (counters, summed over
  pids), and collect + generate_latest of the gauge files.
"""
from __future__ import annotations

import os
import random
import resource
import struct
import tempfile
import time
from pathlib import Path

from _harness import Config, Row, log, ns_per_op, passes

SECTION = "reader"
SCALE = "scale"


def raise_fd_limit(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else min(hard, max(soft, want))
    if target != soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class MmstatsFiles:
    """N stats files of one layout; ``mutate(round)`` gives every file new values."""

    VARIANTS = 4

    def __init__(self, root: Path, n: int, f: int):
        from mmstats_format import build_file
        from mmstats_format.scan import scan

        self.n, self.f = n, f
        self.dir = root / f"mmstats-{n}x{f}"
        self.dir.mkdir()
        image = build_file([{"label": f"app.requests.{j:02d}", "type": "Q", "buffered": True, "value": 0}
                            for j in range(f)])
        self.layouts, errors = scan(image)
        assert not errors
        rnd = random.Random(n * 1000 + f)
        self.variants = []
        for _ in range(self.VARIANTS):
            img = bytearray(image)
            for fl in self.layouts:  # large values: no small-int cache helps any reader
                struct.pack_into("<BQQ", img, fl.write_buffer_offset, rnd.getrandbits(1),
                                 rnd.getrandbits(48), rnd.getrandbits(48))
            self.variants.append(bytes(img))
        self.paths = []
        for i in range(n):
            p = str(self.dir / f"bench-{10000 + i}-{10000 + i}.mmstats")
            with open(p, "wb") as out:
                out.write(self.variants[i % self.VARIANTS])
            self.paths.append(p)

    def mutate(self, round_: int):
        """Rewrite every file in place with another variant (same layout, other values).
        Opened each time: at 10,000 files the readers need the descriptors."""
        v = self.variants
        for i, p in enumerate(self.paths):
            fd = os.open(p, os.O_WRONLY)
            os.pwrite(fd, v[(i + round_ + 1) % self.VARIANTS], 0)
            os.close(fd)

    def close(self):
        pass


class MmstatsFilesV2(MmstatsFiles):
    """The same N x F as MmstatsFiles in format version 2: F u64 counters, one writer slot in use
    (values at rest: no sequence lock), so v1 and v2 readers do the same work."""

    def __init__(self, root: Path, n: int, f: int):
        from mmstats_conformance import model_v2 as m2
        from mmstats_format.scan import scan

        self.n, self.f = n, f
        self.dir = root / f"mmstats-v2-{n}x{f}"
        self.dir.mkdir()
        spec = m2.File2(fields=tuple(m2.Field2(f"app.requests.{j:02d}", "counter", "u64", slots=(0,))
                                     for j in range(f)),
                        meta_capacity=64 * f, process_capacity=8, slot_size=8 * f, slot_count=1, slots_used=1)
        image = m2.build(spec)
        self.layouts, errors = scan(bytes(image.data))
        assert not errors, errors
        rnd = random.Random(n * 1000 + f + 2)
        self.variants = []
        for _ in range(self.VARIANTS):
            img = bytearray(image.data)
            for e in image.entries:
                struct.pack_into("<Q", img, e.value_at, rnd.getrandbits(48))
            self.variants.append(bytes(img))
        self.paths = []
        for i in range(n):
            p = str(self.dir / f"bench-{10000 + i}.mmstats")
            with open(p, "wb") as out:
                out.write(self.variants[i % self.VARIANTS])
            self.paths.append(p)


class PrometheusFiles:
    """N multiprocess files of F metrics, written once by MmapedDict and copied per pid."""

    VALUE = 7.0

    def __init__(self, root: Path, n: int, f: int, kind: str):
        from prometheus_client.mmap_dict import MmapedDict, mmap_key

        self.n, self.f, self.kind = n, f, kind
        self.dir = root / f"prom-{kind}-{n}x{f}"
        self.dir.mkdir()
        first = self.dir / "template.db"
        d = MmapedDict(str(first))
        for j in range(f):
            name = f"app_requests_{j:02d}"
            sample = name + "_total" if kind == "counter" else name
            d.write_value(mmap_key(name, sample, [], [], "requests"), self.VALUE, 0.0)
        d.close()
        raw = first.read_bytes()
        used = struct.unpack_from("i", raw, 0)[0]
        first.unlink()
        prefix = "counter" if kind == "counter" else "gauge_all"
        for i in range(n):
            (self.dir / f"{prefix}_{10000 + i}.db").write_bytes(raw[:used])

    def collector(self):
        from prometheus_client.multiprocess import MultiProcessCollector
        return MultiProcessCollector(None, path=str(self.dir))


class Fixtures:
    def __init__(self, root: Path):
        from other_readers import OtherReaders

        self.root = root
        self._mm, self._prom = {}, {}
        self.others = OtherReaders(root)  # other languages' bench programs, built on first use

    def mmstats(self, n, f, version: int = 1) -> MmstatsFiles:
        if (n, f, version) not in self._mm:
            log(f"  fixture: {n} mmstats version {version} files x {f} fields")
            make = MmstatsFiles if version == 1 else MmstatsFilesV2
            self._mm[n, f, version] = make(self.root, n, f)
        return self._mm[n, f, version]

    def prometheus(self, n, f, kind) -> PrometheusFiles:
        if (n, f, kind) not in self._prom:
            log(f"  fixture: {n} prometheus {kind} files x {f} metrics")
            self._prom[n, f, kind] = PrometheusFiles(self.root, n, f, kind)
        return self._prom[n, f, kind]

    def close(self):
        for m in self._mm.values():
            m.close()


# -- readers: each returns (one-pass function, closer, values it reads per pass) --------------------

def floor_reader(mm: MmstatsFiles):
    buf = bytearray(1 << 16)
    paths = mm.paths
    flags = os.O_RDONLY | os.O_CLOEXEC

    def one_pass():
        for p in paths:
            fd = os.open(p, flags)
            os.readv(fd, [buf])
            os.close(fd)
    return one_pass, None


def read_reader(mm: MmstatsFiles):
    from mmstats_format import read
    paths = mm.paths

    def one_pass():
        return sum(len(read(p)) for p in paths)
    return one_pass, None


def scanned_reader(mm: MmstatsFiles):
    from mmstats_format.read import decode_scanned, read_bytes
    paths = mm.paths

    def one_pass():
        return sum(len(decode_scanned(read_bytes(p))) for p in paths)
    return one_pass, None


def statsreader_reader(mm: MmstatsFiles, mapped: bool = False):
    from mmstats_format import StatsReader
    readers = [StatsReader(p, mapped=mapped) for p in mm.paths]

    def one_pass():
        return sum(len(r.read()) for r in readers)

    def close():
        for r in readers:
            r.close()
    return one_pass, close


def directory_reader(mm: MmstatsFiles, mapped: bool = False):
    from mmstats_format.directory import StatsDirectory
    sd = StatsDirectory(mm.dir, "*.mmstats", max_open=(2 if mapped else 1) * mm.n + 16, mapped=mapped)

    def one_pass():
        files, problems = sd.poll()
        assert not problems, problems[:3]
        return sum(len(f.values) for f in files)
    return one_pass, sd.close


def mmash_reader(mm: MmstatsFiles):
    from mmstats.tools.mmash import metrics
    from mmstats.tools.mmash.data import StatsDir
    sdir = StatsDir(str(mm.dir), "*.mmstats")

    def one_pass():
        files, _ = sdir.snapshot()
        body = metrics.render(files, sdir.directory)
        return sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    return one_pass, sdir.close


def mpc_reader(prom: PrometheusFiles):
    collector = prom.collector()

    def one_pass():
        metrics = list(collector.collect())
        return sum(len(m.samples) for m in metrics), metrics
    return one_pass, None


def mpc_exposition_reader(prom: PrometheusFiles):
    from prometheus_client import CollectorRegistry, generate_latest
    registry = CollectorRegistry()
    registry.register(prom.collector())

    def one_pass():
        body = generate_latest(registry)
        return sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    return one_pass, None


def _check(name, got, want):
    if got != want:
        raise AssertionError(f"{name} read {got} values, expected {want}")


# -- the 1000 x 50 section -------------------------------------------------------------------------

def run(cfg: Config, fx: Fixtures) -> list[Row]:
    n, f = cfg.files, cfg.fields
    raise_fd_limit(10 * n + 256)
    mm = fx.mmstats(n, f)
    mm2 = fx.mmstats(n, f, version=2)
    pc = fx.prometheus(n, f, "counter")
    pg = fx.prometheus(n, f, "gauge")
    names = {
        "floor": "floor: open + read + close of every file",
        "read": "mmstats_format.read(path), each file",
        "scanned": "read without the layout cache (scan every file)",
        "statsreader": "StatsReader.read(), N readers kept open",
        "directory": "StatsDirectory.poll() of the directory",
        "idle": "StatsDirectory.poll(), no file changed since its last poll",
        "mmash": "mmash /metrics (StatsDir.snapshot + metrics.render)",
        "mpc": "prometheus_client MultiProcessCollector.collect()",
        "mpc_expo": "MultiProcessCollector (gauges 'all') + generate_latest",
        "read2": "version 2 files: mmstats_format.read(path), each file",
        "statsreader2": "version 2 files: StatsReader.read(), N readers kept open",
        "directory2": "version 2 files: StatsDirectory.poll() of the directory",
        "mapped_statsreader2": "version 2 files: StatsReader(mapped=True).read(), N readers kept open",
        "mapped_directory2": "version 2 files: StatsDirectory(mapped=True).poll() of the directory",
    }
    made = {
        "floor": floor_reader(mm), "read": read_reader(mm), "scanned": scanned_reader(mm),
        "statsreader": statsreader_reader(mm), "directory": directory_reader(mm),
        "idle": directory_reader(mm), "mmash": mmash_reader(mm),
        "mpc": mpc_reader(pc), "mpc_expo": mpc_exposition_reader(pg),
        "read2": read_reader(mm2), "statsreader2": statsreader_reader(mm2), "directory2": directory_reader(mm2),
        "mapped_statsreader2": statsreader_reader(mm2, mapped=True),
        "mapped_directory2": directory_reader(mm2, mapped=True),
    }
    try:
        log(f"reader: {n} files x {f} fields, checking every reader reads every value")
        want = n * f
        for key in ("read", "scanned", "statsreader", "directory", "idle", "mmash", "mpc_expo", "read2",
                    "statsreader2", "directory2", "mapped_statsreader2", "mapped_directory2"):
            _check(names[key], made[key][0](), want)
        count, metrics = made["mpc"][0]()
        _check(names["mpc"], len(metrics), f)  # counters summed over the pids: F metrics ...
        total = sum(s.value for m in metrics for s in m.samples if s.name.endswith("_total"))
        _check(names["mpc"] + " (sum of all values)", total, n * f * PrometheusFiles.VALUE)  # ... of N values each
        log(f"reader: timing, {cfg.rounds} rounds")

        def before_round(r):
            mm.mutate(r)          # every file changes before each round ...
            mm2.mutate(r)
            made["idle"][0]()     # ... but this poller has seen the change already

        sec = passes({names[k]: fn for k, (fn, _) in made.items()}, cfg.rounds, before_round)
    finally:
        for _, close in made.values():
            if close:
                close()
    ms = {k: sec[v] * 1e3 for k, v in names.items()}
    label = f"{n} x {f}"
    rows = [Row(SECTION, f"{label}: {names['floor']}", ms["floor"], "ms", "floor", ms["floor"])]
    for key, target in (("read", "<= 2x"), ("statsreader", "<= 1.5x"), ("directory", "<= 1.5x")):
        rows.append(Row(SECTION, f"{label}: {names[key]}", ms[key], "ms", "floor", ms["floor"], target))
        rows.append(Row(SECTION, f"{label}: {names['mpc']}", ms["mpc"], "ms", names[key].split(",")[0].split(" of")[0],
                        ms[key], ">= 10x"))
    for key in ("read", "statsreader", "directory"):  # v2 at least as fast as v1
        rows.append(Row(SECTION, f"{label}: {names[key + '2']}", ms[key + "2"], "ms",
                        "version 1 files, same reader", ms[key], "<= 1x"))
    for key in ("directory2", "mapped_directory2"):  # the version 2 pollers against the same floor
        rows.append(Row(SECTION, f"{label}: {names[key]}", ms[key], "ms", "floor", ms["floor"], "<= 1.5x"))
    rows.append(Row(SECTION, f"{label}: {names['idle']}", ms["idle"], "ms", "floor", ms["floor"]))
    rows.append(Row(SECTION, f"{label}: {names['scanned']}", ms["scanned"], "ms", "floor", ms["floor"]))
    rows.append(Row(SECTION, f"{label}: {names['scanned']}", ms["scanned"], "ms", "read() with the cache", ms["read"]))
    rows.append(Row(SECTION, f"{label}: {names['mmash']}", ms["mmash"], "ms", "floor", ms["floor"]))
    rows.append(Row(SECTION, f"{label}: {names['mpc_expo']}", ms["mpc_expo"], "ms", "mmash /metrics", ms["mmash"]))
    # per field: the whole re-read (syscalls included), and the decode step alone
    per = 1e6 / (n * f)
    rows.append(Row(SECTION, "re-read of a known layout, per field: StatsDirectory.poll()", ms["directory"] * per,
                    "ns/field", "floor per field", ms["floor"] * per, "< 50 ns"))
    rows.append(Row(SECTION, "re-read of a known layout, per field: StatsReader.read()", ms["statsreader"] * per,
                    "ns/field", "floor per field", ms["floor"] * per, "< 50 ns"))
    # values stored in place between rounds (what a monitoring tool meets): the mapped re-read beside the
    # floor and the copying reader
    for key in ("statsreader2", "directory2"):
        what = names["mapped_" + key].split(": ", 1)[1].split(",")[0].split(" of")[0]
        mapped, copied = ms["mapped_" + key] * per, ms[key] * per
        rows.append(Row(SECTION, f"re-read of a known layout, per field: version 2, {what}", mapped, "ns/field",
                        "floor per field", ms["floor"] * per, "< 50 ns"))
        rows.append(Row(SECTION, f"re-read of a known layout, per field: version 2, {what}", mapped, "ns/field",
                        "the same reader copying", copied))
    rows += decode_rows(cfg, mm)
    return rows


def decode_rows(cfg: Config, mm: MmstatsFiles) -> list[Row]:
    """The decode step alone: values of a copied buffer through the compiled layout, in C (the
    default) and in pure Python (MMSTATS_PURE_PYTHON=1)."""
    from mmstats_format.accel import ReadPlan
    from mmstats_format.v1.layout import CompiledLayout
    from mmstats_format.read import decode_scanned

    data = bytearray(mm.variants[1])
    plain = CompiledLayout(mm.layouts)
    python = CompiledLayout(mm.layouts, bytes(data), plan_type=None)
    f = mm.f
    cases = {
        "values": ("L.values(b)", {"L": plain, "b": data}, f),
        "checked": ("L.checked_values(b)", {"L": python, "b": data}, f),
        "scanned": ("d(b)", {"d": decode_scanned, "b": bytes(data)}, f),
    }
    if ReadPlan is not None:
        compiled = CompiledLayout(mm.layouts, bytes(data), plan_type=ReadPlan)
        cases["c_values"] = ("L.checked_values(b)", {"L": compiled, "b": data}, f)
        cases["c_fields"] = ("L.checked_fields(b)", {"L": compiled, "b": data}, f)
    ns = ns_per_op(cases, cfg)
    rows = [
        Row(SECTION, "decode step, per field: pure Python CompiledLayout.values(copy)", ns["values"], "ns/field",
            "scan + one value at a time", ns["scanned"]),
        Row(SECTION, "decode step, per field: pure Python checked_values(copy) (+ skeleton check)", ns["checked"],
            "ns/field", "scan + one value at a time", ns["scanned"]),
    ]
    if ReadPlan is not None:
        rows += [
            Row(SECTION, "decode step, per field: C checked_values(copy) (+ skeleton check)", ns["c_values"],
                "ns/field", "pure Python checked_values", ns["checked"]),
            Row(SECTION, "decode step, per field: C checked_fields(copy): Field tuples", ns["c_fields"],
                "ns/field", "pure Python checked_values", ns["checked"]),
        ]
    return rows


# -- scale -----------------------------------------------------------------------------------------

SCALE_READERS = {
    "read()": lambda mm, fx: read_reader(mm),
    "StatsReader": lambda mm, fx: statsreader_reader(mm),
    "StatsDirectory": lambda mm, fx: directory_reader(mm),
    "mmash /metrics": lambda mm, fx: mmash_reader(mm),
    "MultiProcessCollector": lambda mm, fx: mpc_reader(fx.prometheus(mm.n, mm.f, "counter")),
}


def scale(cfg: Config, fx: Fixtures) -> tuple[list[Row], dict]:
    """Each reader at each N, its rounds interleaved with floor rounds (readers run one after another:
    at 10,000 files they could not all hold their descriptors at once)."""
    rows, grid = [], {}
    f = cfg.fields
    for n in cfg.scale:
        raise_fd_limit(n + 256)
        mm = fx.mmstats(n, f)
        rounds = 2 if cfg.quick else (3 if n >= 10000 else 5)
        for name, make in SCALE_READERS.items():
            log(f"scale: {n} files: {name}")
            t0 = time.perf_counter()
            fn, close = make(mm, fx)
            floor_fn, _ = floor_reader(mm)
            try:
                fn()  # first pass: opens, parses, fills caches
                sec = passes({"floor": floor_fn, name: fn}, rounds, mm.mutate)
            finally:
                if close:
                    close()
            grid[n, name] = sec[name] * 1e3
            grid[n, "floor"] = min(grid.get((n, "floor"), 1e99), sec["floor"] * 1e3)
            rows.append(Row(SCALE, f"{n} files x {f}: {name}", sec[name] * 1e3, "ms", "floor", sec["floor"] * 1e3))
            log(f"  {time.perf_counter() - t0:.1f} s")
        rows += _other_languages(cfg, fx, mm, grid)
    return rows, grid


def _other_languages(cfg: Config, fx: Fixtures, mm: MmstatsFiles, grid: dict) -> list[Row]:
    """Each other language's one-shot read of the same files, beside its own raw read of them."""
    from other_readers import PROGRAMS

    rows, n = [], mm.n
    rounds = 3 if cfg.quick else max(5, min(200, 20000 // n))  # more rounds for small N: JITs warm up
    for name in (["C reader"] if cfg.quick else PROGRAMS):  # --quick: the one that builds in seconds
        log(f"scale: {n} files: {name} ({rounds} rounds in its own process)")
        got = fx.others.run(name, mm.paths, rounds)
        case = f"{n} files x {mm.f}: {name}, one-shot read of each file"
        if isinstance(got, str):
            rows.append(Row(SCALE, case, None, "ms", note=got))
            continue
        raw, decode, fields = got
        if fields != n * mm.f:
            raise AssertionError(f"{name} read {fields} fields, expected {n * mm.f}")
        grid[n, name] = decode * n / 1e6
        rows.append(Row(SCALE, case, decode * n / 1e6, "ms", "its raw read of the same bytes", raw * n / 1e6))
    return rows


def scale_table(grid: dict, cfg: Config) -> str:
    """Microseconds per file: one line per reader, one column per N."""
    ns = list(cfg.scale)
    head = ["us per file"] + [f"{n:,} files" for n in ns]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    from other_readers import PROGRAMS
    for name in ["floor", *SCALE_READERS, *PROGRAMS]:
        cells = [f"{grid[n, name] * 1e3 / n:,.1f}" if (n, name) in grid else "-" for n in ns]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    return "\n".join(lines)


def scale_lines(grid: dict) -> dict:
    """Reader name -> {files: microseconds per file}: what bench/scale.svg plots."""
    from other_readers import PROGRAMS
    out = {}
    for name in ["floor", *SCALE_READERS, *PROGRAMS]:  # the table's order
        points = {n: ms * 1e3 / n for (n, who), ms in grid.items() if who == name}
        if points:
            out[name] = points
    return out


def make_fixtures() -> tuple[Fixtures, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory(prefix="mmstats-bench-")
    return Fixtures(Path(tmp.name)), tmp
