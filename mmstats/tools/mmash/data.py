"""The stats files mmash serves: confined to one directory, re-read with StatsReader.

Glob patterns come from URLs, so they are checked before use: no "..", no
absolute path, no NUL or backslash, and every match must be a regular file
(not a symlink) whose real path lies inside the stats directory. The walk
never follows a symlink to a directory and looks at a bounded number of
entries (the walker every command uses). A name can
change between the listing and the read: the reader never follows a symlink
at the last component, and the file it opened is checked again through its
descriptor (/proc/self/fd), so a directory swapped for a symlink is caught.
"""
from __future__ import annotations

import fnmatch
import math
import os
import re
import stat
import threading
import time
from itertools import repeat
from typing import NamedTuple

from mmstats_format import FormatError, StatsReader
from mmstats_format.accel import records
from mmstats_format.fdbudget import OpenFiles

from ..._liveness import default_field
from .._files import MAX_ENTRIES, has_magic, walk
from .._kinds import is_counter, numeric

__all__ = ["UnsafeGlob", "FileStats", "StatsDir", "AGGREGATORS", "aggregate", "is_counter", "numeric"]

MAX_PATTERN = 256
MAX_KNOWN = 65536  # readers remembered (open or not) before all are dropped
# A directory whose mtime or ctime is this close to the listing's start may change again within its
# timestamps' granularity (a clock tick; 2 s where a filesystem keeps even seconds) without either
# moving: its listing is not kept.
SETTLED_NS = 2_000_000_000


def raise_fd_limit() -> None:
    """Raise the soft descriptor limit to the hard one (as Go programs such as Prometheus do):
    mmash keeps files open between scrapes (at most a share of the limit, see fdbudget)."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, 1 << 20) if hard != resource.RLIM_INFINITY else 1 << 20
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ImportError, OSError, ValueError):
        pass


class UnsafeGlob(ValueError):
    """A glob from a request that could reach outside the stats directory."""


def check_pattern(pattern: str) -> str:
    if not pattern or len(pattern) > MAX_PATTERN:
        raise UnsafeGlob(f"glob must have 1 to {MAX_PATTERN} characters")
    if "\0" in pattern or "\\" in pattern:
        raise UnsafeGlob("glob must not contain NUL or backslash")
    if pattern.startswith("/") or os.path.isabs(pattern):
        raise UnsafeGlob("glob must be relative to the stats directory")
    if ".." in pattern:
        raise UnsafeGlob('glob must not contain ".."')
    return pattern


class FileStats(NamedTuple):
    path: str
    fields: list      # mmstats_format.scan.FieldLayout, file order
    values: list
    writer: object = None  # processes.Writer when the snapshot was asked to probe

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def pid(self):
        """The writer's pid (the sys.pid field), or None."""
        field = default_field(self.fields, "sys.pid")
        return None if field is None else self.values[self.fields.index(field)]


FileStats = records(FileStats)  # one per file per read
_new = tuple.__new__  # FileStats(...) without the Python-level __new__


class _Listing(list):
    cut = False
    inodes = None  # per path, the inode the directory's listing gave (d_ino), where it gave them

    def copy(self) -> "_Listing":
        out = _Listing(self)
        out.cut, out.inodes = self.cut, None if self.inodes is None else list(self.inodes)
        return out


class StatsDir:
    """One stats directory; thread-safe (one StatsReader per file, used under a lock)."""

    def __init__(self, directory: str, default_glob: str):
        self.directory = os.path.abspath(directory)
        self.default_glob = check_pattern(default_glob)
        self._lock = threading.Lock()
        self._readers: dict[str, StatsReader] = {}  # closed ones too: they keep their buffers
        self._open = OpenFiles()  # the readers holding a descriptor, at most a share of the limit
        self._checked: dict = {}  # path -> the reader's layout when its descriptor was found inside
        self._listings: dict = {}  # glob -> (the directory's stat key, its flat listing then)

    def _real_dir(self) -> str:
        return os.path.realpath(self.directory)

    def files(self, pattern: str | None = None) -> list[str]:
        """Regular files inside the directory matching ``pattern`` (checked: see module doc);
        the list's ``cut`` says whether the walk stopped at its limit."""
        pattern = check_pattern(pattern or self.default_glob)
        if os.sep not in pattern and has_magic(pattern):
            return self._flat(pattern)
        real_dir = self._real_dir()
        out = _Listing()
        paths, out.cut = walk(pattern, root=self.directory)
        inside: dict[str, bool] = {}  # per parent directory: the file itself is no symlink (lstat)
        for path in paths:
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # symlinks (in or out), directories, devices, fifos
            parent = os.path.dirname(path)
            ok = inside.get(parent)
            if ok is None:
                ok = inside[parent] = os.path.commonpath([real_dir, os.path.realpath(parent)]) == real_dir
            if not ok:
                continue  # a symlinked directory on the way leads out
            out.append(path)
        return out

    def _flat(self, pattern: str) -> _Listing:
        """The flat listing of ``pattern``, kept while the directory's stat says that no entry was added,
        removed or renamed since: any of those moves its mtime and ctime on, so one stat of the
        directory stands for the scandir (a listing taken within SETTLED_NS of the directory's last
        change is not kept: a change within the same timestamp might not move them)."""
        began = time.time_ns()
        try:
            st = os.stat(self.directory)
        except OSError:
            return _flat(self.directory, pattern)
        key = (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        kept = self._listings.get(pattern)
        if kept is not None and kept[0] == key:
            return kept[1].copy()
        listing = _flat(self.directory, pattern)
        if max(st.st_mtime_ns, st.st_ctime_ns) <= began - SETTLED_NS:
            if len(self._listings) >= 16:   # a bounded number of globs remembered
                self._listings.clear()
            self._listings[pattern] = (key, listing.copy())
        return listing

    def snapshot(self, pattern: str | None = None, failed: list | None = None,
                 unreadable: list | None = None, corrupt: list | None = None,
                 probe=None, give_way=None) -> tuple[list[FileStats], list[str]]:
        """(what every readable matching file holds now, one problem line per file that was skipped);
        ``failed`` gets the paths of files that are there but could not be read this time,
        ``unreadable`` those of them the system refused (an OSError: no descriptor left, no
        permission...) as opposed to a file that is not (yet) valid, ``corrupt`` those that are not
        valid (a format error other than not ready yet). ``probe(path, fields, values, fd)``, called
        while the file is open, gives each FileStats its ``writer``. ``give_way`` (snapshots.GiveWay): a
        read that may wait; while its ``waiting`` says so, it is called between files with the lock
        released, so that other reads go first."""
        paths = self.files(pattern)
        real_dir = self._real_dir()
        stats, problems = [], []
        if getattr(paths, "cut", False):
            problems.append(f"{pattern or self.default_glob}: too many directory entries, stopped")
        with self._lock:
            if len(self._readers) > MAX_KNOWN:
                self._close_all()
            for path, inode in zip(paths, getattr(paths, "inodes", None) or repeat(None)):
                if give_way is not None and give_way.waiting:
                    self._lock.release()
                    try:
                        give_way()
                    finally:
                        self._lock.acquire()
                reader = self._readers.get(path)
                if reader is None:
                    # the listing checked the name; a symlink swapped in since must not be followed
                    reader = self._readers[path] = StatsReader(path, follow_symlinks=False)
                try:
                    values = reader.read(inode)  # the listing's inode: no stat when it is the open file's
                except (FormatError, OSError) as e:
                    if isinstance(e, FileNotFoundError):
                        self._drop(path)
                    else:
                        reader.close()  # a failed read keeps no descriptor
                        self._open.forget(path)
                        if failed is not None:
                            failed.append(path)
                        if unreadable is not None and not isinstance(e, FormatError):
                            unreadable.append(path)
                        if corrupt is not None and isinstance(e, FormatError) and e.code != "not_ready":
                            corrupt.append(path)
                        if not (isinstance(e, FormatError) and e.code == "not_ready"):
                            problems.append(f"{os.path.basename(path)}: {getattr(e, 'code', type(e).__name__)}")
                    continue
                self._open.used(path, reader)  # may close the least recently read others
                if self._checked.get(path) is not reader.layout:
                    # (re)opened since the last look: ask where the new descriptor leads. A file read
                    # again through a descriptor already checked is the same file (same inode).
                    if not _opened_inside(reader, real_dir):
                        self._drop(path)
                        problems.append(f"{os.path.basename(path)}: outside the directory")
                        continue
                    self._checked[path] = reader.layout
                writer = None if probe is None else probe(path, reader.layout.fields, values, reader.fileno())
                stats.append(_new(FileStats, (path, reader.layout.fields, values, writer)))
        return stats, problems

    def _drop(self, path):
        self._readers.pop(path).close()
        self._open.forget(path)
        self._checked.pop(path, None)

    def _close_all(self):
        for r in self._readers.values():
            r.close()
        self._readers.clear()
        self._checked.clear()
        self._open = OpenFiles(self._open.limit)

    def close(self):
        with self._lock:
            self._close_all()


_MATCHERS: dict = {}


def _matcher(pattern: str):
    """The compiled fnmatch of one glob component, as the walk matches it (no leading dot for * and ?)."""
    match = _MATCHERS.get(pattern)
    if match is None:
        if len(_MATCHERS) > 64:
            _MATCHERS.clear()
        regex = fnmatch.translate(pattern)
        if not pattern.startswith("."):
            regex = r"(?!\.)" + regex
        match = _MATCHERS[pattern] = re.compile(regex).match
    return match


def _flat(directory: str, pattern: str) -> _Listing:
    """The walk's answer for a one-component glob, from one scandir: each entry's type comes with
    the listing (d_type), so a regular file costs no lstat, and a file directly in the directory needs
    no check of the way to it; its inode (d_ino) comes too."""
    match = _matcher(pattern)
    found = []
    cut = False
    left = MAX_ENTRIES
    try:
        with os.scandir(directory) as it:
            for entry in it:
                left -= 1
                if left < 0:
                    cut = True
                    break
                if match(entry.name):
                    try:
                        if entry.is_file(follow_symlinks=False):
                            found.append((entry.path, entry.inode()))
                    except OSError:
                        continue
    except OSError:
        pass
    found.sort()
    out = _Listing(path for path, _ in found)
    out.cut = cut
    out.inodes = [inode for _, inode in found]
    return out


def _opened_inside(reader, real_dir: str) -> bool:
    """Is the file the reader has open inside the directory? Asked of the kernel about the open
    descriptor, so a directory on the way swapped for a symlink after the listing is caught."""
    try:
        where = os.readlink(f"/proc/self/fd/{reader.fileno()}")
    except OSError:
        return True  # no /proc here: the listing's checks are all there is
    where = where.removesuffix(" (deleted)")  # both sides are absolute and normalised (realpath, the kernel)
    return real_dir == os.sep or where.startswith(real_dir) and where[len(real_dir):len(real_dir) + 1] in ("", os.sep)


def _avg(values):
    return sum(values) / len(values) if values else None


def _nonzero(values):
    return [v for v in values if v]


AGGREGATORS = {
    "avg": _avg,
    "one": lambda values: values[0] if values else None,
    "max": lambda values: max(values, default=None),
    "min": lambda values: min(values, default=None),
    "sum": sum,
    "nonzero-min": lambda values: min(_nonzero(values), default=None),
    "nonzero-avg": lambda values: _avg(_nonzero(values)),
}


def aggregate(name: str, values: list):
    """AGGREGATORS[name] over ``values``; ``one`` takes anything, the others only numbers (else None)."""
    if name != "one":
        if not all(numeric(v) for v in values):
            return None
        values = [int(v) if isinstance(v, bool) else v for v in values]
        if name in ("max", "min", "nonzero-min") and any(isinstance(v, float) and math.isnan(v) for v in values):
            return math.nan  # max/min over NaN depend on order; say NaN instead
    return AGGREGATORS[name](values)
