"""Re-read the values of a file whose layout is parsed once: for tools that poll."""
from __future__ import annotations

import os

from .errors import FormatError
from .layout import CompiledLayout
from .read import DEFAULT_MAX_SIZE
from .scan import scan
from .schema import FORMAT_VERSION

__all__ = ["StatsReader", "RETRIES"]

RETRIES = 3  # copies after the first before a flipping value is taken as it is


class StatsReader:
    """Polls one path. The layout is parsed again only when the file at the
    path is another one (device, inode or size changed); values are read with
    pread into a reused buffer, never through a map, so a writer truncating
    its file cannot crash the reader.
    """

    def __init__(self, path, *, max_size: int = DEFAULT_MAX_SIZE, recheck: bool = True):
        self.path = os.fspath(path)
        self.max_size = max_size
        self.recheck = recheck
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
        st = os.stat(self.path)
        ident = (st.st_dev, st.st_ino, st.st_size)
        if ident != self._ident:
            self._load(ident)
        layout = self.layout
        try:
            values = layout.values(self._copy(self._buf))
            if self.recheck and layout.write_buffers is not None:
                values = self._recheck(values)
            return values
        except FormatError as e:
            self._ident = None  # parse afresh next time
            raise e.with_path(self.path) from None

    def _copy(self, buf):
        n = os.preadv(self._fd, [buf], 0)
        if n != len(buf):
            raise FormatError("past_eof", n, f"file shrank to {n} bytes while being read")
        if buf[0] != FORMAT_VERSION:
            raise FormatError("bad_version", 0, f"version byte changed to 0x{buf[0]:02x}")
        return buf

    def _recheck(self, values):
        """The spec's reader rule: a value is kept only if its write buffer did not
        flip while it was copied; otherwise take a newer copy, a few times at most."""
        wb_of = self.layout.write_buffers
        seen = wb_of(self._buf)
        for _ in range(RETRIES):
            newer = self._copy(self._spare)
            now = wb_of(newer)
            if now == seen:
                return values
            self._buf, self._spare = newer, self._buf
            values, seen = self.layout.values(newer), now
        return values  # still flipping: a sample that may be torn (spec: what v1 cannot guarantee)

    def _load(self, ident):
        self.close()
        size = ident[2]
        if size > self.max_size:
            raise FormatError("file_too_large", self.max_size, f"file is {size} bytes, over the limit", self.path)
        fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            buf = bytearray(st.st_size)
            n = os.preadv(fd, [buf], 0)
            del buf[n:]
            fields, errors = scan(buf)
            if errors:
                raise errors[0].with_path(self.path)
            layout = CompiledLayout(fields)
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._buf, self._spare, self.layout = fd, buf, bytearray(len(buf)), layout
        self._ident = (st.st_dev, st.st_ino, len(buf))

    def close(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self._ident = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
