"""Field definitions for models, with the 0.8 names, type codes and buffering.

On a model class, three kinds of field:
- object fields (Counter, Average, MovingAverage, Timer): ``stats.hits`` is this
  thread's slot object, e.g. ``stats.hits.incr()``;
- value fields (UInt64 ... String, Bool): ``stats.ratio`` reads the value and
  ``stats.ratio = 0.5`` sets it (one update);
- static fields: read-only values fixed when a file is created (``value=`` or
  a callable called for each new file).
The label defaults to the attribute name; the model's label_prefix goes first.
"""
from __future__ import annotations

from . import _metrics, _slots
from ._pyslots import encode_text, normalize

__all__ = [
    "Field", "CounterField", "AverageField", "MovingAverageField", "TimerField",
    "UInt64Field", "UIntField", "IntField", "ShortField", "UShortField", "ByteField",
    "FloatField", "DoubleField", "BoolField", "StringField",
    "StaticUIntField", "StaticInt64Field", "StaticUInt64Field", "StaticFloatField",
    "StaticDoubleField", "StaticTextField", "DEFAULT_STRING_SIZE", "STATIC_TEXT_TYPE",
]

DEFAULT_STRING_SIZE = 255
STATIC_TEXT_TYPE = "256s"  # 0.8 wrote every StaticTextField as 256 bytes

_NO_VALUE = object()


class Field:
    """Base of every field definition."""

    type_signature: str = ""
    buffered = False
    kind = "value"  # "object", "value" or "static"

    def __init__(self, label=None):
        self.label = label or None

    def __repr__(self):
        return f"{type(self).__name__}(label={self.label!r})"

    def full_label(self, prefix: str, name: str) -> str:
        return prefix + (self.label or name)

    def initial(self):
        """Value of a new file (or _NO_VALUE: zero)."""
        return _NO_VALUE

    def record(self, label: str) -> tuple:
        value = self.initial()
        rec = (label, self.type_signature, self.buffered)
        return rec if value is _NO_VALUE else rec + (value,)

    def new_slot(self, label: str):
        return _slots.make_slot(label, self.type_signature, self.buffered)


# -- object fields -----------------------------------------------------------

class CounterField(Field):
    """Counter: ``incr(n=1)`` (``inc()`` is a deprecated alias), ``.value``. Q, buffered."""

    type_signature = "Q"
    buffered = True
    kind = "object"


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

    def __init__(self, size=100, label=None):
        super().__init__(label)
        _metrics.MovingAverage("check", "d")._setup(size)
        self.size = size

    def new_slot(self, label):
        return _metrics.MovingAverage(label, self.type_signature)._setup(self.size)


class TimerField(MovingAverageField):
    """Moving average of timings in seconds: ``with stats.t:`` or ``start()``/``stop()``; ``.last``."""

    def __init__(self, timer=None, size=100, label=None):
        super().__init__(size=size, label=label)
        if timer is not None and not callable(timer):
            raise TypeError(f"timer must be a callable returning seconds, not {timer!r}")
        self.timer = timer

    def new_slot(self, label):
        return _metrics.Timer(label, self.type_signature)._setup(self.size, self.timer)


# -- value fields --------------------------------------------------------------

class UInt64Field(Field):
    type_signature, buffered = "Q", True


class UIntField(Field):
    type_signature, buffered = "I", True


class IntField(Field):
    type_signature, buffered = "i", True


class ShortField(Field):
    type_signature, buffered = "h", True


class UShortField(Field):
    type_signature, buffered = "H", True


class FloatField(Field):
    type_signature, buffered = "f", True


class DoubleField(Field):
    type_signature, buffered = "d", True


class ByteField(Field):
    """Signed byte, unbuffered (as in 0.8)."""

    type_signature = "b"


class BoolField(Field):
    """``?``, unbuffered: stores 1 for any truthy value, else 0."""

    type_signature = "?"

    def __init__(self, initial=False, label=None):
        super().__init__(label)
        self.initial_value = initial

    def initial(self):
        return 1 if self.initial_value else _NO_VALUE


class StringField(Field):
    """``<size>s``, unbuffered: UTF-8 cut on a character boundary to ``size`` bytes."""

    def __init__(self, size=DEFAULT_STRING_SIZE, label=None):
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"string size must be an int >= 0, not {size!r}")
        super().__init__(label)
        self.size = size
        self.type_signature = f"{size}s"


# -- static fields -------------------------------------------------------------

class _StaticField(Field):
    kind = "static"

    def __init__(self, label=None, value=None):
        super().__init__(label)
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
            normalize(label, code, value)

    def initial(self):
        return self.value() if callable(self.value) else self.value


class StaticUIntField(_StaticField):
    type_signature = "I"


class StaticInt64Field(_StaticField):
    type_signature = "q"


class StaticUInt64Field(_StaticField):
    type_signature = "Q"


class StaticFloatField(_StaticField):
    type_signature = "f"


class StaticDoubleField(_StaticField):
    type_signature = "d"


class StaticTextField(_StaticField):
    """Text fixed at creation, always type 256s."""

    type_signature = STATIC_TEXT_TYPE
