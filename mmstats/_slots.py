"""Which slot implementation the writer uses: the C accelerator when it is
built and not disabled with MMSTATS_PURE_PYTHON=1, else the pure-Python one.
Both behave the same (mmstats/_pyslots.py is the reference).
"""
from __future__ import annotations

from mmstats_format.accel import load_speedups
from mmstats_format.v1.types import lookup

from . import _pyslots, _v2pyslots
from ._pyslots import StringSlot

__all__ = ["IMPLEMENTATION", "BufferedSlot", "UnbufferedSlot", "StringSlot", "FieldAccess", "ModelLocal",
           "make_slot", "implementations", "CounterSlot", "MeanGauge", "TimerFront",
           "counter_slot_classes", "v2_implementations"]


_speedups = load_speedups()  # the same switch as the reader's compiled decode
if _speedups is not None:
    BufferedSlot, UnbufferedSlot = _speedups.BufferedSlot, _speedups.UnbufferedSlot
    FieldAccess, ModelLocal = _speedups.FieldAccess, _speedups.ModelLocal
    CounterSlot, MeanGauge, TimerFront = _speedups.CounterSlot, _speedups.MeanGauge, _speedups.TimerFront  # v2
    IMPLEMENTATION = "c"
else:
    BufferedSlot, UnbufferedSlot = _pyslots.BufferedSlot, _pyslots.UnbufferedSlot
    FieldAccess, ModelLocal = _pyslots.FieldAccess, _pyslots.ModelLocal
    CounterSlot, MeanGauge, TimerFront = _v2pyslots.CounterSlot, _v2pyslots.MeanGauge, _v2pyslots.TimerFront
    IMPLEMENTATION = "python"


def implementations() -> dict:
    """Every importable implementation by name (for tests and the benchmark)."""
    impls = {"python": (_pyslots.BufferedSlot, _pyslots.UnbufferedSlot)}
    try:
        from . import _speedups as c
    except ImportError:
        pass
    else:
        impls["c"] = (c.BufferedSlot, c.UnbufferedSlot)
    return impls


def counter_slot_classes() -> dict:
    """Every importable version 2 CounterSlot by name (for tests and the benchmark)."""
    impls = {"python": _v2pyslots.CounterSlot}
    try:
        from . import _speedups as c
    except ImportError:
        pass
    else:
        impls["c"] = c.CounterSlot
    return impls


def v2_implementations() -> dict:
    """name -> (CounterSlot, MeanGauge, TimerFront) of every importable implementation."""
    impls = {"python": (_v2pyslots.CounterSlot, _v2pyslots.MeanGauge, _v2pyslots.TimerFront)}
    try:
        from . import _speedups as c
    except ImportError:
        pass
    else:
        impls["c"] = (c.CounterSlot, c.MeanGauge, c.TimerFront)
    return impls


def make_slot(label: str, type: str, buffered: bool, impl=None, wrap: bool = False):
    """A new, unbound slot for one field; ``impl`` = (BufferedSlot, UnbufferedSlot) to force one.

    ``wrap``: an integer set out of the type's range is stored modulo 2**bits instead of
    raising OverflowError."""
    spec = lookup(type)
    if spec is None:
        raise ValueError(f"unknown type signature {type!r}")
    if spec.kind == "string":
        return StringSlot(label, type, buffered)
    buffered_cls, unbuffered_cls = impl or (BufferedSlot, UnbufferedSlot)
    return (buffered_cls if buffered else unbuffered_cls)(label, type, wrap)
