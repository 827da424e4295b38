"""Liveness of a version 2 file (spec/v2.md, "Liveness"): live, exited, died, creating, stale or unknown.

The writer holds flock(LOCK_EX) on its file for life; the kernel drops the lock
however the process ends, so a lock that can be taken means the writer is gone.
"""
from __future__ import annotations

import errno
import fcntl
import os
import struct
import time

from . import derived as d

__all__ = ["liveness", "liveness_fd", "take_for_removal", "state_under_lock", "LIVE", "EXITED", "DIED", "CREATING", "STALE", "UNKNOWN"]

LIVE, EXITED, DIED, CREATING, STALE, UNKNOWN = "live", "exited", "died", "creating", "stale", "unknown"


def _lock_held(fd) -> bool | None:
    """True: another open file description holds the writer's lock; False: nobody does; None: cannot tell."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return True
        return None
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


def _pid_matches(pid: int, start_ticks: int) -> bool | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
    except FileNotFoundError:
        return False
    except (OSError, ValueError, IndexError):
        return None
    return ticks == start_ticks if start_ticks else None


def liveness(path, now_ns: int | None = None) -> str:
    """Classify the version 2 file at ``path`` as the spec's Liveness section says (read-only)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        return liveness_fd(fd, now_ns)
    finally:
        os.close(fd)


def liveness_fd(fd, now_ns: int | None = None, *, by_pid: bool = True) -> str:
    """``liveness`` of the file open at ``fd``. ``by_pid=False``: where the lock cannot be probed the
    answer is UNKNOWN, never a verdict from pid and start time (a cleaner removes only by the lock)."""
    head = os.pread(fd, d.HEADER_SIZE, 0)
    if len(head) < d.HEADER_SIZE or head[0] != d.FORMAT_VERSION or head[1:8] != d.MAGIC:
        return UNKNOWN
    h = dict(zip(d.HEADER_FIELDS, struct.unpack_from(d.HEADER_FORMAT, head)))
    if h["state"] == d.STATE_CLOSED:
        return EXITED
    held = _lock_held(fd)
    if held is None:
        alive = _pid_matches(h["pid"], h["start_ticks"]) if by_pid else None
        if alive is None:
            return UNKNOWN
        held = alive
    if not held:
        return DIED
    if h["state"] == d.STATE_CREATING:
        return CREATING
    interval = h["heartbeat_interval_ms"]
    now = time.time_ns() if now_ns is None else now_ns
    if interval and now - h["heartbeat_unix_ns"] > 3 * interval * 1_000_000:
        return STALE
    return LIVE


def take_for_removal(fd) -> bool:
    """The cleaner's lock: flock(LOCK_EX | LOCK_NB) on ``fd``, kept until ``fd`` is closed. False when a
    process holds the writer's lock (the writer, or one closing its file) or flock is not available."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def state_under_lock(fd) -> str | None:
    """The state name of the file at ``fd`` (re-read once the cleaner holds the lock), None if it is not a
    version 2 file any more."""
    head = os.pread(fd, d.HEADER_SIZE, 0)
    if len(head) < d.HEADER_SIZE or head[0] != d.FORMAT_VERSION or head[1:8] != d.MAGIC:
        return None
    state = struct.unpack_from("<I", head, d.H_STATE)[0]
    return d.STATES[state][0] if state in d.STATES else None
