"""The construct schema of mmstats format version 2: the single source of truth.

One field per line, named as in spec/v2.md, each with its doc string. The
generated constants (mmstats_format/v2/derived.py), the spec's tables and
the v2 conformance corpus are derived from here.
"""
from __future__ import annotations

import construct as c
from construct import this

__all__ = [
    "FORMAT_VERSION", "MAGIC", "MINOR", "PAGE_SIZE", "ALIGN", "HEADER_SIZE", "ENTRY_FIXED_SIZE",
    "STRING_HEADER_SIZE", "HISTOGRAM_HEADER_SIZE", "UNIT_MAX", "Kind", "ValueType", "State",
    "KINDS", "VALUE_TYPES", "STATES", "CODES",
    "Header", "Entry", "Attribute", "Attributes", "Scalar", "StringValue", "HistogramValue",
]

FORMAT_VERSION = 2
MAGIC = b"MMSTATS"
MINOR = 0            # this document's minor version; readers accept every minor of major 2
PAGE_SIZE = 4096     # the file size is a positive multiple of this
ALIGN = 8            # every region, entry, value and value offset is a multiple of this
UNIT_MAX = 63        # longest unit text, in bytes (as OpenTelemetry)


# ---------------------------------------------------------------- codes

class Kind:
    """What a field means (its metric kind)."""

    COUNTER = 1
    GAUGE = 2
    UPDOWN_COUNTER = 3
    CONSTANT = 4
    STRING = 5
    HISTOGRAM = 6


class ValueType:
    """How one stored number or text is encoded."""

    U64 = 1
    I64 = 2
    F64 = 3
    UTF8 = 4


class State:
    """The lifecycle state word of the header."""

    CREATING = 0
    READY = 1
    CLOSED = 2


# kind code -> (name, storage, allowed value type codes, meaning)
# storage "slots": one copy per slot, readers add the copies; "process": one copy in the process area.
KINDS: dict[int, tuple[str, str, tuple[int, ...], str]] = {
    Kind.COUNTER: ("counter", "slots", (ValueType.U64, ValueType.F64),
                   "a total that only grows (requests served, bytes sent)"),
    Kind.GAUGE: ("gauge", "process", (ValueType.U64, ValueType.I64, ValueType.F64),
                 "a value that is set (queue length, temperature); the last store wins"),
    Kind.UPDOWN_COUNTER: ("updown_counter", "slots", (ValueType.I64, ValueType.F64),
                          "a total that grows and shrinks by additions (connections open)"),
    Kind.CONSTANT: ("constant", "process", (ValueType.U64, ValueType.I64, ValueType.F64, ValueType.UTF8),
                    "a value written before the field is published and never changed (a version)"),
    Kind.STRING: ("string", "process", (ValueType.UTF8,),
                  "a text that changes (current state, last error)"),
    Kind.HISTOGRAM: ("histogram", "slots", (ValueType.F64,),
                     "observations counted in buckets with explicit upper bounds, and their sum"),
}

# value type code -> (name, struct character of one stored item, meaning, canonical JSON)
VALUE_TYPES: dict[int, tuple[str, str, str, str]] = {
    ValueType.U64: ("u64", "Q", "unsigned 64-bit integer", "JSON integer, exact"),
    ValueType.I64: ("i64", "q", "signed 64-bit integer, two's complement", "JSON integer, exact"),
    ValueType.F64: ("f64", "d", "IEEE 754 binary64",
                    "JSON number (shortest round-trip text), or \"NaN\", \"Infinity\", \"-Infinity\""),
    ValueType.UTF8: ("utf8", "s", "UTF-8 text behind a sequence lock (string value layout)", "JSON string"),
}

# state code -> (name, meaning)
STATES: dict[int, tuple[str, str]] = {
    State.CREATING: ("creating", "the writer is still creating the file: readers report not_ready"),
    State.READY: ("ready", "the file is published; the writer may be running"),
    State.CLOSED: ("closed", "the writer closed the file: the values are final"),
}

# The error vocabulary of version 2: code -> (what is wrong, which byte the offset points at).
CODES: dict[str, tuple[str, str]] = {
    "not_ready": ("the file is empty, its version byte is 0x00, or its state is creating",
                  "0, or the state word (12) when the state is creating"),
    "bad_version": ("the version byte is not one this reader knows (0x01 or 0x02), or it is 0x02 and bytes 1 to 7 "
                    "are not \"MMSTATS\"", "0 (the version byte)"),
    "file_too_large": ("the file is larger than the reader's size limit", "the limit"),
    "bad_file_size": ("the file size is not a positive multiple of 4096", "the file size (one past the last byte)"),
    "bad_header_size": ("header_size is below 128 or not a multiple of 8",
                        "10 (header_size)"),
    "bad_state": ("the state word is not 0, 1 or 2", "12 (state)"),
    "bad_region": ("a region is misaligned, out of order, overlapping, or runs past the end of the file",
                   "the header field of the region that breaks the rule (its offset or its size)"),
    "bad_count": ("slots_used is 0 or above slot_count, or entry_fixed_size is below 32 or not a multiple of 8",
                  "the header field (slots_used or entry_fixed_size)"),
    "bad_entry_size": ("an entry is shorter than entry_fixed_size, not a multiple of 8, "
                       "or runs past the metadata capacity", "the first byte of the entry"),
    "bad_lengths": ("the name, unit, help, attributes and extra of an entry do not fit in its entry_size",
                    "the entry's name_size field"),
    "bad_name": ("a name is empty", "the entry's name_size field"),
    "bad_utf8": ("a name, help text, attribute key or attribute value is not well-formed UTF-8",
                 "the first byte of the ill-formed sequence"),
    "bad_unit": ("a unit is longer than 63 bytes or holds a byte outside 0x21 to 0x7e",
                 "the first bad byte of the unit, or unit_size when it is too long"),
    "bad_attributes": ("the attributes do not parse as key/value pairs, a key is empty, or a key repeats",
                       "the first byte of the pair that breaks the rule"),
    "bad_value_type": ("a known kind has a known value type that is not allowed for it", "the entry's value_type"),
    "bad_value_offset": ("a value offset is not a multiple of 8, or the value runs past its area",
                         "the entry's value_offset field"),
    "bad_value_size": ("value_size is not the size the kind and value type require", "the entry's value_size field"),
    "bad_histogram": ("histogram bounds are not a whole number of f64, not finite or not strictly increasing",
                      "the entry's extra_size field, or the first bad bound"),
    "bad_string_length": ("a string's length (with an even sequence) exceeds its capacity",
                          "the length word of the string value"),
}


# ---------------------------------------------------------------- header

Header = c.Struct(
    "version" / c.Const(FORMAT_VERSION, c.Int8ul) * "format version 0x02: a version 1 reader rejects the file",
    "magic" / c.Const(MAGIC) * "the bytes \"MMSTATS\": the file is an mmstats file",
    "minor" / c.Int16ul * "minor version: additive changes only; readers accept any minor",
    "header_size" / c.Int16ul * "bytes of the header; 128 in minor 0; readers ignore bytes they do not know",
    "state" / c.Int32ul * "lifecycle: 0 creating, 1 ready, 2 closed; release-stored, ready last",
    "pid" / c.Int64ul * "process id of the writer",
    "start_ticks" / c.Int64ul * "start time of the writer process (Linux: /proc/PID/stat field 22), 0 if unknown",
    "created_unix_ns" / c.Int64ul * "when the file was created, ns since the Unix epoch",
    "heartbeat_unix_ns" / c.Int64ul * "last heartbeat, ns since the Unix epoch; 0: none yet",
    "heartbeat_interval_ms" / c.Int32ul * "promised heartbeat interval in ms; 0: no heartbeat",
    "entry_fixed_size" / c.Int16ul * "bytes of the fixed part of every metadata entry; 32 in minor 0",
    "flags" / c.Int16ul * "reserved, 0; readers ignore it",
    "meta_offset" / c.Int32ul * "offset of the metadata region",
    "meta_capacity" / c.Int32ul * "bytes of the metadata region",
    "process_offset" / c.Int32ul * "offset of the process area (values with one copy)",
    "process_capacity" / c.Int32ul * "bytes of the process area",
    "slots_offset" / c.Int32ul * "offset of slot 0 (slot k is at slots_offset + k × slot_size)",
    "slot_size" / c.Int32ul * "bytes of one slot",
    "slot_count" / c.Int32ul * "slots in the file; slot 0 is the shared slot",
    "slots_used" / c.Int32ul * "slots ever handed out, 1 to slot_count; readers add slots 0 to slots_used - 1",
    "field_count" / c.Int32ul * "published entries; release-stored after the entry is complete",
    "overflow_count" / c.Int32ul * "fields the writer could not add because the file was full",
    "reserved" / c.Const(bytes(32)) * "zero; room for later minors",
)
HEADER_SIZE = Header.sizeof()

# ---------------------------------------------------------------- metadata entry

Entry = c.Struct(
    "entry_size" / c.Int32ul * "bytes of the whole entry, a multiple of 8; the next entry follows",
    "kind" / c.Int8ul * "kind code; readers skip entries of kinds they do not know",
    "value_type" / c.Int8ul * "value type code; readers skip entries of value types they do not know",
    "flags" / c.Int16ul * "reserved, 0; readers ignore it",
    "value_offset" / c.Int32ul * "offset of the value in its area (process area or each slot), a multiple of 8",
    "value_size" / c.Int32ul * "bytes of the value in one copy",
    "name_size" / c.Int16ul * "bytes of name, at least 1",
    "unit_size" / c.Int16ul * "bytes of unit, at most 63; 0: no unit",
    "help_size" / c.Int16ul * "bytes of help; 0: no help",
    "attributes_size" / c.Int16ul * "bytes of attributes; 0: none",
    "extra_size" / c.Int32ul * "bytes of extra (histogram bounds), a multiple of 8",
    "reserved" / c.Int32ul * "reserved, 0; readers ignore it",
    "name" / c.Bytes(this.name_size) * "the field's name, UTF-8",
    "unit" / c.Bytes(this.unit_size) * "UCUM unit text, printable ASCII (e.g. ms, By, {request})",
    "help" / c.Bytes(this.help_size) * "one line of help text, UTF-8",
    "attributes" / c.Bytes(this.attributes_size) * "key=value pairs, see the attribute table",
    "padding" / c.Padding(lambda ctx: -(ENTRY_FIXED + ctx.name_size + ctx.unit_size + ctx.help_size
                                         + ctx.attributes_size) % ALIGN)
    * "zeros up to a multiple of 8 from the entry's start",
    "extra" / c.Bytes(this.extra_size) * "kind-specific: a histogram's bucket bounds, f64 each",
    "tail" / c.Bytes(lambda ctx: ctx.entry_size - ENTRY_FIXED - _strings_size(ctx) - ctx.extra_size)
    * "bytes to entry_size, ignored (room for later minors)",
)


def _strings_size(ctx) -> int:
    n = ctx.name_size + ctx.unit_size + ctx.help_size + ctx.attributes_size
    return n + (-(ENTRY_FIXED + n) % ALIGN)


# The fixed part: every field before the name (their sizes, added up).
ENTRY_FIXED = sum(sub.sizeof() for sub in Entry.subcons[:[s.name for s in Entry.subcons].index("name")])

Attribute = c.Struct(
    "key_size" / c.Int16ul * "bytes of key, at least 1",
    "key" / c.Bytes(this.key_size) * "attribute key, UTF-8",
    "value_size" / c.Int16ul * "bytes of value",
    "value" / c.Bytes(this.value_size) * "attribute value, UTF-8",
)
Attributes = c.GreedyRange(Attribute)

# ---------------------------------------------------------------- values

Scalar = c.Struct(
    "value" / c.Bytes(8) * "u64, i64 or f64, little-endian, 8-byte aligned: one single-copy-atomic store",
)

StringValue = c.Struct(
    "seq" / c.Int64ul * "sequence: odd while the writer changes the text, even when it is complete",
    "length" / c.Int32ul * "bytes of text",
    "reserved" / c.Int32ul * "reserved, 0",
    "text" / c.Bytes(this._.capacity) * "UTF-8 text in its first length bytes; the rest is ignored",
)

HistogramValue = c.Struct(
    "seq" / c.Int64ul * "sequence: odd while the writer records an observation, even otherwise",
    "sum" / c.Float64l * "sum of the observations, f64",
    "buckets" / c.Array(this._.bucket_count, c.Int64ul)
    * "observations per bucket, not cumulative; bucket i counts v <= bound i; the last counts the rest (+Inf)",
)

ENTRY_FIXED_SIZE = ENTRY_FIXED
STRING_HEADER_SIZE = StringValue.subcons[0].sizeof() + StringValue.subcons[1].sizeof() + StringValue.subcons[2].sizeof()
HISTOGRAM_HEADER_SIZE = HistogramValue.subcons[0].sizeof() + HistogramValue.subcons[1].sizeof()
