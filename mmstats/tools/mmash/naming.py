"""Prometheus names for mmstats fields, by Prometheus's naming conventions.

- every character outside [a-zA-Z0-9_] becomes "_" (a leading "_" before a digit);
  camelCase becomes snake_case (``lastHit`` -> ``last_hit``), as ``promtool check metrics`` asks;
- the unit (UCUM, as format version 2 and OpenTelemetry give it) becomes a suffix in the
  base unit Prometheus prefers, and values are scaled to it (``ms`` -> ``_seconds``, x 0.001);
- the suffixes a type reserves never end another type's name: a gauge labelled ``x.total``
  is ``x``, not ``x_total`` (which reads as a counter); the exposition adds ``_total`` to
  counters, ``_info`` to info series and ``_bucket``/``_sum``/``_count`` to histograms itself.
  So no family name ends like another family's samples.
"""
from __future__ import annotations

import re

__all__ = ["metric_name", "label_name", "unit_suffix", "family_name", "RESERVED"]

_NOT_NAME = re.compile(r"[^a-zA-Z0-9_]")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_HAS_CAMEL = re.compile(r"[a-z][A-Z]")

# UCUM unit -> (Prometheus suffix, factor to the base unit)
_UNITS = {
    "s": ("seconds", 1.0), "ms": ("seconds", 1e-3), "us": ("seconds", 1e-6), "ns": ("seconds", 1e-9),
    "min": ("seconds", 60.0), "h": ("seconds", 3600.0), "d": ("seconds", 86400.0),
    "By": ("bytes", 1.0), "kBy": ("bytes", 1e3), "MBy": ("bytes", 1e6), "GBy": ("bytes", 1e9),
    "KiBy": ("bytes", 1024.0), "MiBy": ("bytes", 1024.0 ** 2), "GiBy": ("bytes", 1024.0 ** 3),
    "bit": ("bits", 1.0), "Hz": ("hertz", 1.0), "Cel": ("celsius", 1.0), "K": ("kelvin", 1.0),
    "m": ("meters", 1.0), "V": ("volts", 1.0), "A": ("amperes", 1.0), "J": ("joules", 1.0),
    "W": ("watts", 1.0), "g": ("grams", 1.0), "%": ("percent", 1.0), "1": ("ratio", 1.0),
}
_PER = {"s": "second", "min": "minute", "h": "hour", "d": "day"}
RESERVED = ("_total", "_created", "_count", "_sum", "_bucket", "_info")
_TYPE_WORDS = ("counter", "gauge", "histogram", "summary")


def metric_name(label: str) -> str:
    """A valid, snake_case Prometheus name for any label."""
    name = _NOT_NAME.sub("_", label)
    if _HAS_CAMEL.search(name):
        name = _CAMEL.sub(r"\1_\2", name).lower()
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def label_name(key: str) -> str:
    """A label name for an attribute key (names starting "__" are Prometheus's own)."""
    name = metric_name(key)
    return "a" + name if name.startswith("__") else name


def unit_suffix(unit: str, kind: str) -> tuple[str, float]:
    """(suffix without "_", factor) for a UCUM unit; ("", 1.0) for none or an annotation like {request}."""
    unit = re.sub(r"\{[^}]*\}", "", unit or "").strip()
    if not unit or (unit == "1" and kind != "gauge"):
        return "", 1.0
    if unit in _UNITS:
        return _UNITS[unit]
    if "/" in unit:
        top, _, per = unit.partition("/")
        suffix, factor = _UNITS.get(top, (metric_name(top).strip("_").lower(), 1.0)) if top else ("", 1.0)
        per_word = _PER.get(per, metric_name(per).strip("_").lower())
        return (f"{suffix}_per_{per_word}" if suffix else f"per_{per_word}"), factor
    return metric_name(unit).strip("_").lower(), 1.0


def _strip(name: str) -> str:
    """``name`` without the suffixes a type reserves or names (``x.count.total`` loses both)."""
    changed = True
    while changed:
        changed = False
        for suffix in RESERVED:
            if name.endswith(suffix) and len(name) > len(suffix):
                name, changed = name[:-len(suffix)], True
        for word in _TYPE_WORDS:
            if name.endswith("_" + word) and len(name) > len(word) + 1:
                name, changed = name[:-len(word) - 1], True
    return name


def family_name(label: str, kind: str, unit: str = "") -> tuple[str, float]:
    """(family name, value factor) of a field: the name a TYPE line carries, before any sample suffix.

    A string has no unit (its series is an info series, which carries none); a unit whose suffix would
    end the name like a type or a sample (``By/count``, an unknown ``total``) gives no suffix and no
    scaling."""
    name = _strip(metric_name(label))
    if kind == "string":
        return name, 1.0
    suffix, factor = unit_suffix(unit, kind)
    if not suffix or name.endswith("_" + suffix):
        return name, factor
    suffixed = name + "_" + suffix
    if _strip(suffixed) != suffixed:
        return name, 1.0  # no suffix says the unit: the values stay in the file's
    return suffixed, factor
