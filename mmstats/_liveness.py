"""Is the process that wrote a stats file gone? The one rule the writer (replacing a stale file at its own
name) and cleanstats follow, for both versions.

Version 2 (spec/v2.md, "Liveness"): the writer holds a lock on its file for life, so
a lock nobody holds proves it gone whatever became of its pid; a closed file is
gone by definition. The cleaner removes only on that evidence, holding the lock
while it unlinks (``hold_for_removal``).

Version 1 (spec/v1.md, "Removing stale files", steps 4 and 5): files carry no lock and no heartbeat, so the only
evidence is the ``sys.pid`` field: ``kill(pid, 0)`` failing with ESRCH proves
the writer gone. A process that exists keeps its file, even when the pid may
have been reused: version 1 cannot tell a reused pid from the writer without
trusting clocks, and a wall-clock step must never cost a live writer its file.
"""
from __future__ import annotations

import os
from typing import NamedTuple

from mmstats_format.v2 import liveness as v2

__all__ = ["Verdict", "default_field", "writer_pid", "process_gone", "judge", "hold_for_removal"]


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


def _judge_v2(fd) -> Verdict:
    if fd is None:
        return Verdict(False, "version 2: only its lock can tell, and the file is not open")
    state = v2.liveness_fd(fd, by_pid=False)
    if state == v2.EXITED:
        return Verdict(True, "the writer exited cleanly (state closed)")
    if state == v2.DIED:
        return Verdict(True, "the writer died: no process holds its lock")
    why = {v2.LIVE: "the writer holds its lock (live)", v2.CREATING: "being created (its writer holds the lock)",
           v2.STALE: "the writer holds its lock but its heartbeat is late (stale, never cleaned)"}
    return Verdict(False, why.get(state, "cannot probe the writer's lock: liveness unknown"), state in why)


def judge(fields, fd=None) -> Verdict:
    """Whether the file whose decoded ``fields`` these are is stale, and why. ``fd``: the file, open
    (version 2 needs it for the lock probe)."""
    if getattr(fields, "format_version", 1) == 2:
        return _judge_v2(fd)
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


def hold_for_removal(fields, fd) -> str | None:
    """Before unlinking a stale file open at ``fd``: None when it may go, else why it must stay.
    Version 2: takes the writer's lock (kept until ``fd`` closes) and checks again under it."""
    if getattr(fields, "format_version", 1) != 2:
        return None
    if not v2.take_for_removal(fd):
        return "a process holds the writer's lock now"
    return None if v2.state_under_lock(fd) is not None else "not a version 2 file any more"
