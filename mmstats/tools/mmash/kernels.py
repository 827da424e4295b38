"""The loops of a /metrics scrape that touch every value: C from mmstats' extension (mmstats/_exposition.c)
when it is built and not turned off (MMSTATS_PURE_PYTHON=1), else the Python twins here, which are the
reference (tests require the same results of both).

- ``column_sums(rows, indices)``: per index, ``sum(row[index] for row in rows)`` over the value lists of
  the files of one layout when every such value is an int, else None (the caller sums it as it can);
- ``sample_lines(sample, bucket, tail)``: the exposition lines of one series' bucket ({group label text:
  number}, in its order) as one str.
"""
from __future__ import annotations

from operator import itemgetter

from mmstats_format.accel import load_speedups

__all__ = ["column_sums", "sample_lines", "fmt", "join", "IMPLEMENTATION"]

_SPECIAL = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}


def fmt(value) -> str:
    """A sample's value as the exposition writes it: repr of the float, NaN, +Inf, -Inf."""
    text = repr(float(value))
    return _SPECIAL.get(text, text) if text[-1] in "nf" else text


def join(group: str, tail: str) -> str:
    """Two label texts (either may be empty) as one."""
    return f"{group},{tail}" if group and tail else group or tail


def py_column_sums(rows: list, indices) -> list:
    out = []
    for i in indices:
        column = list(map(itemgetter(i), rows))
        ints = all(type(v) is int or type(v) is bool for v in column)
        out.append(sum(column) if ints else None)
    return out


def py_sample_lines(sample: str, bucket: dict, tail: str) -> str:
    if tail:
        return "".join([f"{sample}{{{join(g, tail)}}} {fmt(v)}\n" for g, v in bucket.items()])
    return "".join([f"{sample}{{{g}}} {fmt(v)}\n" if g else f"{sample} {fmt(v)}\n" for g, v in bucket.items()])


_speedups = load_speedups()
column_sums = getattr(_speedups, "column_sums", None) or py_column_sums
sample_lines = getattr(_speedups, "sample_lines", None) or py_sample_lines
IMPLEMENTATION = "python" if sample_lines is py_sample_lines else "c"
