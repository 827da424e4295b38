"""Re-read the values of a file whose layout is parsed once: for tools that poll."""
from __future__ import annotations

import copy
import os
import threading

from ._closeable import Closeable
from ._fileio import DEFAULT_MAX_SIZE, open_regular, too_large
from .cache import LAYOUTS
from .errors import FormatError
from .settle import RETRIES, alternating, settle
from .v2.mapped import MappedFile

open_mapped = MappedFile.open

__all__ = ["StatsReader"]

_SCRATCH = threading.local()  # per thread: file size -> two copy buffers, lent to one read() at a time
_SCRATCH_SIZES = 64


def _scratch(size: int) -> list:
    """Two copy buffers of ``size`` bytes for this thread's current read(): ten thousand readers
    of one program hold no copy of their own between reads."""
    pool = getattr(_SCRATCH, "by_size", None)
    if pool is None:
        pool = _SCRATCH.by_size = {}
    pair = pool.get(size)
    if pair is None:
        if len(pool) >= _SCRATCH_SIZES:
            pool.clear()
        pair = pool[size] = [bytearray(size), bytearray(size)]
    return pair


class StatsReader(Closeable):
    """Polls one path. The layout is parsed again only when the file at the
    path is another one (device, inode or size changed) or when a byte outside
    the values changed (the file was rewritten in place); values are read with
    pread into a reused buffer, never through a map, so a writer truncating
    its file cannot crash the reader.

    A version 2 file whose writer appended fields gets a longer layout that parsed
    only the new entries (``layout.extended``); its sequence-locked values follow
    the version's reader protocol (``layout.sequenced``).

    Every copy goes through the layout's checked_values: one unpack gives the
    values and the file's skeleton (version byte, record headers, the 0xff of
    unbuffered records, terminator, zero fill), which must be the one parsed.
    Layouts come from the content-checked cache shared with read() (files of
    one program are scanned once); ``layout`` is still a new object for each
    file parsed, so ``reader.layout is not before`` tells a new file. Copies go
    into buffers the thread's readers share (a reader holds none between reads).
    """

    def __init__(self, path, *, max_size: int = DEFAULT_MAX_SIZE, recheck: bool = True,
                 follow_symlinks: bool = True, mapped: bool = False):
        """``follow_symlinks=False``: if the path's last component is (or becomes) a symbolic link,
        read() raises OSError instead of reading what it points to -- for servers whose paths come
        from a listing that checked them (mmash). Anything but a regular file is always an OSError.

        ``mapped=True``: a version 2 file is mapped and each read() loads its values from the mapping
        (v2/mapped.py: no copy, the spec's loads; a file truncated during a read faults the process);
        a file of version 1 is copied as without it."""
        self.path = os.fspath(path)
        self.max_size = max_size
        self.recheck = recheck
        self.follow_symlinks = follow_symlinks
        self.mapped = mapped
        self._map = None  # mapped=True: the version 2 file's MappedFile
        self._fd = -1
        self._ident = None
        self.layout = None  # the version's compiled layout (v1.layout.CompiledLayout)
        self._buf = self._spare = None  # copy buffers, lent by _scratch() for one read()
        self._copy_used = None  # while set: the layout's copy of only the bytes its values use

    @property
    def fields(self):
        if self.layout is None:
            self.read()
        return self.layout.fields

    def read(self, inode=None) -> list:
        """Current values of all fields, in file order. ``inode``: what a directory listing just gave
        for the path (d_ino); when it is the open file's, the path still names that file and is not
        looked up again (one byte copied past the file's size tells that it grew)."""
        if self.mapped and self._ident is None:  # (a file held by copying is version 1)
            values = self._read_mapped()
            if values is not None:
                return values
        plan = self.layout.reread_plan if self._ident is not None else None
        if plan is not None:  # the ordinary re-read (same file, same skeleton): stat, copy, re-check, decode in C
            retries = RETRIES if self.recheck else 0
            if inode is not None and inode == self._ident[1]:
                buf, spare = _scratch(self._ident[2] + 1)
                values = plan.reread(self._fd, buf, spare, retries)
            else:
                buf, spare = _scratch(self._ident[2])
                values = plan.reread(self._fd, buf, spare, retries, self.path, self._ident, self.follow_symlinks)
            if values is not None:
                return values
        st = os.stat(self.path, follow_symlinks=self.follow_symlinks)
        ident = (st.st_dev, st.st_ino, st.st_size)
        try:
            values = None
            if ident == self._ident:
                self._buf, self._spare = _scratch(ident[2])
                self._copy_used = getattr(self.layout, "copy_used", None)
                if self._copy_used is not None and self._copy(self._buf):
                    values = self._settled_values()  # None: the layout changed; copy all of it below
                self._copy_used = None
                if values is None and self._copy(self._buf):
                    values = self._settled_values()
                    if values is None:
                        values = self._grown()
            if values is None:
                # new, shrunk or rewritten: parse it (scan names the problem, e.g. not_ready for
                # a version byte back at 0x00); values come from the very bytes just parsed
                parsed = self._load(ident)
                values = self._settled_values() if self.recheck else parsed
                if values is None:
                    values = parsed  # changed again meanwhile: the copy that was parsed
            return values
        except FormatError as e:
            self._ident = None  # parse afresh next time
            raise e.with_path(self.path) from None
        finally:
            self._buf = self._spare = self._copy_used = None

    def _read_mapped(self):
        """The values through the file's mapping, or None when the path names no version 2 file."""
        for _ in range(2):  # the file mapped, or the one that replaced it
            if self._map is None:
                self._map = open_mapped(self.path, self.max_size, self.follow_symlinks)
                if self._map is None:
                    return None
            try:
                values = self._map.read(self.recheck)
            except BaseException:
                self.close()
                raise
            if values is not None:
                self.layout = self._map.layout
                return values
            self.close()  # replaced
        return None

    def _copy(self, buf) -> bool:
        """Copy the file into ``buf`` (or the bytes its layout's values use, while _copy_used is set);
        False when it came back short (the file shrank)."""
        if self._copy_used is not None:
            return self._copy_used(self._fd, buf)
        return os.preadv(self._fd, [buf], 0) == len(buf)

    def _grown(self):
        """Values of self._buf when it is the same file with fields appended since the layout was
        made (only the new entries are parsed), else None."""
        extended = getattr(self.layout, "extended", None)
        grown = extended(self._buf) if extended is not None else None
        if grown is None:
            return None
        self.layout = grown
        return self._settled_values()

    def _settled_values(self):
        """Values of self._buf after the spec's reader rule, or None if its skeleton is not the
        layout's (see settle.settle())."""
        if self.recheck and getattr(self.layout, "has_sequenced", False):
            got = self.layout.sequenced(self._fd, self._buf, alternating(self._buf, self._spare, self._copy))
            if got is None:
                return None
            values, kept = got
            if kept is self._spare:
                self._buf, self._spare = self._spare, self._buf
            return values
        key = self.layout.write_buffers
        if self.recheck and key is not None:
            kept = settle(self._buf, alternating(self._buf, self._spare, self._copy), key)
            if kept is not self._buf:
                self._buf, self._spare = kept, self._buf
        return self.layout.checked_values(self._buf)

    def _load(self, ident) -> list:
        """Open the path and parse the file's layout; self._buf then holds the parsed bytes,
        whose values are returned."""
        self.close()
        size = ident[2]
        if size > self.max_size:
            raise too_large(self.path, self.max_size, size)
        fd, st = open_regular(self.path, follow_symlinks=self.follow_symlinks)
        try:
            buf = bytearray(st.st_size)
            n = os.preadv(fd, [buf], 0)
            del buf[n:]
            shared, values = LAYOUTS.find(buf, self.path)
        except BaseException:
            os.close(fd)
            raise
        layout = copy.copy(shared)  # shares everything compiled; a new object per file parsed
        self._fd, self._buf, self._spare, self.layout = fd, buf, _scratch(len(buf))[1], layout
        self._ident = (st.st_dev, st.st_ino, len(buf))
        return values

    def fileno(self) -> int:
        """The descriptor of the file the last read() copied or mapped (-1 when none is open): lets a
        caller ask the kernel which file that really is (e.g. /proc/self/fd), free of path races."""
        return self._map.fd if self._map is not None else self._fd

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._ident = None
