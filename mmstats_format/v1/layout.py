"""A file's layout compiled once, so values can be re-read cheaply many times.

All values come out of one precompiled struct.unpack_from over the file's
bytes, and one generated function picks each field's read buffer and turns
raw values into Python values (the way namedtuple generates its code): no
construct and no per-field interpretation on the hot path. Huge layouts get
a loop over arrays instead, so a file costs memory in proportion to its size.

A layout compiled from a whole file (``CompiledLayout(fields, data)``) also
knows every byte of that file that is not a value -- version byte, record
headers, the 0xff of unbuffered records, terminator and zero fill: its
skeleton. ``checked_values`` takes the values of any buffer of the same size
whose skeleton is the same, with one unpack. scan() reads nothing but those
bytes and the buffered write-buffer bytes, so a match means scan() would find
exactly this layout and no problem; anything else returns None and the caller
scans. cache.LayoutCache keeps such layouts so one-shot reads of many files skip
scanning (tests/test_perf_paths.py checks all of this against the slow path).

With the C extension built (accel.ReadPlan), ``checked_values`` and ``checked_fields``
are one call of a ReadPlan made from the same offsets (read_plan below): the
skeleton compared with memcmp, no Python object but the values (or Field tuples)
themselves (tests/test_compiled_decode.py holds it to this module's own path).
"""
from __future__ import annotations

import io
import struct
from array import array
from operator import itemgetter

from itertools import repeat

from ..accel import ReadPlan
from .decode import decode_string
from ..errors import FormatError, excerpt
from . import offsets as o
from .records import Field, FieldLayout

__all__ = ["CompiledLayout"]

# Slot of value[wb ^ 1] counted from a buffered record's write-buffer slot, for wb 0 and 1.
# Any other write-buffer byte indexes past this tuple: IndexError, turned into bad_write_buffer.
_PICK = (2, 1)
_new = tuple.__new__  # Field(...) without the Python-level __new__: a third of the cost per field
assert all(_PICK[wb] == 1 + o.read_index(wb) for wb in (0, 1))


# Layouts with more fields than this get a loop instead of generated code: compiling code for
# a huge layout costs hundreds of bytes per field (a 16 MiB file of small records took 8.5 GB).
_MAX_GENERATED = 512


def _generate(fields, size):
    """(struct, values function, write-buffer slots, skeleton slots).

    size None: value bytes only (pad bytes skipped). size N: the whole file of
    N bytes, every stretch between values unpacked as one bytes object.
    """
    fmt = io.StringIO()
    fmt.write("<")
    slots = array("q")      # per field: the slot of its value, or of its write buffer when buffered
    wb_slots = array("q")
    skeleton = array("q")
    buffered, bools, strings = array("q"), array("q"), array("q")  # field indexes
    pos = slot = 0
    for i, f in enumerate(fields):
        start = f.write_buffer_offset if f.buffered else f.value_offset
        if start < pos:
            raise ValueError("fields overlap or are out of order")
        if size is not None:
            fmt.write(f"{start - pos}s")
            skeleton.append(slot)
            slot += 1
        elif start > pos:
            fmt.write(f"{start - pos}x")
        ch = f.spec.struct_char
        slots.append(slot)
        if f.buffered:
            fmt.write("B" + ch + ch)
            wb_slots.append(slot)
            buffered.append(i)
            slot += 3
        else:
            fmt.write(ch)
            slot += 1
        kind = f.spec.kind
        if kind == "bool":
            bools.append(i)
        elif kind == "string":
            strings.append(i)
        pos = f.end
    if size is not None:
        if size < pos:
            raise ValueError("fields end past the file")
        fmt.write(f"{size - pos}s")
        skeleton.append(slot)
    make = _compiled if len(slots) <= _MAX_GENERATED else _looped
    return struct.Struct(fmt.getvalue()), make(slots, buffered, bools, strings), wb_slots, skeleton


def _compiled(slots, buffered, bools, strings):
    """One generated function (the way namedtuple generates its code): the fastest for small layouts."""
    exprs = [f"t[{s}]" for s in slots]
    for i in buffered:
        exprs[i] = f"t[{slots[i]}+_P[t[{slots[i]}]]]"
    for i in bools:
        exprs[i] = f"({exprs[i]} != 0)"
    for i in strings:
        exprs[i] = f"_s({exprs[i]})"
    src = "def values(t):\n    return [" + ", ".join(exprs) + "]\n"
    ns = {"_s": decode_string, "_P": _PICK}
    exec(compile(src, "<mmstats layout>", "exec"), ns)  # noqa: S102 - generated from offsets only
    return ns["values"]


def _looped(slots, buffered, bools, strings):
    """The same function as a loop over arrays: a few bytes per field, whatever the layout's size."""
    def values(t):
        out = list(map(t.__getitem__, slots))
        for i in buffered:
            s = slots[i]
            out[i] = t[s + _PICK[t[s]]]
        for i in bools:
            out[i] = out[i] != 0
        for i in strings:
            out[i] = decode_string(out[i])
        return out
    return values


def _op(f: FieldLayout):
    """The ReadPlan op of one field: how its value is stored."""
    spec = f.spec
    if spec.kind == "int":
        code = "int" if spec.struct_char.islower() else "uint"
    else:
        code = {"float": "float", "bool": "bool", "string": "text1"}[spec.kind]
    width = spec.size if spec.kind != "string" else 1
    start = f.write_buffer_offset if f.buffered else f.value_offset
    return (code, width, int(f.buffered), start, spec.size, 0, 0, None, (f.label, f.type, f.buffered), ())


def read_plan(plan_type, fields, data):
    """A ReadPlan of the whole file ``data`` whose fields are ``fields``: every byte outside the
    write buffers and values is skeleton, compared with the same bytes of ``data``."""
    same, pos = [], 0
    for f in fields:
        start = f.write_buffer_offset if f.buffered else f.value_offset
        if start > pos:
            same.append((pos, start - pos))
        pos = f.end
    if len(data) > pos:
        same.append((pos, len(data) - pos))
    return plan_type(bytes(data), tuple(same), (), tuple(map(_op, fields)), (),
                     tuple(f.write_buffer_offset for f in fields if f.buffered), None, None, Field)


class CompiledLayout:
    has_sequenced = False  # version 1 has no sequence locks (readers ask on every read: no getattr default)

    def __init__(self, fields: list[FieldLayout], data=None, plan_type=ReadPlan):
        """``plan_type``: the compiled decode (accel.ReadPlan) for ``checked_values`` and
        ``checked_fields``, or None for this module's pure-Python one."""
        self.fields = list(fields)
        self._struct, self._values, self._wb_slots, _ = _generate(self.fields, None)
        self.size = self._struct.size
        # (labels, types, buffered flags): what a reader pairs with the values
        self.columns = (tuple(f.label for f in fields), tuple(f.type for f in fields),
                        tuple(f.buffered for f in fields))
        wb_offsets = [f.write_buffer_offset for f in self.fields if f.buffered]
        # The write-buffer bytes straight from a buffer: what the reader's re-check compares.
        self.write_buffers = itemgetter(*wb_offsets, *wb_offsets[:1]) if wb_offsets else None
        # reread_plan: the ReadPlan that does a whole re-read (copy, re-check, decode) in one call, if built
        self.file_size = self.skeleton = self.reread_plan = None
        if data is not None:
            whole, self._checked, _, slots = _generate(self.fields, len(data))
            self._whole = whole
            self._skeleton_of = itemgetter(*slots, *slots[:1])
            self.file_size = whole.size
            self.skeleton = self._skeleton_of(whole.unpack_from(data))
            if plan_type is not None:
                plan = self.reread_plan = read_plan(plan_type, self.fields, data)
                self.checked_values, self.checked_fields = plan.values, plan.fields
                if wb_offsets:
                    self.write_buffers = plan.write_buffers

    def values(self, buf) -> list:
        """Values of every field in ``buf`` (the file's bytes), in file order."""
        t = self._struct.unpack_from(buf)
        try:
            return self._values(t)
        except IndexError:
            self._bad_write_buffer(t)
            raise

    def checked_values(self, buf, size=None):
        """Values of ``buf`` if it is a file of this layout's skeleton (same size, same
        non-value bytes, buffered write buffers 0 or 1), else None: scan it instead.
        ``size``: how many bytes of a longer ``buf`` are the file (default: all)."""
        if (len(buf) if size is None else size) != self.file_size:
            return None
        t = self._whole.unpack_from(buf)
        if self._skeleton_of(t) != self.skeleton:
            return None
        try:
            return self._checked(t)
        except IndexError:
            return None

    def checked_fields(self, buf, size=None):
        """The reader's Field tuples of ``buf`` if it has this layout's skeleton (see
        checked_values), else None."""
        values = self.checked_values(buf, size)
        return None if values is None else self.fields_of(values)

    def fields_of(self, values) -> list[Field]:
        """The reader's Field tuples for ``values`` (one of this layout's values lists)."""
        labels, types, buffereds = self.columns
        return list(map(_new, repeat(Field), zip(labels, types, buffereds, values)))

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields]

    def _bad_write_buffer(self, t):
        buffered = [f for f in self.fields if f.buffered]
        for f, s in zip(buffered, self._wb_slots):
            if t[s] > 1:
                raise FormatError("bad_write_buffer", f.write_buffer_offset,
                                  f"write buffer of {excerpt(f.label)} changed to 0x{t[s]:02x} after the layout was read")
