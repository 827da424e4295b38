"""mmstats file format version 1: schema, reader, re-reader, validator, builder."""
from .build import build_file, encode_string, record
from .canonical import diff, dumps, to_canonical
from .errors import CODES, FormatError, MmstatsError
from .read import DEFAULT_MAX_SIZE, Field, decode_bytes, read
from .reread import StatsReader
from .schema import FORMAT_VERSION, PAGE_SIZE, UNBUFFERED
from .validate import Report, validate, validate_bytes

__all__ = [
    "CODES", "DEFAULT_MAX_SIZE", "FORMAT_VERSION", "PAGE_SIZE", "UNBUFFERED",
    "Field", "FormatError", "MmstatsError", "Report", "StatsReader",
    "build_file", "decode_bytes", "diff", "dumps", "encode_string", "read", "record",
    "to_canonical", "validate", "validate_bytes",
]
