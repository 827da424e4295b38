"""The three kinds of corpus entry, and the spec section each topic points at."""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Rec

__all__ = ["ValidCase", "InvalidCase", "Scenario", "ANCHORS", "anchor"]

# Section anchors of spec/v1.md (GitHub-style, from the headings). One table, so a
# renamed heading is one edit here; a test checks every anchor against the spec.
ANCHORS = {
    "integers": "#integers",
    "booleans": "#booleans",
    "floats": "#floating-point-values",
    "strings": "#strings",
    "buffering": "#write-buffer-and-value-area",
    "labels": "#labels",
    "files": "#end-of-the-record-list",
    "defaults": "#default-fields",
    "interop-0.8": "#compatibility-with-mmstats-08",
    "golden": "#compatibility-with-mmstats-08",
    "spec": "#examples",
    "writer": "#writer-protocol",
    # invalid/<code>
    "not_ready": "#version-byte",
    "bad_version": "#version-byte",
    "truncated_record": "#finding-problems",
    "past_eof": "#finding-problems",
    "bad_label_utf8": "#labels",
    "unknown_type": "#unknown-type-signatures",
    "bad_write_buffer": "#write-buffer-and-value-area",
    "trailing_garbage": "#zero-fill-and-file-size",
    "bad_file_size": "#zero-fill-and-file-size",
    "file_too_large": "#size-limit",
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
