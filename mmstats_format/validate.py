"""Check a file against its version's spec and report every problem found."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import FormatError
from ._fileio import DEFAULT_MAX_SIZE, read_bytes
from .scan import scan

__all__ = ["Report", "validate", "validate_bytes"]


@dataclass
class Report:
    path: str
    errors: list[FormatError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"path": self.path, "valid": self.valid, "errors": [e.as_dict() for e in self.errors]}


def validate_bytes(data, path: str = "<bytes>") -> Report:
    _, errors = scan(data)
    return Report(path, [e.with_path(path) for e in errors])


def validate(path, *, max_size: int = DEFAULT_MAX_SIZE) -> Report:
    """Report for the file at ``path``. OSError when it cannot be read at all.

    The file is opened read-only and read, never mapped.
    """
    p = os.fspath(path)
    try:
        data = read_bytes(p, max_size)
    except FormatError as e:
        return Report(p, [e])
    return validate_bytes(data, p)
