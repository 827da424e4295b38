"""The canonical decoded form (JSON) every reader prints, and a semantic comparison.

Floats: shortest round-trip text; NaN and the infinities as fixed strings.
Comparison is by value, never by text: 0.1 == 0.1000, -0.0 != 0.0.
"""
from __future__ import annotations

import json
import os

from ._compare import diff_document, float_bits
from .jsonvalue import json_value
from .scan import VERSIONS
from .v1.table import FORMAT_VERSION
from .v1.types import lookup

__all__ = ["json_value", "to_canonical", "dumps", "diff"]

def to_canonical(path, fields, version: int = FORMAT_VERSION) -> dict:
    """``fields`` as a reader returns them; their own ``format_version`` and ``header`` (version 2) win."""
    version = getattr(fields, "format_version", version)
    out = {"path": os.fspath(path), "format_version": version}
    out.update(getattr(fields, "header", {}))
    out["fields"] = list(map(VERSIONS[version].canonical_field, fields))
    return out


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def _same_value(type_code: str, want, got) -> bool:
    spec = lookup(type_code) if isinstance(type_code, str) else None
    kind = spec.kind if spec else None
    if kind == "float":
        wb = float_bits(want)
        return wb is not None and wb == float_bits(got)
    if kind == "int":
        return type(got) is int and type(want) is int and got == want
    if kind == "bool":
        return type(got) is bool and got == want
    return type(got) is type(want) and got == want


def diff(want: dict, got, limit: int = 10) -> list[str]:
    """Path-level differences between two canonical objects ([] when equal). ``path`` is ignored."""
    own = getattr(VERSIONS.get(want.get("format_version")), "diff", None)
    if own is not None:
        return own(want, got, limit)
    return diff_document(want, got, limit, (), ("label", "type", "buffered"), _same_value)
