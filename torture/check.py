"""The self-check of torture-writer's values (see writer.c): is this value one the writer stored?

Every value is the encoding of one step k, built so that bytes of two
different steps do not fit together. A value of all zero bytes is the file's
initial value (k = 0) and fits too.
"""
from __future__ import annotations

import struct

__all__ = ["fits"]


def _fits_q(v):
    return v >> 32 == v & 0xFFFFFFFF


def _fits_i(v):
    return v >> 16 == v & 0xFFFF


def _fits_h(v):
    return v >> 8 == v & 0xFF


def _fits_d(v):
    (b,) = struct.unpack("<Q", struct.pack("<d", v))
    return b == 0 or (b >> 52 == 0x3FF and (b >> 32) & 0xFFFFF == b & 0xFFFFF and (b >> 20) & 0xFFF == 0)


def _fits_f(v):
    (b,) = struct.unpack("<I", struct.pack("<f", v))  # exact: the value came from a binary32
    return b == 0 or (b >> 23 == 0x7F and (b >> 12) & 0x7FF == b & 0x7FF and (b >> 11) & 1 == 0)


def _fits_s(v):
    return v == "" or (len(v) == 16 and v[:8] == v[8:] and all(c in "0123456789abcdef" for c in v))


CHECKS = {"Q": _fits_q, "I": _fits_i, "H": _fits_h, "d": _fits_d, "f": _fits_f, "16s": _fits_s}


def fits(type_code: str, value) -> bool:
    return CHECKS[type_code](value)
