"""Format version 2 as plain constants, for the read and write paths: no construct import.

GENERATED from mmstats_format/schema_v2.py by `python -m mmstats_build.derive_v2 --write`;
do not edit. `make check-generated` fails when this file is stale.
"""

FORMAT_VERSION = 2
MAGIC = b'MMSTATS'
MINOR = 0
PAGE_SIZE = 4096
ALIGN = 8
UNIT_MAX = 63
HEADER_SIZE = 128
ENTRY_FIXED_SIZE = 32
STRING_HEADER_SIZE = 16
HISTOGRAM_HEADER_SIZE = 16

# Header: offset of each field from the start of the file.
H_VERSION = 0  # format version 0x02: a version 1 reader rejects the file
H_MAGIC = 1  # the bytes "MMSTATS": the file is an mmstats file
H_MINOR = 8  # minor version: additive changes only; readers accept any minor
H_HEADER_SIZE = 10  # bytes of the header; 128 in minor 0; readers ignore bytes they do not know
H_STATE = 12  # lifecycle: 0 creating, 1 ready, 2 closed; release-stored, ready last
H_PID = 16  # process id of the writer
H_START_TICKS = 24  # start time of the writer process (Linux: /proc/PID/stat field 22), 0 if unknown
H_CREATED_UNIX_NS = 32  # when the file was created, ns since the Unix epoch
H_HEARTBEAT_UNIX_NS = 40  # last heartbeat, ns since the Unix epoch; 0: none yet
H_HEARTBEAT_INTERVAL_MS = 48  # promised heartbeat interval in ms; 0: no heartbeat
H_ENTRY_FIXED_SIZE = 52  # bytes of the fixed part of every metadata entry; 32 in minor 0
H_FLAGS = 54  # reserved, 0; readers ignore it
H_META_OFFSET = 56  # offset of the metadata region
H_META_CAPACITY = 60  # bytes of the metadata region
H_PROCESS_OFFSET = 64  # offset of the process area (values with one copy)
H_PROCESS_CAPACITY = 68  # bytes of the process area
H_SLOTS_OFFSET = 72  # offset of slot 0 (slot k is at slots_offset + k × slot_size)
H_SLOT_SIZE = 76  # bytes of one slot
H_SLOT_COUNT = 80  # slots in the file; slot 0 is the shared slot
H_SLOTS_USED = 84  # slots ever handed out, 1 to slot_count; readers add slots 0 to slots_used - 1
H_FIELD_COUNT = 88  # published entries; release-stored after the entry is complete
H_OVERFLOW_COUNT = 92  # fields the writer could not add because the file was full
H_RESERVED = 96  # zero; room for later minors
HEADER_FORMAT = '<B7sHHLQQQQLHHLLLLLLLLLL32s'
HEADER_FIELDS = ('version', 'magic', 'minor', 'header_size', 'state', 'pid', 'start_ticks', 'created_unix_ns', 'heartbeat_unix_ns', 'heartbeat_interval_ms', 'entry_fixed_size', 'flags', 'meta_offset', 'meta_capacity', 'process_offset', 'process_capacity', 'slots_offset', 'slot_size', 'slot_count', 'slots_used', 'field_count', 'overflow_count', 'reserved')

# Metadata entry: offset of each fixed field from the start of the entry.
E_ENTRY_SIZE = 0  # bytes of the whole entry, a multiple of 8; the next entry follows
E_KIND = 4  # kind code; readers skip entries of kinds they do not know
E_VALUE_TYPE = 5  # value type code; readers skip entries of value types they do not know
E_FLAGS = 6  # reserved, 0; readers ignore it
E_VALUE_OFFSET = 8  # offset of the value in its area (process area or each slot), a multiple of 8
E_VALUE_SIZE = 12  # bytes of the value in one copy
E_NAME_SIZE = 16  # bytes of name, at least 1
E_UNIT_SIZE = 18  # bytes of unit, at most 63; 0: no unit
E_HELP_SIZE = 20  # bytes of help; 0: no help
E_ATTRIBUTES_SIZE = 22  # bytes of attributes; 0: none
E_EXTRA_SIZE = 24  # bytes of extra (histogram bounds), a multiple of 8
E_RESERVED = 28  # reserved, 0; readers ignore it
ENTRY_FORMAT = '<LBBHLLHHHHLL'
ENTRY_FIELDS = ('entry_size', 'kind', 'value_type', 'flags', 'value_offset', 'value_size', 'name_size', 'unit_size', 'help_size', 'attributes_size', 'extra_size', 'reserved')

# Attribute pair: the size fields.
ATTR_SIZE_FORMAT = '<H'
ATTR_SIZE_SIZE = 2

# String value layout: offsets from the start of the value.
S_SEQ = 0  # sequence: odd while the writer changes the text, even when it is complete
S_LENGTH = 8  # bytes of text
S_RESERVED = 12  # reserved, 0
STRING_HEADER_FORMAT = '<QLL'

# Histogram value layout: offsets from the start of the value.
HG_SEQ = 0  # sequence: odd while the writer records an observation, even otherwise
HG_SUM = 8  # sum of the observations, f64
HG_BUCKETS = 16  # observations per bucket, not cumulative; bucket i counts v <= bound i; the last counts the rest (+Inf)
HISTOGRAM_HEADER_FORMAT = '<Qd'
SCALAR_SIZE = 8

# Codes.
KIND_COUNTER = 1
KIND_GAUGE = 2
KIND_UPDOWN_COUNTER = 3
KIND_CONSTANT = 4
KIND_STRING = 5
KIND_HISTOGRAM = 6
VALUETYPE_U64 = 1
VALUETYPE_I64 = 2
VALUETYPE_F64 = 3
VALUETYPE_UTF8 = 4
STATE_CREATING = 0
STATE_READY = 1
STATE_CLOSED = 2
# kind code -> (name, storage, allowed value type codes, meaning)
KINDS = {
    1: ('counter', 'slots', (1, 3), 'a total that only grows (requests served, bytes sent)'),
    2: ('gauge', 'process', (1, 2, 3), 'a value that is set (queue length, temperature); the last store wins'),
    3: ('updown_counter', 'slots', (2, 3), 'a total that grows and shrinks by additions (connections open)'),
    4: ('constant', 'process', (1, 2, 3, 4), 'a value written before the field is published and never changed (a version)'),
    5: ('string', 'process', (4,), 'a text that changes (current state, last error)'),
    6: ('histogram', 'slots', (3,), 'observations counted in buckets with explicit upper bounds, and their sum'),
}
# value type code -> (name, struct character, meaning, canonical JSON)
VALUE_TYPES = {
    1: ('u64', 'Q', 'unsigned 64-bit integer', 'JSON integer, exact'),
    2: ('i64', 'q', "signed 64-bit integer, two's complement", 'JSON integer, exact'),
    3: ('f64', 'd', 'IEEE 754 binary64', 'JSON number (shortest round-trip text), or "NaN", "Infinity", "-Infinity"'),
    4: ('utf8', 's', 'UTF-8 text behind a sequence lock (string value layout)', 'JSON string'),
}
# state code -> (name, meaning)
STATES = {
    0: ('creating', 'the writer is still creating the file: readers report not_ready'),
    1: ('ready', 'the file is published; the writer may be running'),
    2: ('closed', 'the writer closed the file: the values are final'),
}
# error code -> (what is wrong, which byte the offset points at)
CODES = {
    'not_ready': ('the file is empty, its version byte is 0x00, or its state is creating', '0, or the state word (12) when the state is creating'),
    'bad_version': ('the version byte is not one this reader knows (0x01 or 0x02), or it is 0x02 and bytes 1 to 7 are not "MMSTATS"', '0 (the version byte)'),
    'file_too_large': ("the file is larger than the reader's size limit", 'the limit'),
    'bad_file_size': ('the file size is not a positive multiple of 4096', 'the file size (one past the last byte)'),
    'bad_header_size': ('header_size is below 128 or not a multiple of 8', '10 (header_size)'),
    'bad_state': ('the state word is not 0, 1 or 2', '12 (state)'),
    'bad_region': ('a region is misaligned, out of order, overlapping, or runs past the end of the file', 'the header field of the region that breaks the rule (its offset or its size)'),
    'bad_count': ('slots_used is 0 or above slot_count, or entry_fixed_size is below 32 or not a multiple of 8', 'the header field (slots_used or entry_fixed_size)'),
    'bad_entry_size': ('an entry is shorter than entry_fixed_size, not a multiple of 8, or runs past the metadata capacity', 'the first byte of the entry'),
    'bad_lengths': ('the name, unit, help, attributes and extra of an entry do not fit in its entry_size', "the entry's name_size field"),
    'bad_name': ('a name is empty', "the entry's name_size field"),
    'bad_utf8': ('a name, help text, attribute key or attribute value is not well-formed UTF-8', 'the first byte of the ill-formed sequence'),
    'bad_unit': ('a unit is longer than 63 bytes or holds a byte outside 0x21 to 0x7e', 'the first bad byte of the unit, or unit_size when it is too long'),
    'bad_attributes': ('the attributes do not parse as key/value pairs, a key is empty, or a key repeats', 'the first byte of the pair that breaks the rule'),
    'bad_value_type': ('a known kind has a known value type that is not allowed for it', "the entry's value_type"),
    'bad_value_offset': ('a value offset is not a multiple of 8, or the value runs past its area', "the entry's value_offset field"),
    'bad_value_size': ('value_size is not the size the kind and value type require', "the entry's value_size field"),
    'bad_histogram': ('histogram bounds are not a whole number of f64, not finite or not strictly increasing', "the entry's extra_size field, or the first bad bound"),
    'bad_string_length': ("a string's length (with an even sequence) exceeds its capacity", 'the length word of the string value'),
}
