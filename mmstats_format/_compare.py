"""Comparing canonical objects by value, for every format version: one float rule, one walk.

Floats compare by their binary64 bits (every NaN alike, -0.0 apart from 0.0); a version supplies the
header keys it states, the field keys compared exactly and its own value rule.
"""
from __future__ import annotations

import math
import struct

from .jsonvalue import INF, NAN, NINF

__all__ = ["float_bits", "diff_document"]

_SPECIAL = {NAN: math.nan, INF: math.inf, NINF: -math.inf}


def float_bits(v):
    """binary64 bits of a canonical float value ("nan" for every NaN), or None when it is not one."""
    if isinstance(v, str):
        v = _SPECIAL.get(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return "nan" if math.isnan(f) else struct.pack("<d", f)


def diff_document(want: dict, got, limit: int, header_keys, field_keys, same_value) -> list[str]:
    """Path-level differences ([] when equal); ``path`` is ignored, and so is a header key ``want`` leaves out
    (writer scenarios cannot fix pids and times)."""
    if not isinstance(got, dict):
        return [f"top level: want an object, got {type(got).__name__}"]
    out: list[str] = []
    for key in ("format_version",) + tuple(header_keys):
        if key in want and (got.get(key) != want[key] or type(got.get(key)) is not type(want[key])):
            out.append(f"{key}: want {want[key]!r}, got {got.get(key, '<missing>')!r}")
    wf, gf = want.get("fields", []), got.get("fields")
    if not isinstance(gf, list):
        return out + [f"fields: want a list, got {type(gf).__name__}"]
    if len(wf) != len(gf):
        out.append(f"fields: want {len(wf)} fields, got {len(gf)}")
    for i, (w, g) in enumerate(zip(wf, gf)):
        if not isinstance(g, dict):
            out.append(f"fields[{i}]: want an object, got {g!r}")
            continue
        for key in field_keys:
            if g.get(key) != w[key] or type(g.get(key)) is not type(w[key]):
                out.append(f"fields[{i}].{key}: want {w[key]!r}, got {g.get(key, '<missing>')!r}")
        if "value" not in g or not same_value(w["type"], w["value"], g["value"]):
            out.append(f"fields[{i}].value ({w['label']}): want {w['value']!r}, got {g.get('value', '<missing>')!r}")
        if len(out) >= limit:
            break
    return out[:limit]
