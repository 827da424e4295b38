"""How many stats files a long-running reader may hold open, and which to close when over.

A tool that keeps one descriptor per file (mmash, pollstats, StatsDirectory)
must not run out of descriptors with more files than RLIMIT_NOFILE: it holds
at most a share of the soft limit, closes the least recently read file when a
new one would pass it, and opens that file again when it is next read.
"""
from __future__ import annotations

from collections import OrderedDict

__all__ = ["descriptor_budget", "OpenFiles"]

UNLIMITED = 65536   # the budget under an infinite limit
RESERVE = 16        # descriptors kept for everything else (sockets, stdio, imports)


def descriptor_budget(share: float = 0.5) -> int:
    """Files to keep open: ``share`` of the soft descriptor limit, less a reserve; at least 1."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 256
    if soft == resource.RLIM_INFINITY:
        return UNLIMITED
    return max(min(int(soft * share), soft - RESERVE), 1)


class OpenFiles:
    """Readers (anything with close()) held open, least recently used first; at most ``limit``."""

    def __init__(self, limit: int | None = None):
        self.limit = descriptor_budget() if limit is None else max(int(limit), 1)
        self._open: OrderedDict = OrderedDict()

    def used(self, key, reader) -> None:
        """``reader`` (under ``key``) holds a descriptor now: close the oldest others past the limit."""
        self._open[key] = reader
        self._open.move_to_end(key)
        while len(self._open) > self.limit:
            _, oldest = self._open.popitem(last=False)
            oldest.close()

    def forget(self, key) -> None:
        """``key``'s reader was closed (or dropped) by its owner."""
        self._open.pop(key, None)

    def __len__(self) -> int:
        return len(self._open)
