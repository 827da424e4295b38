"""mmstats: /proc for your application.

Publish counters, gauges, timings, histograms and strings into a memory-mapped
file that other processes read at any time; an increment is a load and a store.

    import mmstats

    class WebStats(mmstats.MmStats):
        hits = mmstats.CounterField(label="hits", help="Requests", unit="{request}")

    stats = WebStats()       # once; one file per process (format version 2), a slot per thread
    stats.hits.incr()

format_version=1 (or MMSTATS_FORMAT_VERSION=1) writes the 2011 format, a file per thread.

Low-level: mmstats.lowlevel.create_file(path, [(label, type, buffered), ...]).
"""
from mmstats_format.errors import MmstatsError

from ._errors import CreateError, WriterError
from ._slots import IMPLEMENTATION
from .fields import (
    AverageField, BoolField, ByteField, CounterField, DoubleField, Field, FloatField, IntField,
    MovingAverageField, ShortField, StaticDoubleField, StaticFloatField, StaticInt64Field,
    HistogramField, StaticTextField, StaticUInt64Field, StaticUIntField, StringField, TimerField, UInt64Field,
    UIntField, UShortField,
)
from .models import BaseMmStats, MmStats

__all__ = [
    "MmStats", "BaseMmStats",
    "Field", "CounterField", "AverageField", "MovingAverageField", "TimerField",
    "UInt64Field", "UIntField", "IntField", "ShortField", "UShortField", "ByteField",
    "FloatField", "DoubleField", "BoolField", "StringField",
    "StaticUIntField", "StaticInt64Field", "StaticUInt64Field", "StaticFloatField",
    "StaticDoubleField", "StaticTextField", "HistogramField",
    "MmstatsError", "WriterError", "CreateError", "IMPLEMENTATION",
]
