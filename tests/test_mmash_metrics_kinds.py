"""mmash /metrics when fields disagree: one name for several kinds of field (two programs, or two versions of
one program, in one directory), histograms beside other kinds, strings with a unit, attributes and names that
clash once sanitised, names of mmash's own metrics.

Files are written by the project's writers (mmstats.lowlevel for version 1, V2Writer for version 2) and read
by mmash's own snapshot (or its HTTP server), in every aggregation, gauge rule and format. Every exposition
must render, parse with prometheus_client's parser of its format (the OpenMetrics one refuses anything
OpenMetrics forbids), have one TYPE per family, no sample name in two families and no series twice (checked
here line by line, apart from both), pass Debian's `promtool check metrics` (text format; a missing promtool
fails), and keep every sample: the values are checked against what the writers were told to write.
"""
from __future__ import annotations

import math
import os
import re
import subprocess

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from mmstats._v2writer import V2Writer
from mmstats.lowlevel import create_file
from mmstats.tools._fieldinfo import describe
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.metrics import AGGREGATIONS, GAUGE_RULES, Exporter
from mmstats.tools.mmash.naming import family_name
from test_prometheus_exposition import get, promtool_check
from test_tools_support import Writer, start_mmash, stop
from _mmash_writers import V2Process

A, B = os.getpid(), os.getppid()   # two live processes: two programs' writers
GONE = 5_000_001                   # above the largest pid_max: a writer that has exited
MODES = [(aggregate, gauge) for aggregate in AGGREGATIONS for gauge in GAUGE_RULES]


# -- writing files with the project's writers --------------------------------------------------------------

def v1(path, fields, values, pid=A):
    """A version 1 file: ``fields`` (label, type, buffered), ``values`` {label: value}, ``sys.pid`` = pid."""
    f = create_file(str(path), list(fields) + [("sys.pid", "I", False)])
    f["sys.pid"].set(pid)
    for label, value in values.items():
        f[label].set(value)
    f.close()


@pytest.fixture
def v2():
    """make(path, pid) -> an open V2Writer; all closed (their files kept) at the end."""
    writers = []

    def make(path, pid=A):
        w = V2Writer.create(str(path), pid=pid, slot_count=4, meta_capacity=16384, process_capacity=8192,
                            slot_size=1024)
        writers.append(w)
        return w
    yield make
    for w in writers:
        w.close(keep=True)


# -- what every exposition must be ---------------------------------------------------------------------------

_SAMPLES_OF = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"),
               "info": ("_info",), "gauge": ("",), "unknown": ("",), "untyped": ("",)}


def well_formed(text: str, openmetrics: bool) -> None:
    """One TYPE per family; every sample under the TYPE it belongs to, no sample name in two families, no
    series twice (read here from the lines, without a parser)."""
    types, owner, series = {}, {}, set()
    family = None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name not in types, f"a second TYPE for {name}"
            types[name] = typ
            family = name
            continue
        if not line or line.startswith("#"):
            continue
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        typ = types[family]
        if openmetrics:
            allowed = {family + s for s in _SAMPLES_OF[typ]} | ({family} if typ in ("gauge", "unknown") else set())
        else:  # the 0.0.4 format names counter and info families after their samples
            allowed = {family} | ({family + s for s in _SAMPLES_OF[typ]} if typ == "histogram" else set())
        assert name in allowed, f"{name} under TYPE {family} {typ}"
        assert owner.setdefault(name, family) == family, f"{name} in two families"
        key = line.rsplit(" ", 1)[0]
        labels = tuple(sorted(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', key)))
        names = [k for k, _ in labels]
        assert len(names) == len(set(names)), f"a label twice: {line}"
        assert (name, labels) not in series, f"a series twice: {line}"
        series.add((name, labels))


def samples_of(text: str, openmetrics: bool) -> dict:
    """{(sample, sorted labels): value} by prometheus_client's parser of the format (after the checks)."""
    well_formed(text, openmetrics)
    parse = parse_openmetrics if openmetrics else parse_text
    out = {}
    for family in parse(text):
        for s in family.samples:
            out[s.name, tuple(sorted(s.labels.items()))] = s.value
    if openmetrics:
        assert text.endswith("# EOF\n")
    else:
        promtool_check(text)
    return out


def types_of(text: str, openmetrics: bool) -> dict:
    parse = parse_openmetrics if openmetrics else parse_text
    return {f.name: f.type for f in parse(text)}


def scrape(directory, aggregate, gauge, openmetrics, exporter=None, warned=None):
    files, problems = StatsDir(str(directory), "*.mmstats").snapshot()
    assert not problems, problems
    exporter = exporter or Exporter(str(directory), warn=(warned.append if warned is not None else None))
    return exporter.render(files, aggregate, gauge, openmetrics, scrape={"read": len(files)}).decode()


def series(got, name):
    """{labels without the group labels: value} of sample ``name``, per group: {group: {labels: value}}."""
    out = {}
    for (n, labels), value in got.items():
        if n == name:
            group = tuple((k, v) for k, v in labels if k in ("pid", "file"))
            rest = tuple((k, v) for k, v in labels if k not in ("pid", "file"))
            out.setdefault(group, {})[rest] = value
    return out


def values_of(got, name) -> list:
    """Every value of sample ``name``, whatever its labels."""
    return [v for (n, _), v in got.items() if n == name]


def gauge_values(got, name, aggregate, gauge, per_pid: dict) -> None:
    """The gauge ``name`` holds what the rule makes of ``per_pid`` ({pid: value}, each process one file)."""
    have = series(got, name)
    if aggregate == "file":
        assert sorted(v[()] for v in have.values()) == sorted(per_pid.values())
    elif aggregate == "process" or gauge == "pid":
        assert have == {(("pid", str(p)),): {(): v} for p, v in per_pid.items()}
    elif gauge == "last":
        assert list(have) == [()] and have[()][()] in per_pid.values()
    else:
        want = {"max": max, "min": min, "sum": sum}[gauge](per_pid.values())
        assert have == {(): {(): want}}


# -- the three known ways a scrape broke -----------------------------------------------------------------------

@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate, gauge", MODES)
def test_a_label_that_is_a_counter_in_one_layout_and_a_gauge_in_another(tmp_path, v2, aggregate, gauge,
                                                                        openmetrics):
    """Two programs (and two versions of each: format 1 and 2) write ``jobs``: program A counts it,
    program B sets it. The counters keep the name; the gauges are ``jobs_level``; nothing is lost."""
    v1(tmp_path / "prog-a.mmstats", [("jobs", "Q", True)], {"jobs": 10}, pid=A)
    v1(tmp_path / "prog-b.mmstats", [("jobs", "d", True)], {"jobs": 2.5}, pid=B)
    v2(tmp_path / "new-a.mmstats", pid=A).counter("jobs").add(7)
    v2(tmp_path / "new-b.mmstats", pid=B).gauge("jobs").set(4.0)
    warned = []
    text = scrape(tmp_path, aggregate, gauge, openmetrics, warned=warned)
    got = samples_of(text, openmetrics)
    t = types_of(text, openmetrics)
    assert t["jobs"] == "counter" and t["jobs_level"] == "gauge"
    counters = series(got, "jobs_total")
    if aggregate == "sum":
        assert counters == {(): {(): 17}}
    elif aggregate == "process":
        assert counters == {(("pid", str(A)),): {(): 17}}
    else:
        assert sorted(v[()] for v in counters.values()) == [7, 10]
    if aggregate == "file":
        assert sorted(v[()] for v in series(got, "jobs_level").values()) == [2.5, 4.0]
    else:
        # two files of process B: the rule combines them within it (pid, last: the newest file's)
        have = series(got, "jobs_level")
        combined = {"max": 4.0, "min": 2.5, "sum": 6.5}.get(gauge)
        if aggregate == "process" or gauge == "pid":
            assert list(have) == [(("pid", str(B)),)]
            value = have[(("pid", str(B)),)][()]
            assert value == combined if combined is not None and aggregate == "process" else value in (2.5, 4.0)
        elif combined is None:
            assert list(have) == [()] and have[()][()] in (2.5, 4.0)
        else:
            assert have == {(): {(): combined}}
    assert got["mmash_metric_conflicts", (("conflict", "kind"),)] == 1
    assert len(warned) == 1 and "jobs" in warned[0] and "jobs_level" in warned[0]
    for name in ("prog-a", "prog-b", "new-a", "new-b"):
        assert name + ".mmstats" in warned[0]


@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate, gauge", MODES)
def test_a_histogram_and_a_gauge_sharing_a_name(tmp_path, v2, aggregate, gauge, openmetrics):
    """``latency`` is a histogram in one program and ``latency.count`` (the same name once sanitised) a
    gauge in the other: the histogram keeps the name, the gauge is ``latency_level``."""
    h = v2(tmp_path / "server.mmstats", pid=A).histogram("latency", (0.1, 1.0), help="Time to answer.")
    for x in (0.05, 0.5, 2.0):
        h.observe(x)
    v1(tmp_path / "client.mmstats", [("latency.count", "d", True)], {"latency.count": 3.0}, pid=B)
    text = scrape(tmp_path, aggregate, gauge, openmetrics)
    got = samples_of(text, openmetrics)
    t = types_of(text, openmetrics)
    assert t["latency"] == "histogram" and t["latency_level"] == "gauge"
    group = () if aggregate == "sum" else (("pid", str(A)),) if aggregate == "process" else None
    buckets = series(got, "latency_bucket")
    assert len(buckets) == 1
    (g, by_le), = buckets.items()
    assert group is None or g == group
    assert by_le == {(("le", "0.1"),): 1, (("le", "1.0"),): 2, (("le", "+Inf"),): 3}
    assert list(series(got, "latency_count").values()) == [{(): 3}]
    assert math.isclose(list(series(got, "latency_sum").values())[0][()], 2.55)
    gauge_values(got, "latency_level", aggregate, gauge, {B: 3.0})
    assert got["mmash_metric_conflicts", (("conflict", "kind"),)] == 1


@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate, gauge", MODES)
def test_a_string_with_a_unit_is_an_info_series_without_one(tmp_path, v2, aggregate, gauge, openmetrics):
    w = v2(tmp_path / "svc.mmstats", pid=A)
    w.string("mode", value="blue", unit="ms", help="The mode.")
    w.gauge("mode", unit="ms").set(250.0)       # a gauge of that label has its unit: another name
    text = scrape(tmp_path, aggregate, gauge, openmetrics)
    got = samples_of(text, openmetrics)
    assert "# UNIT mode " not in text
    assert types_of(text, openmetrics)["mode" if openmetrics else "mode_info"] == ("info" if openmetrics
                                                                                   else "gauge")
    assert [labels for labels in series(got, "mode_info").values()] == [{(("value", "blue"),): 1}]
    gauge_values(got, "mode_seconds", aggregate, gauge, {A: 0.25})
    if openmetrics:
        assert "# UNIT mode_seconds seconds\n" in text
    assert got["mmash_metric_conflicts", (("conflict", "kind"),)] == 0


# -- more of the same: labels, bounds and mmash's own names ---------------------------------------------------

@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate", AGGREGATIONS)
def test_attributes_that_clash_with_the_expositions_labels_or_each_other(tmp_path, v2, aggregate, openmetrics):
    w = v2(tmp_path / "a.mmstats", pid=A)
    w.counter("hits", attributes={"pid": "7", "route": "/a"}).add(1)
    w.counter("hits", attributes={"le": "x", "a.b": "1", "a_b": "2"}).add(2)
    w.counter("hits", attributes={"k": "1", "j": "2"}).add(3)
    v2(tmp_path / "b.mmstats", pid=B).counter("hits", attributes={"j": "2", "k": "1"}).add(4)  # the same series
    text = scrape(tmp_path, aggregate, "pid", openmetrics)
    got = samples_of(text, openmetrics)
    have = {}
    for labels, value in ((l, v) for g in series(got, "hits_total").values() for l, v in g.items()):
        have[labels] = have.get(labels, 0) + value
    assert have == {(("exported_pid", "7"), ("route", "/a")): 1, (("a_b", "1;2"), ("exported_le", "x")): 2,
                    (("j", "2"), ("k", "1")): 7}


@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
def test_histograms_with_different_bounds_add_up_on_the_bounds_they_share(tmp_path, v2, openmetrics):
    a = v2(tmp_path / "old.mmstats", pid=A).histogram("lat", (0.1, 1.0))
    b = v2(tmp_path / "new.mmstats", pid=B).histogram("lat", (0.5, 1.0))
    for x in (0.05, 0.7, 3.0):
        a.observe(x)
        b.observe(x)
    got = samples_of(scrape(tmp_path, "sum", "pid", openmetrics), openmetrics)
    assert series(got, "lat_bucket") == {(): {(("le", "1.0"),): 4, (("le", "+Inf"),): 6}}
    assert got["lat_count", ()] == 6 and math.isclose(got["lat_sum", ()], 2 * 3.75)
    assert got["mmash_metric_conflicts", (("conflict", "bounds"),)] == 1
    process = samples_of(scrape(tmp_path, "process", "pid", openmetrics), openmetrics)
    assert process["lat_bucket", (("le", "0.1"), ("pid", str(A)))] == 1     # each alone: its own bounds
    assert process["lat_bucket", (("le", "0.5"), ("pid", str(B)))] == 1


@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate", AGGREGATIONS)
def test_fields_named_like_mmashs_own_metrics_are_renamed(tmp_path, aggregate, openmetrics):
    v1(tmp_path / "app.mmstats", [("mmstats.process.alive", "d", True), ("mmash.metric.conflicts", "Q", True),
                                  ("mmstats.process", "16s", False)],
       {"mmstats.process.alive": 0.5, "mmash.metric.conflicts": 9, "mmstats.process": "x"})
    text = scrape(tmp_path, aggregate, "pid", openmetrics)
    got = samples_of(text, openmetrics)
    assert values_of(got, "mmstats_process_alive_level") == [0.5]
    assert values_of(got, "mmash_metric_conflicts_cumulative_total") == [9]
    assert [l for g in series(got, "mmstats_process_text_info").values() for l in g] == [(("value", "x"),)]
    assert got["mmash_metric_conflicts", (("conflict", "kind"),)] == 3


@pytest.mark.parametrize("openmetrics", [False, True], ids=["text", "openmetrics"])
@pytest.mark.parametrize("aggregate", AGGREGATIONS)
@pytest.mark.parametrize("bad", [math.nan, -2.5], ids=["nan", "negative"])
def test_a_counter_total_openmetrics_cannot_carry(tmp_path, v2, aggregate, openmetrics, bad):
    """A file written by another program may hold a NaN or negative f64 counter (V2Writer refuses both):
    OpenMetrics leaves that series out, the text format shows it, and the other files' series stay."""
    w = v2(tmp_path / "bad.mmstats", pid=A)
    c = w.counter("bytes", "f64")
    c.add(1.0)
    c._view[(c._at + w.slot_offset(w._slot())) >> 3] = bad  # stored as a third-party writer would
    v2(tmp_path / "good.mmstats", pid=B).counter("bytes", "f64").add(4.0)
    got = samples_of(scrape(tmp_path, aggregate, "pid", openmetrics), openmetrics)
    values = values_of(got, "bytes_total")
    want = [bad + 4.0] if aggregate == "sum" else [bad, 4.0]  # sum: one series, both files added
    if openmetrics:
        want = [v for v in want if v >= 0]
    assert sorted(map(repr, values)) == sorted(map(repr, want))  # (repr: NaN equals NaN)


def test_retired_counters_follow_their_series_when_a_conflict_comes_and_goes(tmp_path, v2):
    """``sum`` mode keeps what exited files counted; a name conflict that appears later moves nothing."""
    exporter = Exporter(str(tmp_path), warn=lambda line: None)
    v1(tmp_path / "w1.mmstats", [("jobs", "Q", True)], {"jobs": 5}, pid=A)
    v1(tmp_path / "w2.mmstats", [("jobs", "Q", True)], {"jobs": 3}, pid=GONE)
    assert samples_of(scrape(tmp_path, "sum", "pid", False, exporter), False)["jobs_total", ()] == 8
    (tmp_path / "w2.mmstats").unlink()
    v2(tmp_path / "g.mmstats", pid=B).gauge("jobs").set(1.5)          # a gauge of that name comes
    got = samples_of(scrape(tmp_path, "sum", "pid", True, exporter), True)
    assert got["jobs_total", ()] == 8 and got["jobs_level", (("pid", str(B)),)] == 1.5
    (tmp_path / "w1.mmstats").unlink()
    v1(tmp_path / "w3.mmstats", [("jobs", "Q", True)], {"jobs": 1}, pid=A)
    assert samples_of(scrape(tmp_path, "sum", "pid", False, exporter), False)["jobs_total", ()] == 9


# -- through mmash's HTTP server, from writer processes -------------------------------------------------------

def test_over_http_from_writer_processes(tmp_path):
    """A version 1 program counts ``queue.length`` and sets ``http.latency.seconds``; a version 2 program
    sets the gauge ``queue.length`` and observes the histogram ``http.latency`` (ms: the same name in
    seconds); the first also writes two fields named like metrics the server adds to the exposition itself.
    mmash serves both in every mode and format, and says once on stderr which files clash."""
    fields = [("queue.length", "Q", True), ("http.latency.seconds", "d", True),
              ("mmash.sampler.files", "Q", True), ("mmash.scrape.age.seconds", "d", True)]
    old = Writer(tmp_path / "old.mmstats", fields, [("queue.length", 12), ("http.latency.seconds", 0.5),
                                                    ("mmash.sampler.files", 4), ("mmash.scrape.age.seconds", 1.5)])
    new = V2Process(tmp_path / "new.mmstats", rate=100, queue=(3.0,), latencies=(7.0,))
    proc, port = start_mmash(tmp_path, "--metrics-max-age", "0")
    try:
        for aggregate in AGGREGATIONS:
            for accept in (None, "application/openmetrics-text; version=1.0.0"):
                status, _, text = get(port, f"/metrics?aggregate={aggregate}", accept=accept)
                assert status == 200, text
                got = samples_of(text, accept is not None)
                t = types_of(text, accept is not None)
                assert t["queue_length"] == "counter" and t["queue_length_level"] == "gauge"
                assert t["http_latency_seconds"] == "histogram" and t["http_latency_seconds_level"] == "gauge"
                assert values_of(got, "queue_length_total") == [12]
                assert values_of(got, "queue_length_level") == [3.0]
                assert values_of(got, "http_latency_seconds_level") == [0.5]
                assert series(got, "http_latency_seconds_count")
                assert values_of(got, "mmash_sampler_files_cumulative_total") == [4]
                assert values_of(got, "mmash_scrape_age_seconds_level") == [1.5]
                assert got["mmash_metric_conflicts", (("conflict", "kind"),)] == 4
    finally:
        err = stop(proc)
        old.kill()
        new.kill()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if "more than one kind" in line]
    assert len(lines) == 2, err   # once per conflict, not once per scrape
    assert all("old.mmstats" in line and "new.mmstats" in line for line in lines), lines
    assert len([line for line in err.splitlines() if "mmash's own metrics" in line and "old.mmstats" in line]) == 2


# -- random fleets ------------------------------------------------------------------------------------------

WORDS = ["x", "lat", "Jobs", "getURL", "ü", "é", "9lives", "mmstats.process", "mmstats_process_alive",
         "mmash.metric.conflicts", "mmash_scrape_files", "mmash.sampler.files", "mmash_scrape_age"]
TAILS = ["", ".total", "_total", ".count", "-sum", ".bucket", ".info", ".created", ".seconds", "Seconds", " ",
         ".level", ".text", ".distribution", ".updown"]
UNITS = ["", "s", "ms", "By", "KiBy", "1", "%", "{req}", "count", "total", "info", "By/count", "level", "Hz",
         "By/s", "/s", "{req}/min", "seconds"]
KEYS = ["route", "pid", "le", "value", "file", "mmstats_label", "a.b", "a_b", "__x", "exported_pid", "A"]
TEXTS = ["", "a", "blue", 'q"\\\n', "ü", "x" * 130]

labels = st.builds(lambda w, t: w + t, st.sampled_from(WORDS), st.sampled_from(TAILS))
attributes = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(TEXTS[:5]), max_size=3)
V1_TYPES = [("Q", True), ("Q", False), ("q", True), ("d", True), ("I", False), ("?", False), ("b", False),
            ("16s", False), ("d", False)]
V2_KINDS = ["counter", "counter_f64", "updown_counter", "gauge", "gauge_i64", "constant", "constant_utf8",
            "string", "histogram"]


@st.composite
def layouts(draw):
    """(version, [field]) of one program version: version 1 fields (label, type, buffered), version 2
    (label, kind, unit, attributes, bounds)."""
    if draw(st.booleans()):
        fields = draw(st.lists(st.tuples(labels, st.sampled_from(V1_TYPES)), min_size=1, max_size=4,
                               unique_by=lambda f: f[0]))
        return 1, [(label, t, b) for label, (t, b) in fields]
    bounds = st.lists(st.sampled_from([-5.0, -0.5, 0.0, 0.001, 0.1, 0.5, 1.0, 2.5, 1e3]), min_size=0, max_size=4,
                      unique=True).map(sorted).map(tuple)
    return 2, draw(st.lists(st.tuples(labels, st.sampled_from(V2_KINDS), st.sampled_from(UNITS), attributes, bounds),
                            min_size=1, max_size=4))


def _v1_value(draw, t):
    if t.endswith("s"):
        return draw(st.sampled_from(TEXTS[:5] + ["y" * 16]))
    if t == "d":
        return draw(st.sampled_from([0.0, 2.5, -1.25, 1e300, math.nan, math.inf, -math.inf]))
    if t == "?":
        return draw(st.booleans())
    if t in "qb":
        return draw(st.integers(-100, 100))
    return draw(st.integers(0, 2**32 - 1 if t == "I" else 2**64 - 1))


def write_fleet(draw, directory, make_v2):
    """Files of the drawn layouts, each by a drawn process; returns their paths."""
    programs = draw(st.lists(layouts(), min_size=1, max_size=3))
    paths = []
    for n in range(draw(st.integers(1, 5))):
        version, fields = draw(st.sampled_from(programs))
        pid = draw(st.sampled_from([A, B, GONE]))
        path = directory / f"p{n}.mmstats"
        if version == 1:
            v1(path, fields, {label: _v1_value(draw, t) for label, t, _ in fields}, pid=pid)
        else:
            w = make_v2(path, pid)
            for label, kind, unit, attrs, bounds in fields:
                meta = {"unit": unit, "attributes": attrs, "help": draw(st.sampled_from(["", 'a "h"\\\nb']))}
                if kind.startswith("counter"):
                    c = w.counter(label, "f64" if kind.endswith("f64") else "u64", **meta)
                    c.add(draw(st.sampled_from([0, 3, 2**40])) if not kind.endswith("f64")
                          else draw(st.sampled_from([0.0, 2.5, math.inf])))
                elif kind == "updown_counter":
                    w.updown_counter(label, **meta).add(draw(st.integers(-5, 5)))
                elif kind.startswith("gauge"):
                    g = w.gauge(label, "i64" if kind.endswith("i64") else "f64", **meta)
                    g.set(draw(st.integers(-5, 5)) if kind.endswith("i64")
                          else draw(st.sampled_from([0.5, -2.0, math.nan, math.inf])))
                elif kind == "constant":
                    w.constant(label, "u64", draw(st.integers(0, 9)), **meta)
                elif kind == "constant_utf8":
                    w.constant(label, "utf8", draw(st.sampled_from(TEXTS)), **meta)
                elif kind == "string":
                    w.string(label, value=draw(st.sampled_from(TEXTS)), **meta)
                else:
                    h = w.histogram(label, bounds, **meta)
                    for x in draw(st.lists(st.sampled_from([-3.0, 0.05, 0.2, 2.0, 50.0]), max_size=4)):
                        h.observe(x)
        paths.append(path)
    return paths


def written_totals(files):
    """(sum of counter values, sum of histogram counts) in ``files`` as the snapshot decoded them; a series
    repeated in one file counts once (the exposition keeps the first); counters in their unit's base unit."""
    counters = counts = 0
    for fs in files:
        seen = set()
        for field, value in zip(fs.fields, fs.values):
            info = describe(field)
            if (field.label, info.attributes, info.kind) in seen:
                continue
            seen.add((field.label, info.attributes, info.kind))
            if info.kind == "counter":
                counters += value * family_name(field.label, info.kind, info.unit)[1]
            elif info.kind == "histogram":
                counts += value["count"]
    return counters, counts


def exposed_totals(text):
    """(sum of every counter sample, sum of every histogram's _count) of a text exposition."""
    counters = counts = 0
    for family in parse_text(text):
        for s in family.samples:
            if family.type == "counter":
                counters += s.value
            elif family.type == "histogram" and s.name.endswith("_count"):
                counts += s.value
    return counters, counts


def same_total(got, want) -> bool:
    return got == want if math.isinf(want) else math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data(), gauge=st.sampled_from(GAUGE_RULES), ruled=st.booleans())
def test_random_fleets_always_give_valid_expositions(tmp_path_factory, data, gauge, ruled):
    """Random layouts of both versions (every kind, names that clash once sanitised or with mmash's own,
    units, attributes) in every aggregation and format, twice (some files gone in between: ``sum`` mode's
    memory); whatever the gauge rule drawn. The first ``sum`` holds every counter and histogram count the
    files hold, once."""
    directory = tmp_path_factory.mktemp("fleet")
    writers = []

    def make_v2(path, pid):
        w = V2Writer.create(str(path), pid=pid, slot_count=2, meta_capacity=8192, process_capacity=4096,
                            slot_size=1024)
        writers.append(w)
        return w
    try:
        paths = write_fleet(data.draw, directory, make_v2)
        rules = (("*.total", data.draw(st.sampled_from(GAUGE_RULES))),) if ruled else ()
        exporters = {aggregate: Exporter(str(directory), warn=lambda line: None) for aggregate in AGGREGATIONS}
        for round_ in range(2):
            files, problems = StatsDir(str(directory), "*.mmstats").snapshot()
            assert not problems, problems
            for aggregate in AGGREGATIONS:
                for openmetrics in (False, True):
                    text = exporters[aggregate].render(files, aggregate, gauge, openmetrics,
                                                       gauge_rules=rules, scrape={"read": len(files)}).decode()
                    got = samples_of(text, openmetrics)
                    if aggregate == "sum" and not openmetrics and round_ == 0:  # no sample lost or counted twice
                        (counters, counts), want = exposed_totals(text), written_totals(files)
                        assert same_total(counters, want[0]) and counts == want[1], (want, counters, counts)
                    for what in ("kind", "bounds"):  # how often fleets hit it: --hypothesis-show-statistics
                        some = got["mmash_metric_conflicts", (("conflict", what),)] > 0
                        event(f"{what} conflicts: {'some' if some else 'none'}")
            for path in data.draw(st.lists(st.sampled_from(paths), unique=True)) if round_ == 0 else ():
                path.unlink()
    finally:
        for w in writers:
            w.close(keep=True)


def test_promtool_is_there():
    """The random fleets lean on it: a missing promtool fails here too, plainly."""
    r = subprocess.run(["promtool", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
