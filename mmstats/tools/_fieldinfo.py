"""What a decoded field is: its kind, unit, help text and attributes, as exporters need them.

``describe(field)`` is the one place that decides. A field that carries its own
metadata (format version 2: ``kind``, ``unit``, ``help``, ``attributes`` on the
decoded field) is taken at its word. A version 1 field says none of that, so
the spec's rules decide:

- a default field (spec/v1.md, "Default fields": ``sys.pid``, ``sys.tid``,
  ``sys.uid``, ``sys.gid``, ``sys.created``, a runtime's ``<reverse-dns>.version``,
  with any label prefix) is the writer's identity, never a metric;
- a buffered ``Q`` field is a counter (what CounterField writes);
- a string field is a string;
- an unbuffered byte or bool may change (ByteField, BoolField): a gauge;
  every other unbuffered field is written once, at creation: a constant;
- anything else numeric is a gauge (averages, timers, DoubleField, ...).

Version 1 carries no units and no help text: both are empty.
"""
from __future__ import annotations

from typing import NamedTuple

from ._kinds import is_counter

__all__ = ["FieldInfo", "KINDS", "IDENTITY_ROLES", "describe"]

KINDS = ("counter", "gauge", "updown_counter", "constant", "string", "histogram", "identity")  # spec/v2.md's, and identity

# default field name -> the part of the process identity it gives
IDENTITY_ROLES = {"sys.pid": "pid", "sys.tid": "tid", "sys.uid": "uid", "sys.gid": "gid", "sys.created": "start_time"}
_MUTABLE_UNBUFFERED = frozenset("b?")


class FieldInfo(NamedTuple):
    kind: str                 # one of KINDS
    unit: str = ""            # UCUM, as OpenTelemetry uses ("s", "By", "1", "{request}"); "" unknown
    help: str = ""
    attributes: tuple = ()    # ((key, value), ...)
    role: str = ""            # identity fields: pid, tid, uid, gid, start_time or runtime


def _default_name(label: str, name: str) -> bool:
    return label == name or label.endswith("." + name)


def _identity_role(field) -> str:
    if field.buffered:
        return ""  # default fields are written once, unbuffered
    label, code = field.label, field.type
    if code.endswith("s"):
        # org.python.version, org.rust-lang.version: a reverse-DNS name with at least two dots
        return "runtime" if label.endswith(".version") and label.count(".") >= 2 else ""
    for name, role in IDENTITY_ROLES.items():
        if _default_name(label, name):
            return role if (code == "d") == (role == "start_time") else ""
    return ""


def describe(field) -> FieldInfo:
    """The FieldInfo of a decoded field (a FieldLayout, or anything with the same attributes)."""
    kind = getattr(field, "kind", None)
    if isinstance(kind, str):  # self-describing (format version 2)
        return FieldInfo(kind, getattr(field, "unit", "") or "", getattr(field, "help", "") or "",
                         tuple(dict(getattr(field, "attributes", ()) or ()).items()))
    role = _identity_role(field)
    if role:
        return FieldInfo("identity", "s" if role == "start_time" else "", role=role)
    if is_counter(field):
        return FieldInfo("counter")
    if field.type.endswith("s"):
        return FieldInfo("string")
    if not field.buffered and field.type not in _MUTABLE_UNBUFFERED:
        return FieldInfo("constant")
    return FieldInfo("gauge")
