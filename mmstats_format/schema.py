"""The construct schema of mmstats format version 1: the single source of truth.

One field per line, named as in spec/v1.md. Everything else (offsets of the
fast paths, the spec's tables, the conformance corpus) is derived from here.
"""
from __future__ import annotations

import construct as c
from construct import this

from .types import NUMERIC_TYPES, string_size

__all__ = [
    "FORMAT_VERSION", "PAGE_SIZE", "UNBUFFERED", "BUFFER_COUNT",
    "Version", "LabelSize", "TypeSize", "WriteBuffer",
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


def _string_element(ctx):
    n = string_size(ctx.type)
    if n is None:
        raise c.ExplicitError(f"unknown type signature {ctx.type!r}")
    return n


# One value of the record's type: a numeric element, or N bytes for "<N>s".
Value = c.Switch(
    this.type,
    {code: spec.element for code, spec in NUMERIC_TYPES.items()},
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
