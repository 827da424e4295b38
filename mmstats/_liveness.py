"""Is the process that wrote a stats file gone? (spec/v1.md, "Removing stale files", steps 4 and 5)

The one rule both the writer (replacing a stale file at its own name) and
cleanstats follow. Version 1 files carry no lock and no heartbeat, so the only
evidence is the ``sys.pid`` field: ``kill(pid, 0)`` failing with ESRCH proves
the writer gone. A process that exists keeps its file, even when the pid may
have been reused: version 1 cannot tell a reused pid from the writer without
trusting clocks, and a wall-clock step must never cost a live writer its file.
"""
from __future__ import annotations

import os
from typing import NamedTuple

__all__ = ["Verdict", "default_field", "writer_pid", "process_gone", "judge"]


class Verdict(NamedTuple):
    stale: bool
    reason: str
    alive: bool = False  # kept because a process with the pid exists (not for want of evidence)


def default_field(fields, name: str):
    """The first field labelled ``name`` or ``<prefix>.name`` (a writer's label prefix applies to
    its default fields too, e.g. ``web.stats.sys.pid``); None when there is none."""
    for f in fields:
        if f.label == name or f.label.endswith("." + name):
            return f
    return None


def writer_pid(fields):
    """The ``sys.pid`` field: labelled ``sys.pid`` or ``….sys.pid``, of an integer type, first in file order."""
    return default_field([f for f in fields if isinstance(f.value, int) and not isinstance(f.value, bool)],
                         "sys.pid")


def _kill0(pid: int) -> str:
    """"ESRCH" (no such process), "EPERM" (another user's process) or "" (ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "ESRCH"
    except OSError:  # EPERM: the process exists; anything else proves nothing either
        return "EPERM"
    return ""


def process_gone(pid: int) -> bool:
    """True only when ``kill(pid, 0)`` says ESRCH."""
    return _kill0(pid) == "ESRCH"


def judge(fields) -> Verdict:
    """Whether the file whose decoded ``fields`` these are is stale, and why."""
    field = writer_pid(fields)
    if field is None:
        return Verdict(False, "no sys.pid field")
    pid = field.value
    if not 0 < pid < 1 << 31:  # kill(0, 0) or kill(-1, 0) would ask about whole process groups
        return Verdict(False, f"sys.pid is {pid}, not a process id")
    answer = _kill0(pid)
    if answer == "ESRCH":
        return Verdict(True, f"process {pid} is gone (ESRCH)")
    return Verdict(False, f"process {pid} is alive" + (" (EPERM: another user's process)" if answer else ""), True)
