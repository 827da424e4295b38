"""The three kinds of corpus entry, and the spec section each topic points at."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Rec

__all__ = ["ValidCase", "InvalidCase", "Scenario", "ANCHORS", "anchor"]

# Section anchors of spec/v1.md (GitHub-style, from the headings). One table, so a
# renamed heading is one edit here; a test checks every anchor against the spec.
ANCHORS = {
    "integers": "#61-integers",
    "booleans": "#63-booleans",
    "floats": "#62-floating-point",
    "strings": "#64-strings-ns",
    "buffering": "#55-write_buffer-and-the-value-area",
    "labels": "#53-label",
    "files": "#42-the-record-list-and-its-end",
    "defaults": "#11-default-fields",
    "interop-0.8": "#16-compatibility-with-mmstats-08",
    "golden": "#16-compatibility-with-mmstats-08",
    "spec": "#15-examples",
    "writer": "#7-writer-protocol",
    # invalid/<code>
    "not_ready": "#41-version-byte",
    "bad_version": "#41-version-byte",
    "truncated_record": "#132-finding-problems",
    "past_eof": "#132-finding-problems",
    "bad_label_utf8": "#53-label",
    "unknown_type": "#54-type_size-and-type",
    "bad_write_buffer": "#55-write_buffer-and-the-value-area",
    "trailing_garbage": "#43-zero-fill-and-file-size",
    "bad_file_size": "#43-zero-fill-and-file-size",
    "file_too_large": "#135-size-limit",
}


def anchor(topic: str) -> str:
    return ANCHORS[topic]


@dataclass
class ValidCase:
    """valid/<topic>/<name>.mmstats from records; the JSON is derived from the same records."""

    topic: str
    name: str
    description: str
    recs: list[Rec]
    level: str = "required"
    golden: str | None = None  # interop-0.8: the real 0.8 file these bytes must equal
    tail: bytes = b""          # bytes after the records before the zero fill (e.g. an explicit terminator)

    @property
    def id(self) -> str:
        return f"valid/{self.topic}/{self.name}"


@dataclass
class InvalidCase:
    """invalid/<code>/<name>.mmstats: one defect, the code and offset of the lowest-offset problem."""

    code: str
    name: str
    description: str
    data: bytes
    offset: int
    level: str = "required"
    options: dict = field(default_factory=dict)  # reader options the case needs (e.g. max_size)

    @property
    def id(self) -> str:
        return f"invalid/{self.code}/{self.name}"


@dataclass
class Scenario:
    """writer-scenarios/<name>.json: fields, updates, and the result computed by simulate.Slot."""

    name: str
    description: str
    fields: list[tuple[str, str, bool]]
    updates: list[tuple[str, object]]
    level: str = "required"
    image: bool = True  # False when the bytes are implementation-defined (NaN bit patterns)

    @property
    def id(self) -> str:
        return f"writer-scenarios/{self.name}"
