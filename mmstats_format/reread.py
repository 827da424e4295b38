"""Re-read the values of a file whose layout is parsed once: for tools that poll."""
from __future__ import annotations

import os

from .errors import FormatError
from .layout import CompiledLayout
from .read import DEFAULT_MAX_SIZE
from .scan import scan
from .schema import FORMAT_VERSION

__all__ = ["StatsReader"]


class StatsReader:
    """Polls one path. The layout is parsed again only when the file at the
    path is another one (device, inode or size changed); values are read with
    pread into a reused buffer, never through a map, so a writer truncating
    its file cannot crash the reader.
    """

    def __init__(self, path, *, max_size: int = DEFAULT_MAX_SIZE):
        self.path = os.fspath(path)
        self.max_size = max_size
        self._fd = -1
        self._ident = None
        self.layout: CompiledLayout | None = None
        self._buf = bytearray()

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
        n = os.preadv(self._fd, [self._buf], 0)
        if n != len(self._buf):
            self._ident = None  # shrank under us: parse afresh next time
            raise FormatError("past_eof", n, f"file shrank to {n} bytes while being read", self.path)
        if self._buf[0] != FORMAT_VERSION:
            self._ident = None
            raise FormatError("bad_version", 0, f"version byte changed to 0x{self._buf[0]:02x}", self.path)
        try:
            return self.layout.values(self._buf)
        except FormatError as e:
            self._ident = None
            raise e.with_path(self.path) from None

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
        self._fd, self._buf, self.layout = fd, buf, layout
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
