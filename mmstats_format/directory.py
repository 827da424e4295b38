"""Poll every stats file of a directory: one listing per poll, no stat per file.

StatsReader pays an os.stat per read to notice that its path now names
another file. Watching a whole directory, the listing already says that: each
entry carries the file's inode (d_ino) and type (d_type), so a poll is one
listing plus one pread per file (two with the write-buffer re-check), or one
fstat and the loads of a mapped version 2 file. Copied files stay open between
polls and are read with pread, so a writer that truncates its file cannot crash
the reader (mapped=True trades that for the spec's loads from the mapping).

With the extension, one C call (accel.poll_listing) reads the listing and every
file in the ordinary case -- listed with the inode it was opened with, held
open, read by its layout's compiled plan -- so Python runs per poll, not per
file; every other name (new, replaced, changed, not held, a problem to name)
comes back to the per-file path below, which is also the whole poll in pure
Python.

Each copy is first compared with the copy the last values came from (by its
digest where the layout has a compiled plan: an idle file needs no re-check copy
and no values are kept between polls); a changed copy is checked against the layout's
skeleton (CompiledLayout.checked_values: version byte, headers, terminator and
zero fill, in the same unpack as the values), and one byte is read past the
known size, so a file rewritten in place, grown or shrunk is parsed again.
Layouts come from the shared content-checked cache (cache.LAYOUTS), so ten
thousand files of one program are scanned once.
"""
from __future__ import annotations

import fnmatch
import os
import re
import stat
import threading
from typing import NamedTuple

from ._closeable import Closeable
from .accel import poll_listing, records
from .fdbudget import descriptor_budget
from ._fileio import DEFAULT_MAX_SIZE, NotRegularFile, open_regular, read_capped
from .cache import LAYOUTS
from .errors import FormatError
from .settle import RETRIES, alternating, settle
from .v2.mapped import MappedFile

open_mapped = MappedFile.open

__all__ = ["FileValues", "StatsDirectory"]

_MAX_NAMES = 65536  # names remembered as not matching the pattern


class FileValues(NamedTuple):
    """One file of a poll: its path, its fields (the version's scan records, file order: v1.FieldLayout,
    v2.Entry) and their current values."""

    path: str
    fields: list
    values: list


FileValues = records(FileValues)  # one per file per poll
_new = tuple.__new__  # FileValues(...) without the Python-level __new__


class _Listed:
    """A name the compiled poll handed back, with what os.DirEntry would tell of it (the listing's type
    and inode; an lstat where the listing's type is unknown or the inode is not to be trusted)."""

    __slots__ = ("name", "path", "_regular", "_ino")

    def __init__(self, directory, name, regular, ino):
        self.name, self.path = name, os.path.join(directory, name)
        self._regular, self._ino = regular, ino

    def is_file(self, follow_symlinks=False):
        if self._regular is None:
            try:
                self._regular = stat.S_ISREG(os.lstat(self.path).st_mode)
            except FileNotFoundError:
                return False
        return self._regular

    def inode(self):
        return self._ino

    def stat(self, follow_symlinks=False):
        return os.lstat(self.path)


class _File:
    """What is known about one file between polls."""

    __slots__ = ("path", "fd", "ino", "by_stat", "layout", "size", "last", "digest", "values", "bufs", "mapped")

    def __init__(self, path):
        self.path = path
        self.fd = -1          # -1: not held open (over the budget): opened for each poll
        self.ino = None
        self.by_stat = False  # d_ino disagreed with st_ino at open: identify by lstat instead
        self.layout = None    # None: read and parse afresh at the next poll
        self.size = -1
        self.last = None      # the copy ``values`` came from (pure Python; the compiled path keeps...)
        self.digest = None    # ... only its digest (ReadPlan.digest), and decodes every copy
        self.values = None    # (pure Python) the values of ``last``
        self.bufs = None      # the directory's copy buffers for files of this size
        self.mapped = None    # mapped=True: the version 2 file's MappedFile


class StatsDirectory(Closeable):
    """The stats files of ``directory`` whose names match ``pattern`` (fnmatch).

    ``poll()`` returns ``(files, problems)``: a FileValues for every regular
    file (symlinks are skipped) that reads cleanly, and one exception per file
    that does not (FormatError with its path, or OSError; ``not_ready`` for a
    file a writer is still creating). A file removed between the listing and
    the read is left out quietly. Holds at most ``max_open`` descriptors
    (default: half the soft limit); files past that are opened for each poll.

    ``mapped=True``: version 2 files are mapped (v2/mapped.py) and their values loaded from the
    mapping, the listing's inode telling a replaced file; each holds two descriptors (the mapping
    keeps its own), and files past ``max_open`` are copied. Version 1 files are copied as without it.
    """

    def __init__(self, directory, pattern: str = "*.mmstats", *, max_size: int = DEFAULT_MAX_SIZE,
                 recheck: bool = True, max_open: int | None = None, mapped: bool = False):
        self.directory = os.fspath(directory)
        self.pattern = pattern
        self.max_size = max_size
        self.recheck = recheck
        self.max_open = descriptor_budget() if max_open is None else max_open
        self.mapped = mapped
        self._match = re.compile(fnmatch.translate(pattern)).match
        self._files: dict[str, _File] = {}
        self._skip: set[str] = set()
        self._bufs: dict[int, tuple] = {}
        self._held = 0
        self._lock = threading.Lock()

    def poll(self) -> tuple[list[FileValues], list[Exception]]:
        out, problems = [], []
        retries = RETRIES if self.recheck else 0
        with self._lock:
            if poll_listing is not None and isinstance(self.directory, str):
                self._poll_compiled(out, problems, retries)
            else:
                self._poll_listed(out, problems, retries)
        return out, problems

    def _poll_listed(self, out, problems, retries):
        """Every file of the listing, one at a time (pure Python; a directory named by bytes)."""
        files, seen = self._files, set()
        with os.scandir(self.directory) as listing:
            for entry in listing:
                if self._one(entry.name, files.get(entry.name), entry, out, problems, retries):
                    seen.add(entry.name)
        self._drop_unlisted(seen)

    def _poll_compiled(self, out, problems, retries):
        """One C call reads every file of the listing that is the ordinary case (the same file, held
        open, its layout's plan); the rest come back for ``_one`` (new, replaced, changed skeleton,
        not held, a problem to name)."""
        files = self._files
        known = len(files)
        got, rest, listed = poll_listing(self.directory, files, self._skip, FileValues, retries,
                                         RETRIES if self.recheck else 1)
        out += got
        for name, f, regular, ino in rest:
            self._one(name, f, _Listed(self.directory, name, regular, ino), out, problems, retries)
        if listed < known:  # some known file was not listed: gone (a name is listed once)
            self._drop_unlisted(set(os.listdir(self.directory)))

    def _drop_unlisted(self, listed):
        files = self._files
        for name in [n for n in files if n not in listed]:
            self._forget(files.pop(name))

    def _one(self, name, f, entry, out, problems, retries) -> bool:
        """One listed name (``f``: its _File, None when not met yet; ``entry``: an os.DirEntry or
        _Listed): its FileValues appended to ``out`` or its problem to ``problems``. False when the
        name does not match the pattern."""
        if f is None:
            if name in self._skip:
                return False
            if not self._match(name):
                if len(self._skip) < _MAX_NAMES:
                    self._skip.add(name)
                return False
            f = self._files[name] = _File(entry.path)
        try:
            if not entry.is_file(follow_symlinks=False):
                self._forget(f)
                return True
            ino = entry.stat(follow_symlinks=False).st_ino if f.by_stat else entry.inode()
            # held open with a digest (so a compiled plan): the ordinary poll in one call
            plan = f.layout.reread_plan if f.digest is not None and f.fd >= 0 and ino == f.ino else None
            got = None if plan is None else plan.repoll(f.fd, f.bufs[0], f.bufs[1], retries, f.digest, True)
            if got is None:
                values = self._values(f, ino, compiled=plan is None)
            else:  # copied, re-checked, decoded: a list of the caller's own
                values, f.digest = got
        except (FileNotFoundError, IsADirectoryError, NotRegularFile):  # gone, or replaced by a fifo, a directory...
            self._forget(f)
            return True
        except (FormatError, OSError) as e:
            self._forget(f)
            problems.append(e)
            return True
        out.append(_new(FileValues, (f.path, f.layout.fields, values)))
        return True

    # -- one file --------------------------------------------------------------

    def _values(self, f: _File, ino, compiled=True):
        """``compiled``: try the layout's ReadPlan first (False: poll() just did)."""
        if self.mapped and (f.mapped is not None or f.layout is None or ino != f.ino):
            values = self._mapped_values(f, ino)
            if values is not None:
                return values
        if f.layout is None or ino != f.ino:
            return self._load(f, ino)
        if f.fd >= 0:
            return self._copy_values(f, f.fd, ino, compiled)
        fd, _ = open_regular(f.path, follow_symlinks=False)
        try:
            return self._copy_values(f, fd, ino, compiled)
        finally:
            os.close(fd)

    def _mapped_values(self, f: _File, ino):
        """The values of a version 2 file through its mapping, or None: copy it (another version, or
        no descriptors left for a mapping)."""
        m = f.mapped
        if m is not None and ino == f.ino:
            values = m.read(self.recheck, stat_path=False)  # the listing's inode is this poll's look at the path
            if values is not None:
                f.layout = m.layout
                return values
        self._forget(f)
        if self._held + 2 > self.max_open:
            return None
        m = open_mapped(f.path, self.max_size, follow_symlinks=False)
        if m is None:
            return None
        f.mapped, f.layout = m, m.layout
        f.ino, f.by_stat = m.ident[1], ino != m.ident[1]
        self._held += 2
        values = m.read(self.recheck, stat_path=False)
        if values is None:  # (rewritten as another version at once)
            self._forget(f)
        return values

    def _copy_values(self, f: _File, fd, ino, compiled=True):
        copy, spare, iov = f.bufs
        plan = f.layout.reread_plan
        if compiled and plan is not None and f.digest is not None:  # the ordinary poll, in one call
            got = plan.repoll(fd, copy, spare, RETRIES if self.recheck else 0, f.digest, True)
            if got is not None:
                values, f.digest = got
                return values
        copy_used = getattr(f.layout, "copy_used", None) if plan is None else None  # (repoll did it with a plan)
        if copy_used is not None and copy_used(fd, copy):  # only the bytes the values use
            if f.last is not None and f.layout.same_used(copy, f.last):
                return f.values.copy()  # not one of them changed since the last poll
            got = self._settled(f.layout, fd, copy, spare, f.size, copy_used)
            if got is not None:
                return got[0]  # made from this copy: the caller's own
        n = os.preadv(fd, iov, 0)
        if n != f.size:
            return self._load(f, ino)  # grew (the buffer holds one byte more) or shrank
        if f.last is not None and copy.startswith(f.last):
            return f.values.copy()  # not one byte changed since the last poll
        got = self._settled(f.layout, fd, copy, spare, n)
        if got is None:
            extended = getattr(f.layout, "extended", None)
            grown = extended(copy, n) if extended is not None else None  # fields appended: parse only those
            if grown is None:
                return self._load(f, ino)  # rewritten in place (or being replaced)
            f.layout = grown
            got = self._settled(grown, fd, copy, spare, n)
            if got is None:
                return self._load(f, ino)
        values, copy = got
        self._remember(f, copy[:n], values)
        return values if f.values is None else values.copy()  # (a list kept is never the caller's)

    @staticmethod
    def _remember(f: _File, copy, values):
        """What tells the next poll that nothing changed: the copy's digest where the layout has a
        compiled plan (8 bytes instead of the file's; the plan decodes every copy, so no values are
        kept), else the copy and its values."""
        plan = f.layout.reread_plan
        if plan is not None:
            f.last, f.digest, f.values = None, plan.digest(copy), None
        else:
            f.last, f.digest, f.values = copy, None, values

    def _settled(self, layout, fd, copy, spare, n, copier=None):
        """(values, the copy they came from) by the version's reader rule, or None when ``copy``
        does not have the layout's skeleton. ``copier(fd, buf)``: how the re-check's copies are made
        (None: the whole file)."""
        if not self.recheck or (layout.write_buffers is None and not getattr(layout, "has_sequenced", False)):
            values = layout.checked_values(copy, n)  # nothing a writer changes in more than one store
            return None if values is None else (values, copy)
        more = alternating(copy, spare, (lambda buf: copier(fd, buf)) if copier is not None else
                           (lambda buf: os.preadv(fd, [buf], 0) == n))
        if getattr(layout, "has_sequenced", False):
            return layout.sequenced(fd, copy, more, n)
        if layout.write_buffers is not None:
            copy = settle(copy, more, layout.write_buffers)
        values = layout.checked_values(copy, n)
        return None if values is None else (values, copy)

    def _load(self, f: _File, ino):
        """(Re)open the file, read all of it, find its layout; the values of that copy."""
        self._forget(f)
        fd, st = open_regular(f.path, follow_symlinks=False)
        try:
            data = read_capped(fd, f.path, self.max_size)
            layout, values = LAYOUTS.find(data, f.path)
        except BaseException:
            os.close(fd)
            raise
        if self._held < self.max_open:
            f.fd = fd
            self._held += 1
        else:
            os.close(fd)
        f.ino, f.by_stat = st.st_ino, ino != st.st_ino
        f.size = len(data)
        f.bufs = self._buffers(len(data))
        f.layout = layout
        self._remember(f, data, values)
        return values if f.values is None else values.copy()

    def _buffers(self, size):
        """Two copy buffers (one byte longer than the file, to see it grow) shared by files of one size."""
        bufs = self._bufs.get(size)
        if bufs is None:
            copy, spare = bytearray(size + 1), bytearray(size + 1)
            bufs = self._bufs[size] = (copy, spare, [copy])
        return bufs

    def _forget(self, f: _File):
        """Close ``f`` and drop what was learnt: the next poll reads it afresh."""
        if f.fd >= 0:
            os.close(f.fd)
            f.fd = -1
            self._held -= 1
        if f.mapped is not None:
            f.mapped.close()
            f.mapped = None
            self._held -= 2
        f.layout = f.last = f.digest = f.values = None

    @property
    def open_files(self) -> int:
        return self._held

    def close(self):
        with self._lock:
            for f in self._files.values():
                self._forget(f)
            self._files.clear()
