"""A file's layout compiled once, so values can be re-read cheaply many times.

All values come out of one precompiled struct.unpack_from over the file's
bytes, and one generated function picks each field's read buffer and turns
raw values into Python values (the way namedtuple generates its code): no
construct and no per-field interpretation on the hot path.
"""
from __future__ import annotations

import struct
from operator import itemgetter

from . import offsets as o
from .decode import decode_string
from .errors import FormatError
from .scan import FieldLayout

__all__ = ["CompiledLayout"]


class CompiledLayout:
    def __init__(self, fields: list[FieldLayout]):
        self.fields = list(fields)
        fmt, exprs, wb_slots = ["<"], [], []
        pos = slot = 0
        for f in self.fields:
            start = f.write_buffer_offset if f.buffered else f.value_offset
            if start < pos:
                raise ValueError("fields overlap or are out of order")
            if start > pos:
                fmt.append(f"{start - pos}x")
            ch = f.spec.struct_char
            if f.buffered:
                fmt.append("B" + ch * 2 if len(ch) == 1 else "B" + ch + ch)
                wb_slots.append(slot)
                # value[wb ^ 1] sits at slot + 1 + (wb ^ 1) == slot + 2 - wb for wb in {0, 1}
                raw = f"t[{slot + 2}-t[{slot}]]"
                slot += 1 + 2
            else:
                fmt.append(ch)
                raw = f"t[{slot}]"
                slot += 1
            exprs.append({"bool": f"({raw} != 0)", "string": f"_s({raw})"}.get(f.spec.kind, raw))
            pos = f.end
        self.size = pos
        self._struct = struct.Struct("".join(fmt))
        src = "def values(t):\n    return [" + ", ".join(exprs) + "]\n"
        ns = {"_s": decode_string}
        exec(compile(src, "<mmstats layout>", "exec"), ns)  # noqa: S102 - generated from offsets only
        self._values = ns["values"]
        self._wb_slots = wb_slots
        self._wb = itemgetter(*wb_slots, *wb_slots[:1]) if wb_slots else None
        wb_offsets = [f.write_buffer_offset for f in self.fields if f.buffered]
        # The write-buffer bytes straight from a buffer: what the reader's re-check compares.
        self.write_buffers = itemgetter(*wb_offsets, *wb_offsets[:1]) if wb_offsets else None
        assert self._struct.size == self.size

    def values(self, buf) -> list:
        """Values of every field in ``buf`` (the file's bytes), in file order."""
        t = self._struct.unpack_from(buf)
        if self._wb is not None and max(self._wb(t)) > 1:
            self._bad_write_buffer(t)
        return self._values(t)

    def _bad_write_buffer(self, t):
        buffered = [f for f in self.fields if f.buffered]
        for f, s in zip(buffered, self._wb_slots):
            if t[s] > 1:
                raise FormatError("bad_write_buffer", f.write_buffer_offset,
                                  f"write buffer of {f.label!r} changed to 0x{t[s]:02x} after the layout was read")

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields]


# Keep the offsets module the one source of record geometry for this file too.
assert o.read_index(0) == 1 and o.read_index(1) == 0
