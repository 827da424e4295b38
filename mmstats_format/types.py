"""The type-signature table of format version 1.

Each numeric code maps to the construct element that stores one value of it;
the struct format character used by the fast paths is read off that element
(``.fmtstr``), so the table below is the only place a code is spelled out.
String types are ``<N>s``: N bytes of NUL-padded UTF-8.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import construct as c

__all__ = ["TypeSpec", "NUMERIC_TYPES", "STRING_TYPE", "lookup", "string_size", "is_valid_signature"]


@dataclass(frozen=True)
class TypeSpec:
    """One row of the type-signature table."""

    code: str          # the signature as stored, e.g. "Q" or "16s"
    element: c.Construct  # construct for one value
    kind: str          # "int", "float", "bool" or "string"
    meaning: str
    canonical: str     # how the canonical JSON shows it

    # Read off the element once: construct's sizeof() is far too slow for per-field use.
    size: int = field(init=False)         # bytes of one value (one buffer)
    struct_char: str = field(init=False)  # little-endian struct code of one value, e.g. "Q" or "16s"

    def __post_init__(self):
        size = self.element.sizeof()
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "struct_char",
                           f"{size}s" if self.kind == "string" else self.element.fmtstr.lstrip("<"))

    @property
    def bounds(self) -> tuple[int, int] | None:
        """Inclusive integer range, or None for non-integers."""
        if self.kind != "int":
            return None
        bits = self.size * 8
        if self.element.fmtstr[-1].islower():
            return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return 0, (1 << bits) - 1


_INT = "JSON integer, exact"
NUMERIC_TYPES: dict[str, TypeSpec] = {
    t.code: t
    for t in (
        TypeSpec("b", c.Int8sl, "int", "signed 8-bit integer", _INT),
        TypeSpec("B", c.Int8ul, "int", "unsigned 8-bit integer", _INT),
        TypeSpec("h", c.Int16sl, "int", "signed 16-bit integer", _INT),
        TypeSpec("H", c.Int16ul, "int", "unsigned 16-bit integer", _INT),
        TypeSpec("i", c.Int32sl, "int", "signed 32-bit integer", _INT),
        TypeSpec("I", c.Int32ul, "int", "unsigned 32-bit integer", _INT),
        TypeSpec("q", c.Int64sl, "int", "signed 64-bit integer", _INT),
        TypeSpec("Q", c.Int64ul, "int", "unsigned 64-bit integer", _INT),
        TypeSpec("f", c.Float32l, "float", "IEEE 754 binary32", "JSON number (widened to binary64), or \"NaN\", \"Infinity\", \"-Infinity\""),
        TypeSpec("d", c.Float64l, "float", "IEEE 754 binary64", "JSON number, or \"NaN\", \"Infinity\", \"-Infinity\""),
        TypeSpec("?", c.Int8ul, "bool", "boolean byte: 0 is false, any other value true", "true or false"),
    )
}

STRING_TYPE = "<N>s"
STRING_MEANING = "N bytes of UTF-8 text; ends at the first NUL, or fills all N bytes"
# Decimal N without sign or leading zeros ("0s" is allowed).
_STRING_RE = re.compile(r"(0|[1-9][0-9]{0,8})s\Z")


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
    return TypeSpec(code, c.Bytes(n), "string", STRING_MEANING, "JSON string")


def is_valid_signature(code: str) -> bool:
    return lookup(code) is not None
