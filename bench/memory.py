"""Section "memory": peak RSS (ru_maxrss) of small processes, each beside a bare Python process.

Each figure comes from its own subprocess, which reports its own peak when
done: VmHWM of /proc/self/status, the high-water mark of the process's own
memory. Not ru_maxrss: on Linux a process inherits its parent's ru_maxrss
through fork and exec (the kernel folds the old address space's peak into it
at exec), so every child of this 30 MB benchmark would report at least 30 MB.
Where /proc is missing, ru_maxrss is used and the row says so.
- bare: python -c pass (the baseline);
- python + import mmstats (what the writer library costs before any file);
- a writer: a model of 100 CounterFields, its file created, every field incremented;
- prometheus_client with 100 Counters, each incremented (for comparison);
- a reader holding N files open in StatsReaders, every file read once;
- the same N files polled once by one StatsDirectory.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from _harness import Config, Row, log

REPO = Path(__file__).resolve().parents[1]
SECTION = "memory"

_REPORT = """
def _peak_kb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]), "VmHWM"
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "ru_maxrss"
print(*_peak_kb())
"""

SCRIPTS = {
    "bare": "",
    "import": "import mmstats",
    "writer": """
        import tempfile, mmstats
        attrs = {f"f{i:03d}": mmstats.CounterField(label=f"app.requests.{i:03d}") for i in range(100)}
        Model = type("Model", (mmstats.MmStats,), attrs)
        with tempfile.TemporaryDirectory() as tmp:
            stats = Model(path=tmp)
            for name in attrs:
                getattr(stats, name).incr()
            stats.remove()
    """,
    "prometheus": """
        import prometheus_client
        counters = [prometheus_client.Counter(f"app_requests_{i:03d}", "requests") for i in range(100)]
        for c in counters:
            c.inc()
    """,
    "statsreaders": """
        import glob, os, resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        from mmstats_format import StatsReader
        readers = [StatsReader(p) for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.mmstats")))]
        values = sum(len(r.read()) for r in readers)
        assert sum(r._fd >= 0 for r in readers) == len(readers) == int(sys.argv[2]), "not all held open"
    """,
    "directory": """
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        from mmstats_format.directory import StatsDirectory
        sd = StatsDirectory(sys.argv[1], max_open=int(sys.argv[2]) + 16)
        files, problems = sd.poll()
        assert len(files) == sd.open_files == int(sys.argv[2]) and not problems
    """,
}


def peak_kb(script: str, *args) -> tuple[int, str]:
    code = "import sys\n" + textwrap.dedent(script) + "\n" + _REPORT
    env_cmd = [sys.executable, "-c", code, *map(str, args)]
    out = subprocess.run(env_cmd, capture_output=True, text=True, timeout=600, cwd=tempfile.gettempdir())
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    kb, how = out.stdout.split()[-2:]
    return int(kb), how


def run(cfg: Config, fx) -> list[Row]:
    n = cfg.memory_files
    mm = fx.mmstats(n, cfg.fields)
    log(f"memory: subprocesses (reader: {n} files)")
    mb, how = {}, set()
    for key, args in (("bare", ()), ("import", ()), ("writer", ()), ("prometheus", ()),
                      ("statsreaders", (mm.dir, n)), ("directory", (mm.dir, n))):
        try:
            kb, way = peak_kb(SCRIPTS[key], *args)
            mb[key] = kb / 1024
            how.add(way)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            mb[key] = None
            log(f"  memory {key}: {e}")
    bare = mb["bare"]
    shown = {
        "import": "python + import mmstats",
        "writer": "writer process: model of 100 CounterFields, each incremented",
        "prometheus": "prometheus_client process: 100 Counters, each incremented",
        "statsreaders": f"reader process: {n:,} files held open in StatsReaders, each read",
        "directory": f"reader process: {n:,} files polled by one StatsDirectory",
    }
    note = "" if how <= {"VmHWM"} else " (ru_maxrss: includes the parent's peak)"
    rows = [Row(SECTION, "bare python process (python -c pass)" + note, bare, "MB", "bare python", bare)]
    for key, name in shown.items():
        rows.append(Row(SECTION, name, mb[key], "MB", "bare python", bare,
                        note="" if mb[key] is not None else "failed (see log)"))
    for key in ("statsreaders", "directory"):  # the reader target: what holding the files costs
        if mb[key] is not None and bare is not None:
            rows.append(Row(SECTION, shown[key] + ", above a bare interpreter", mb[key] - bare, "MB",
                            "bare python", bare, "< 40 MB"))
    if mb["import"] is not None:
        rows.append(Row(SECTION, shown["writer"], mb["writer"], "MB", "python + import mmstats", mb["import"]))
    return rows
