"""Format version 1 as plain data for the read path and the writer (no construct import):
constants, offsets and the type-signature table. Generated from mmstats_format/schema.py;
do not edit:

    python -m mmstats_build.derive --check    # exit 1 if stale
    python -m mmstats_build.derive --write    # regenerate

Helpers over these live in offsets.py and types.py beside it.
"""

FORMAT_VERSION = 1
PAGE_SIZE = 4096
UNBUFFERED = 255
BUFFER_COUNT = 2
VERSION_OFFSET = 0
VERSION_SIZE = 1
FIRST_RECORD_OFFSET = 1
# within a record, from its first byte
LABEL_SIZE_OFFSET = 0
LABEL_SIZE_SIZE = 2
LABEL_SIZE_FORMAT = '<H'
LABEL_OFFSET = 2
TYPE_SIZE_SIZE = 2
TYPE_SIZE_FORMAT = '<H'
WRITE_BUFFER_SIZE = 1

# code: (size, struct_char, kind, meaning, canonical, bounds)
NUMERIC_TYPES = {
    'b': (1, 'b', 'int', 'signed 8-bit integer', 'JSON integer, exact', (-128, 127)),
    'B': (1, 'B', 'int', 'unsigned 8-bit integer', 'JSON integer, exact', (0, 255)),
    'h': (2, 'h', 'int', 'signed 16-bit integer', 'JSON integer, exact', (-32768, 32767)),
    'H': (2, 'H', 'int', 'unsigned 16-bit integer', 'JSON integer, exact', (0, 65535)),
    'i': (4, 'l', 'int', 'signed 32-bit integer', 'JSON integer, exact', (-2147483648, 2147483647)),
    'I': (4, 'L', 'int', 'unsigned 32-bit integer', 'JSON integer, exact', (0, 4294967295)),
    'q': (8, 'q', 'int', 'signed 64-bit integer', 'JSON integer, exact', (-9223372036854775808, 9223372036854775807)),
    'Q': (8, 'Q', 'int', 'unsigned 64-bit integer', 'JSON integer, exact', (0, 18446744073709551615)),
    'f': (4, 'f', 'float', 'IEEE 754 binary32', 'JSON number (widened to binary64), or "NaN", "Infinity", "-Infinity"', None),
    'd': (8, 'd', 'float', 'IEEE 754 binary64', 'JSON number, or "NaN", "Infinity", "-Infinity"', None),
    '?': (1, 'B', 'bool', 'boolean byte: 0 is false, any other value true', 'true or false', None),
}
STRING_TYPE = '<N>s'
STRING_PATTERN = '(0|[1-9][0-9]{0,8})s\\Z'
STRING_MEANING = 'N bytes of UTF-8 text; ends at the first NUL, or fills all N bytes'
STRING_CANONICAL = 'JSON string'
