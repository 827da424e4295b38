"""How a decoded value is written in the canonical JSON form: NaN and the infinities as fixed strings."""
from __future__ import annotations

import math

__all__ = ["NAN", "INF", "NINF", "json_value"]

NAN, INF, NINF = "NaN", "Infinity", "-Infinity"


def json_value(value):
    if isinstance(value, float):
        if math.isnan(value):
            return NAN
        if math.isinf(value):
            return INF if value > 0 else NINF
    return value
