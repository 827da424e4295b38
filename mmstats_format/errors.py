"""The error vocabulary of format version 1 and the exception tree.

The codes are part of the specification (spec/v1.md, "Error codes"): every
implementation reports the same code at the same byte offset.
"""
from __future__ import annotations

__all__ = ["CODES", "MmstatsError", "FormatError", "describe", "excerpt"]

# code -> (what is wrong, which byte the offset points at)
CODES: dict[str, tuple[str, str]] = {
    "not_ready": (
        "the file is empty or its version byte is still 0x00: a writer is creating it",
        "0",
    ),
    "bad_version": ("the version byte is not 0x01", "0 (the version byte)"),
    "truncated_record": (
        "the file ends inside a fixed-size record field (label size, type size or write buffer)",
        "the first byte of the field that is cut",
    ),
    "past_eof": (
        "a declared length (label, type or value area) runs past the end of the file",
        "the first byte of the area that does not fit",
    ),
    "bad_label_utf8": ("a label is not well-formed UTF-8", "the first byte of the ill-formed sequence"),
    "unknown_type": (
        "the type signature is not in the type table",
        "the first byte of the type signature",
    ),
    "bad_write_buffer": ("the write-buffer byte is not 0x00, 0x01 or 0xff", "the write-buffer byte"),
    "trailing_garbage": (
        "a non-zero byte follows the terminating zero label size",
        "the first non-zero byte after the terminator",
    ),
    "bad_file_size": (
        "the file size is not a positive multiple of 4096",
        "the file size (one past the last byte)",
    ),
    "file_too_large": (
        "the file is larger than the reader's size limit",
        "the first byte past the limit, where reading stops (so the offset equals the limit)",
    ),
}


class MmstatsError(Exception):
    """Base of every error mmstats raises."""


class FormatError(MmstatsError):
    """A file does not follow the format: ``path: offset N: code: message``, one line."""

    def __init__(self, code: str, offset: int, message: str, path: str | None = None):
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.offset = offset
        self.message = message
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path is not None else ""
        # "path: offset N: code: message" is the cross-language protocol
        return f"{where}offset {self.offset}: {self.code}: {self.message}"

    def with_path(self, path: str) -> "FormatError":
        return FormatError(self.code, self.offset, self.message, path)

    def as_dict(self) -> dict:
        return {"offset": self.offset, "code": self.code, "message": self.message}


def describe(code: str) -> str:
    return CODES[code][0]


EXCERPT = 40  # characters of a quoted label or type at most, quotes and escapes included


def excerpt(text) -> str:
    """``repr(text)`` (str or bytes), cut to EXCERPT characters with "…" when longer: a corrupt
    size can make a label of thousands of bytes, and a message stays one short line."""
    quoted = repr(text)
    if len(quoted) <= EXCERPT:
        return quoted
    n = EXCERPT
    while len(repr(text[:n])) > EXCERPT:
        n -= 1
    return repr(text[:n]) + "…"
