"""valid/spec/<name>: the annotated hex examples of spec/v1.md as corpus cases.

mmstats_build.spec_examples extracts each
``mmstats-hex NAME`` block and its ``mmstats-json NAME`` block; the bytes are
zero-filled to a page as the spec says. Without that module or spec/v1.md
there are no spec cases, and generation carries on without them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mmstats_format.schema import PAGE_SIZE

from .case import InvalidCase

__all__ = ["SpecCase", "spec_cases"]


@dataclass
class SpecCase:
    """A valid example: bytes, and the canonical JSON the spec states for them."""

    name: str
    data: bytes
    expect: dict
    note: str
    section: str = ""  # anchor of the heading the example sits under

    @property
    def id(self) -> str:
        return f"valid/spec/{self.name}"


def _kebab(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "example"


def _load(spec_path: Path) -> list[tuple[str, bytes, dict, str, str]]:
    """(name, bytes, expected, description, section) of each example; [] when unavailable."""
    try:
        from mmstats_build import spec_examples
    except ImportError:
        return []
    if not spec_path.is_file():
        return []
    if hasattr(spec_examples, "load"):
        return [(e.name, e.data, e.expected, e.description, f"#{e.section}" if e.section else "")
                for e in spec_examples.load(spec_path)]
    return [(name, data, expect, "", "") for name, (data, expect) in spec_examples.examples(spec_path).items()]


def spec_cases(spec_path: Path) -> tuple[list[SpecCase], list[InvalidCase]]:
    valid, invalid = [], []
    for name, data, expect, description, section in sorted(_load(spec_path), key=lambda t: t[0]):
        name, data = _kebab(name), bytes(data)
        note = f"spec/v1.md example {name}" + (f": {description}" if description else "")
        err = expect.get("error") if isinstance(expect, dict) else None
        if isinstance(err, dict) and "code" in err:  # an example of a broken file, should the spec add some
            invalid.append(InvalidCase(err["code"], f"spec-{name}", note, data, int(err["offset"])))
            continue
        data += bytes(-len(data) % PAGE_SIZE)  # the spec: dumped bytes, zero-filled to a page
        valid.append(SpecCase(name, data, dict(expect), note, section))
    return valid, invalid
