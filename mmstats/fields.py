"""Field definitions for models, with the 0.8 names, type codes and buffering.

On a model class, three kinds of field:
- object fields (Counter, Average, MovingAverage, Timer): ``stats.hits`` is this
  thread's slot object, e.g. ``stats.hits.incr()``;
- value fields (UInt64 ... String, Bool): ``stats.ratio`` reads the value and
  ``stats.ratio = 0.5`` sets it (one update);
- static fields: read-only values fixed when a file is created (``value=`` or
  a callable called for each new file).
The label defaults to the attribute name; the model's label_prefix goes first.

Every field also takes ``help=`` (one line of text), ``unit=`` (UCUM, e.g.
"s", "By", "{request}") and ``attributes=`` (a dict of str, e.g.
{"status": "2xx"}). Format version 2 files (the default) carry them and map
each field onto a kind (``v2_kind``): counters are counters, value fields and
averages gauges, static fields constants, StringField a string, and
HistogramField a histogram. Version 1 files have no room for them.

Integer fields refuse a value their type cannot hold: ``stats.port = -1`` on
a UIntField raises OverflowError and leaves the file as it was. Give the
field ``wrap=True`` to store such values modulo 2**bits instead, as mmstats
0.8 did silently (-1 becomes 4294967295). ``incr()`` always wraps: a counter
runs round to 0 after 2**64 - 1, as the file format says.
"""
from __future__ import annotations

from . import _metrics, _slots
from ._pyslots import encode_text, normalize

__all__ = [
    "Field", "CounterField", "AverageField", "MovingAverageField", "TimerField",
    "UInt64Field", "UIntField", "IntField", "ShortField", "UShortField", "ByteField",
    "FloatField", "DoubleField", "BoolField", "StringField",
    "StaticUIntField", "StaticInt64Field", "StaticUInt64Field", "StaticFloatField",
    "StaticDoubleField", "StaticTextField", "HistogramField", "DEFAULT_STRING_SIZE", "STATIC_TEXT_TYPE",
]

DEFAULT_STRING_SIZE = 255
STATIC_TEXT_TYPE = "256s"  # 0.8 wrote every StaticTextField as 256 bytes

_NO_VALUE = object()


class Field:
    """Base of every field definition."""

    type_signature: str = ""
    buffered = False
    kind = "value"  # "object", "value" or "static"
    wrap = False  # integer fields: store out-of-range values modulo 2**bits instead of raising
    v2_kind: str | None = "gauge"  # the format version 2 kind; None: version 1 only
    default_unit = ""
    v1 = True  # False: the field exists in format version 2 only

    def __init__(self, label=None, *, help="", unit=None, attributes=None):
        self.label = label or None
        if not isinstance(help, str):
            raise TypeError(f"help must be str, not {type(help).__name__}")
        unit = self.default_unit if unit is None else unit
        if not isinstance(unit, str) or len(unit) > 63 or any(not 0x21 <= ord(c) <= 0x7E for c in unit):
            raise ValueError(f"unit {unit!r}: UCUM text, printable ASCII without spaces, at most 63 characters")
        self.help, self.unit = help, unit
        self.attributes = _attribute_dict(attributes)

    def __repr__(self):
        return f"{type(self).__name__}(label={self.label!r}{', wrap=True' if self.wrap else ''})"

    def assignment_error(self, name: str) -> str:
        """Why ``stats.<name> = x`` is refused (object fields only: the model keeps this text)."""
        return (f"mmstats field {name!r} ({type(self).__name__}) cannot be assigned to or deleted: that "
                f"would detach it from the file for this thread; {self.assign_hint(name)}")

    def assign_hint(self, name: str) -> str:
        return f"use its methods, e.g. stats.{name}.add(x)"

    def full_label(self, prefix: str, name: str) -> str:
        return prefix + (self.label or name)

    def initial(self):
        """Value of a new file (or _NO_VALUE: zero)."""
        return _NO_VALUE

    def record(self, label: str) -> tuple:
        value = self.initial()
        rec = (label, self.type_signature, self.buffered)
        if value is _NO_VALUE:
            return rec
        return rec + (normalize(label, self.type_signature, value, wrap=True) if self.wrap else value,)

    def new_slot(self, label: str):
        return _slots.make_slot(label, self.type_signature, self.buffered, wrap=self.wrap)


def _attribute_dict(attributes) -> dict:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise TypeError(f"attributes must be a dict of str to str, not {type(attributes).__name__}")
    for k, v in attributes.items():
        if not isinstance(k, str) or not k or not isinstance(v, str):
            raise TypeError(f"attribute {k!r}: {v!r}: keys are non-empty str, values str")
    return dict(attributes)


def _wrap_option(wrap) -> bool:
    if wrap not in (True, False):
        raise TypeError(f"wrap must be True or False, not {wrap!r}")
    return bool(wrap)


class _IntegerField(Field):
    """An integer field: a value outside the type's range raises OverflowError,
    or with ``wrap=True`` is stored modulo 2**bits (0.8's behaviour)."""

    def __init__(self, label=None, *, wrap=False, **meta):
        super().__init__(label, **meta)
        self.wrap = _wrap_option(wrap)


# -- object fields -----------------------------------------------------------

class CounterField(_IntegerField):
    """Counter: ``stats.hits.incr(n=1)`` (``inc()`` is a deprecated alias), ``.value``. Q, buffered.

    incr() wraps round to 0 after 2**64 - 1, as the file format says.
    ``stats.hits = 10`` raises TypeError: a counter only goes up, so a plain
    assignment is far more likely a slip for ``incr()`` than a wish to reset
    it, and silently replacing the field would lose every later count. To set
    the value outright, say so: ``stats.hits.value = 10`` (0 to 2**64 - 1;
    OverflowError outside that unless ``wrap=True``).
    """

    type_signature = "Q"
    buffered = True
    kind = "object"
    v2_kind = "counter"

    def assign_hint(self, name: str) -> str:
        return f"use stats.{name}.incr(n) to count, or stats.{name}.value = n to set it outright"


class AverageField(Field):
    """Mean of everything ``add()``-ed. d, buffered."""

    type_signature = "d"
    buffered = True
    kind = "object"

    def new_slot(self, label):
        return _metrics.Average(label, self.type_signature)


class MovingAverageField(Field):
    """Mean of the last ``size`` values ``add()``-ed. d, buffered."""

    type_signature = "d"
    buffered = True
    kind = "object"

    def __init__(self, size=100, label=None, **meta):
        super().__init__(label, **meta)
        _metrics.MovingAverage("check", "d")._setup(size)
        self.size = size

    def new_slot(self, label):
        return _metrics.MovingAverage(label, self.type_signature)._setup(self.size)


class TimerField(MovingAverageField):
    """Moving average of timings in seconds: ``with stats.t:`` or ``start()``/``stop()``; ``.last``.

    Version 2: a gauge with unit "s" holding the process's moving average.
    """

    default_unit = "s"

    def assign_hint(self, name: str) -> str:
        return f"time with 'with stats.{name}:' or stats.{name}.add(seconds)"

    def __init__(self, timer=None, size=100, label=None, **meta):
        super().__init__(size=size, label=label, **meta)
        if timer is not None and not callable(timer):
            raise TypeError(f"timer must be a callable returning seconds, not {timer!r}")
        self.timer = timer

    def new_slot(self, label):
        return _metrics.Timer(label, self.type_signature)._setup(self.size, self.timer)


# -- value fields --------------------------------------------------------------

class UInt64Field(_IntegerField):
    """0 to 2**64 - 1 (Q), buffered; out of range: OverflowError, or modulo 2**64 with ``wrap=True``."""

    type_signature, buffered = "Q", True


class UIntField(_IntegerField):
    """0 to 2**32 - 1 (I), buffered; out of range: OverflowError, or modulo 2**32 with ``wrap=True``."""

    type_signature, buffered = "I", True


class IntField(_IntegerField):
    """-2**31 to 2**31 - 1 (i), buffered; out of range: OverflowError, or modulo 2**32 with ``wrap=True``."""

    type_signature, buffered = "i", True


class ShortField(_IntegerField):
    """-32768 to 32767 (h), buffered; out of range: OverflowError, or modulo 2**16 with ``wrap=True``."""

    type_signature, buffered = "h", True


class UShortField(_IntegerField):
    """0 to 65535 (H), buffered; out of range: OverflowError, or modulo 2**16 with ``wrap=True``."""

    type_signature, buffered = "H", True


class FloatField(Field):
    type_signature, buffered = "f", True


class DoubleField(Field):
    type_signature, buffered = "d", True


class ByteField(_IntegerField):
    """-128 to 127 (b), unbuffered (as in 0.8); out of range: OverflowError, or modulo 2**8 with ``wrap=True``."""

    type_signature = "b"


class BoolField(Field):
    """``?``, unbuffered: stores 1 for any truthy value, else 0."""

    type_signature = "?"

    def __init__(self, initial=False, label=None, **meta):
        super().__init__(label, **meta)
        self.initial_value = initial

    def initial(self):
        return 1 if self.initial_value else _NO_VALUE


class StringField(Field):
    """``<size>s``, unbuffered: UTF-8 cut on a character boundary to ``size`` bytes."""

    v2_kind = "string"

    def __init__(self, size=DEFAULT_STRING_SIZE, label=None, **meta):
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"string size must be an int >= 0, not {size!r}")
        super().__init__(label, **meta)
        self.size = size
        self.type_signature = f"{size}s"


# -- static fields -------------------------------------------------------------

class _StaticField(Field):
    kind = "static"
    v2_kind = "constant"

    def __init__(self, label=None, value=None, **meta):
        super().__init__(label, **meta)
        if value is None:
            raise ValueError(f"{type(self).__name__} needs value= (a value or a callable)")
        if not callable(value):  # a constant of the wrong type fails here, not in some thread later
            self._check(label or type(self).__name__, value)
        self.value = value

    def _check(self, label, value):
        code = self.type_signature
        if code.endswith("s"):
            encode_text(label, int(code[:-1]), value)
        else:
            normalize(label, code, value, self.wrap)

    def initial(self):
        return self.value() if callable(self.value) else self.value


class _StaticIntegerField(_StaticField):
    """A static integer: out of range raises OverflowError, or wraps with ``wrap=True``."""

    def __init__(self, label=None, value=None, *, wrap=False, **meta):
        self.wrap = _wrap_option(wrap)
        super().__init__(label, value, **meta)


class StaticUIntField(_StaticIntegerField):
    type_signature = "I"


class StaticInt64Field(_StaticIntegerField):
    type_signature = "q"


class StaticUInt64Field(_StaticIntegerField):
    type_signature = "Q"


class StaticFloatField(_StaticField):
    type_signature = "f"


class StaticDoubleField(_StaticField):
    type_signature = "d"


class StaticTextField(_StaticField):
    """Text fixed at creation, always type 256s."""

    type_signature = STATIC_TEXT_TYPE


# -- format version 2 only -------------------------------------------------------

class HistogramField(Field):
    """Observations counted in buckets: ``stats.latency.observe(v)``, ``with stats.latency.time(): ...``.

    ``buckets``: finite upper bounds, strictly increasing (a last +Inf bucket is implied).
    ``time()`` observes durations in the field's unit: "s" (the default), "ms", "us" or "ns".
    Readers see cumulative buckets, sum and count. Format version 2 only.
    """

    type_signature = "d"
    kind = "object"
    v2_kind = "histogram"
    v1 = False
    default_unit = "s"
    _SCALES = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}

    def __init__(self, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0), label=None, **meta):
        super().__init__(label, **meta)
        try:
            bounds = tuple(float(b) for b in buckets)
        except (TypeError, ValueError):
            raise TypeError(f"buckets must be numbers, not {buckets!r}") from None
        if not bounds or any(b != b or abs(b) == float("inf") for b in bounds) or \
                any(a >= b for a, b in zip(bounds, bounds[1:])):
            raise ValueError(f"buckets {buckets!r}: finite upper bounds, strictly increasing, at least one")
        self.buckets = bounds
        self.scale = self._SCALES.get(self.unit, 1.0)

    def assign_hint(self, name: str) -> str:
        return f"use stats.{name}.observe(v) or 'with stats.{name}.time():'"
