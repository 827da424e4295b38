"""The self-check of torture-writer-v2's values (writer_v2.c, torture/README.md "Version 2").

A field is checked by its kind and value type, never by its name, so a
hand-made file with any names is checked the same way:

  counter u64         the sum of n additions of K = 2^32 + 1: the halves differ by the
                      wraps of the low half (fewer than MAX_WRAPS), and the total it gives,
                      wraps << 32 | low, never goes below the last one this reader saw
  updown_counter i64  a multiple of K, at most MAX_UPDOWN times K either way
  gauge u64           (k32 << 32) | k32: the two halves equal
  gauge f64           bits 0x3ff00000_00000000 | k20 << 32 | k20 (version 1's d trick)
  string              "" or (decimal k + "/") repeated 1 + k % 7 times (k a u64)
  histogram           bounds (1, 2, 4); observations are only 0.5, 2 and 3: the +Inf
                      bucket is 0, sum == 0.5 b0 + 2 b1 + 3 b2 exactly, and the count
                      never goes below the last one this reader saw

Every value the writer stores fits, and so does every sum of copies; a value
made of bytes of two different moments does not. Readers in Go, Rust, Java, C
and TypeScript implement the same rules (torture/*/).
"""
from __future__ import annotations

import struct

__all__ = ["K", "MAX_WRAPS", "MAX_UPDOWN", "BOUNDS", "Checker", "fits_string"]

K = (1 << 32) + 1
M32 = 0xFFFFFFFF
MAX_WRAPS = 1024
MAX_UPDOWN = 64
BOUNDS = (1.0, 2.0, 4.0)
KINDS = ("counter", "updown_counter", "gauge", "string", "histogram")


def fits_string(text: str) -> bool:
    if text == "":
        return True
    digits = text.split("/", 1)[0]
    if not digits or len(digits) > 20 or not digits.isascii() or not digits.isdigit() or int(digits) >> 64:
        return False  # a u64 in decimal, as the writer writes it
    return text == (digits + "/") * (1 + int(digits) % 7)


def _fits_f64(v: float) -> bool:
    (b,) = struct.unpack("<Q", struct.pack("<d", v))
    return b == 0 or (b >> 52 == 0x3FF and (b >> 32) & 0xFFFFF == b & 0xFFFFF and (b >> 20) & 0xFFF == 0)


class Checker:
    """One reader's checks: it remembers the last counter total and histogram count per field."""

    def __init__(self):
        self.last: dict[str, int] = {}
        self.checked = {k: 0 for k in KINDS}
        self.torn = 0
        self.nulls = 0
        self.torn_fields: dict[str, int] = {}
        self.example = None

    def check(self, label: str, kind: str, type_: str, value) -> None:
        """value: a number, a text, None (no consistent copy) or a histogram as
        (sum, [non-cumulative bucket counts])."""
        if kind not in self.checked:
            return
        if value is None:
            self.nulls += 1
            return
        self.checked[kind] += 1
        if not self._fits(label, kind, type_, value):
            self.torn += 1
            self.torn_fields[label] = self.torn_fields.get(label, 0) + 1
            if self.example is None:
                self.example = f"{label}: {value!r}"

    def _monotone(self, label: str, n: int) -> bool:
        ok = n >= self.last.get(label, 0)
        self.last[label] = n
        return ok

    def _fits(self, label, kind, type_, v) -> bool:
        if kind == "counter" and type_ == "u64":
            wraps = ((v >> 32) - (v & M32)) & M32
            return wraps < MAX_WRAPS and self._monotone(label, wraps << 32 | v & M32)
        if kind == "updown_counter" and type_ == "i64":
            return v % K == 0 and abs(v // K) <= MAX_UPDOWN
        if kind == "gauge" and type_ == "u64":
            return v >> 32 == v & M32
        if kind == "gauge" and type_ == "f64":
            return _fits_f64(v)
        if kind == "string":
            return fits_string(v)
        if kind == "histogram":
            total, b = v
            if len(b) != len(BOUNDS) + 1 or b[3] != 0 or total != 0.5 * b[0] + 2.0 * b[1] + 3.0 * b[2]:
                return False
            return self._monotone(label, sum(b))
        return False  # a kind the writer does not write with this type

    def result(self, reader: str, reads: int, errors: dict, seconds: float) -> dict:
        return {"reader": reader, "reads": reads, "values": sum(self.checked.values()), "checked": self.checked,
                "torn": self.torn, "nulls": self.nulls, "errors": errors, "example": self.example,
                "torn_fields": self.torn_fields, "seconds": seconds}
