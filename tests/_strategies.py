"""Hypothesis strategies for random v1 file descriptions (records as File.build takes them)."""
import math
import struct

from hypothesis import strategies as st

from mmstats_format.schema import UNBUFFERED
from mmstats_format.v1.types import NUMERIC_TYPES, lookup

type_codes = st.one_of(
    st.sampled_from(sorted(NUMERIC_TYPES)),
    st.integers(0, 40).map(lambda n: f"{n}s"),
)
labels = st.text(min_size=1, max_size=24).filter(lambda s: len(s.encode("utf-8")) <= 65535)


def stored_values(code):
    spec = lookup(code)
    if spec.kind == "string":
        return st.binary(min_size=spec.size, max_size=spec.size)
    if spec.kind == "float":
        return st.floats(width=32 if spec.size == 4 else 64)
    lo, hi = (0, 255) if spec.kind == "bool" else spec.bounds
    return st.integers(lo, hi)


@st.composite
def records(draw):
    code = draw(type_codes)
    wb = draw(st.sampled_from([0, 1, UNBUFFERED]))
    vals = stored_values(code)
    value = draw(vals) if wb == UNBUFFERED else [draw(vals), draw(vals)]
    return {"label": draw(labels), "type": code, "write_buffer": wb, "value": value}


descriptions = st.lists(records(), max_size=12)


def same(a, b) -> bool:
    """Equality that tells -0.0 from 0.0 and takes every NaN as equal."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
