"""Format version 1 (the 2011 format), as the version dispatch (scan.py) calls it."""
from __future__ import annotations

from . import table
from ..jsonvalue import json_value
from .layout import CompiledLayout as compile_layout
from .records import Field, FieldLayout, scan

__all__ = ["VERSION", "PAGE_SIZE", "Field", "FieldLayout", "scan", "compile_layout", "canonical_field"]

VERSION = table.FORMAT_VERSION
PAGE_SIZE = table.PAGE_SIZE


def canonical_field(field) -> dict:
    return {"label": field.label, "type": field.type, "buffered": field.buffered, "value": json_value(field.value)}
