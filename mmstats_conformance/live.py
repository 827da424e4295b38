"""The live case: a writer process keeps updating its file while a reader reads it again and again.

    LIVE_WRITER --version N DIR
        stdout: the file's path, then `ready`; steps no closer than STEP_MS
        apart (counter = gauge = step number) until stdin closes; then the gauge is
        set to GAUGE_FINAL, the file closed (version 2: state closed, kept) and
        `done N` printed, N the last step; exit 0.

One run of a (live writer, reader, version): start the writer, READS reads
while it runs (each decodes, counter and gauge never go back and never pass
the steps the writer can have made since it started), close its stdin, then
one more read that must show exactly N, GAUGE_FINAL and (version 2) state
closed. conformance/README.md, "Live writer", is the protocol.
"""
from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .checks import Options, abnormal, compare, short
from .report import BUG, CRASHED, FAILED, PASSED, TIMEOUT, Result

__all__ = ["COUNTER", "GAUGE", "GAUGE_FINAL", "READS", "STEP_MS", "MIN_RUN_S", "expected", "live_case",
           "run_live"]

COUNTER = "live.counter"
GAUGE = "live.gauge"
GAUGE_FINAL = -1
STEP_MS = 1       # a writer never makes two steps closer together than this
READS = 3         # reads while the writer runs
MIN_RUN_S = 0.1   # the writer runs at least this long after `ready`, so that it makes steps

# The two fields as a reader must print them, per format version; value filled in per read.
_FIELDS = {
    1: ({"label": COUNTER, "type": "Q", "buffered": True}, {"label": GAUGE, "type": "i", "buffered": True}),
    2: ({"label": COUNTER, "kind": "counter", "type": "u64", "unit": "", "help": "", "attributes": {}},
        {"label": GAUGE, "kind": "gauge", "type": "i64", "unit": "", "help": "", "attributes": {}}),
}


def live_case(version: int) -> str:
    """The case id of the live run of a format version; a reader's known failure is `live/vN@WRITER`."""
    return f"live/v{version}"


def expected(version: int, counter: int, gauge: int, state: str) -> dict:
    """The canonical form of the live fields; header keys left out are not compared."""
    c, g = _FIELDS[version]
    want = {"format_version": version, "fields": [{**c, "value": counter}, {**g, "value": gauge}]}
    if version == 2:
        want.update(minor=0, state=state, overflow_count=0)
    return want


class _Bad(Exception):
    """A failed check: becomes a Result with this outcome and message."""

    def __init__(self, outcome: str, message: str):
        super().__init__(message)
        self.outcome = outcome


def _live_fields(got, version: int) -> dict:
    """``got`` with only the two live fields, in protocol order (a writer may publish others)."""
    if not isinstance(got, dict) or not isinstance(got.get("fields"), list):
        raise _Bad(FAILED, f"not a canonical object with a fields list: {str(got)[:80]}")
    by_label = {f.get("label"): f for f in got["fields"] if isinstance(f, dict)}
    missing = [label for label in (COUNTER, GAUGE) if label not in by_label]
    if missing:
        raise _Bad(FAILED, f"no field {missing[0]!r} (fields: {sorted(map(str, by_label))[:6]})")
    return {**got, "fields": [by_label[COUNTER], by_label[GAUGE]]}


def _integer(obj: dict, i: int, what: str) -> int:
    v = obj["fields"][i].get("value")
    if type(v) is not int:
        raise _Bad(FAILED, f"{what}: value {v!r} is not an integer")
    return v


class _Writer:
    """The live writer process: started, told to stop, always reaped."""

    def __init__(self, argv: list[str], cwd, stderr_path: Path):
        self.started = time.monotonic()
        self.stderr_path = stderr_path
        with open(stderr_path, "wb") as err:
            try:
                self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=cwd,
                                          start_new_session=True)
            except OSError as e:
                raise _Bad(CRASHED, f"writer: cannot start {argv[0]!r}: {e.strerror or e}") from None
        self.buffer = b""

    def stderr_line(self) -> str:
        text = self.stderr_path.read_text("utf-8", "replace").strip()
        return text.splitlines()[0][:160] if text else "(nothing on stderr)"

    def line(self, deadline: float, what: str) -> str:
        """The next stdout line, waiting until ``deadline``."""
        fd = self.p.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Bad(TIMEOUT, f"writer: no {what} line within the time limit")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise _Bad(FAILED, f"writer: stdout ended before the {what} line "
                                       f"(exit {self.p.wait()}: {self.stderr_line()})")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def steps_bound(self) -> int:
        """Most steps the writer can have made by now: one per STEP_MS since it was started."""
        return int((time.monotonic() - self.started) * 1000 / STEP_MS) + 1

    def stop(self, timeout: float) -> int:
        self.p.stdin.close()
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise _Bad(TIMEOUT, "writer: did not exit within the time limit after its stdin closed") from None

    def reap(self) -> None:
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.p.wait()
        for f in (self.p.stdin, self.p.stdout):
            if not f.closed:
                f.close()


def _read(reader: list[str], path: str, opts: Options, cwd, what: str, version: int) -> dict:
    """One read of the file: its live fields in canonical form."""
    r = opts.runner(reader + [path], opts.timeout, cwd=cwd)
    bad = abnormal(r, "", "required")
    if bad:
        raise _Bad(bad.outcome, f"{what}: reader {bad.detail}")
    if r.returncode != 0:
        raise _Bad(FAILED, f"{what}: reader exit {r.returncode}: {r.first_stderr_line()}")
    try:
        got = json.loads(r.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _Bad(FAILED, f"{what}: stdout is not one JSON object ({e})") from None
    try:
        return _live_fields(got, version)
    except _Bad as e:
        raise _Bad(e.outcome, f"{what}: {e}") from None


def _check(want: dict, got: dict, what: str) -> None:
    diffs = compare(want, got)
    if diffs:
        raise _Bad(FAILED, f"{what}: {short(diffs)}")


def _run(writer_cmd, reader_cmd, version, workdir: Path, opts: Options, cwd, reads: int) -> None:
    w = _Writer(writer_cmd + ["--version", str(version), str(workdir)], cwd, workdir / "writer.stderr")
    try:
        deadline = w.started + opts.timeout
        path = w.line(deadline, "path")
        if w.line(deadline, "ready") != "ready":
            raise _Bad(FAILED, "writer: the second stdout line is not `ready`")
        ready = time.monotonic()
        if not Path(cwd or ".", path).is_file():
            raise _Bad(FAILED, f"writer: said {path!r}, which is not a file")
        last = (0, 0)

        def look(what):
            got = _read(reader_cmd, path, opts, cwd, what, version)
            bound = w.steps_bound()
            if w.p.poll() is not None:
                raise _Bad(FAILED, f"writer: exited ({w.p.returncode}) before its stdin closed: {w.stderr_line()}")
            now = (_integer(got, 0, f"{what}: {COUNTER}"), _integer(got, 1, f"{what}: {GAUGE}"))
            for label, before, v in zip((COUNTER, GAUGE), last, now):
                if v < before:
                    raise _Bad(FAILED, f"{what}: {label} went back from {before} to {v}")
                if v > bound:
                    raise _Bad(FAILED, f"{what}: {label} is {v}, more than the {bound} steps the writer "
                                       f"can have made")
            _check(expected(version, now[0], now[1], "ready"), got, what)
            return now

        for i in range(1, reads + 1):
            last = look(f"read {i} of {reads} (writer running)")
        # A starved writer (a loaded machine) may not have stepped yet: read on until a step shows, so
        # that `done N` with N >= 1 is a fair demand.
        extra, give_up = 0, time.monotonic() + opts.timeout
        while last[0] < 1 and time.monotonic() < give_up:
            extra += 1
            time.sleep(0.05)
            last = look(f"extra read {extra} (writer running, no step seen yet)")
        time.sleep(max(0.0, ready + MIN_RUN_S - time.monotonic()))
        rc = w.stop(opts.timeout)
        bound = w.steps_bound()  # it steps until it sees the end of stdin
        if rc != 0:
            raise _Bad(CRASHED if rc < 0 else FAILED, f"writer: exit {rc} after its stdin closed: {w.stderr_line()}")
        done = w.line(time.monotonic() + 1, "done").split()
        if len(done) != 2 or done[0] != "done" or not done[1].isdigit():
            raise _Bad(FAILED, f"writer: want `done N` last on stdout, got {' '.join(done)!r}")
        steps = int(done[1])
        if not last[0] <= steps <= bound or steps < 1:
            raise _Bad(FAILED, f"writer: said done {steps}, want 1 to {bound} and at least the "
                               f"{last[0]} read while it ran")
        what = "final read (writer exited)"
        _check(expected(version, steps, GAUGE_FINAL, "closed"), _read(reader_cmd, path, opts, cwd, what, version),
               what)
    finally:
        w.reap()


def run_live(writer_cmd: list[str], reader_cmd: list[str], version: int, opts: Options, cwd=None,
             id: str = "", reads: int = READS) -> Result:
    """One live run; its Result (passed, or what went wrong first)."""
    workdir = Path(tempfile.mkdtemp(prefix="mmstats-live-"))
    try:
        _run(writer_cmd, reader_cmd, version, workdir, opts, cwd, reads)
        return Result(id, PASSED)
    except _Bad as e:
        return Result(id, e.outcome, str(e))
    except Exception as e:  # the harness is at fault
        return Result(id, BUG, f"{type(e).__name__}: {e}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
