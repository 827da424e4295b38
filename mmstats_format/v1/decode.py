"""Turn the stored bytes of one value into a Python value."""
from __future__ import annotations

import struct
from functools import lru_cache
from typing import TYPE_CHECKING

from . import offsets as o

if TYPE_CHECKING:
    from .types import TypeSpec

__all__ = ["value_struct", "from_stored", "decode_string", "field_value"]


@lru_cache(maxsize=None)
def value_struct(struct_char: str) -> struct.Struct:
    return struct.Struct("<" + struct_char)


def decode_string(raw: bytes) -> str:
    """Text before the first NUL; ill-formed UTF-8 becomes U+FFFD per maximal subpart."""
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def from_stored(spec: TypeSpec, raw):
    """The Python value of what struct unpacked for one value."""
    if spec.kind == "bool":
        return raw != 0
    if spec.kind == "string":
        return decode_string(raw)
    return raw


def field_value(data, field) -> object:
    """The value a reader returns for ``field`` (a scan.FieldLayout) in ``data``."""
    spec = field.spec
    off = field.value_offset
    if field.buffered:
        off = o.buffer_offset(off, spec.size, o.read_index(data[field.write_buffer_offset]))
    return from_stored(spec, value_struct(spec.struct_char).unpack_from(data, off)[0])
