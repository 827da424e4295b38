"""Who writes each stats file: pid, command, threads or slots, liveness and age, and the files grouped
into processes (version 1 writes one file per thread, version 2 one file per process).

Liveness is the one rule of mmstats._liveness (the writer's lock for version 2, by way of the
version 2 reader's ``liveness_fd``; ``kill(pid, 0)`` for version 1), never a rule of mmash's own.
Version 1 files say nothing of a clean exit: a version 1 writer that is gone is ``died``.
"""
from __future__ import annotations

import os
import re
import struct
import time
from dataclasses import dataclass, field

from mmstats_format.v2 import derived as v2d
from mmstats_format.v2.liveness import liveness_fd

from ..._liveness import default_field, process_gone

__all__ = ["Writer", "Process", "probe", "group", "gone_pids", "DEAD", "STATES"]

STATES = ("live", "stale", "creating", "exited", "died", "unknown")
DEAD = frozenset({"exited", "died"})   # flagged wherever the writer's values are shown
_HEADER = struct.Struct(v2d.HEADER_FORMAT)
_SLOTS_USED = v2d.HEADER_FIELDS.index("slots_used")
_REMEMBERED = 100_000   # commands remembered at most
_CMD_NAME = re.compile(r"^(.+)-(\d+)-(\d+)\.mmstats$")   # the default file name {CMD}-{PID}-{TID}.mmstats


@dataclass(frozen=True)
class Writer:
    """One file's writer as probed while the file was open."""
    path: str
    version: int
    pid: int | None
    state: str            # one of STATES
    slots: int | None     # version 2: slots in use (writer threads); version 1: None (one file per thread)
    created: float | None  # unix seconds


def probe(path: str, fields, values, fd: int) -> Writer:
    """The Writer of the file at ``path``, open at ``fd``, whose layout ``fields`` gave ``values``."""
    header = getattr(values, "header", None)
    if header is not None:  # version 2: the header says pid and creation; the lock says liveness
        try:
            head = os.pread(fd, v2d.HEADER_SIZE, 0)
            slots = _HEADER.unpack_from(head)[_SLOTS_USED] if len(head) >= _HEADER.size else None
            state = liveness_fd(fd)
        except OSError:
            slots, state = None, "unknown"
        return Writer(path, 2, header.get("pid") or None, state, slots,
                      header.get("created_unix_ns", 0) / 1e9 or None)
    at_pid, at_created = _identity_at(fields)
    pid = values[at_pid] if at_pid is not None else None
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 1 << 31:
        pid = None
    created = values[at_created] if at_created is not None else None
    state = "unknown" if pid is None else "died" if process_gone(pid) else "live"
    return Writer(path, 1, pid, state, None, created if isinstance(created, float) and created > 0 else None)


_IDENTITY_AT: dict = {}   # id(fields) -> (fields, where sys.pid is, where sys.created is)


def _identity_at(fields) -> tuple:
    """The positions of a version 1 layout's sys.pid and sys.created (None: none), found once per layout."""
    entry = _IDENTITY_AT.get(id(fields))
    if entry is None or entry[0] is not fields:
        if len(_IDENTITY_AT) >= 4096:
            _IDENTITY_AT.clear()
        at = [None if f is None else fields.index(f)
              for f in (default_field(fields, "sys.pid"), default_field(fields, "sys.created"))]
        entry = _IDENTITY_AT[id(fields)] = (fields, *at)
    return entry[1], entry[2]


def command(pid: int | None, state: str, paths) -> str:
    """The command line from /proc while the process lives, else the default file name's command."""
    if pid is not None and state not in DEAD:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                text = f.read(4096).rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
            if text:
                return text
        except OSError:
            pass
    for path in paths:
        m = _CMD_NAME.match(os.path.basename(path))
        if m:
            return m.group(1)
    return ""


@dataclass
class Process:
    """The files of one pid (or of one file without a pid: key ``file:NAME``)."""
    key: str
    pid: int | None
    writers: list = field(default_factory=list)
    command: str = ""

    @property
    def state(self) -> str:
        """Live while any file's writer is; a version 1 process is one pid, so one verdict."""
        states = [w.state for w in self.writers]
        for s in STATES:
            if s in states:
                return s
        return "unknown"

    @property
    def dead(self) -> bool:
        return self.state in DEAD

    @property
    def threads(self) -> int:
        """Writer threads: version 2 slots in use, version 1 files."""
        return sum(w.slots if w.slots is not None else 1 for w in self.writers)

    @property
    def created(self) -> float | None:
        times = [w.created for w in self.writers if w.created]
        return min(times) if times else None

    def as_json(self, now: float | None = None) -> dict:
        now = time.time() if now is None else now
        created = self.created
        return {"pid": self.pid, "key": self.key, "command": self.command, "state": self.state, "dead": self.dead,
                "threads": self.threads, "version": max(w.version for w in self.writers),
                "created": created, "age_seconds": None if created is None else round(max(0.0, now - created), 3),
                "files": [{"file": w.path, "state": w.state, "slots": w.slots, "version": w.version}
                          for w in self.writers]}


def key_of(writer: Writer) -> str:
    return str(writer.pid) if writer.pid is not None else "file:" + os.path.basename(writer.path)


def group(writers, remembered: dict | None = None) -> dict:
    """{key: Process} of ``writers``, by pid, in pid order. ``remembered``: key -> the command seen while
    the process lived (kept by the caller across calls), so a dead process still says what it was."""
    procs: dict[str, Process] = {}
    for w in writers:
        k = key_of(w)
        p = procs.get(k)
        if p is None:
            p = procs[k] = Process(k, w.pid)
        p.writers.append(w)
    for key, p in procs.items():
        p.command = command(p.pid, p.state, [w.path for w in p.writers])
        if remembered is not None:
            if p.command:
                if len(remembered) >= _REMEMBERED and key not in remembered:
                    remembered.clear()
                remembered[key] = p.command
            else:
                p.command = remembered.get(key, "")
    return dict(sorted(procs.items(), key=lambda kv: (kv[1].pid is None, kv[1].pid or 0, kv[0])))


# Fewer pids than this are asked one kill(pid, 0) each; more, one listing of /proc (a kill of a pid that
# is gone costs an exception in Python, ~1.3 us; the listing ~0.5 us per process on the machine).
_LISTING_FROM = 64
_PROC_LISTS: list = []  # [whether /proc lists what kill(pid, 0) finds], once known


def _proc_lists_every_pid() -> bool:
    """Does /proc list every process kill(pid, 0) finds: a proc file system of this pid namespace
    (/proc/self is this process) that shows other users' processes (no hidepid)?"""
    try:
        if os.readlink("/proc/self") != str(os.getpid()):
            return False
        with open("/proc/self/mountinfo", "rb") as f:
            for line in f:
                mount, _, fs = line.partition(b" - ")
                mount, fs = mount.split(), fs.split()
                if len(mount) > 4 and mount[4] == b"/proc" and len(fs) > 2:
                    options = fs[2].split(b",")
                    return fs[0] == b"proc" and all(o in (b"hidepid=0", b"hidepid=off")
                                                    for o in options if o.startswith(b"hidepid="))
    except (OSError, ValueError):
        pass
    return False


def gone_pids(pids) -> set:
    """The process ids of ``pids`` for which ``kill(pid, 0)`` says ESRCH (process_gone): from one
    listing of /proc when there are many and /proc lists every process, else one kill each.
    (/proc lists processes, not their threads: a thread id counts as gone there.)"""
    pids = set(pids)
    if len(pids) >= _LISTING_FROM:
        if not _PROC_LISTS:
            _PROC_LISTS.append(_proc_lists_every_pid())
        if _PROC_LISTS[0]:
            try:
                return pids.difference(int(name) for name in os.listdir("/proc") if name.isdigit())
            except OSError:
                pass
    return {pid for pid in pids if process_gone(pid)}
