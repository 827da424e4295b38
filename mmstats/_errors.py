"""Errors the writer raises; all derive from mmstats_format.MmstatsError."""
from __future__ import annotations

from mmstats_format.errors import MmstatsError

__all__ = ["MmstatsError", "WriterError", "CreateError"]


class WriterError(MmstatsError):
    """The writer could not do what was asked."""


class CreateError(WriterError, OSError):
    """A stats file could not be created: names the path and the cause.

    Also an OSError (``errno`` and ``filename`` are set), so code that handles
    file-system errors generically keeps working.
    """

    def __init__(self, path: str, errno_: int | None, reason: str):
        OSError.__init__(self, errno_, reason, path)
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot create mmstats file {self.path}: {self.reason}"

    def __reduce__(self):
        return (type(self), (self.path, self.errno, self.reason))
