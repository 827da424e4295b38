"""Re-read the values of a file whose layout is parsed once: for tools that poll."""
from __future__ import annotations

import copy
import errno
import os
import stat

from .errors import FormatError
from .layout import CompiledLayout
from .read import DEFAULT_MAX_SIZE, LAYOUTS
from .scan import scan
from ._closeable import Closeable

__all__ = ["StatsReader", "RETRIES", "settle"]

RETRIES = 3  # copies after the first before a flipping value is taken as it is


def settle(copy, spare, refill, write_buffers):
    """The spec's reader rule ("Reading a buffered value", steps 3-4) for whole-file copies.

    ``copy`` was just made; ``refill(buf)`` copies the file again into ``buf`` at once (False:
    it came back another size, so keep ``copy``). A copy is kept when no write buffer flipped
    while it was made; otherwise the newer copy is checked the same way, RETRIES times at most,
    then it is a sample that may be torn (spec: what v1 cannot guarantee). Nothing is decoded
    between copies: that widened the window (torture: 13 torn values per million instead of 1
    at 10 us steps). Returns (the copy to decode, the other buffer).
    """
    for _ in range(RETRIES):
        if not refill(spare):
            break
        if spare == copy or write_buffers(spare) == write_buffers(copy):
            break  # nothing flipped while ``copy`` was made
        copy, spare = spare, copy
    return copy, spare


class StatsReader(Closeable):
    """Polls one path. The layout is parsed again only when the file at the
    path is another one (device, inode or size changed) or when a byte outside
    the values changed (the file was rewritten in place); values are read with
    pread into a reused buffer, never through a map, so a writer truncating
    its file cannot crash the reader.

    Every copy goes through CompiledLayout.checked_values: one unpack gives the
    values and the file's skeleton (version byte, record headers, the 0xff of
    unbuffered records, terminator, zero fill), which must be the one parsed.
    Layouts come from the content-checked cache shared with read() (files of
    one program are scanned once); ``layout`` is still a new object for each
    file parsed, so ``reader.layout is not before`` tells a new file.
    """

    def __init__(self, path, *, max_size: int = DEFAULT_MAX_SIZE, recheck: bool = True,
                 follow_symlinks: bool = True):
        """``follow_symlinks=False``: if the path's last component is (or becomes) a symbolic link,
        or not a regular file, read() raises OSError instead of reading what it points to -- for
        servers whose paths come from a listing that checked them (mmash)."""
        self.path = os.fspath(path)
        self.max_size = max_size
        self.recheck = recheck
        self.follow_symlinks = follow_symlinks
        self._fd = -1
        self._ident = None
        self.layout: CompiledLayout | None = None
        self._buf = bytearray()
        self._spare = bytearray()

    @property
    def fields(self):
        if self.layout is None:
            self.read()
        return self.layout.fields

    def read(self) -> list:
        """Current values of all fields, in file order."""
        st = os.stat(self.path, follow_symlinks=self.follow_symlinks)
        ident = (st.st_dev, st.st_ino, st.st_size)
        try:
            values = None
            if ident == self._ident and self._copy(self._buf):
                values = self._settled_values()
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

    def _copy(self, buf) -> bool:
        """Copy the file into ``buf``; False when it came back short (the file shrank)."""
        return os.preadv(self._fd, [buf], 0) == len(buf)

    def _settled_values(self):
        """Values of self._buf after the spec's reader rule, or None if its skeleton is not the
        layout's (see settle())."""
        wb_of = self.layout.write_buffers
        if self.recheck and wb_of is not None:
            self._buf, self._spare = settle(self._buf, self._spare, self._copy, wb_of)
        return self.layout.checked_values(self._buf)

    def _load(self, ident) -> list:
        """Open the path and parse the file's layout; self._buf then holds the parsed bytes,
        whose values are returned."""
        self.close()
        size = ident[2]
        if size > self.max_size:
            raise FormatError("file_too_large", self.max_size, f"file is {size} bytes, over the limit", self.path)
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
        if not self.follow_symlinks:  # ELOOP for a symlink; no blocking open of a fifo planted meanwhile
            flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.path, flags)
        try:
            st = os.fstat(fd)
            if not self.follow_symlinks and not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", self.path)
            buf = bytearray(st.st_size)
            n = os.preadv(fd, [buf], 0)
            del buf[n:]
            hit = LAYOUTS.lookup(buf)
            if hit is None:
                fields, errors = scan(buf)
                if errors:
                    raise errors[0].with_path(self.path)
                shared = LAYOUTS.learn(bytes(buf), fields)
                hit = shared, shared.checked_values(buf)
        except BaseException:
            os.close(fd)
            raise
        layout = copy.copy(hit[0])  # shares everything compiled; a new object per file parsed
        self._fd, self._buf, self._spare, self.layout = fd, buf, bytearray(len(buf)), layout
        self._ident = (st.st_dev, st.st_ino, len(buf))
        return hit[1]

    def fileno(self) -> int:
        """The descriptor of the file the last read() copied (-1 when none is open): lets a caller
        ask the kernel which file that really is (e.g. /proc/self/fd), free of path races."""
        return self._fd

    def close(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._ident = None
