"""Opening and reading a stats file: the one place the read path calls open(2).

Every reader opens through ``open_regular`` (read-only, close-on-exec, non-blocking
so a FIFO planted where a file was expected cannot hang it) and refuses anything
but a regular file before reading a byte. ``read_capped`` reads with plain
os-level calls (a file object costs more than the read), never past the size cap.
"""
from __future__ import annotations

import errno
import os
import stat

from .accel import open_copies
from .errors import FormatError

__all__ = ["DEFAULT_MAX_SIZE", "NotRegularFile", "open_regular", "open_and_copy", "read_capped", "read_bytes",
           "too_large"]

# Hostile-input cap: no honest stats file comes near this.
DEFAULT_MAX_SIZE = 256 * 1024 * 1024

_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# One read() of this many bytes takes a whole ordinary stats file (a few pages) with no fstat first.
_FIRST_READ = 1 << 16


class NotRegularFile(OSError):
    """The path names a FIFO, a directory, a device...: ``PATH: cannot read: not a regular file``."""

    def __init__(self, path):
        super().__init__(errno.EINVAL, "not a regular file", os.fspath(path))

    def __str__(self) -> str:
        return f"{self.filename}: cannot read: {self.strerror}"


def open_regular(path, *, follow_symlinks: bool = True):
    """(descriptor, os.stat_result) of the regular file at ``path``.

    ``follow_symlinks=False``: a symbolic link as the last component is ELOOP.
    IsADirectoryError for a directory, NotRegularFile (an OSError) for anything else
    that is not a regular file.
    """
    fd = os.open(path, _FLAGS if follow_symlinks else _FLAGS | _NOFOLLOW)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if stat.S_ISDIR(st.st_mode):  # what reading it would have said
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
            raise NotRegularFile(path)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def too_large(path, max_size: int, size: int | None = None) -> FormatError:
    """file_too_large at the first byte past the limit; ``size`` None: it grew past it while read."""
    what = "the file grew past the size limit while being read" if size is None else \
        f"the file ({size} bytes) goes past the size limit here"
    return FormatError("file_too_large", max_size, what, os.fspath(path))


def read_capped(fd, path, max_size: int) -> bytes:
    """All bytes of an open regular file; FormatError ``file_too_large`` past ``max_size``."""
    first = min(_FIRST_READ, max_size + 1)
    data = os.read(fd, first)
    if len(data) < first:
        return data  # a short read of a regular file is its end
    size = os.fstat(fd).st_size
    if size > max_size:
        raise too_large(path, max_size, size)
    parts, total = [data], len(data)
    while total <= max_size:
        more = os.read(fd, min(max_size + 1 - total, max(size + 1 - total, 1 << 16)))
        if not more:
            break
        parts.append(more)
        total += len(more)
    if total > max_size:
        raise too_large(path, max_size)
    return b"".join(parts)


def read_bytes(path, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The bytes of the regular file at ``path``, read (never mapped) so a truncating writer cannot fault us."""
    fd, _ = open_regular(path)
    try:
        return read_capped(fd, path, max_size)
    finally:
        os.close(fd)


def open_and_copy(path, max_size: int, twice: bool, plans=None, retries: int = 0, single: bytes = b"", used=None):
    """(descriptor, the file's bytes, a second copy made at once after the first or None) of the
    regular file at ``path``; the caller closes the descriptor. An ordinary stats file takes one
    call of the compiled path (open, fstat, read, pread); anything else -- larger than one first
    read, not a regular file, growing, or pure Python -- goes through open_regular and read_capped,
    which raise what it is. ``single``: version bytes of files whose reader wants no second copy.

    ``plans`` ({file size: (ReadPlan, ...)}, cache.LayoutCache.plans): on the compiled path, when
    one of them has the copy's skeleton, the answer is the file's fields after the re-check of
    ``retries`` copies (a list, the file closed): the whole of read() in one call.

    ``used(fd, size)``: tried before a file larger than one first read is copied whole; an answer
    other than None is returned as is (the file closed) -- a reader that needs only some of the bytes."""
    if open_copies is not None:
        got = open_copies(path, _FLAGS, min(max_size, _FIRST_READ - 1), twice, plans, retries, single)
        if got is not None:
            return got
    fd, st = open_regular(path)
    try:
        got = used(fd, st.st_size) if used is not None and _FIRST_READ <= st.st_size <= max_size else None
        if got is None:
            data = read_capped(fd, path, max_size)
            return fd, data, os.pread(fd, len(data), 0) if twice and data[:1] not in single else None
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return got
