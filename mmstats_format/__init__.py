"""mmstats file formats, versions 1 and 2 behind one dispatch (scan.py): schemas, reader, re-reader,
validator, version 1 builder.

The reading side never imports construct (it costs most of the start-up of every
command); the builder, which needs it, is loaded on first use.
"""
from importlib import import_module

from .v1.table import FORMAT_VERSION, PAGE_SIZE, UNBUFFERED
from .canonical import diff, dumps, to_canonical
from .directory import StatsDirectory
from .errors import CODES, FormatError, MmstatsError
from .read import DEFAULT_MAX_SIZE, Field, decode_bytes, read
from .reread import StatsReader
from .validate import Report, validate, validate_bytes

_LAZY = {"build_file": ".build", "encode_string": ".build", "record": ".build"}

__all__ = [
    "CODES", "DEFAULT_MAX_SIZE", "FORMAT_VERSION", "PAGE_SIZE", "UNBUFFERED",
    "Field", "FormatError", "MmstatsError", "Report", "StatsDirectory", "StatsReader",
    "build_file", "decode_bytes", "diff", "dumps", "encode_string", "read", "record",
    "to_canonical", "validate", "validate_bytes",
]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module, __name__), name)
