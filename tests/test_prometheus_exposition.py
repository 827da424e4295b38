"""mmash /metrics as a Prometheus user sees it: names, types, process identity, aggregation, OpenMetrics.

Outputs are checked by parsers that are not ours (prometheus_client's text and
OpenMetrics parsers, Debian's promtool), and values against what the writer
processes were told to write.
"""
import http.client
import math
import shutil
import subprocess
import time
from typing import NamedTuple

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from mmstats_format import build_file
from mmstats.tools._fieldinfo import FieldInfo, describe
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.metrics import Exporter, wants_openmetrics
from mmstats.tools.mmash.naming import family_name, metric_name
from test_tools_support import Writer, start_mmash, stop

PROMTOOL = "/usr/bin/promtool"  # Debian's prometheus package (examples/install-prometheus.sh)


def get(port, path, accept=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers={"Accept": accept} if accept else {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read().decode()
    finally:
        conn.close()


def samples(text, openmetrics=False):
    """{(sample name, sorted labels): value} by prometheus_client's parser."""
    parse = parse_openmetrics if openmetrics else parse_text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in parse(text) for s in f.samples}


def types(text, openmetrics=False):
    parse = parse_openmetrics if openmetrics else parse_text
    return {f.name: f.type for f in parse(text)}


def promtool_check(text: str):
    assert shutil.which(PROMTOOL) or shutil.os.path.exists(PROMTOOL), \
        "promtool is missing: run examples/install-prometheus.sh (make test does)"
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


APP = [("app.requests", "Q", True), ("app.queue.total", "d", True), ("app.lastHit", "d", True),
       ("app.mode", "16s", False), ("app.flag", "?", False)]
SYS = [("sys.tid", "q", False), ("sys.uid", "Q", False), ("sys.gid", "Q", False),
       ("org.python.version", "256s", False)]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    d = tmp_path_factory.mktemp("fleet")
    values = {"a": 10, "b": 5}
    writers = Writer.many(*[
        (d / f"app-{n}.mmstats", APP + SYS,
         [("app.requests", values[n]), ("app.queue.total", q), ("app.lastHit", 2.5), ("app.mode", "blue"),
          ("app.flag", True), ("sys.tid", 7), ("org.python.version", "3.11.2 (main) [GCC]")])
        for n, q in (("a", 3.0), ("b", 4.0))])
    proc, port = start_mmash(d)
    yield {"dir": d, "writers": dict(zip("ab", writers)), "port": port, "values": values}
    err = stop(proc)
    for w in writers:
        w.kill()
    assert "Traceback" not in err, err


# -- what a field is ---------------------------------------------------------------------------------

class V1(NamedTuple):
    label: str
    type: str
    buffered: bool


class V2(NamedTuple):  # what a self-describing field carries, whatever reader decoded it
    label: str
    type: str
    buffered: bool
    kind: str
    unit: str = ""
    help: str = ""
    attributes: tuple = ()


@pytest.mark.parametrize("field, want", [
    (V1("sys.pid", "I", False), FieldInfo("identity", role="pid")),
    (V1("web.stats.sys.pid", "I", False), FieldInfo("identity", role="pid")),
    (V1("sys.tid", "q", False), FieldInfo("identity", role="tid")),
    (V1("sys.created", "d", False), FieldInfo("identity", "s", role="start_time")),
    (V1("org.python.version", "256s", False), FieldInfo("identity", role="runtime")),
    (V1("sys.pid", "I", True), FieldInfo("gauge")),            # buffered: not the writer's default field
    (V1("hits", "Q", True), FieldInfo("counter")),
    (V1("hits", "Q", False), FieldInfo("constant")),            # StaticUInt64Field
    (V1("x.total", "d", True), FieldInfo("gauge")),             # DoubleField
    (V1("flag", "?", False), FieldInfo("gauge")),
    (V1("level", "b", False), FieldInfo("gauge")),
    (V1("name", "255s", False), FieldInfo("string")),
    (V2("lat", "d", True, "histogram", "ms", "latency", (("route", "/a"),)),
     FieldInfo("histogram", "ms", "latency", (("route", "/a"),))),
])
def test_describe_follows_the_spec_for_v1_and_takes_v2_at_its_word(field, want):
    assert describe(field) == want


@pytest.mark.parametrize("label, kind, unit, want", [
    ("app.requests", "counter", "", ("app_requests", 1.0)),
    ("app.requests.total", "counter", "", ("app_requests", 1.0)),   # _total is added once, by the exposition
    ("x.total", "gauge", "", ("x", 1.0)),                          # a gauge never ends like a counter
    ("queue.count", "gauge", "", ("queue", 1.0)),
    ("lastHit", "gauge", "", ("last_hit", 1.0)),
    ("web.stats.status.2XX", "counter", "", ("web_stats_status_2XX", 1.0)),
    ("req.time", "gauge", "ms", ("req_time_seconds", 1e-3)),
    ("req.seconds", "counter", "s", ("req_seconds", 1.0)),
    ("rss", "gauge", "MiBy", ("rss_bytes", 1024.0 ** 2)),
    ("jobs", "counter", "{job}", ("jobs", 1.0)),
    ("load", "gauge", "1", ("load_ratio", 1.0)),
    ("sent", "counter", "By/s", ("sent_bytes_per_second", 1.0)),
])
def test_names_follow_prometheus_conventions(label, kind, unit, want):
    assert family_name(label, kind, unit) == want


def test_metric_names_are_always_valid():
    import re
    for label in ["", "9lives", "a.b-c d", "<script>", "ünï", "getURL"]:
        assert re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", metric_name(label)), label
    assert metric_name("getURL") == "get_url"


@pytest.mark.parametrize("accept, want", [
    ("application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", True),
    ("application/openmetrics-text;q=0", False),
    ("text/plain;version=0.0.4", False),
    ("", False),
])
def test_openmetrics_only_when_asked(accept, want):
    assert wants_openmetrics(accept) is want


# -- over HTTP, from live writer processes -------------------------------------------------------------

def test_process_mode_one_series_per_process_and_identity_as_info(fleet):
    status, ctype, text = get(fleet["port"], "/metrics")
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    got = samples(text)
    pids = {n: str(w.pid) for n, w in fleet["writers"].items()}
    for n, v in fleet["values"].items():
        assert got["app_requests_total", (("pid", pids[n]),)] == v
        info = [k for k in got if k[0] == "mmstats_process_info" and ("pid", pids[n]) in k[1]]
        assert len(info) == 1 and got[info[0]] == 1
        labels = dict(info[0][1])
        assert labels["runtime"] == "3.11.2" and labels["uid"] == "0" and "cmd" not in labels  # not a default name
        assert got["mmstats_process_alive", (("pid", pids[n]),)] == 1
        start = got["mmstats_process_start_time_seconds", (("pid", pids[n]),)]
        assert abs(start - time.time()) < 600
    t = types(text)
    assert t["app_requests"] == "counter" and t["app_queue"] == "gauge" and t["app_last_hit"] == "gauge"
    assert got["app_queue", (("pid", pids["a"]),)] == 3.0        # "app.queue.total" is a gauge: no _total
    assert got["app_mode_info", (("pid", pids["a"]), ("value", "blue"))] == 1
    assert got["app_flag", (("pid", pids["b"]),)] == 1
    # no pid, tid, uid, gid or creation time as a metric of its own
    assert not [k for k in got if k[0].startswith(("sys_", "org_python"))]
    promtool_check(text)


def test_sum_mode_one_series_per_metric(fleet):
    text = get(fleet["port"], "/metrics?aggregate=sum")[2]
    got = samples(text)
    assert got["app_requests_total", ()] == sum(fleet["values"].values())
    assert got["app_mode_info", (("value", "blue"),)] == 1
    assert got["mmstats_processes", (("state", "live"),)] == 2 and not [k for k in got if "pid" in dict(k[1])
                                                                          and k[0].startswith("mmstats")]
    # gauges stay per process by default ...
    assert {k[1] for k in got if k[0] == "app_queue"} == {(("pid", str(w.pid)),) for w in fleet["writers"].values()}
    promtool_check(text)


@pytest.mark.parametrize("rule, want", [("max", 4.0), ("min", 3.0), ("sum", 7.0)])
def test_gauge_rules(fleet, rule, want):
    got = samples(get(fleet["port"], f"/metrics?aggregate=sum&gauge={rule}")[2])
    assert got["app_queue", ()] == want


def test_unknown_aggregation_is_a_clear_400(fleet):
    status, _, body = get(fleet["port"], "/metrics?aggregate=median")
    assert status == 400 and "process, sum, file" in body
    status, _, body = get(fleet["port"], "/metrics?gauge=avg")
    assert status == 400 and "pid, max, min, sum, last" in body


def test_openmetrics_when_the_scraper_asks(fleet):
    status, ctype, text = get(fleet["port"], "/metrics?aggregate=sum",
                              accept="application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert status == 200 and ctype.startswith("application/openmetrics-text; version=1.0.0")
    assert text.endswith("# EOF\n")
    t = types(text, openmetrics=True)  # the strict parser: it raises on anything OpenMetrics forbids
    assert t["app_requests"] == "counter" and t["app_mode"] == "info"
    process = get(fleet["port"], "/metrics", accept="application/openmetrics-text")[2]
    assert types(process, openmetrics=True)["mmstats_process"] == "info"
    assert samples(text, True)["app_requests_total", ()] == sum(fleet["values"].values())


def test_a_total_never_goes_backwards_when_a_worker_exits_or_restarts(tmp_path):
    fields = [("jobs", "Q", True), ("busy", "d", True)]
    a = Writer(tmp_path / "w-a.mmstats", fields, [("jobs", 10), ("busy", 1.0)])
    b = Writer(tmp_path / "w-b.mmstats", fields, [("jobs", 5), ("busy", 2.0)])
    # every scrape reads the files afresh: the steps below change them between scrapes
    proc, port = start_mmash(tmp_path, "--aggregate", "sum", "--gauge", "sum", "--metrics-max-age", "0")
    try:
        def now():
            return samples(get(port, "/metrics")[2])
        assert now()["jobs_total", ()] == 15 and now()["busy", ()] == 3.0
        b.kill()                                   # died: its file stays, its counters still count ...
        got = now()
        assert got["jobs_total", ()] == 15
        assert got["busy", ()] == 1.0              # ... its gauges do not
        assert got["mmstats_processes", (("state", "exited"),)] == 1
        assert got["mmstats_processes", (("state", "live"),)] == 1
        (tmp_path / "w-b.mmstats").unlink()        # cleaned up: the total keeps what it counted
        assert now()["jobs_total", ()] == 15
        a.remove()                                 # a worker removing its own file at exit
        c = Writer(tmp_path / "w-c.mmstats", fields, [("jobs", 1)])   # ... and its replacement
        try:
            assert now()["jobs_total", ()] == 16
            c.set("jobs", 4)
            assert now()["jobs_total", ()] == 19
        finally:
            c.kill()
        process = samples(get(port, "/metrics?aggregate=process")[2])
        assert process["jobs_total", (("pid", str(c.pid)),)] == 4  # per process: what the files hold
    finally:
        stop(proc)
        a.kill()
        b.kill()


def test_threads_of_one_process_add_up(tmp_path):
    """Version 1 writes one file per thread: files with one sys.pid are one process."""
    fields = [("jobs", "Q", True), ("sys.pid", "I", False), ("sys.created", "d", False),
              ("gauge", "d", True)]
    import os
    pid = os.getpid()
    for tid, jobs, created, g in ((1, 3, 100.0, 1.0), (2, 4, 50.0, 2.0)):
        (tmp_path / f"svc-{pid}-{tid}.mmstats").write_bytes(build_file([
            {"label": label, "type": t, "buffered": b, "value": v}
            for (label, t, b), v in zip(fields, (jobs, pid, created, g))]))
    files, _ = StatsDir(str(tmp_path), "*.mmstats").snapshot()
    text = Exporter(str(tmp_path)).render(files, "process").decode()
    got = samples(text)
    assert got["jobs_total", (("pid", str(pid)),)] == 7
    assert got["gauge", (("pid", str(pid)),)] == 1.0        # the newest file's (created 100.0)
    assert got["mmstats_process_start_time_seconds", (("pid", str(pid)),)] == 50.0
    assert got["mmstats_process_files", (("pid", str(pid)),)] == 2
    assert dict([k for k in got if k[0] == "mmstats_process_info"][0][1])["cmd"] == "svc"
    promtool_check(text)


# -- format version 2 metadata through the same seam -------------------------------------------------

class FakeFile(NamedTuple):
    path: str
    fields: list
    values: list


def test_v2_metadata_gives_units_help_attributes_and_histograms(tmp_path):
    fields = [
        V2("http.requests", "Q", True, "counter", "{request}", "Requests served.", (("route", "/a"),)),
        V2("http.requests", "Q", True, "counter", "{request}", "Requests served.", (("route", "/b"),)),
        V2("http.latency", "H", True, "histogram", "ms", "Time to answer."),
        V2("mem.rss", "Q", True, "gauge", "KiBy", "Resident memory."),
        V2("inflight", "q", True, "updown_counter", "", "Requests in progress."),
    ]
    hist = {"sum": 1500.0, "count": 3, "buckets": [{"le": 100, "count": 1}, {"le": 1000, "count": 2}]}
    files = [FakeFile(str(tmp_path / f"p{i}.mmstats"), fields, [7 * i, 1, hist, 2, 3]) for i in (1, 2)]
    for openmetrics in (False, True):
        text = Exporter(str(tmp_path)).render(files, "sum", openmetrics=openmetrics).decode()
        got = samples(text, openmetrics)
        assert got["http_requests_total", (("route", "/a"),)] == 21
        assert got["http_requests_total", (("route", "/b"),)] == 2
        assert got["mem_rss_bytes", (("file", "p1.mmstats"),)] == 2048.0   # no pid: one series per file
        assert got["inflight", ()] == 6                                   # up-down counters of live processes add up
        assert got["http_latency_seconds_bucket", (("le", "0.1"),)] == 2
        assert got["http_latency_seconds_bucket", (("le", "1.0"),)] == 4
        assert got["http_latency_seconds_bucket", (("le", "+Inf"),)] == 6
        assert got["http_latency_seconds_count", ()] == 6
        assert math.isclose(got["http_latency_seconds_sum", ()], 3.0)
        assert types(text, openmetrics)["http_latency_seconds"] == "histogram"
        assert "Time to answer." in text
        if openmetrics:
            assert "# UNIT http_latency_seconds seconds\n" in text
        else:
            promtool_check(text)


class HeaderValues(list):
    """Values as a version 2 reader gives them: the header rides on the list."""
    header: dict


def test_v2_producer_identity_comes_from_the_header(tmp_path):
    fields = [V2("jobs", "Q", True, "counter", "", "Jobs done.")]
    values = HeaderValues([3])
    values.header = {"pid": 5_000_001, "created_unix_ns": 1_700_000_000_500_000_000}
    files = [FakeFile(str(tmp_path / "p.mmstats"), fields, values)]
    got = samples(Exporter(str(tmp_path)).render(files, "process").decode())
    assert got["jobs_total", (("pid", "5000001"),)] == 3
    assert got["mmstats_process_start_time_seconds", (("pid", "5000001"),)] == 1_700_000_000.5
    assert got["mmstats_process_alive", (("pid", "5000001"),)] == 0   # past the largest pid_max: gone


def test_a_real_v2_file_gives_its_pid_and_start_from_the_header(tmp_path):
    """The same through the real snapshot: a version 2 file has no sys.pid field, only its header."""
    from mmstats._v2writer import V2Writer
    w = V2Writer.create(str(tmp_path / "svc.mmstats"), created_unix_ns=1_700_000_000_250_000_000)
    try:
        w.counter("jobs").add(5)
        files, _ = StatsDir(str(tmp_path), "*.mmstats").snapshot()
        got = samples(Exporter(str(tmp_path)).render(files, "process").decode())
        pid = str(__import__("os").getpid())
        assert got["jobs_total", (("pid", pid),)] == 5
        assert got["mmstats_process_start_time_seconds", (("pid", pid),)] == 1_700_000_000.25
    finally:
        w.close()


def test_a_gauge_rule_per_field_by_label_glob(tmp_path):
    import os
    from mmstats.tools.mmash.server import _parser
    for tid, (q, t) in enumerate(((2.0, 20.0), (3.0, 30.0))):
        (tmp_path / f"svc-{os.getpid()}-{tid}.mmstats").write_bytes(build_file([
            {"label": "a.queue", "type": "d", "buffered": True, "value": q},
            {"label": "b.temp", "type": "d", "buffered": True, "value": t},
            {"label": "sys.pid", "type": "I", "buffered": False, "value": os.getpid()}]))
    files, _ = StatsDir(str(tmp_path), "*.mmstats").snapshot()
    args = _parser().parse_args(["--gauge", "max", "--gauge-rule", "a.*=sum", "--gauge-rule", "*=min"])
    text = Exporter(str(tmp_path)).render(files, "sum", args.gauge, gauge_rules=args.gauge_rule).decode()
    got = samples(text)
    assert got["a_queue", ()] == 5.0 and got["b_temp", ()] == 20.0   # the first matching glob wins
    text = Exporter(str(tmp_path)).render(files, "sum", "max").decode()
    assert samples(text)["b_temp", ()] == 30.0
    with pytest.raises(SystemExit):
        _parser().parse_args(["--gauge-rule", "a.*=median"])
