"""Layouts of whole files, found again by file identity or by content: files of one program
are scanned once, whichever reader (read(), StatsReader, StatsDirectory) meets them first."""
from __future__ import annotations

import os
import threading

from .scan import VERSIONS, scan

__all__ = ["LayoutCache", "LAYOUTS"]


class LayoutCache:
    """Compiled layouts of whole files, found again by file identity or by content.

    ``lookup`` tries the layout last seen for the file's identity (device,
    inode, size), then the few layouts most recently learnt for that size
    (many processes of one program share a layout); every candidate is checked
    against the bytes themselves (checked_values), so a stale or wrong guess
    costs one unpack, never a wrong answer. Bounded; thread-safe.
    """

    def __init__(self, max_files: int = 16384, per_size: int = 8, max_file_size: int = 1 << 19):
        self.max_files = max_files
        self.per_size = per_size
        self.max_file_size = max_file_size  # bigger files' layouts are not kept: they cost ~50 bytes a byte
        self._by_file: dict = {}
        self._by_size: dict[int, tuple] = {}
        # file size -> the compiled plans of _by_size's layouts that do a whole read in one call
        # (read(): open_copies); only replaced, never changed in place
        self.plans: dict[int, tuple] = {}
        self._lock = threading.Lock()

    def lookup(self, data, ident=None, fields: bool = False):
        """(layout, values) of ``data`` from a known layout, or None. ``fields``: the reader's
        records (layout.checked_fields) instead of the values."""
        known = self._by_file.get(ident) if ident is not None else None
        if known is not None:
            got = (known.checked_fields if fields else known.checked_values)(data)
            if got is not None:
                return known, got
        for layout in self._by_size.get(len(data), ()):
            if layout is known:
                continue
            got = (layout.checked_fields if fields else layout.checked_values)(data)
            if got is not None:
                if ident is not None:
                    self._remember(ident, layout)
                return layout, got
        return None

    def sized(self, size: int) -> tuple:
        """The layouts learnt for files of ``size`` bytes, most recent first."""
        return self._by_size.get(size, ())

    def find(self, data, path=None, ident=None, fields: bool = False):
        """(layout, values) of ``data`` (``fields``: (layout, records)): a known layout, else scan
        it and learn its layout. Raises the first problem scan finds (FormatError naming ``path``)."""
        hit = self.lookup(data, ident, fields)
        if hit is None:
            found, errors = scan(data)
            if errors:
                raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
            layout = self.learn(data, found, ident)
            hit = layout, (layout.checked_fields if fields else layout.checked_values)(data)
        return hit

    def learn(self, data, fields, ident=None):
        """The layout of ``data``, whose scan found ``fields`` and no problem."""
        layout = VERSIONS[data[0]].compile_layout(fields, data)
        if len(data) > self.max_file_size:
            return layout
        with self._lock:
            same = self._by_size.get(len(data), ())
            for old in same:  # one compiled layout per skeleton
                if old.skeleton == layout.skeleton:
                    layout = old
                    break
            else:
                kept = self._by_size[len(data)] = (layout, *same)[:self.per_size]
                self.plans[len(data)] = tuple(p for p in (k.reread_plan for k in kept) if p is not None)
                if len(self._by_size) > self.max_files:
                    oldest = next(iter(self._by_size))
                    del self._by_size[oldest]
                    self.plans.pop(oldest, None)
        if ident is not None:
            self._remember(ident, layout)
        return layout

    def _remember(self, ident, layout):
        with self._lock:
            self._by_file[ident] = layout
            if len(self._by_file) > self.max_files:
                self._by_file.pop(next(iter(self._by_file)))

    def clear(self):
        with self._lock:
            self._by_file.clear()
            self._by_size.clear()
            self.plans.clear()

    def __len__(self):
        return len(self._by_file)


# Layouts of files read so far, shared by every reader in this process.
LAYOUTS = LayoutCache()
