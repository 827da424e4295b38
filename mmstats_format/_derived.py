"""Format version 1 as plain constants, for the read path: no construct import.

Importing construct costs about two thirds of ``import mmstats_format`` (it
pulls in pdb). The reading modules (scan, decode, layout, read, reread,
directory) need only sizes, offsets and the type table, so they take them
from here. The block between the markers is generated from schema.py,
offsets.py and types.py -- still the single source of truth:

    python -m mmstats_format._derive --check    # exit 1 if the block is stale
    python -m mmstats_format._derive --write    # regenerate it

tests/test_perf_paths.py runs the check and compares every spec and helper
below with the construct-derived originals.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

# --- generated from schema.py, offsets.py and types.py: begin ---
FORMAT_VERSION = 1
PAGE_SIZE = 4096
UNBUFFERED = 255
BUFFER_COUNT = 2
VERSION_OFFSET = 0
FIRST_RECORD_OFFSET = 1
LABEL_SIZE_SIZE = 2
LABEL_SIZE_FORMAT = '<H'
LABEL_OFFSET = 2
TYPE_SIZE_SIZE = 2
TYPE_SIZE_FORMAT = '<H'
WRITE_BUFFER_SIZE = 1
# code: (size, struct_char, kind, meaning, canonical, bounds)
NUMERIC_TYPES = {
    'b': (1, 'b', 'int', 'signed 8-bit integer', 'JSON integer, exact', (-128, 127)),
    'B': (1, 'B', 'int', 'unsigned 8-bit integer', 'JSON integer, exact', (0, 255)),
    'h': (2, 'h', 'int', 'signed 16-bit integer', 'JSON integer, exact', (-32768, 32767)),
    'H': (2, 'H', 'int', 'unsigned 16-bit integer', 'JSON integer, exact', (0, 65535)),
    'i': (4, 'l', 'int', 'signed 32-bit integer', 'JSON integer, exact', (-2147483648, 2147483647)),
    'I': (4, 'L', 'int', 'unsigned 32-bit integer', 'JSON integer, exact', (0, 4294967295)),
    'q': (8, 'q', 'int', 'signed 64-bit integer', 'JSON integer, exact', (-9223372036854775808, 9223372036854775807)),
    'Q': (8, 'Q', 'int', 'unsigned 64-bit integer', 'JSON integer, exact', (0, 18446744073709551615)),
    'f': (4, 'f', 'float', 'IEEE 754 binary32', 'JSON number (widened to binary64), or "NaN", "Infinity", "-Infinity"', None),
    'd': (8, 'd', 'float', 'IEEE 754 binary64', 'JSON number, or "NaN", "Infinity", "-Infinity"', None),
    '?': (1, 'B', 'bool', 'boolean byte: 0 is false, any other value true', 'true or false', None),
}
STRING_PATTERN = '(0|[1-9][0-9]{0,8})s\\Z'
STRING_MEANING = 'N bytes of UTF-8 text; ends at the first NUL, or fills all N bytes'
STRING_CANONICAL = 'JSON string'
# --- generated: end ---

class Spec(NamedTuple):
    """One row of the type table, as types.TypeSpec has it, without its construct element."""

    code: str
    kind: str
    meaning: str
    canonical: str
    size: int
    struct_char: str
    bounds: tuple | None

    @property
    def element(self):
        """The construct element (imports construct: not for hot paths)."""
        from .types import lookup as construct_lookup
        return construct_lookup(self.code).element


_STRING_RE = re.compile(STRING_PATTERN)


@lru_cache(maxsize=4096)
def lookup(code: str) -> Spec | None:
    """The Spec of a stored type signature, or None when the code is unknown (as types.lookup)."""
    row = NUMERIC_TYPES.get(code)
    if row is not None:
        size, struct_char, kind, meaning, canonical, bounds = row
        return Spec(code, kind, meaning, canonical, size, struct_char, bounds)
    m = _STRING_RE.match(code)
    if m is None:
        return None
    n = int(m.group(1))
    return Spec(code, "string", STRING_MEANING, STRING_CANONICAL, n, f"{n}s", None)


def value_area_size(value_size: int, buffered: bool) -> int:
    return value_size * (BUFFER_COUNT if buffered else 1)


def record_size(label_size: int, type_size: int, value_size: int, buffered: bool) -> int:
    """Bytes of a whole record, from its label size to the end of its value area."""
    return (LABEL_OFFSET + label_size + TYPE_SIZE_SIZE + type_size + WRITE_BUFFER_SIZE
            + value_area_size(value_size, buffered))


def buffer_offset(first_value_offset: int, value_size: int, index: int) -> int:
    """Offset of value[index] of a buffered record."""
    return first_value_offset + index * value_size


def read_index(write_buffer: int) -> int:
    """The buffer a reader reads: the one the writer is not about to write."""
    return write_buffer ^ 1
