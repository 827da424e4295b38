"""The compiled decode: mmstats' C extension (mmstats._speedups.ReadPlan), unless it is not
built or MMSTATS_PURE_PYTHON=1 asks for pure Python -- the one switch the writer's slots
use too (mmstats/_slots.py). Each version's layout builds its plan (v1/layout.py,
v2/layout.py); the pure-Python decode stays the reference they are tested against.

The extension is loaded without running ``mmstats/__init__`` (the writer package), so a
read-only tool does not pay for importing the writer.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

__all__ = ["PURE_PYTHON_ENV", "load_speedups", "ReadPlan", "MappedPlan", "open_copies", "poll_listing", "records",
           "IMPLEMENTATION"]

PURE_PYTHON_ENV = "MMSTATS_PURE_PYTHON"
_NAME = "mmstats._speedups"


def _find():
    parent = sys.modules.get("mmstats")
    if parent is not None:
        import mmstats._speedups as module  # noqa: PLC0415 - the package is imported already
        return module
    spec = importlib.util.find_spec("mmstats")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    spec = importlib.machinery.PathFinder.find_spec(_NAME, list(spec.submodule_search_locations))
    if spec is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules[_NAME] = module  # the writer's `from . import _speedups` finds this one
    return module


def load_speedups():
    """The C extension module, or None (not built, or pure Python asked for)."""
    if os.environ.get(PURE_PYTHON_ENV, "") not in ("", "0"):
        return None
    module = sys.modules.get(_NAME)
    if module is not None:
        return module
    try:
        return _find()
    except ImportError:
        return None


_speedups = load_speedups()
ReadPlan = getattr(_speedups, "ReadPlan", None)  # None: the pure-Python decode
MappedPlan = getattr(_speedups, "MappedPlan", None)  # None: v2/mapped.py's PurePlan
open_copies = getattr(_speedups, "open_copies", None)  # None: read() opens and copies with os calls
poll_listing = getattr(_speedups, "poll_listing", None)  # None: StatsDirectory polls file by file in Python
IMPLEMENTATION = "python" if ReadPlan is None else "c"
_record_type = getattr(_speedups, "record_type", None)


def records(cls):
    """The reader's record class ``cls`` (a NamedTuple) as readers make it: with the extension, a copy
    whose instances are made and freed in C (same fields, methods, repr, equality and pickling; a
    reader makes one per field per file), else ``cls`` itself. Both paths make the same type."""
    return cls if _record_type is None else _record_type(cls)
