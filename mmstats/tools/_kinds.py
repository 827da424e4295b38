"""What a field is: a version 2 field says its kind; a version 1 field is judged from its type."""
from __future__ import annotations

__all__ = ["is_counter", "numeric", "CHANGE", "SUM", "SAME", "aggregation"]

# How a column adds up across processes (pollstats):
CHANGE = "change"  # a monotonic count: the change since the previous row, summed over files
SUM = "sum"        # summed over files
SAME = "same"      # never summed: one value when every file agrees, else "mixed" (gauges, pids, times, texts)
_FLOATS = frozenset("fd")  # version 1 floating fields: averages, timers, ratios, times; never additive


def is_counter(field) -> bool:
    """A counter: kind ``counter`` in version 2; in version 1, a buffered unsigned 64-bit field (what
    CounterField writes)."""
    kind = getattr(field, "kind", None)
    if kind is not None:
        return kind == "counter"
    return field.buffered and field.type == "Q"


def aggregation(field) -> str:
    """CHANGE, SUM or SAME for ``field`` (a reader's Field or a layout's field record)."""
    kind = getattr(field, "kind", None)
    if kind is None:
        return _aggregation_v1(field)
    if kind in ("counter", "histogram"):  # a histogram's column is its count of observations
        return CHANGE
    return SUM if kind == "updown_counter" else SAME


def numeric(value) -> bool:
    return isinstance(value, (int, float))  # bool is an int: true counts as 1


def _aggregation_v1(field) -> str:
    """Version 1 says no kind: counters change; the writer's identity (pid, tid, uid, gid, creation time,
    runtime), strings, constants and floating fields (averages, timers) are never summed; every other
    integer (a level such as a queue length or a count of busy workers) adds up."""
    from ._fieldinfo import describe  # it builds on is_counter above
    if is_counter(field):
        return CHANGE
    if describe(field).kind in ("identity", "string", "constant") or field.type in _FLOATS:
        return SAME
    return SUM
