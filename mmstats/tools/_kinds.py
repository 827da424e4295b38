"""What a field is: a version 2 field says its kind; a version 1 field is judged from its type."""
from __future__ import annotations

__all__ = ["is_counter", "numeric", "CHANGE", "SUM", "SAME", "aggregation"]

# How a column adds up across processes (pollstats):
CHANGE = "change"  # a monotonic count: the change since the previous row, summed over files
SUM = "sum"        # summed over files
SAME = "same"      # never summed: one value when every file agrees, else "mixed" (gauges, pids, times, texts)


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
    if kind is None:  # version 1 says no kind: counters change, every other number adds up as it always did
        return CHANGE if is_counter(field) else SUM
    if kind in ("counter", "histogram"):  # a histogram's column is its count of observations
        return CHANGE
    return SUM if kind == "updown_counter" else SAME


def numeric(value) -> bool:
    return isinstance(value, (int, float))  # bool is an int: true counts as 1
