"""mmstats: /proc for your application.

Publish counters, gauges, timings and strings into memory-mapped files that
other processes read at any time; a writer pays two stores per update.

    import mmstats

    class WebStats(mmstats.MmStats):
        hits = mmstats.CounterField(label="hits")

    stats = WebStats()       # once; every thread that uses it gets its own file
    stats.hits.incr()

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
