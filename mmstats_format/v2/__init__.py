"""Format version 2 (spec/v2.md), as the version dispatch (scan.py) calls it."""
from __future__ import annotations

from . import derived as d
from .decode import RETRIES, Entry, Field, File2, V2Error, canonical_field, decode, diff, problems, walk
from .layout import Layout as compile_layout

__all__ = ["VERSION", "PAGE_SIZE", "SELF_CHECKED", "ONE_COPY", "RETRIES", "Entry", "Field", "File2", "V2Error", "scan",
           "compile_layout", "canonical_field", "decode", "diff", "problems"]

VERSION = d.FORMAT_VERSION
PAGE_SIZE = d.PAGE_SIZE

# The walk checks the file size itself and reports problems in the order spec/v2.md's walk finds them.
SELF_CHECKED = True

# No write buffers: a one-shot read needs no second copy made at once (sequence-locked values take their own).
ONE_COPY = True


def scan(data):
    """(entries, problems): every decodable entry and every problem, in walk order."""
    _, entries, errors = walk(data)
    return entries, errors
