"""Pure-Python slots: one field of a stats file, bound to the writer's mapping.

This is the reference behaviour of an update (mmstats/_speedups.c mirrors it
for numeric fields). A slot keeps its own copy of the current value and of the
write buffer, so an update never reads the map:
- buffered: store value[wb], then store the write-buffer byte wb ^ 1;
- unbuffered: store the value.
Values are converted before anything is stored, so a wrong type raises
TypeError and leaves the file untouched. An integer outside the type's range
raises OverflowError, unless the slot was made with wrap=True: then it is
stored modulo 2**bits, as mmstats 0.8 did (incr() always wraps: a counter
runs round at 2**bits, as the format says). Bools store 1 or 0, floats are
float(v) (a float32 overflow stores +-inf), text is UTF-8 cut on a character
boundary, raw bytes are cut blindly.
"""
from __future__ import annotations

import math
import struct
import sys
import threading
import warnings
from operator import index as _index

from mmstats_format.v1.types import lookup

__all__ = ["BufferedSlot", "UnbufferedSlot", "StringSlot", "FieldAccess", "ModelLocal", "normalize", "encode_text",
           "out_of_range"]

if sys.byteorder != "little":  # memoryview casts store native byte order
    raise ImportError("the mmstats writer supports little-endian hosts only (the format is little-endian)")

_F32 = struct.Struct("<f")
_STRINGY = (str, bytes, bytearray, memoryview)


class _Closed:
    """Stands in for the map of a closed file: every store or load raises."""

    __slots__ = ("label",)

    def __init__(self, label):
        self.label = label

    def _fail(self, *args):
        raise ValueError(f"mmstats field {self.label!r}: its file is closed")

    __getitem__ = __setitem__ = _fail


def _f32(x: float) -> float:
    """x rounded to binary32; overflow gives +-inf (as a C cast does)."""
    try:
        return _F32.unpack(_F32.pack(x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _to_real(label, code, v) -> float:
    if isinstance(v, _STRINGY):
        raise TypeError(f"mmstats field {label!r} ({code}) takes a number, not {type(v).__name__}")
    return float(v)


def _to_int(label, code, v) -> int:
    if v.__class__ is int:
        return v
    try:
        return _index(v)
    except TypeError:
        raise TypeError(f"mmstats field {label!r} ({code}) takes an integer, not {type(v).__name__}") from None


def out_of_range(label: str, code: str, v: int) -> OverflowError:
    """The error for an integer the type cannot hold (the C slots word it the same)."""
    lo, hi = lookup(code).bounds
    bits = (hi - lo).bit_length()
    return OverflowError(f"mmstats field {label!r} ({code}) holds {lo} to {hi}, not {v}; "
                         f"create the field with wrap=True to store values modulo 2**{bits}")


def normalize(label: str, code: str, v, wrap: bool = False):
    """The value a numeric field of type ``code`` stores for ``v`` (rounded, 0/1; integers
    out of range raise OverflowError, or wrap modulo 2**bits with ``wrap``)."""
    spec = lookup(code)
    if spec.kind == "bool":
        return 1 if v else 0
    if spec.kind == "float":
        x = _to_real(label, code, v)
        return _f32(x) if spec.size == 4 else x
    lo, hi = spec.bounds
    n = _to_int(label, code, v)
    if wrap:
        return ((n - lo) & (hi - lo)) + lo
    if not lo <= n <= hi:
        raise out_of_range(label, code, n)
    return n


def encode_text(label: str, size: int, v) -> bytes:
    """Bytes a ``<size>s`` field stores for ``v`` (at most ``size``; no padding)."""
    if isinstance(v, str):
        raw = v.encode("utf-8")
        if len(raw) > size:  # drop a character cut in half
            raw = raw[:size].decode("utf-8", "ignore").encode("utf-8")
        return raw
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v[:size])
    raise TypeError(f"mmstats field {label!r} ({size}s) takes text or bytes, not {type(v).__name__}")


class _NumberSlot:
    __slots__ = ("label", "type", "offset", "write_buffer_offset", "value_offset",
                 "_vals", "_wbv", "_views", "_cur", "_wb", "_isint", "_half", "_mask", "_f32", "_bool", "wrap")
    buffered = False

    def __init__(self, label: str, type: str, wrap: bool = False):
        spec = lookup(type) if isinstance(type, str) else None
        if spec is None or spec.kind == "string":
            raise ValueError(f"not a numeric type signature: {type!r}")
        self.wrap = bool(wrap)
        if struct.calcsize(_cast_code(spec)) != spec.size:
            raise ImportError(f"native size of {type!r} differs from the format's {spec.size} bytes")
        self.label = label
        self.type = type
        self.offset = self.write_buffer_offset = self.value_offset = -1
        self._isint = spec.kind == "int"
        self._bool = spec.kind == "bool"
        self._f32 = spec.kind == "float" and spec.size == 4
        lo, hi = spec.bounds or (0, 0)
        self._half, self._mask = -lo, hi - lo
        self._views = ()
        self._vals = self._wbv = _Closed(label)
        self._cur = 0
        self._wb = 0

    def __repr__(self):
        return f"<{type(self).__name__} {self.label!r} {self.type}>"

    # -- binding to memory -------------------------------------------------

    def _bind(self, buf, offset, write_buffer_offset, value_offset):
        """Point at a record of writable ``buf`` (None: closed); load our copies from it."""
        for v in self._views:
            v.release()
        self._views = ()
        self._vals = self._wbv = _Closed(self.label)
        if buf is None:
            return
        spec = lookup(self.type)
        area = spec.size * (2 if self.buffered else 1)
        root = memoryview(buf).cast("B")
        if not (0 <= offset <= write_buffer_offset < value_offset and value_offset + area <= len(root)):
            root.release()
            raise ValueError(f"record of {self.label!r} at {offset} does not fit a buffer of {len(buf)} bytes")
        vals = root[value_offset:value_offset + area].cast(_cast_code(spec))
        wbv = root[write_buffer_offset:write_buffer_offset + 1]
        self._views = (vals, wbv, root)
        self._vals, self._wbv = vals, wbv
        self.offset, self.write_buffer_offset, self.value_offset = offset, write_buffer_offset, value_offset
        self._wb = wbv[0] & 1 if self.buffered else 0
        self._cur = vals[self._wb ^ 1] if self.buffered else vals[0]

    @property
    def closed(self) -> bool:
        return not self._views

    @property
    def current(self):
        """The writer's copy of the current value."""
        return (self._cur != 0) if self._bool else self._cur

    # -- reading -----------------------------------------------------------

    def get(self):
        """What a reader reads now."""
        if self.buffered:
            raw = self._vals[(self._wbv[0] & 1) ^ 1]
        else:
            raw = self._vals[0]
        return raw != 0 if self._bool else raw

    @property
    def value(self):
        return self.get()

    @value.setter
    def value(self, v):
        self.set(v)

    def _coerce(self, v):
        if self._isint:
            n = _to_int(self.label, self.type, v)
            if self.wrap:
                return ((n + self._half) & self._mask) - self._half
            if not -self._half <= n <= self._mask - self._half:
                raise out_of_range(self.label, self.type, n)
            return n
        if self._bool:
            return 1 if v else 0
        x = _to_real(self.label, self.type, v)
        return _f32(x) if self._f32 else x

    def _increment(self, n):
        if self._isint:
            if n.__class__ is not int:
                n = _to_int(self.label, self.type, n)
            return ((self._cur + n + self._half) & self._mask) - self._half
        if self._bool:
            raise TypeError(f"mmstats field {self.label!r} (?) cannot be incremented")
        x = self._cur + _to_real(self.label, self.type, n)
        return _f32(x) if self._f32 else x

    def inc(self, n=1, *, amount=None):
        """Deprecated alias of incr()."""
        warnings.warn("inc() is deprecated, use incr()", DeprecationWarning, stacklevel=2)
        self.incr(n if amount is None else amount)


class BufferedSlot(_NumberSlot):
    """A double-buffered numeric field: value[wb], then wb ^= 1, per update."""

    __slots__ = ()
    buffered = True

    def __new__(cls, label, type, wrap=False):
        if cls is BufferedSlot and type in ("B", "H", "I", "Q"):
            cls = _UnsignedBufferedSlot  # counters: a shorter increment
        return object.__new__(cls)

    def set(self, v):
        """One update."""
        v = self._coerce(v)
        w = self._wb
        self._vals[w] = v
        self._cur = v
        self._wb = w = w ^ 1
        self._wbv[0] = w

    def incr(self, n=1, *, amount=None):
        """Add n (integers wrap modulo 2**bits): one update. ``amount=`` is the 0.8 spelling."""
        if amount is not None:
            n = amount
        try:  # the integer fast path; floats, bools and odd numbers take _increment
            v = ((self._cur + n + self._half) & self._mask) - self._half
        except TypeError:
            v = self._increment(n)
        else:
            if v.__class__ is not int or not self._isint:
                v = self._increment(n)
        w = self._wb
        self._vals[w] = v
        self._cur = v
        self._wb = w ^ 1
        self._wbv[0] = w ^ 1


class _UnsignedBufferedSlot(BufferedSlot):
    """BufferedSlot of an unsigned type (CounterField's Q): the shortest increment."""

    __slots__ = ()

    def incr(self, n=1, *, amount=None):
        if amount is not None:
            n = amount
        try:
            v = (self._cur + n) & self._mask
        except TypeError:
            v = self._increment(n)  # raises the explanatory TypeError
        if v.__class__ is not int:  # e.g. a numpy integer
            v = self._increment(n)
        w = self._wb
        self._vals[w] = v
        self._cur = v
        self._wb = w ^ 1
        self._wbv[0] = w ^ 1


class UnbufferedSlot(_NumberSlot):
    """An unbuffered numeric or bool field: one store per update."""

    __slots__ = ()

    def set(self, v):
        v = self._coerce(v)
        self._vals[0] = v
        self._cur = v

    def incr(self, n=1, *, amount=None):
        v = self._increment(n if amount is None else amount)
        self._vals[0] = v
        self._cur = v


def _cast_code(spec) -> str:
    """memoryview cast format of one value: the type code itself, whose native size
    matches on the supported hosts (checked in __init__); "?" is a plain byte."""
    return "B" if spec.kind == "bool" else spec.code


class StringSlot:
    """A ``<N>s`` field, unbuffered or buffered (the same two-step update)."""

    __slots__ = ("label", "type", "buffered", "offset", "write_buffer_offset", "value_offset",
                 "_size", "_area", "_wbv", "_views", "_wb", "_cur")

    def __init__(self, label: str, type: str, buffered: bool = False):
        spec = lookup(type) if isinstance(type, str) else None
        if spec is None or spec.kind != "string":
            raise ValueError(f"not a string type signature: {type!r}")
        self.label, self.type, self.buffered = label, type, bool(buffered)
        self.offset = self.write_buffer_offset = self.value_offset = -1
        self._size = spec.size
        self._views = ()
        self._area = self._wbv = _Closed(label)
        self._wb = 0
        self._cur = b""

    def __repr__(self):
        return f"<StringSlot {self.label!r} {self.type}>"

    def _bind(self, buf, offset, write_buffer_offset, value_offset):
        for v in self._views:
            v.release()
        self._views = ()
        self._area = self._wbv = _Closed(self.label)
        if buf is None:
            return
        n = self._size
        area = n * (2 if self.buffered else 1)
        root = memoryview(buf).cast("B")
        if not (0 <= offset <= write_buffer_offset < value_offset and value_offset + area <= len(root)):
            root.release()
            raise ValueError(f"record of {self.label!r} at {offset} does not fit a buffer of {len(buf)} bytes")
        self._area = root[value_offset:value_offset + area]
        self._wbv = root[write_buffer_offset:write_buffer_offset + 1]
        self._views = (self._area, self._wbv, root)
        self.offset, self.write_buffer_offset, self.value_offset = offset, write_buffer_offset, value_offset
        self._wb = self._wbv[0] & 1 if self.buffered else 0
        start = (self._wb ^ 1) * n if self.buffered else 0
        self._cur = bytes(self._area[start:start + n]).split(b"\0", 1)[0]

    @property
    def closed(self) -> bool:
        return not self._views

    @property
    def current(self) -> str:
        return self._cur.decode("utf-8", "replace")

    def set(self, v):
        """Store text (UTF-8, cut on a character boundary) or raw bytes (cut blindly).

        A value shorter than N gets one NUL after it; the rest keeps its old bytes.
        """
        raw = encode_text(self.label, self._size, v)
        start = self._wb * self._size if self.buffered else 0
        stored = raw + b"\0" if len(raw) < self._size else raw
        self._area[start:start + len(stored)] = stored  # one copy: the shortest window for readers
        self._cur = raw
        if self.buffered:
            self._wb ^= 1
            self._wbv[0] = self._wb

    def get(self) -> str:
        n = self._size
        start = ((self._wbv[0] & 1) ^ 1) * n if self.buffered else 0
        raw = bytes(self._area[start:start + n])
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    @property
    def value(self):
        return self.get()

    @value.setter
    def value(self, v):
        self.set(v)

    def incr(self, n=1, *, amount=None):
        raise TypeError(f"mmstats field {self.label!r} ({self.type}) cannot be incremented")


class FieldAccess:
    """Class attribute of a value field: reads and sets this thread's slot.

    The slot lives in the model's per-thread dict under ``key``, a name no
    attribute can have, so ``stats.ratio`` costs one local lookup.
    """

    __slots__ = ("name", "key", "field", "readonly")

    def __init__(self, name: str, key: str, field, readonly: bool = False):
        self.name, self.key, self.field, self.readonly = name, key, field, bool(readonly)

    def __repr__(self):
        return f"<FieldAccess {self.name!r} of {self.field!r}>"

    def __get__(self, inst, owner=None):
        if inst is None:
            return self
        return getattr(inst, self.key).get()

    def __set__(self, inst, value):
        if self.readonly:
            raise AttributeError(f"mmstats field {self.name!r} is static (read-only)")
        getattr(inst, self.key).set(value)

    def __delete__(self, inst):
        raise AttributeError(f"mmstats field {self.name!r} cannot be deleted")


class ModelLocal(threading.local):
    """threading.local whose assignment refuses the names in the class's _assignment_errors.

    A model's object fields (counters, averages, timers) live in each thread's
    dict under their own name; assigning to one would replace the thread's slot.
    Only a class with such names gets the (Python-level, so not free) check:
    ``_assignment_errors`` must be set before this __init_subclass__ runs.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        errors = vars(cls).get("_assignment_errors")
        if errors and "__setattr__" not in vars(cls) and "__delattr__" not in vars(cls):  # never replace the user's
            cls.__setattr__, cls.__delattr__ = _refusing(errors)


def _refusing(errors: dict):
    set_, del_ = threading.local.__setattr__, threading.local.__delattr__

    def __setattr__(self, name, value):
        if name in errors:
            raise TypeError(errors[name])
        set_(self, name, value)

    def __delattr__(self, name):
        if name in errors:
            raise TypeError(errors[name])
        del_(self, name)

    return __setattr__, __delattr__
