"""Is the process that wrote a stats file still the one behind its pid?

v1 files carry no heartbeat, so liveness comes from the ``sys.pid`` field
(MarkFile and the original clean.py did the same): ``kill(pid, 0)`` failing
with ESRCH means gone, EPERM means alive (someone else's process). A live pid
may still be a different process after pid reuse; on Linux its start time and
owner (from /proc) tell. Where /proc is not available the pid is taken at its
word, so a file is never removed on a guess.
"""
from __future__ import annotations

import errno
import os

__all__ = ["default_field", "probe", "process_start_time", "process_uids", "boot_time"]


def default_field(fields, name: str):
    """The first field labelled ``name`` or ``<prefix>.name`` (a model's label prefix applies to its
    default fields too, e.g. ``web.stats.sys.pid``); None when there is none."""
    for f in fields:
        if f.label == name or f.label.endswith("." + name):
            return f
    return None


def probe(pid: int) -> str:
    """"alive", "alive-eperm" or "gone" for a positive pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "alive-eperm"
    except OSError as e:  # pragma: no cover - kill(2) documents only ESRCH/EPERM/EINVAL
        if e.errno == errno.ESRCH:
            return "gone"
        raise
    return "alive"


def boot_time(proc: str = "/proc") -> float | None:
    """Seconds since the epoch at boot (``btime`` of /proc/stat, whole seconds)."""
    try:
        with open(os.path.join(proc, "stat"), "rb") as f:
            for line in f:
                if line.startswith(b"btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def process_start_time(pid: int, proc: str = "/proc") -> float | None:
    """When process ``pid`` started, in seconds since the epoch; None when unknown."""
    try:
        with open(os.path.join(proc, str(pid), "stat"), "rb") as f:
            data = f.read()
    except OSError:
        return None
    # Field 2 (comm) is in parentheses and may itself hold spaces and ')':
    # the fields after the last ')' start with field 3 (state); starttime is field 22.
    after = data[data.rfind(b")") + 1:].split()
    btime = boot_time(proc)
    try:
        ticks = int(after[22 - 3])
        hz = os.sysconf("SC_CLK_TCK")
    except (IndexError, ValueError, OSError):
        return None
    if btime is None or hz <= 0:
        return None
    return btime + ticks / hz


def process_uids(pid: int, proc: str = "/proc") -> set[int] | None:
    """Real, effective, saved and filesystem uids of ``pid``; None when unknown."""
    try:
        with open(os.path.join(proc, str(pid), "status"), "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return {int(x) for x in line.split()[1:]}
    except (OSError, ValueError):
        pass
    return None
