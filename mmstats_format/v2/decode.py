"""Format version 2: the walk, the values of a copy, the canonical form; construct-free (constants from derived).

    walk(data)          -> (header, [Entry], errors): the spec's walk, every problem in walk order
    decode(data, path)  -> File2: the fields of one copy at rest (an odd sequence reads as None);
                           the reference path the compiled layout (layout.py) is tested against
    problems(data)      -> [V2Error]: every problem the spec's walk finds, in walk order

The walk is spec/v2.md, "Finding problems"; each check names its code and the
byte its offset points at.
"""
from __future__ import annotations

import math
import re
import os
import struct
from typing import NamedTuple

from . import derived as d
from .._compare import diff_document, float_bits
from ..accel import records
from ..errors import FormatError

__all__ = ["Entry", "Field", "File2", "V2Error", "walk", "walk_entries", "decode", "problems", "value_of",
           "header_values", "canonical_field", "diff", "RETRIES"]

RETRIES = 100  # copies tried per multi-word value before it counts as having no value

_HEADER = struct.Struct(d.HEADER_FORMAT)
# (pid, start_ticks, created_unix_ns): three adjacent fields of the header, read without its dict
_PRODUCER_FIELDS = ("pid", "start_ticks", "created_unix_ns")
_PRODUCER_AT = d.HEADER_FIELDS.index("pid")
_PRODUCER = struct.Struct("<" + "".join(
    re.findall(r"\d*[A-Za-z?]", d.HEADER_FORMAT[1:])[_PRODUCER_AT:_PRODUCER_AT + 3]))
_ENTRY = struct.Struct(d.ENTRY_FORMAT)
_U16 = struct.Struct(d.ATTR_SIZE_FORMAT)
_STRING = struct.Struct(d.STRING_HEADER_FORMAT)
_HIST = struct.Struct(d.HISTOGRAM_HEADER_FORMAT)
_NUM = {"u64": struct.Struct("<Q"), "i64": struct.Struct("<q"), "f64": struct.Struct("<d")}
_SEQ = struct.Struct("<Q")
_F64 = struct.Struct("<d")
_MASK = (1 << 64) - 1


class V2Error(FormatError):
    """A version 2 problem: ``path: offset N: code: message (at 0xN)``, codes of spec/v2.md."""

    def __init__(self, code: str, offset: int, message: str, path: str | None = None):
        if code not in d.CODES:
            raise ValueError(f"unknown version 2 error code {code!r}")
        self.code, self.offset, self.message, self.path = code, offset, message, path
        Exception.__init__(self, str(self))

    def with_path(self, path: str) -> "V2Error":
        return V2Error(self.code, self.offset, self.message, path)


class Field(NamedTuple):
    """One field as a version 2 reader returns it: version 1's four keys first (value None: no
    consistent value; buffered always False), then what version 2 adds."""

    label: str
    type: str
    buffered: bool
    value: object
    kind: str
    unit: str
    help: str
    attributes: dict


Field = records(Field)


class Headed(list):
    """A list of one copy's values or fields with that copy's header values (``header``: the
    canonical form's top-level keys beside ``fields``). The compiled decode keeps only the
    header's bytes; the dict is made from them on first use: most polls never look at it."""

    __slots__ = ("_header",)  # the header dict, or the header's bytes until it is asked for

    def __init__(self, items, header: dict):
        super().__init__(items)
        self._header = header

    @property
    def header(self) -> dict:
        h = self._header
        if h.__class__ is bytes:
            h = self._header = header_values(dict(zip(d.HEADER_FIELDS, _HEADER.unpack_from(h))))
        return h

    def producer(self) -> tuple:
        """(pid, created_unix_ns) of the header, without making its dict: a scrape asks every file."""
        h = self._header
        if h.__class__ is bytes:
            pid, _, created = _PRODUCER.unpack_from(h, d.H_PID)
            return pid, created
        return h.get("pid"), h.get("created_unix_ns")

    @header.setter
    def header(self, value: dict):
        self._header = value

    def _share_header(self, new):
        """``new`` with this one's header: the same bytes, or a copy of the dict once made."""
        h = self._header
        new._header = h if h.__class__ is bytes else dict(h)
        return new


class File2(Headed):
    """The fields of a version 2 file, with its header values (``header``: the canonical form's
    top-level keys beside ``fields``)."""

    __slots__ = ("__dict__", "__weakref__")  # as a plain list subclass has

    format_version = 2


class Entry(NamedTuple):
    """What the walk learned about one decodable entry: scan()'s field description."""

    label: str
    type: str         # value type name: u64, i64, f64, utf8
    buffered: bool    # False: version 2 has no write buffers
    kind: str
    unit: str
    help: str
    attributes: dict
    at: int           # the value in the process area, or in slot 0
    stride: int       # slot_size for slotted values, 0 for process values
    size: int
    bounds: tuple

    @property
    def sequenced(self) -> bool:
        """Behind a sequence lock (a multi-word value)."""
        return self.kind == "histogram" or self.type == "utf8"


# ---------------------------------------------------------------- the walk

def _utf8_error(raw: bytes) -> int | None:
    """Index of the first byte of the first ill-formed UTF-8 sequence, or None."""
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError as e:
        return e.start


class _Walk:
    def __init__(self, data, first_only: bool):
        self.data, self.first_only, self.errors = data, first_only, []

    def problem(self, code: str, offset: int, message: str) -> bool:
        """Record a problem; True when the walk must stop (first_only)."""
        self.errors.append(V2Error(code, offset, message))
        return self.first_only

    def run(self, max_size: int | None = None):
        """(header dict, [Entry]) or (None, []) after a structural problem; problems in self.errors."""
        data, size = self.data, len(self.data)
        if size == 0 or data[0] == 0:
            self.problem("not_ready", 0, "the file is empty or its version byte is 0x00: a writer is creating it")
            return None, []
        if data[0] != d.FORMAT_VERSION:
            self.problem("bad_version", 0, f"version byte is 0x{data[0]:02x}; this reader knows 0x01 and 0x02")
            return None, []
        # The magic before the size, as far as the file has it: a file that is not version 2 gets a
        # version 1 reader's answer, a cut version 2 file is bad_file_size (spec: "Finding problems").
        magic = bytes(data[d.H_MAGIC:d.H_MAGIC + len(d.MAGIC)])
        if magic != d.MAGIC[:len(magic)]:
            self.problem("bad_version", d.H_VERSION, f"version byte 0x02, but bytes 1 to 7 are {magic!r}, "
                                                     f"not {d.MAGIC!r}: not a version 2 file")
            if size % d.PAGE_SIZE:  # as for any version byte a reader does not know
                self.problem("bad_file_size", size, f"file size {size} is not a positive multiple of {d.PAGE_SIZE}")
            return None, []
        if size % d.PAGE_SIZE:
            self.problem("bad_file_size", size, f"file size {size} is not a positive multiple of {d.PAGE_SIZE}")
            return None, []
        h = dict(zip(d.HEADER_FIELDS, _HEADER.unpack_from(data, 0)))
        if h["state"] == d.STATE_CREATING:
            self.problem("not_ready", d.H_STATE, "state is 0 (creating): the writer has not published the file")
            return None, []
        if h["state"] not in d.STATES:
            self.problem("bad_state", d.H_STATE, f"state is {h['state']}; allowed: 0, 1, 2")
            return None, []
        if h["header_size"] < d.HEADER_SIZE or h["header_size"] % d.ALIGN:
            self.problem("bad_header_size", d.H_HEADER_SIZE,
                         f"header_size is {h['header_size']}; want at least {d.HEADER_SIZE}, a multiple of {d.ALIGN}")
            return None, []
        if h["entry_fixed_size"] < d.ENTRY_FIXED_SIZE or h["entry_fixed_size"] % d.ALIGN:
            self.problem("bad_count", d.H_ENTRY_FIXED_SIZE, f"entry_fixed_size is {h['entry_fixed_size']}; want at "
                                                            f"least {d.ENTRY_FIXED_SIZE}, a multiple of {d.ALIGN}")
            return None, []
        if not self._regions(h, size):
            return None, []
        if not 1 <= h["slots_used"] <= h["slot_count"]:
            self.problem("bad_count", d.H_SLOTS_USED, f"slots_used is {h['slots_used']}; want 1 to {h['slot_count']}")
            return None, []
        return h, self.entries(h)

    def _regions(self, h, size) -> bool:
        a = d.ALIGN
        meta_end = h["meta_offset"] + h["meta_capacity"]
        process_end = h["process_offset"] + h["process_capacity"]
        slots_end = h["slots_offset"] + h["slot_count"] * h["slot_size"]
        for ok, at, what in (
            (h["meta_offset"] % a == 0 and h["meta_offset"] >= h["header_size"], d.H_META_OFFSET,
             f"meta_offset {h['meta_offset']} is not a multiple of {a} at or after the header ({h['header_size']})"),
            (h["meta_capacity"] % a == 0, d.H_META_CAPACITY, f"meta_capacity {h['meta_capacity']} is not a multiple of {a}"),
            (h["process_offset"] % a == 0 and h["process_offset"] >= meta_end, d.H_PROCESS_OFFSET,
             f"process_offset {h['process_offset']} is not a multiple of {a} at or after the metadata end ({meta_end})"),
            (h["process_capacity"] % a == 0, d.H_PROCESS_CAPACITY,
             f"process_capacity {h['process_capacity']} is not a multiple of {a}"),
            (h["slots_offset"] % a == 0 and h["slots_offset"] >= process_end, d.H_SLOTS_OFFSET,
             f"slots_offset {h['slots_offset']} is not a multiple of {a} at or after the process area end ({process_end})"),
            (h["slot_size"] % a == 0, d.H_SLOT_SIZE, f"slot_size {h['slot_size']} is not a multiple of {a}"),
            (h["slot_count"] >= 1 and slots_end <= size, d.H_SLOT_COUNT,
             f"{h['slot_count']} slots of {h['slot_size']} bytes from {h['slots_offset']} end at {slots_end}; "
             f"want at least 1 slot, ending at or before the file size {size}"),
        ):
            if not ok:
                self.problem("bad_region", at, what)
                return False
        return True

    def entries(self, h, start: int | None = None, known: int = 0) -> list[Entry]:
        """Entries ``known`` to ``field_count - 1``, the first at ``start`` (default: meta_offset); self.end: past the last."""
        data, fixed = self.data, h["entry_fixed_size"]
        meta_end = h["meta_offset"] + h["meta_capacity"]
        e, out = h["meta_offset"] if start is None else start, []
        self.end = e
        for _ in range(known, h["field_count"]):
            if meta_end - e < fixed:
                self.problem("bad_entry_size", e, f"entry at {e}: only {meta_end - e} bytes left in the metadata "
                                                  f"region, the fixed part needs {fixed}")
                return out
            (size, kind, vt, _flags, value_offset, value_size, name_size, unit_size, help_size, attrs_size,
             extra_size, _reserved) = _ENTRY.unpack_from(data, e)
            if size < fixed or size % d.ALIGN or e + size > meta_end:
                self.problem("bad_entry_size", e, f"entry_size is {size}; want at least {fixed}, a multiple of "
                                                  f"{d.ALIGN}, ending by {meta_end}")
                return out
            strings = name_size + unit_size + help_size + attrs_size
            padded = fixed + strings + (-(fixed + strings) % d.ALIGN)
            if padded + extra_size > size:
                self.problem("bad_lengths", e + d.E_NAME_SIZE, f"name, unit, help, attributes and extra need "
                                                               f"{padded + extra_size} bytes; entry_size is {size}")
                return out
            layout = self._entry(h, e, kind, vt, value_offset, value_size, name_size, unit_size, help_size,
                                 attrs_size, extra_size, fixed + strings + (-(fixed + strings) % d.ALIGN))
            if self.first_only and self.errors:
                return out
            if layout is not None:
                out.append(layout)
            e += size
            self.end = e
        return out

    def _entry(self, h, e, kind, vt, value_offset, value_size, name_size, unit_size, help_size, attrs_size,
               extra_size, extra_rel):
        data, bad = self.data, False
        name_at = e + h["entry_fixed_size"]
        unit_at, help_at = name_at + name_size, name_at + name_size + unit_size
        attrs_at = help_at + help_size
        name, unit = bytes(data[name_at:unit_at]), bytes(data[unit_at:help_at])
        help, attrs_raw = bytes(data[help_at:attrs_at]), bytes(data[attrs_at:attrs_at + attrs_size])
        if name_size == 0:
            bad = True
            if self.problem("bad_name", e + d.E_NAME_SIZE, "name_size is 0: a field needs a name"):
                return None
        at = _utf8_error(name)
        if at is not None:
            bad = True
            if self.problem("bad_utf8", name_at + at, f"the name is not well-formed UTF-8 at byte {at}"):
                return None
        if unit_size > d.UNIT_MAX:
            bad = True
            if self.problem("bad_unit", e + d.E_UNIT_SIZE, f"unit_size is {unit_size}; at most {d.UNIT_MAX}"):
                return None
        else:
            at = next((i for i, b in enumerate(unit) if not 0x21 <= b <= 0x7E), None)
            if at is not None:
                bad = True
                if self.problem("bad_unit", unit_at + at, f"unit byte 0x{unit[at]:02x}; allowed 0x21 to 0x7e"):
                    return None
        at = _utf8_error(help)
        if at is not None:
            bad = True
            if self.problem("bad_utf8", help_at + at, f"the help text is not well-formed UTF-8 at byte {at}"):
                return None
        attributes = self._attributes(attrs_raw, attrs_at)
        if attributes is None:
            bad = True
            if self.first_only:
                return None
        if kind not in d.KINDS or vt not in d.VALUE_TYPES:
            return None  # a later minor's kind or value type: skipped, never a problem
        name_text, storage, allowed, _ = d.KINDS[kind]
        if vt not in allowed:
            allowed_names = ", ".join(d.VALUE_TYPES[t][0] for t in allowed)
            self.problem("bad_value_type", e + d.E_VALUE_TYPE,
                         f"a {name_text} of {d.VALUE_TYPES[vt][0]}; allowed: {allowed_names}")
            return None
        nbounds = extra_size // d.ALIGN
        if kind == d.KIND_HISTOGRAM:
            want = d.HISTOGRAM_HEADER_SIZE + d.SCALAR_SIZE * (nbounds + 1)
            ok = value_size == want
        elif vt == d.VALUETYPE_UTF8:
            want = f"{d.STRING_HEADER_SIZE} + a multiple of {d.ALIGN}"
            ok = value_size >= d.STRING_HEADER_SIZE and value_size % d.ALIGN == 0
        else:
            want = d.SCALAR_SIZE
            ok = value_size == want
        if not ok:
            self.problem("bad_value_size", e + d.E_VALUE_SIZE, f"value_size is {value_size}; want {want}")
            return None
        area = h["slot_size"] if storage == "slots" else h["process_capacity"]
        if value_offset % d.ALIGN or value_offset + value_size > area:
            bad = True
            if self.problem("bad_value_offset", e + d.E_VALUE_OFFSET,
                            f"value_offset {value_offset} + value_size {value_size} in an area of {area} bytes; "
                            f"the offset must be a multiple of {d.ALIGN}"):
                return None
        bounds = ()
        if kind == d.KIND_HISTOGRAM:
            bounds = self._bounds(e, e + extra_rel, extra_size)
            if bounds is None:
                return None
        if bad:
            return None
        base = (h["slots_offset"] if storage == "slots" else h["process_offset"]) + value_offset
        if vt == d.VALUETYPE_UTF8:
            seq, length, _ = _STRING.unpack_from(data, base)
            if seq % 2 == 0 and length > value_size - d.STRING_HEADER_SIZE:
                self.problem("bad_string_length", base + d.S_LENGTH,
                             f"length {length} exceeds the capacity {value_size - d.STRING_HEADER_SIZE}")
                return None
        return Entry(name.decode("utf-8"), d.VALUE_TYPES[vt][0], False, name_text, unit.decode("ascii"),
                     help.decode("utf-8"), attributes, base, h["slot_size"] if storage == "slots" else 0,
                     value_size, bounds)

    def _attributes(self, raw: bytes, at: int) -> dict | None:
        out, pos = {}, 0
        while pos < len(raw):
            start = pos
            if len(raw) - pos < d.ATTR_SIZE_SIZE:
                self.problem("bad_attributes", at + start, "one byte left: too short for a key_size")
                return None
            (klen,) = _U16.unpack_from(raw, pos)
            pos += d.ATTR_SIZE_SIZE
            if klen == 0:
                self.problem("bad_attributes", at + start, "an attribute key is empty")
                return None
            if pos + klen + d.ATTR_SIZE_SIZE > len(raw):
                self.problem("bad_attributes", at + start, "the key or the value size runs past attributes_size")
                return None
            key = raw[pos:pos + klen]
            (vlen,) = _U16.unpack_from(raw, pos + klen)
            vpos = pos + klen + d.ATTR_SIZE_SIZE
            if vpos + vlen > len(raw):
                self.problem("bad_attributes", at + start, "the value runs past attributes_size")
                return None
            value = raw[vpos:vpos + vlen]
            bad = _utf8_error(key)
            if bad is not None:
                self.problem("bad_utf8", at + pos + bad, "an attribute key is not well-formed UTF-8")
                return None
            bad = _utf8_error(value)
            if bad is not None:
                self.problem("bad_utf8", at + vpos + bad, "an attribute value is not well-formed UTF-8")
                return None
            k = key.decode("utf-8")
            if k in out:
                self.problem("bad_attributes", at + start, f"the attribute key {k!r} repeats")
                return None
            out[k] = value.decode("utf-8")
            pos = vpos + vlen
        return out

    def _bounds(self, e, extra_at, extra_size):
        if extra_size % d.ALIGN:
            self.problem("bad_histogram", e + d.E_EXTRA_SIZE, f"extra_size {extra_size} is not a multiple of 8")
            return None
        bounds = [_F64.unpack_from(self.data, extra_at + 8 * i)[0] for i in range(extra_size // 8)]
        for i, b in enumerate(bounds):
            if not math.isfinite(b) or (i and not b > bounds[i - 1]):
                self.problem("bad_histogram", extra_at + 8 * i,
                             f"bound {i} is {b!r}; bounds are finite and strictly increasing")
                return None
        return tuple(bounds)


def walk(data, first_only: bool = False):
    """(header dict or None, [Entry], [V2Error]): the spec's walk over a whole file."""
    w = _Walk(data, first_only)
    h, entries = w.run()
    return h, entries, w.errors


def walk_entries(data, h: dict, start: int, known: int):
    """(new entries, end offset, [V2Error]): only the entries published after the first ``known``
    (``h``: the header of ``data``; ``start``: where entry ``known`` begins). The first problem stops it."""
    w = _Walk(data, first_only=True)
    entries = w.entries(h, start, known)
    return entries, w.end, w.errors


def problems(data) -> list[V2Error]:
    """Every problem of a version 2 file's bytes, in the order the spec's walk finds them."""
    return walk(data)[2]


# ---------------------------------------------------------------- values

def _add(vt, values):
    if vt == "f64":
        total = values[0]
        for v in values[1:]:
            total += v
        return total
    total = sum(values) & _MASK
    return total - (1 << 64) if vt == "i64" and total >> 63 else total


def value_of(f: Entry, slots: int, data):
    """The field's value in ``data``, a copy at rest: a multi-word copy with an odd sequence has no
    value (None), and neither has a histogram one of whose copies has none. Slots 0 to ``slots - 1`` summed."""
    if f.kind == "histogram":
        n = len(f.bounds) + 1
        counts, total = [0] * n, None
        for k in range(slots):
            at = f.at + k * f.stride
            seq, s = _HIST.unpack_from(data, at)
            if seq % 2:
                return None
            total = s if total is None else total + s
            buckets = struct.unpack_from(f"<{n}Q", data, at + d.HG_BUCKETS)
            counts = [(a + b) & _MASK for a, b in zip(counts, buckets)]
        running, out = 0, []
        for bound, c in zip(f.bounds + (math.inf,), counts):
            running = (running + c) & _MASK
            out.append({"le": bound, "count": running})
        return {"count": running, "sum": total, "buckets": out}
    if f.type == "utf8":
        seq, length, _ = _STRING.unpack_from(data, f.at)
        if seq % 2 or length > f.size - d.STRING_HEADER_SIZE:
            return None  # inside an update (or torn past what the sequence shows): never read past the value
        start = f.at + d.STRING_HEADER_SIZE
        return bytes(data[start:start + length]).decode("utf-8", "replace")
    num = _NUM[f.type]
    if f.stride:
        return _add(f.type, [num.unpack_from(data, f.at + k * f.stride)[0] for k in range(slots)])
    return num.unpack_from(data, f.at)[0]


_KEEP = ("minor", "pid", "start_ticks", "created_unix_ns", "heartbeat_unix_ns", "heartbeat_interval_ms",
         "overflow_count")


def header_values(h) -> dict:
    """The header values of the canonical form (top-level keys beside ``fields``)."""
    out = {k: h[k] for k in _KEEP}
    out["state"] = d.STATES[h["state"]][0]
    return out


def decode(data, path=None) -> File2:
    """Fields of one copy of a file, at rest (an odd sequence means no value). Raises V2Error."""
    h, entries, errors = walk(data, first_only=True)
    if errors:
        raise errors[0].with_path(os.fspath(path) if path is not None else "<bytes>")
    slots = h["slots_used"]
    return File2([Field(f.label, f.type, False, value_of(f, slots, data), f.kind, f.unit, f.help, f.attributes)
                  for f in entries], header_values(h))


# ---------------------------------------------------------------- canonical form

def _json(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def _json_value(v):
    if isinstance(v, dict):
        return {"count": v["count"], "sum": _json(v["sum"]) if v["sum"] is not None else 0.0,
                "buckets": [{"le": _json(b["le"]), "count": b["count"]} for b in v["buckets"]]}
    return _json(v)


def canonical_field(x: Field) -> dict:
    return {"label": x.label, "kind": x.kind, "type": x.type, "unit": x.unit, "help": x.help,
            "attributes": dict(x.attributes), "value": _json_value(x.value)}


def _same(type_name, want, got) -> bool:
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != {"count", "sum", "buckets"}:
            return False
        wb, gb = want["buckets"], got.get("buckets")
        return (type(got["count"]) is int and got["count"] == want["count"] and _same("f64", want["sum"], got["sum"])
                and isinstance(gb, list) and len(gb) == len(wb)
                and all(isinstance(g, dict) and _same("f64", w["le"], g.get("le"))
                        and type(g.get("count")) is int and g["count"] == w["count"] for w, g in zip(wb, gb)))
    if type_name == "f64":
        wb = float_bits(want)
        return wb is not None and wb == float_bits(got)
    if type_name in ("u64", "i64"):
        return type(got) is int and type(want) is int and got == want
    return type(got) is type(want) and got == want


_HEADER_KEYS = ("minor", "state", "pid", "start_ticks", "created_unix_ns", "heartbeat_unix_ns",
                "heartbeat_interval_ms", "overflow_count")


def diff(want: dict, got, limit: int = 10) -> list[str]:
    """Path-level differences between two version 2 canonical objects ([] when equal); ``path`` is ignored."""
    return diff_document(want, got, limit, _HEADER_KEYS, ("label", "kind", "type", "unit", "help", "attributes"),
                         _same)
