"""mmstats demo: start an instrumented demo process and watch its stats change live."""
from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import mmstats_format as m

from ..tools._kinds import is_counter
from ..tools._output import run_cli, show


def _wait_for_file(directory: str, child: subprocess.Popen, timeout: float = 10.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for path in glob.glob(os.path.join(directory, "*.mmstats")):
            try:
                m.read(path)
                return path
            except (m.FormatError, OSError):
                pass  # still being created
        if child.poll() is not None:
            raise RuntimeError(f"demo process exited with status {child.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"no stats file appeared in {directory} within {timeout} s")


def _render(path, fields, values, previous, elapsed, tty) -> str:
    labels = [show(f.label) for f in fields]
    width = max(map(len, labels))
    lines = [f"mmstats demo -- {show(path)}", f"{'label':<{width}}  {'value':>22}  {'per second':>10}"]
    for f, label, v, p in zip(fields, labels, values, previous or [None] * len(values)):
        rate = ""
        if is_counter(f) and p is not None and elapsed > 0:
            rate = f"{(v - p) / elapsed:10.1f}"
        shown = f"{v:.6f}" if isinstance(v, float) and v == v and abs(v) != float("inf") else show(v)
        lines.append(f"{label:<{width}}  {shown:>22}  {rate:>10}")
    text = "\n".join(lines) + "\n"
    return ("\x1b[H\x1b[2J" + text) if tty else text + "\n"


def main(argv: list[str] | None = None, prog: str = "mmstats demo") -> int:
    ap = argparse.ArgumentParser(prog=prog, description=__doc__)
    ap.add_argument("--seconds", type=float, default=None,
                    help="how long to run (default: until Ctrl-C on a terminal, 5 otherwise)")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    args = ap.parse_args(argv)
    tty = sys.stdout.isatty()
    seconds = args.seconds if args.seconds is not None else (float("inf") if tty else 5.0)
    directory = tempfile.mkdtemp(prefix="mmstats-demo-")
    child = subprocess.Popen([sys.executable, "-m", "mmstats.cli._demo_app", directory,
                              str(min(seconds + 5, 10 ** 9))])

    def run(_argv):
        path = _wait_for_file(directory, child)
        print(f"demo process {child.pid} is writing {path}\n"
              f"  in another shell: mmstats read {show(path)}", flush=True)
        reader = m.StatsReader(path)
        fields, previous, last = reader.fields, None, time.monotonic()
        end = time.monotonic() + seconds
        while True:
            values, now = reader.read(), time.monotonic()
            sys.stdout.write(_render(path, fields, values, previous, now - last, tty))
            sys.stdout.flush()
            previous, last = values, now
            if now + args.interval > end:
                return 0
            time.sleep(args.interval)

    try:
        code = run_cli(run, None)
        return 0 if code == 130 else code  # Ctrl-C is how the demo is stopped
    except RuntimeError as e:
        print(f"mmstats demo: {e}", file=sys.stderr)
        return 1
    finally:
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
        shutil.rmtree(directory, ignore_errors=True)
