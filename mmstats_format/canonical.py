"""The canonical decoded form (JSON) every reader prints, and a semantic comparison.

Floats: shortest round-trip text; NaN and the infinities as fixed strings.
Comparison is by value, never by text: 0.1 == 0.1000, -0.0 != 0.0.
"""
from __future__ import annotations

import json
import math
import os
import struct

from .v1.table import FORMAT_VERSION
from .v1.types import lookup
from .jsonvalue import INF, NAN, NINF, json_value
from .scan import VERSIONS

__all__ = ["json_value", "to_canonical", "dumps", "diff"]

_SPECIAL = {NAN: math.nan, INF: math.inf, NINF: -math.inf}


def to_canonical(path, fields, version: int = FORMAT_VERSION) -> dict:
    """``fields`` as a reader returns them; their own ``format_version`` and ``header`` (version 2) win."""
    version = getattr(fields, "format_version", version)
    out = {"path": os.fspath(path), "format_version": version}
    out.update(getattr(fields, "header", {}))
    out["fields"] = list(map(VERSIONS[version].canonical_field, fields))
    return out


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False)


def _float_bits(v):
    """binary64 bits of a canonical float value, or None when it is not one."""
    if isinstance(v, str):
        v = _SPECIAL.get(v)
        if v is None:
            return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    if math.isnan(f):
        return "nan"  # every NaN is the same canonical value
    return struct.pack("<d", f)


def _same_value(type_code: str, want, got) -> bool:
    spec = lookup(type_code) if isinstance(type_code, str) else None
    kind = spec.kind if spec else None
    if kind == "float":
        wb = _float_bits(want)
        return wb is not None and wb == _float_bits(got)
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
    out: list[str] = []
    if not isinstance(got, dict):
        return [f"top level: want an object, got {type(got).__name__}"]
    if got.get("format_version") != want.get("format_version"):
        out.append(f"format_version: want {want.get('format_version')!r}, got {got.get('format_version')!r}")
    wf, gf = want.get("fields", []), got.get("fields")
    if not isinstance(gf, list):
        return out + [f"fields: want a list, got {type(gf).__name__}"]
    if len(wf) != len(gf):
        out.append(f"fields: want {len(wf)} fields, got {len(gf)}")
    for i, (w, g) in enumerate(zip(wf, gf)):
        if not isinstance(g, dict):
            out.append(f"fields[{i}]: want an object, got {g!r}")
            continue
        for key in ("label", "type", "buffered"):
            if g.get(key) != w[key] or type(g.get(key)) is not type(w[key]):
                out.append(f"fields[{i}].{key}: want {w[key]!r}, got {g.get(key)!r}")
        if "value" not in g or not _same_value(w["type"], w["value"], g["value"]):
            out.append(f"fields[{i}].value ({w['label']}): want {w['value']!r}, got {g.get('value', '<missing>')!r}")
        if len(out) >= limit:
            break
    return out[:limit]
