"""The construct schema of mmstats format version 1: the single source of truth.

One field per line, named as in spec/v1.md. Everything else (offsets of the
fast paths, the spec's tables, the conformance corpus) is derived from here.
"""
from __future__ import annotations

import re
from functools import lru_cache

import construct as c
from construct import this

__all__ = [
    "FORMAT_VERSION", "PAGE_SIZE", "UNBUFFERED", "BUFFER_COUNT",
    "Version", "LabelSize", "TypeSize", "WriteBuffer",
    "NUMERIC_TYPES", "STRING_TYPE", "STRING_PATTERN", "STRING_MEANING", "STRING_CANONICAL",
    "string_size", "element",
    "Value", "Record", "RecordList", "ZeroFill", "File",
]

FORMAT_VERSION = 1
PAGE_SIZE = 4096
UNBUFFERED = 0xFF  # write_buffer value of a record holding one value
BUFFER_COUNT = 2   # value slots of a buffered record

Version = c.Int8ul
LabelSize = c.Int16ul
TypeSize = c.Int16ul
WriteBuffer = c.Int8ul


# The type-signature table: code -> (construct element of one value, kind, meaning, canonical JSON).
# Sizes, struct codes and integer bounds are read off the elements (v1/table.py is generated from here).
_INT = "JSON integer, exact"
_FLOAT = "JSON number, or \"NaN\", \"Infinity\", \"-Infinity\""
NUMERIC_TYPES = {
    "b": (c.Int8sl, "int", "signed 8-bit integer", _INT),
    "B": (c.Int8ul, "int", "unsigned 8-bit integer", _INT),
    "h": (c.Int16sl, "int", "signed 16-bit integer", _INT),
    "H": (c.Int16ul, "int", "unsigned 16-bit integer", _INT),
    "i": (c.Int32sl, "int", "signed 32-bit integer", _INT),
    "I": (c.Int32ul, "int", "unsigned 32-bit integer", _INT),
    "q": (c.Int64sl, "int", "signed 64-bit integer", _INT),
    "Q": (c.Int64ul, "int", "unsigned 64-bit integer", _INT),
    "f": (c.Float32l, "float", "IEEE 754 binary32", "JSON number (widened to binary64), or \"NaN\", \"Infinity\", \"-Infinity\""),
    "d": (c.Float64l, "float", "IEEE 754 binary64", _FLOAT),
    "?": (c.Int8ul, "bool", "boolean byte: 0 is false, any other value true", "true or false"),
}

# String types "<N>s": N bytes of NUL-padded UTF-8; N decimal without sign or leading zeros ("0s" is allowed).
STRING_TYPE = "<N>s"
STRING_PATTERN = r"(0|[1-9][0-9]{0,8})s\Z"
STRING_MEANING = "N bytes of UTF-8 text; ends at the first NUL, or fills all N bytes"
STRING_CANONICAL = "JSON string"
_STRING_RE = re.compile(STRING_PATTERN)


def string_size(code: str) -> int | None:
    """N of a ``<N>s`` signature, or None if ``code`` is not a string type."""
    m = _STRING_RE.match(code)
    return int(m.group(1)) if m else None


@lru_cache(maxsize=4096)
def element(code: str):
    """The construct element storing one value of type ``code``, or None when the code is unknown."""
    row = NUMERIC_TYPES.get(code)
    if row is not None:
        return row[0]
    n = string_size(code)
    return None if n is None else c.Bytes(n)


def _string_element(ctx):
    n = string_size(ctx.type)
    if n is None:
        raise c.ExplicitError(f"unknown type signature {ctx.type!r}")
    return n


# One value of the record's type: a numeric element, or N bytes for "<N>s".
Value = c.Switch(
    this.type,
    {code: row[0] for code, row in NUMERIC_TYPES.items()},
    default=c.Bytes(_string_element),
)

Record = c.Struct(
    "label_size" / c.Rebuild(LabelSize, lambda ctx: len(ctx.label.encode("utf-8")))
    * "length of label in bytes; a label size of 0 ends the record list instead",
    "label" / c.StringEncoded(c.Bytes(this.label_size), "utf-8")
    * "the field's name, UTF-8, no NUL terminator",
    "type_size" / c.Rebuild(TypeSize, lambda ctx: len(ctx.type.encode("ascii")))
    * "length of type in bytes",
    "type" / c.StringEncoded(c.Bytes(this.type_size), "ascii")
    * "type signature from the type table, e.g. Q or 255s",
    "write_buffer" / c.OneOf(WriteBuffer, {0, 1, UNBUFFERED})
    * "0xff: unbuffered, one value follows; 0 or 1: the buffer the writer writes next",
    "value" / c.IfThenElse(this.write_buffer == UNBUFFERED, Value, c.Array(BUFFER_COUNT, Value))
    * "one value, or BUFFER_COUNT values when buffered; readers read value[write_buffer ^ 1]",
)


class RecordList(c.Construct):
    """Records back to back until a label size of 0 or the end of the file.

    Fewer than two bytes left also ends the list when they are zero (a lone
    zero byte is the zero fill, too short to hold a label size).
    """

    def __init__(self, record):
        super().__init__()
        self.record = record

    def _parse(self, stream, context, path):
        items = c.ListContainer()
        while True:
            start = c.stream_tell(stream, path)
            peek = stream.read(LabelSize.sizeof())
            c.stream_seek(stream, start, 0, path)
            if len(peek) < LabelSize.sizeof():
                if any(peek):
                    raise c.StreamError("record list ends in a lone non-zero byte", path=path)
                return items
            if LabelSize.parse(peek) == 0:
                return items
            items.append(self.record._parsereport(stream, context, path))

    def _build(self, obj, stream, context, path):
        for item in obj:
            self.record._build(item, stream, context, path)
        return obj

    def _sizeof(self, context, path):
        raise c.SizeofError("a record list has no fixed size", path=path)


class ZeroFill(c.Construct):
    """Zero bytes up to the next multiple of the page size (the terminator is the first two).

    Parsing also checks that the whole file is a positive multiple of a page.
    """

    def __init__(self, page_size):
        super().__init__()
        self.page_size = page_size

    def _parse(self, stream, context, path):
        rest = c.stream_read_entire(stream, path)
        if any(rest):
            raise c.ValidationError("non-zero byte after the record list", path=path)
        end = c.stream_tell(stream, path)
        if end == 0 or end % self.page_size:
            raise c.ValidationError(f"file size {end} is not a positive multiple of {self.page_size}", path=path)
        return len(rest)

    def _build(self, obj, stream, context, path):
        used = c.stream_tell(stream, path)
        fill = -used % self.page_size
        c.stream_write(stream, bytes(fill), fill, path)
        return fill

    def _sizeof(self, context, path):
        raise c.SizeofError("zero fill depends on what precedes it", path=path)


File = c.Struct(
    "version" / c.Const(FORMAT_VERSION, Version) * "format version, 0x01",
    "records" / RecordList(Record) * "the fields, back to back, packed",
    "zero_fill" / c.Default(ZeroFill(PAGE_SIZE), None)
    * "zeros to the end of the file; the file size is a multiple of PAGE_SIZE",
)
