"""The per-value loops of mmash /metrics (mmstats/_exposition.c) against their pure-Python twins
(mmstats/tools/mmash/kernels.py), and whole expositions of random fleets rendered with each.

The twins are checked against Python itself (builtin sum(), repr of the float) on edge
cases; whole expositions of random layouts (version 1 and 2 fields, several layouts per
family, files per process, histograms, strings, NaN and infinities, counters past 2**63)
must be the same bytes with either, in every aggregation, gauge rule and format, and
parse with prometheus_client's parsers.
"""
from __future__ import annotations

import math
import os
import random
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from mmstats.tools._fieldinfo import describe
from mmstats.tools.mmash import kernels, metrics
from mmstats.tools.mmash.metrics import AGGREGATIONS, GAUGE_RULES, Exporter


def _extension():
    try:
        import mmstats._speedups as module
    except ImportError:
        return None
    return module


C_COLUMN_SUMS = getattr(_extension(), "column_sums", None)
C_SAMPLE_LINES = getattr(_extension(), "sample_lines", None)
IMPLEMENTATIONS = {"c": (C_COLUMN_SUMS, C_SAMPLE_LINES),
                   "python": (kernels.py_column_sums, kernels.py_sample_lines)}


def test_the_compiled_kernels_are_built():
    """Part of the normal install: missing is a failure, not a skip."""
    assert C_COLUMN_SUMS is not None and C_SAMPLE_LINES is not None
    if os.environ.get("MMSTATS_PURE_PYTHON", "") in ("", "0"):
        assert kernels.IMPLEMENTATION == "c" and metrics.sample_lines is C_SAMPLE_LINES


# -- the kernels alone ----------------------------------------------------------------------------------

BIG = 2**64 - 1
COLUMNS = [
    [],
    [0],
    [1, 2, 3],
    [-5, 7, True, False],
    [2**63 - 1, 1, 1],                      # past a C long long
    [BIG] * 5,                              # uint64 counters of five files
    [-(2**63), -1, 2**63 - 1, 2**63],
    [2**200, -(2**200), 5],
    [1, 2.5],                               # a float: not summed here
    [1, None],
]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("column", COLUMNS, ids=range(len(COLUMNS)))
def test_column_sums_is_sum_for_ints_and_none_otherwise(impl, column):
    column_sums = IMPLEMENTATIONS[impl][0]
    rows = [[i, v, -i] for i, v in enumerate(column)]
    got = column_sums(rows, [1, 0, 2, 1])
    ints = all(type(v) in (int, bool) for v in column)
    want = sum(column) if ints else None
    assert got == [want, sum(range(len(column))), -sum(range(len(column))), want]
    assert all(type(g) is int for g in got if g is not None)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_column_sums_refuses_what_is_no_row(impl):
    column_sums = IMPLEMENTATIONS[impl][0]
    with pytest.raises(IndexError):
        column_sums([[1, 2], [3]], [1])
    if impl == "c":
        with pytest.raises(TypeError):
            column_sums([(1, 2)], [0])


NUMBERS = [(0, "0.0"), (7, "7.0"), (True, "1.0"), (-3, "-3.0"), (2**53 + 1, "9007199254740992.0"),
           (BIG, "1.8446744073709552e+19"), (0.1, "0.1"), (-0.0, "-0.0"), (1e300, "1e+300"), (1.5e-7, "1.5e-07"),
           (math.nan, "NaN"), (math.inf, "+Inf"), (-math.inf, "-Inf")]


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_sample_lines_writes_each_value_as_repr_of_its_float(impl):
    sample_lines = IMPLEMENTATIONS[impl][1]
    bucket = {f'pid="{i}"': v for i, (v, _) in enumerate(NUMBERS)}
    want = "".join(f'x_total{{pid="{i}"}} {text}\n' for i, (_, text) in enumerate(NUMBERS))
    assert sample_lines("x_total", bucket, "") == want
    assert sample_lines("x", {"": 2, 'pid="1"': 3}, 'route="/a"') == 'x{route="/a"} 2.0\nx{pid="1",route="/a"} 3.0\n'
    assert sample_lines("x", {"": 2, 'pid="1"': 3}, "") == 'x 2.0\nx{pid="1"} 3.0\n'
    assert sample_lines("é_x", {'v="ü"': 1}, 'k="ß"') == 'é_x{v="ü",k="ß"} 1.0\n'
    assert sample_lines("x", {}, "") == ""


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_sample_lines_refuses_what_is_not_a_number(impl):
    sample_lines = IMPLEMENTATIONS[impl][1]
    with pytest.raises(TypeError):
        sample_lines("x", {"": None}, "")
    with pytest.raises(OverflowError):
        sample_lines("x", {"": 10**400}, "")


# -- whole expositions of random fleets --------------------------------------------------------------

class V1(NamedTuple):
    label: str
    type: str
    buffered: bool


class V2(NamedTuple):
    label: str
    type: str
    buffered: bool
    kind: str
    unit: str = ""
    help: str = ""
    attributes: tuple = ()


class FakeFile(NamedTuple):
    path: str
    fields: list
    values: list


class HeaderValues(list):
    header: dict


LABELS = ["app.requests", "app.errors", "app.latency", "app.mode", "x.total", "mem.rss", "queue.size", "http.latency"]
UNITS = ["", "ms", "s", "By", "KiBy", "{request}", "1"]
HELPS = ["", "Requests served.", 'A "quoted" \\ help\nin two lines']
ATTRIBUTES = [(), (("route", "/a"),), (("route", "/b"),), (("code", "200"), ("route", "/a"))]
BOUNDS = [(0.1, 1.0, 10.0), (5.0, 50.0)]
PIDS = [os.getpid(), 5_000_001, 5_000_002, 5_000_003, 0]   # this process lives; the others are gone
IDENTITY = [V1("sys.pid", "I", False), V1("sys.tid", "q", False), V1("sys.uid", "Q", False),
            V1("sys.created", "d", False), V1("org.python.version", "256s", False)]


def _field(rnd, label):
    if label == "http.latency":
        return V2(label, "H", True, "histogram", rnd.choice(["ms", "s"]), "", rnd.choice(ATTRIBUTES))
    if rnd.random() < 0.5:
        return V1(label, rnd.choice(["Q", "Q", "q", "d", "I", "?", "b", "16s"]), rnd.random() < 0.7)
    kind = rnd.choice(["counter", "counter", "gauge", "updown_counter", "constant", "string"])
    type_ = "256s" if kind == "string" else rnd.choice(["Q", "q", "d"])
    unit = rnd.choice(UNITS)  # a string's too (an info series has none: the exposition leaves it out)
    return V2(label, type_, True, kind, unit, rnd.choice(HELPS), rnd.choice(ATTRIBUTES))


def _number(rnd, type_, counter):
    """(counters go up from 0: OpenMetrics refuses a negative or NaN one)"""
    if type_ == "d":
        if counter:
            return rnd.choice([0.0, 2.5, 1e300, 0.1, math.inf, rnd.random() * 1000])
        return rnd.choice([0.0, 2.5, -1.25, 1e300, 0.1, math.nan, math.inf, -math.inf, rnd.random() * 1000])
    if type_ == "?":
        return rnd.random() < 0.5
    return rnd.choice([0, 1, 7, 2**40 + rnd.randrange(1000), 2**64 - 1 - rnd.randrange(3), 2**63 + 5,
                       -3 if type_ in "qb" and not counter else 3])


def _value(rnd, field, pid):
    kind = getattr(field, "kind", None)
    if field.label == "sys.pid":
        return pid
    if field.label == "sys.created":
        return rnd.choice([1_700_000_000.25, 1_700_000_100.5, math.nan])
    if field.type.endswith("s"):
        return rnd.choice(["", "blue", "3.11.2 (main) [GCC]", 'a "q"\\ \n', "x" * 200])
    if kind == "histogram":
        bounds = rnd.choice(BOUNDS)
        counts, total = [], 0
        for _ in bounds:
            total += rnd.randrange(5)
            counts.append(total)
        buckets = [{"le": b, "count": c} for b, c in zip(bounds, counts)]
        return {"sum": rnd.random() * 100, "count": total + rnd.randrange(3), "buckets": buckets}
    return _number(rnd, field.type, describe(field).kind == "counter")


def kinds_of(rnd) -> dict:
    """One field per label (a layout may still give a label another kind: see fleet)."""
    return {label: _field(rnd, label) for label in LABELS}


def fleet(rnd, directory, kinds):
    """Files of a few random layouts of ``kinds``' fields, some processes writing several of them."""
    layouts = []
    for _ in range(rnd.randint(1, 3)):
        fields = []
        for label in rnd.sample(LABELS, rnd.randint(1, 6)):
            f = kinds[label] if rnd.random() < 0.8 else _field(rnd, label)  # another program's kind of it
            fields.append(f._replace(attributes=rnd.choice(ATTRIBUTES)) if isinstance(f, V2) else f)
        if rnd.random() < 0.8:
            fields += rnd.sample(IDENTITY, rnd.randint(1, len(IDENTITY)))
        layouts.append(fields)
    files = []
    for k in range(rnd.randint(1, 12)):
        fields, pid = rnd.choice(layouts), rnd.choice(PIDS)
        values = [_value(rnd, f, pid) for f in fields]
        if rnd.random() < 0.3:
            values = HeaderValues(values)
            values.header = {"pid": rnd.choice(PIDS), "created_unix_ns": rnd.choice([0, 1_700_000_000_500_000_000])}
        name = rnd.choice([f"app-{pid}-{k}.mmstats", f"w{k}.mmstats", f"sub/d{k}.mmstats"])
        files.append(FakeFile(os.path.join(directory, name), fields, values))
    return files


def expositions(monkeypatch, impl, rounds, aggregate, gauge, openmetrics, rules):
    """What one Exporter renders of each round's files, with one implementation of the kernels."""
    column_sums, sample_lines = IMPLEMENTATIONS[impl]
    monkeypatch.setattr(metrics, "column_sums", column_sums)
    monkeypatch.setattr(metrics, "sample_lines", sample_lines)
    exporter = Exporter("/stats")
    return [exporter.render(files, aggregate, gauge, openmetrics, failed=failed, scope="*.mmstats",
                            gauge_rules=rules, scrape={"read": len(files)})
            for files, failed in rounds]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), aggregate=st.sampled_from(AGGREGATIONS),
       gauge=st.sampled_from(GAUGE_RULES), openmetrics=st.booleans(), ruled=st.booleans())
def test_random_fleets_give_the_same_bytes_with_either_kernels(monkeypatch, seed, aggregate, gauge, openmetrics,
                                                               ruled):
    rnd = random.Random(seed)
    kinds = kinds_of(rnd)
    first = fleet(rnd, "/stats", kinds)
    came = fleet(rnd, "/stats", kinds)  # some went, others came (some at the name of one that went)
    second = [f for f in rnd.sample(first, rnd.randint(0, len(first))) if f.path not in {g.path for g in came}]
    second += came
    failed = [f.path for f in first if f not in second][:1]
    rounds = [(first, []), (second, failed), (second, [])]
    rules = (("app.*", rnd.choice(GAUGE_RULES)),) if ruled else ()
    with monkeypatch.context() as m:
        c = expositions(m, "c", rounds, aggregate, gauge, openmetrics, rules)
    with monkeypatch.context() as m:
        py = expositions(m, "python", rounds, aggregate, gauge, openmetrics, rules)
    assert c == py
    parse = parse_openmetrics if openmetrics else parse_text
    for text in c:
        assert text.endswith(b"# EOF\n") == openmetrics
        assert list(parse(text.decode()))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.integers(-(2**64), 2**64), st.floats(), st.booleans(),
                          st.integers(-(2**53), 2**53).map(float)), max_size=200),
       st.sampled_from(["", 'route="/a"']))
def test_sample_lines_of_any_numbers_are_the_same_in_c_and_python(values, tail):
    bucket = {f'pid="{i}"' if i % 3 else "": v for i, v in enumerate(values)}
    want = kernels.py_sample_lines("x", bucket, tail)
    assert C_SAMPLE_LINES("x", bucket, tail) == want
    assert want.count("\n") == len(bucket)
