"""mmstats demo: start an instrumented demo process and watch its stats change live."""
from __future__ import annotations

import argparse
import glob
import os
import re
import shlex
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


_WIDTH = 22  # the value column
_YEAR = 365 * 86400.0


def _shown(label: str, v) -> str:
    """A value as the column shows it: times of day readable, long text cut to the column."""
    if isinstance(v, float) and v == v and abs(v) != float("inf"):
        if re.search(r"created|time|last", label) and abs(v - time.time()) < _YEAR:
            return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(v))
        text = f"{v:.6f}"
    else:
        text = show(v)
    return text if len(text) <= _WIDTH else text[:_WIDTH - 1] + "…"


def _render(path, fields, values, previous, elapsed, footer) -> list[str]:
    labels = [show(f.label) for f in fields]
    width = max(map(len, labels))
    lines = [f"mmstats demo -- {show(path)}", f"{'label':<{width}}  {'value':>{_WIDTH}}  {'per second':>10}"]
    for f, label, v, p in zip(fields, labels, values, previous or [None] * len(values)):
        rate = ""
        if is_counter(f) and p is not None and elapsed > 0:
            rate = f"{(v - p) / elapsed:10.1f}"
        lines.append(f"{label:<{width}}  {_shown(f.label, v):>{_WIDTH}}  {rate:>10}")
    return [line.rstrip() for line in lines + footer]


def _command(name: str) -> str:
    """How to run the console script ``name`` installed beside this interpreter, as a user types it."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.path.exists(path):
        return name
    rel = os.path.relpath(path)
    return rel if not rel.startswith("..") else path


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
        footer = ["", f"demo process {child.pid} is writing {show(path)}",
                  f"  in another shell: {_command('mmstats')} read {shlex.quote(path)}",
                  f"Ctrl-C to stop; next: {_command('mmash')} (a live web page of every stats file)"]
        if tty:
            sys.stdout.write("\x1b[?1049h")  # the alternate screen: no scrollback flood, restored at exit
        else:
            print("\n".join(footer[1:]), flush=True)
            footer = []
        reader = m.StatsReader(path)
        fields, previous, last = reader.fields, None, time.monotonic()
        end = time.monotonic() + seconds
        while True:
            values, now = reader.read(), time.monotonic()
            lines = _render(path, fields, values, previous, now - last, footer)
            sys.stdout.write("\x1b[H\x1b[2J" + "\n".join(lines) + "\n" if tty else "\n".join(lines) + "\n\n")
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
        if tty:
            sys.stdout.write("\x1b[?1049l")
            sys.stdout.flush()
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
        shutil.rmtree(directory, ignore_errors=True)
