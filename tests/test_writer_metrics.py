"""Averages and timers compute exactly what mmstats 0.8 computed.

0.8's moving average was math.fsum(window) / count, recomputed on every add;
ours keeps the window's exact sum incrementally. The reference below is the
0.8 algorithm written out; results must agree bit for bit, errors included.
"""
from __future__ import annotations

import math
import os
import tempfile
from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from mmstats import _metrics
from mmstats.lowlevel import open_new


def moving_average_08(size, values):
    window, idx, full, out = array("d", [0.0] * size), 0, False, []
    for v in values:
        old = window[idx]
        window[idx] = v
        try:
            out.append(math.fsum(window) / (size if full else idx + 1))
        except (OverflowError, ValueError) as e:  # fsum: intermediate overflow, inf - inf
            window[idx] = old
            out.append(type(e))
            continue
        idx, full = (0, True) if idx == size - 1 else (idx + 1, full)
    return out


def same(got, want) -> bool:
    if isinstance(want, float):
        return (math.isnan(want) and math.isnan(got)) or (got == want and math.copysign(1, got) == math.copysign(1, want))
    return got is want


def run(slot, values, method="add"):
    with tempfile.TemporaryDirectory() as tmp:
        f = open_new(os.path.join(tmp, "m.mmstats"), [(slot.label, slot.type, True)], slots=[slot])
        out = []
        for v in values:
            try:
                getattr(slot, method)(v)
                out.append(slot.get())
            except (OverflowError, ValueError) as e:
                out.append(type(e))
        f.close()
    return out


awkward = st.sampled_from([1e308, -1e308, 1.7976931348623157e308, math.inf, -math.inf, math.nan, -0.0, 5e-324])
values = st.lists(st.one_of(st.floats(), awkward, st.floats(-1e6, 1e6), st.integers(-10 ** 6, 10 ** 6)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(size=st.integers(1, 12), values=values)
def test_moving_average_equals_fsum_of_the_window(size, values):
    got = run(_metrics.MovingAverage("m", "d")._setup(size), values)
    want = moving_average_08(size, values)
    assert len(got) == len(want) and all(same(g, w) for g, w in zip(got, want)), (got, want)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(-1e12, 1e12), max_size=40))
def test_average_is_total_over_count(values):
    got = run(_metrics.Average("a", "d"), values)
    total, want = 0.0, []
    for n, v in enumerate(values, 1):
        total += v
        want.append(total / n)
    assert got == want


def test_timer_adds_each_duration_to_its_moving_average():
    ticks = iter([0.0, 2.0, 10.0, 11.0, 20.0, 20.5])
    timer = _metrics.Timer("t", "d")._setup(2, lambda: next(ticks))
    with tempfile.TemporaryDirectory() as tmp:
        f = open_new(os.path.join(tmp, "t.mmstats"), [("t", "d", True)], slots=[timer])
        seen = []
        for _ in range(3):
            with timer:
                pass
            seen.append((timer.last, timer.get()))
        f.close()
    assert seen == [(2.0, 2.0), (1.0, 1.5), (0.5, 0.75)]
