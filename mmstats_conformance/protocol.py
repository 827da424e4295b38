"""The command-line protocol: running an implementation's command and reading what it said.

A command is split with shlex and the harness appends its arguments last.
Invalid files are reported on stderr as `FILE: offset N: CODE: message`, with
an optional ` (0xHEX)` after N (spec/v1.md, "Error messages").
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass

__all__ = ["Run", "run", "split_command", "problems", "signal_name"]

_PROBLEM = re.compile(r"offset (\d+)(?: \(0x[0-9a-fA-F]+\))?: ([a-z][a-z0-9_]*):")


@dataclass
class Run:
    returncode: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    timed_out: bool = False
    start_error: str | None = None  # the command could not be started at all

    @property
    def signalled(self) -> bool:
        return self.returncode is not None and self.returncode < 0

    def first_stderr_line(self, limit: int = 160) -> str:
        for line in self.stderr.decode("utf-8", "replace").splitlines():
            if line.strip():
                return line.strip()[:limit]
        return "(nothing on stderr)"


def split_command(command: str) -> list[str]:
    """shlex-split a registered command; "{python}" stands for this interpreter."""
    return [sys.executable if part == "{python}" else part for part in shlex.split(command)]


def run(argv: list[str], timeout: float, cwd=None) -> Run:
    """Run ``argv`` with no stdin; kill its whole process group on timeout."""
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=cwd, start_new_session=True)
    except OSError as e:
        return Run(start_error=f"cannot start {argv[0]!r}: {e.strerror or e}")
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = p.communicate()
        return Run(p.returncode, out, err, timed_out=True)
    return Run(p.returncode, out, err)


def problems(stderr: bytes) -> list[tuple[str, int]]:
    """(code, offset) of every `offset N: CODE:` line on stderr, in order."""
    out = []
    for line in stderr.decode("utf-8", "replace").splitlines():
        m = _PROBLEM.search(line)
        if m:
            out.append((m.group(2), int(m.group(1))))
    return out


def signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"
