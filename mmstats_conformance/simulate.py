"""What a writer's updates leave in a record, simulated from the rules alone.

The rules are spec/v1.md's "Storing values" (which are mmstats 0.8's): integers
wrap modulo 2**bits; "?" stores 1 for truthy, else 0; f rounds to binary32 and
overflows to +-inf; strings are UTF-8 cut on a character boundary (Bits: cut
blindly), followed by one NUL when shorter, the rest of the area keeping its
old bytes; a buffered update stores value[wb] and then flips wb.

Used for the 0.8 interop descriptions and for the writer scenarios' expected
results, so neither depends on a writer or a reader under test.
"""
from __future__ import annotations

import math
import struct

from mmstats_format.schema import BUFFER_COUNT, UNBUFFERED
from mmstats_format.v1.types import lookup

from .model import AUTO, Bits, Rec

__all__ = ["Slot", "history", "wrap", "to_f32"]


def wrap(spec, v: int) -> int:
    """``v`` modulo 2**bits, as the type's signed or unsigned range."""
    lo, hi = spec.bounds
    span = hi - lo + 1
    return (v - lo) % span + lo


def to_f32(v: float) -> float:
    """``v`` rounded to binary32 (to nearest), overflowing to a signed infinity."""
    try:
        return struct.unpack("<f", struct.pack("<f", v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)


class Slot:
    """One record of a fresh file (every value zero, write buffer 0) receiving updates."""

    def __init__(self, label: str, type: str, buffered: bool):
        self.label, self.type, self.spec = label, type, lookup(type)
        if self.spec is None:
            raise ValueError(f"unknown type {type!r}")
        self.buffered = buffered
        self.wb = 0 if buffered else UNBUFFERED
        n = BUFFER_COUNT if buffered else 1
        if self.spec.kind == "string":
            self.values = [bytes(self.spec.size)] * n
        else:
            self.values = [0.0 if self.spec.kind == "float" else 0] * n
        self.texts = [""] * n  # what a reader shows for each buffer of a string record

    def set(self, v) -> None:
        i = self.wb if self.buffered else 0
        self.values[i], self.texts[i] = self._encode(v, self.values[i])
        if self.buffered:
            self.wb ^= 1

    def _encode(self, v, old):
        kind = self.spec.kind
        if kind == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                raise TypeError(f"{self.label}: integer expected, got {v!r}")
            return wrap(self.spec, v), None
        if kind == "bool":
            return (1 if v else 0), None
        if kind == "float":
            if isinstance(v, Bits):
                return v, None
            x = float(v)
            return (to_f32(x) if self.spec.code == "f" else x), None
        n = self.spec.size
        if isinstance(v, Bits):  # raw bytes: cut blindly; the text a reader shows is stated
            raw, text = v.raw[:n], v.expect
        else:
            raw = v.encode("utf-8")[:n]
            text = raw.decode("utf-8", "ignore")  # drops only a cut trailing character
            raw = text.encode("utf-8")
        if len(raw) < n:
            raw = raw + b"\0" + old[len(raw) + 1:]
        return raw, text

    def read_index(self) -> int:
        return self.wb ^ 1 if self.buffered else 0

    def rec(self) -> Rec:
        expect = self.texts[self.read_index()] if self.spec.kind == "string" else AUTO
        return Rec(self.label, self.type, self.wb, tuple(self.values), expect)


def history(label: str, type: str, *updates, buffered: bool = True) -> Rec:
    """The record after ``updates`` were set one by one on a fresh field."""
    s = Slot(label, type, buffered)
    for v in updates:
        s.set(v)
    return s.rec()
