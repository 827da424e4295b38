"""The writer's file-creation protocol (common to every writer, see spec/v1.md).

1. The caller builds the whole image in memory with version byte 0x00.
2. The file is created with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC: a symlink is
   never followed and an existing file never reused. An existing name is
   removed only if it is a regular file owned by us whose sys.pid process is
   dead; anything else is an error.
3. The image is written, the file mapped shared; the caller stores the version
   byte 0x01 last (readers report version 0x00 as not_ready).
Every failure raises CreateError naming the path and the cause; a file this
module created is removed again if creation fails half-way.
"""
from __future__ import annotations

import errno
import mmap
import os
import stat

from mmstats_format.errors import FormatError
from mmstats_format.read import DEFAULT_MAX_SIZE, decode_bytes
from mmstats_format.v1.types import lookup

from ._errors import CreateError

__all__ = ["create_mapped", "stale_reason", "unlink_if_same", "process_alive"]

_CREATE_FLAGS = (os.O_RDWR | os.O_CREAT | os.O_EXCL
                 | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _explain(path: str, err: OSError, doing: str) -> CreateError:
    directory = os.path.dirname(os.path.abspath(path))
    reasons = {
        errno.ENOENT: f"directory {directory} does not exist",
        errno.ENOTDIR: f"a component of {directory} is not a directory",
        errno.EACCES: f"permission denied (cannot create files in {directory})",
        errno.EPERM: f"operation not permitted in {directory}",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on device",
        getattr(errno, "EDQUOT", -1): "disk quota exceeded",
        errno.ELOOP: "the path is a symbolic link (never followed)",
        errno.EISDIR: "the path is a directory",
        errno.ENAMETOOLONG: "file name too long",
        errno.EMFILE: "too many open files in this process",
    }
    reason = reasons.get(err.errno, err.strerror or str(err))
    return CreateError(path, err.errno, f"{reason} ({doing})" if doing else reason)


def process_alive(pid: int) -> bool:
    """True unless the process is provably gone (EPERM means it exists)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _pid_of(fields) -> int | None:
    for f in fields:
        spec = lookup(f.type)
        if f.label.endswith("sys.pid") and spec is not None and spec.kind == "int":
            return f.value
    return None


def stale_reason(path: str) -> str | None:
    """Why the existing file at ``path`` must be kept, or None when it is provably stale."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file"
    if st.st_uid != os.geteuid():
        return f"it belongs to uid {st.st_uid}"
    if st.st_size > DEFAULT_MAX_SIZE:
        return f"it is {st.st_size} bytes, too large to be a stats file"
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as e:
        return f"it cannot be read ({e.strerror})"
    try:
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            return "it was replaced while being checked"
        data = os.read(fd, st.st_size + 1)
    finally:
        os.close(fd)
    try:
        fields = decode_bytes(data, path)
    except FormatError as e:
        if e.code == "not_ready":
            return "another writer is still creating it"
        return f"it is not a valid stats file ({e.code} at offset {e.offset})"
    pid = _pid_of(fields)
    if pid is None:
        return "it has no sys.pid field that would prove its writer is gone"
    if pid <= 0:
        return f"its sys.pid {pid} is not a process id"
    if pid == os.getpid():
        return ("it belongs to this process (two models or threads share one file name; "
                "give each model its own filename= and keep {TID} in it)")
    if process_alive(pid):
        return f"its writer, process {pid}, is still running"
    try:
        if unlink_if_same(path, (st.st_dev, st.st_ino)):
            return None
    except OSError as e:
        return f"it is stale but cannot be removed ({e.strerror})"
    return "it was replaced while being checked"


def unlink_if_same(path: str, ident) -> bool:
    """Remove ``path`` only if it is still the file ``ident`` = (st_dev, st_ino)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if (st.st_dev, st.st_ino) != tuple(ident):
        return False
    os.unlink(path)
    return True


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # a regular file never does this; do not spin
            raise OSError(errno.EIO, "write made no progress")
        view = view[n:]


def create_mapped(path, image, mode: int = 0o644):
    """Create ``path`` holding ``image`` (version byte still 0x00) and map it shared.

    Returns (mmap, (st_dev, st_ino)). The caller stores the version byte last.
    """
    path = os.fspath(path)
    for attempt in range(2):
        try:
            fd = os.open(path, _CREATE_FLAGS, mode)
            break
        except FileExistsError:
            reason = stale_reason(path)
            if reason is not None or attempt:
                raise CreateError(path, errno.EEXIST, f"the file already exists and {reason or 'keeps reappearing'};"
                                  " mmstats never reuses an existing file") from None
        except OSError as e:
            raise _explain(path, e, "") from None
    try:
        st = os.fstat(fd)
        ident = (st.st_dev, st.st_ino)
        try:
            _write_all(fd, image)
            mm = mmap.mmap(fd, len(image), mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        except OSError as e:
            try:
                unlink_if_same(path, ident)
            except OSError:
                pass
            raise _explain(path, e, f"while writing {len(image)} bytes") from None
    finally:
        os.close(fd)
    return mm, ident
