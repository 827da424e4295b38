"""What a field is, judged from its type as a reader sees it."""
from __future__ import annotations

__all__ = ["is_counter", "numeric"]


def is_counter(field) -> bool:
    """A counter is a buffered unsigned 64-bit field (what CounterField writes): a monotonic count."""
    return field.buffered and field.type == "Q"


def numeric(value) -> bool:
    return isinstance(value, (int, float))  # bool is an int: true counts as 1
