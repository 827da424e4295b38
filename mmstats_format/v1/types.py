"""The type-signature table of format version 1, construct-free (rows from table.py).

String types are ``<N>s``: N bytes of NUL-padded UTF-8. ``TypeSpec.element`` gives
the schema's construct element (imports construct: not for the read path).
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from . import table

__all__ = ["TypeSpec", "NUMERIC_TYPES", "STRING_TYPE", "STRING_MEANING", "lookup", "string_size",
           "is_valid_signature"]

STRING_TYPE = table.STRING_TYPE
STRING_MEANING = table.STRING_MEANING
_STRING_RE = re.compile(table.STRING_PATTERN)


class TypeSpec(NamedTuple):
    """One row of the type-signature table."""

    code: str          # the signature as stored, e.g. "Q" or "16s"
    kind: str          # "int", "float", "bool" or "string"
    meaning: str
    canonical: str     # how the canonical JSON shows it
    size: int          # bytes of one value (one buffer)
    struct_char: str   # little-endian struct code of one value, e.g. "Q" or "16s"
    bounds: tuple | None  # inclusive integer range, None for non-integers

    @property
    def element(self):
        """The schema's construct element for one value (imports construct)."""
        from ..schema import element
        return element(self.code)


NUMERIC_TYPES: dict[str, TypeSpec] = {
    code: TypeSpec(code, kind, meaning, canonical, size, struct_char, bounds)
    for code, (size, struct_char, kind, meaning, canonical, bounds) in table.NUMERIC_TYPES.items()
}


def string_size(code: str) -> int | None:
    """N of a ``<N>s`` signature, or None if ``code`` is not a string type."""
    m = _STRING_RE.match(code)
    return int(m.group(1)) if m else None


@lru_cache(maxsize=4096)
def lookup(code: str) -> TypeSpec | None:
    """The TypeSpec of a stored signature, or None when the code is unknown."""
    spec = NUMERIC_TYPES.get(code)
    if spec is not None:
        return spec
    n = string_size(code)
    if n is None:
        return None
    return TypeSpec(code, "string", STRING_MEANING, table.STRING_CANONICAL, n, f"{n}s", None)


def is_valid_signature(code: str) -> bool:
    return lookup(code) is not None
