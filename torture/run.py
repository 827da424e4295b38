"""Torn-read torture: a native writer updates a file as fast as it can while each reader reads it.

    python torture/run.py [--format 1|2] --seconds 60 [--only python-read,go-statsreader] [--json results.json]

--format 1 (the default, as before): torture-writer (writer.c) and the version 1
readers; each prints reads, values checked, torn buffered and unbuffered values,
re-check retries where the reader exposes them, errors. --format 2:
torture-writer-v2 (writer_v2.c) and every reader of version 2; each prints
reads, values checked per kind, torn values, nulls (a sequence-locked value
without a consistent copy after the retry bound: not torn) and errors; the run
ends with the line "v2 torn: T of N reads".

The readers take turns (each for --seconds, the writer running all along), so
each gets the same conditions. Build first: make -C torture.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
TS_READER_LIB = os.path.join(os.path.dirname(HERE), "readers", "ts", "dist", "src", "index.js")
PY = [sys.executable, os.path.join(HERE, "py_reader.py")]
PY2 = [sys.executable, os.path.join(HERE, "py_reader_v2.py")]
GO, RUST, JAVA = (os.path.join(BUILD, f"torture-{lang}-reader") for lang in ("go", "rust", "java"))

# name -> command before PATH SECONDS; None marks a reader not built here (yet)
READERS = {
    "python-statsreader": PY + ["statsreader"],
    "python-statsreader-no-recheck": PY + ["statsreader-no-recheck"],
    "python-read": PY + ["read"],
    "python-read-no-recheck": PY + ["read-no-recheck"],
    "go-statsreader": [GO, "statsreader"],
    "go-read": [GO, "read"],
    "rust-statsreader": [RUST, "statsreader"],
    "rust-read": [RUST, "read"],
    "java-statsreader": [JAVA, "statsreader"],
    "java-read": [JAVA, "read"],
}

# Every reader of version 2: each language's polling reader (parses entries once) and its one-shot read.
READERS_V2 = {
    "python-statsreader": PY2 + ["statsreader"],
    "python-read": PY2 + ["read"],
    "python-mapped": PY2 + ["mapped"],
    "go-poller": [GO, "v2", "poller"],
    "go-read": [GO, "v2", "read"],
    "go-mapped": [GO, "v2", "mapped"],
    "rust-poller": [RUST, "v2", "poller"],
    "rust-read": [RUST, "v2", "read"],
    "rust-mapped": [RUST, "v2", "mapped"],
    "java-statsreader": [JAVA, "v2", "statsreader"],
    "java-read": [JAVA, "v2", "read"],
    "java-mapped": [JAVA, "v2", "mapped"],
    "c-poller": [os.path.join(BUILD, "torture-c-reader-v2"), "poller"],
    "c-read": [os.path.join(BUILD, "torture-c-reader-v2"), "read"],
    "c-mapped": [os.path.join(BUILD, "torture-c-reader-v2"), "mapped"],
    "ts-statsreader": ["node", os.path.join(HERE, "ts", "reader_v2.mjs"), "statsreader"],
    "ts-read": ["node", os.path.join(HERE, "ts", "reader_v2.mjs"), "read"],
}
# Readers that skip a step of the reader protocol on purpose: what the step buys. Their torn values are
# expected and are not counted in "v2 torn" (run with control=True / --control).
CONTROLS_V2 = {
    "python-no-seqcheck": PY2 + ["no-seqcheck"],
}
WRITERS = {1: "torture-writer", 2: "torture-writer-v2"}
KINDS_V2 = ("counter", "updown_counter", "gauge", "string", "histogram")


def available(cmd) -> bool:
    if cmd[0] == "node":
        return shutil.which("node") is not None and os.path.exists(TS_READER_LIB)
    return cmd[0] == sys.executable or os.access(cmd[0], os.X_OK)


def readers(fmt: int) -> dict:
    return READERS_V2 if fmt == 2 else READERS


def pinned(cpus):
    """A preexec_fn that keeps a process (and the threads it starts) on ``cpus``; None: no pinning."""
    return None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))


def run(seconds: float, only=None, env=None, rate: float = 0, fmt: int = 1, parallel: bool = False,
        control: bool = False, pin: bool = False) -> dict:
    """Each reader (all, or those named in ``only``) reads for ``seconds`` while the writer runs: one after
    the other, or with ``parallel`` all at once (they then share the processors with each other too).
    ``control``: the version 2 control readers too (CONTROLS_V2). ``pin``: the writer's threads on the
    first CPU, the readers on the others, so a reader always has a processor of its own while the writer
    races it from another (unpinned, a reader gets a few percent of a CPU beside the writer's spinning
    threads)."""
    cpus = sorted(os.sched_getaffinity(0))
    if pin and len(cpus) < 2:
        raise SystemExit("--pin needs at least two CPUs")
    writer_cpus, reader_cpus = ({cpus[0]}, set(cpus[1:])) if pin else (None, None)
    table_of = dict(readers(fmt), **(CONTROLS_V2 if control and fmt == 2 else {}))
    names = [n for n in table_of if not only or n in only]
    writer_bin = os.path.join(BUILD, WRITERS[fmt])
    if not os.access(writer_bin, os.X_OK):
        raise SystemExit(f"{writer_bin} is missing: run make -C torture")
    if fmt == 2 and rate:
        raise SystemExit("--rate: torture-writer-v2 has no pacing; it always runs as fast as it can")
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    results = {"format": fmt, "seconds_per_reader": seconds, "steps_per_second": rate or "as fast as it can",
               "parallel": parallel, "pinned": pin, "readers": [], "skipped": []}
    with tempfile.TemporaryDirectory(prefix="mmstats-torture-") as d:
        path = os.path.join(d, "torture.mmstats")
        writer = subprocess.Popen([writer_bin, path, str(seconds * len(names) + 30)] + ([str(rate)] if rate else []),
                                  stdout=subprocess.PIPE, text=True, preexec_fn=pinned(writer_cpus))
        try:
            line = writer.stdout.readline()
            if not line.startswith("ready"):
                raise SystemExit(f"torture-writer did not start: {line!r}")
            results["skipped"] = [f"{n}: {table_of[n][0]} not built" for n in names if not available(table_of[n])]
            names = [n for n in names if available(table_of[n])]
            if parallel:
                started = [(n, subprocess.Popen(table_of[n] + [path, str(seconds)], stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True, env=env,
                                                preexec_fn=pinned(reader_cpus))) for n in names]
                outcomes = [(n, p.args, *p.communicate(timeout=seconds + 120), p.returncode) for n, p in started]
            else:
                outcomes = []
                for name in names:
                    done = subprocess.run(table_of[name] + [path, str(seconds)], capture_output=True, text=True,
                                          timeout=seconds + 120, env=env,
                                          preexec_fn=pinned(reader_cpus))
                    outcomes.append((name, done.args, done.stdout, done.stderr, done.returncode))
            for name, _args, out, err, rc in outcomes:
                if rc != 0:
                    raise SystemExit(f"{name} failed ({rc}): {err.strip()[-2000:]}")
                results["readers"].append(dict(json.loads(out.strip().splitlines()[-1]), control=name in CONTROLS_V2))
        finally:
            if writer.poll() is None:
                writer.send_signal(signal.SIGTERM)
            tail = writer.communicate(timeout=60)[0].strip().splitlines()
        results["writer"] = json.loads(tail[-1]) if tail and tail[-1].startswith("{") else None
        if writer.returncode != 0:
            raise SystemExit(f"torture-writer exited with {writer.returncode}")
    return results


def table(results) -> str:
    w = results["writer"] or {}
    rate = w.get("updates", 0) / w["seconds"] if w.get("seconds") else 0
    lines = [f"writer: {w.get('updates', '?')} steps in {w.get('seconds', '?')} s ({rate / 1e6:.1f} M steps/s, "
             f"14 fields updated per step); {results['seconds_per_reader']} s per reader",
             f"{'reader':32} {'reads':>9} {'values':>11} {'torn buf':>9} {'per 1e6':>8} {'torn unbuf':>10} "
             f"{'retries':>8}  errors"]
    for r in results["readers"]:
        per = r["torn_buffered"] / r["values"] * 1e6 if r["values"] else 0.0
        retries = "-" if r["retries"] is None else str(r["retries"])
        lines.append(f"{r['reader']:32} {r['reads']:>9} {r['values']:>11} {r['torn_buffered']:>9} {per:>8.2f} "
                     f"{r['torn_unbuffered']:>10} {retries:>8}  {r['errors'] or ''}"
                     + (f"  e.g. {r['example']}" if r["example"] else ""))
    lines += [f"skipped: {s}" for s in results["skipped"]]
    return "\n".join(lines)


def total_torn_v2(results) -> tuple[int, int]:
    """(torn values, reads), summed over the readers (not the controls)."""
    rs = [r for r in results["readers"] if not r["control"]]
    return sum(r["torn"] for r in rs), sum(r["reads"] for r in rs)


def table_v2(results) -> str:
    w = results["writer"] or {}
    rate = w.get("updates", 0) / w["seconds"] if w.get("seconds") else 0
    lines = [f"writer: {w.get('updates', '?')} steps in {w.get('seconds', '?')} s ({rate / 1e6:.1f} M steps/s, summed "
             f"over its threads; slots {w.get('slots', '?')}); {results['seconds_per_reader']} s per reader"
             + (", all at once" if results.get("parallel") else ", one after the other"),
             f"{'reader':28} {'reads':>11} {'reads/s':>9} {'values':>11} "
             + " ".join(f"{k.replace('_counter', ''):>9}" for k in KINDS_V2) + f" {'torn':>5} {'nulls':>7}  errors"]
    for r in results["readers"]:
        per_s = r["reads"] / r["seconds"] if r["seconds"] else 0
        name = r["reader"] + (" (control)" if r["control"] else "")
        lines.append(f"{name:28} {r['reads']:>11} {per_s:>9.0f} {r['values']:>11} "
                     + " ".join(f"{r['checked'][k]:>9}" for k in KINDS_V2)
                     + f" {r['torn']:>5} {r['nulls']:>7}  {r['errors'] or ''}"
                     + (f"  e.g. {r['example']}" if r["example"] else ""))
    lines += [f"skipped: {s}" for s in results["skipped"]]
    controls = [r for r in results["readers"] if r["control"]]
    if controls:
        lines.append(f"controls (a protocol step skipped on purpose; not counted below): torn "
                     f"{sum(r['torn'] for r in controls)} of {sum(r['reads'] for r in controls)} reads")
    torn, reads = total_torn_v2(results)
    lines.append(f"v2 torn: {torn} of {reads} reads")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--format", type=int, choices=(1, 2), default=1,
                   help="file format: 1 (default, as before this option existed) or 2")
    p.add_argument("--seconds", type=float, default=60, help="seconds each reader reads (default 60)")
    p.add_argument("--only", default="", help="comma-separated reader names (default: all)")
    p.add_argument("--rate", type=float, default=0, help="writer steps per second (default: as fast as it can)")
    p.add_argument("--parallel", action="store_true", help="all readers at once instead of one after the other")
    p.add_argument("--control", action="store_true",
                   help="--format 2: also the control readers, which skip the sequence check on purpose")
    p.add_argument("--pin", action="store_true",
                   help="the writer on the first CPU, the readers on the others (a processor of their own)")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    results = run(args.seconds, {n for n in args.only.split(",") if n}, rate=args.rate, fmt=args.format,
                  parallel=args.parallel, control=args.control, pin=args.pin)
    print(table_v2(results) if args.format == 2 else table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 1 if args.format == 2 and total_torn_v2(results)[0] else 0  # version 2 promises none


if __name__ == "__main__":
    sys.exit(main())
