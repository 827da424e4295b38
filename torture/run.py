"""Torn-read torture: torture-writer updates a file as fast as it can while each reader reads it.

    python torture/run.py --seconds 60 [--only python-read,go-statsreader] [--json results.json]

The readers take turns (each for --seconds, the writer running all along), so
each gets the same conditions; every reader prints one JSON object (reads,
values checked, torn buffered and unbuffered values, re-check retries where
the reader exposes them, errors). Build first: make -C torture.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.path.join(HERE, "build")
PY = [sys.executable, os.path.join(HERE, "py_reader.py")]

# name -> command before PATH SECONDS; None marks a reader not built here (yet)
READERS = {
    "python-statsreader": PY + ["statsreader"],
    "python-statsreader-no-recheck": PY + ["statsreader-no-recheck"],
    "python-read": PY + ["read"],
    "python-read-no-recheck": PY + ["read-no-recheck"],
    "go-statsreader": [os.path.join(BUILD, "torture-go-reader"), "statsreader"],
    "go-read": [os.path.join(BUILD, "torture-go-reader"), "read"],
    "rust-statsreader": [os.path.join(BUILD, "torture-rust-reader"), "statsreader"],
    "rust-read": [os.path.join(BUILD, "torture-rust-reader"), "read"],
    "java-statsreader": [os.path.join(BUILD, "torture-java-reader"), "statsreader"],
    "java-read": [os.path.join(BUILD, "torture-java-reader"), "read"],
}


def available(cmd) -> bool:
    return cmd[0] == sys.executable or os.access(cmd[0], os.X_OK)


def run(seconds: float, only=None, env=None, rate: float = 0) -> dict:
    names = [n for n in READERS if not only or n in only]
    writer_bin = os.path.join(BUILD, "torture-writer")
    if not os.access(writer_bin, os.X_OK):
        raise SystemExit(f"{writer_bin} is missing: run make -C torture")
    env = dict(env or os.environ)
    env["PYTHONPATH"] = os.path.dirname(HERE) + os.pathsep + env.get("PYTHONPATH", "")
    results = {"seconds_per_reader": seconds, "steps_per_second": rate or "as fast as it can", "readers": [],
               "skipped": []}
    with tempfile.TemporaryDirectory(prefix="mmstats-torture-") as d:
        path = os.path.join(d, "torture.mmstats")
        writer = subprocess.Popen([writer_bin, path, str(seconds * len(names) + 30)] + ([str(rate)] if rate else []),
                                  stdout=subprocess.PIPE, text=True)
        try:
            line = writer.stdout.readline()
            if not line.startswith("ready"):
                raise SystemExit(f"torture-writer did not start: {line!r}")
            for name in names:
                cmd = READERS[name]
                if not available(cmd):
                    results["skipped"].append(f"{name}: {cmd[0]} not built")
                    continue
                done = subprocess.run(cmd + [path, str(seconds)], capture_output=True, text=True,
                                      timeout=seconds + 120, env=env)
                if done.returncode != 0:
                    raise SystemExit(f"{name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
                results["readers"].append(json.loads(done.stdout.strip().splitlines()[-1]))
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60, help="seconds each reader reads (default 60)")
    p.add_argument("--only", default="", help="comma-separated reader names (default: all)")
    p.add_argument("--rate", type=float, default=0, help="writer steps per second (default: as fast as it can)")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args(argv)
    results = run(args.seconds, {n for n in args.only.split(",") if n}, rate=args.rate)
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
