"""mmash's dashboard below the browser: the history's ring buffers, the sampler's aggregation by kind,
writers' liveness, the JSON API and mmash's own metrics. Files of both format versions."""
import json
import math
import os
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from _mmash_writers import V2Process
from mmstats._v2writer import V2Writer
from mmstats.lowlevel import create_file
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.history import History
from mmstats.tools.mmash.sampler import Sampler, percentile
from test_tools_support import Writer, http_get, run_tool, start_mmash, stop


# -- the history ---------------------------------------------------------------------------------------

def test_ring_keeps_the_last_capacity_ticks_with_gaps_as_none():
    h = History(seconds=5, interval=1, max_series=10)
    for tick in range(8):
        h.begin(1000.0 + tick)
        if tick != 5:                      # the series misses tick 5
            h.put("x", float(tick))
        h.end()
    first, end = h.span()
    assert (first, end) == (3, 8)
    assert h.clock(first, end) == [1003.0, 1004.0, 1005.0, 1006.0, 1007.0]
    assert h.values("x", first, end) == [3.0, 4.0, None, 6.0, 7.0]
    assert h.values("never", first, end) == [None] * 5
    assert h.span(since=1005.0) == (6, 8)


def test_a_silent_series_is_dropped_and_the_number_of_series_is_capped():
    h = History(seconds=3, interval=1, max_series=2)
    h.begin(1.0)
    for key in ("a", "b", "c"):
        h.put(key, 1.0)
    h.end()
    assert h.keys() == ["a", "b"] and h.refused == 1
    for t in range(2, 6):                  # "b" stays silent for a whole capacity
        h.begin(float(t))
        h.put("a", 1.0)
        h.end()
    assert h.keys() == ["a"]
    assert h.bytes_bound == 3 * 3 * 8     # (max_series + 1) x capacity x 8 bytes


def test_rate_is_the_increase_over_the_window_per_second():
    h = History(seconds=100, interval=0.5, max_series=10)
    increases = [None, 1.0, 2.0, 3.0, 4.0, 5.0]     # the first tick sees the counter for the first time
    for i, inc in enumerate(increases):
        h.begin(10.0 + 0.5 * i)
        h.put("c", math.nan if inc is None else inc)
        h.end()
    first, end = h.span()
    rates = h.rate("c", first, end, window_ticks=2)
    # at tick 5 (t=12.5) the window is ticks 4 and 5: (4 + 5) / (12.5 - 11.5)
    assert rates[5] == pytest.approx(9.0)
    assert rates[2] == pytest.approx((1.0 + 2.0) / 1.0)
    assert rates[1] == pytest.approx(1.0 / 0.5)     # the start of the history: a shorter window
    assert rates[0] is None
    assert h.rate("c", 4, end, window_ticks=2) == rates[4:]   # asked from later on: the same numbers


def test_percentiles_interpolate_inside_the_bucket():
    bounds = (1.0, 5.0, 10.0)
    assert percentile(bounds, [0, 0, 10, 0], 0.5) == pytest.approx(7.5)   # all in (5, 10]: half way
    assert percentile(bounds, [10, 0, 0, 0], 0.5) == pytest.approx(0.5)   # (0, 1]
    assert percentile(bounds, [5, 0, 0, 5], 0.99) == 10.0                 # in +Inf: the last bound
    assert percentile(bounds, [0, 0, 0, 0], 0.5) is None


# -- the sampler: aggregation by kind, processes, liveness -------------------------------------------

def _v1_thread(path, busy, load, done=0):
    f = create_file(path, [("jobs.done", "Q", True), ("busy", "I", True), ("load", "d", True),
                           ("sys.pid", "I", False), ("sys.created", "d", False)])
    f["sys.pid"].set(os.getpid())
    f["sys.created"].set(time.time() - 30)
    f["busy"].set(busy)
    f["load"].set(load)
    f["jobs.done"].set(done)
    return f


def _last(h, key):
    first, end = h.span()
    return h.values(key, first, end)[-1]


def test_sampler_combines_by_kind_across_processes_and_both_versions(tmp_path):
    a = V2Writer.create(tmp_path / "a.mmstats", pid=4000001)
    b = V2Writer.create(tmp_path / "b.mmstats", pid=4000002)
    ra, rb = a.counter("http.requests", unit="{request}"), b.counter("http.requests", unit="{request}")
    a.gauge("queue.length", "f64", unit="{item}").set(2.0)
    b.gauge("queue.length", "f64", unit="{item}").set(6.0)
    la = a.histogram("http.latency", bounds=(1.0, 5.0, 10.0), unit="ms")
    t1 = _v1_thread(tmp_path / "py-1.mmstats", busy=2, load=0.25, done=10)   # two threads of this process
    t2 = _v1_thread(tmp_path / "py-2.mmstats", busy=3, load=0.75, done=1)
    sampler = Sampler(StatsDir(str(tmp_path), "*.mmstats"), History(60, 1, 1000))
    try:
        ra.add(100)
        first = sampler.tick()
        h = sampler.history
        assert _last(h, ("a", "http.requests", "inc")) == 0.0     # first sight: a total, not a rate
        assert _last(h, ("p", "4000001", "http.requests", "inc")) is None
        ra.add(5)
        rb.add(7)
        t1["jobs.done"].set(13)
        t2["jobs.done"].set(2)
        for _ in range(10):
            la.observe(7.0)
        snap = sampler.tick()
        assert _last(h, ("a", "http.requests", "inc")) == 12.0   # 5 + 7: counters add up across processes
        assert _last(h, ("p", "4000001", "http.requests", "inc")) == 5.0
        assert _last(h, ("p", "4000002", "http.requests", "inc")) == 7.0
        # gauges: per process and min/mean/max across them, never their sum (8)
        assert [_last(h, ("a", "queue.length", k)) for k in ("min", "mean", "max")] == [2.0, 4.0, 6.0]
        assert ("a", "queue.length", "sum") not in h.keys()
        # the ten observations of 7.0 fell in (5, 10]: p50 half way, p99 near the top
        assert _last(h, ("a", "http.latency", "p50")) == pytest.approx(7.5)
        assert _last(h, ("a", "http.latency", "p99")) == pytest.approx(5 + 5 * 0.99)
        # version 1: the two thread files are one process; counters and levels add up, averages do not
        me = str(os.getpid())
        assert snap.processes[me].threads == 2 and snap.processes[me].state == "live"
        assert _last(h, ("p", me, "jobs.done", "inc")) == 4.0            # 3 + 1
        assert _last(h, ("p", me, "busy", "value")) == 5.0               # 2 + 3
        assert _last(h, ("p", me, "load", "value")) == pytest.approx(0.5)  # the mean, never 1.0
        assert not [k for k in h.keys() if any("sys." in str(part) for part in k)]   # no pid or time charted
        assert snap.labels["http.requests"].total == 112.0   # 100 + 5 and 7 and first.counts["read"] == 4
        a.close(keep=True)
        snap = sampler.tick()
        assert snap.processes["4000001"].state == "exited" and snap.processes["4000001"].dead
        assert snap.processes["4000002"].state == "live" and snap.processes["4000002"].threads >= 1
        assert [_last(h, ("a", "queue.length", k)) for k in ("min", "max")] == [6.0, 6.0]  # gone: left out
    finally:
        for w in (a, b):
            try:
                w.close(keep=True)
            except Exception:
                pass
        t1.close()
        t2.close()


def test_killed_writers_of_both_versions_are_died(tmp_path):
    v2 = V2Process(tmp_path / "v2.mmstats")
    v1 = Writer(tmp_path / "v1.mmstats", [("hits", "Q", True)], [("hits", 1)])
    sampler = Sampler(StatsDir(str(tmp_path), "*.mmstats"), History(60, 1, 1000))
    try:
        snap = sampler.tick()
        assert {snap.processes[str(p)].state for p in (v2.pid, v1.pid)} == {"live"}
        assert "python" in snap.processes[str(v2.pid)].command      # from /proc/PID/cmdline
        v2.kill()
        v1.kill()
        snap = sampler.tick()
        assert snap.processes[str(v2.pid)].state == "died"    # its lock is free
        assert snap.processes[str(v1.pid)].state == "died"    # kill(pid, 0): ESRCH
    finally:
        v2.kill()
        v1.kill()


# -- over HTTP: the API, the pages, mmash's own metrics ---------------------------------------------

EVIL = "<script>alert(\"x\")</script>&'"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    d = tmp_path_factory.mktemp("dash")
    v2 = V2Process(d / "app-v2.mmstats", rate=200, queue=(4.0,))
    v1 = Writer(d / "app-v1.mmstats", [("http.requests", "Q", True), ("queue.length", "d", True), (EVIL, "I", True)],
                [("http.requests", 5), ("queue.length", 8.0), (EVIL, 1)])
    (d / "broken.mmstats").write_bytes(b"\x07" + bytes(4095))     # no valid version byte: corrupt
    proc, port = start_mmash(d, "--interval", "0.2", "--history", "60")
    time.sleep(1.5)
    yield {"port": port, "dir": d, "v1": v1, "v2": v2}
    err = stop(proc)
    v2.kill()
    v1.kill()
    assert "Traceback" not in err, err


def get(served, path, want=200):
    status, headers, body = http_get(served["port"], path)
    assert status == want, (path, status, body)
    return json.loads(body) if headers["content-type"].startswith("application/json") else body.decode()


def test_series_has_history_at_once_with_units_and_rates(served):
    doc = get(served, "/api/v1/series?window=1")
    assert len(doc["t"]) >= 5 and doc["capacity"] == 300        # 60 s at 0.2 s
    charts = {c["label"]: c for c in doc["charts"]}
    req = charts["http.requests"]
    assert req["axis"] == "request/s" and req["aggregation"] == "change" and req["processes"] == 2
    rate = [v for v in req["lines"][0]["values"] if v is not None][-1]
    assert 100 < rate < 400             # the v2 writer adds 200 a second, the v1 one nothing
    queue = charts["queue.length"]      # a v2 gauge and a v1 double: min, mean, max; never 12
    assert [line["name"] for line in queue["lines"]] == ["min", "mean", "max"]
    assert [line["values"][-1] for line in queue["lines"]] == [4.0, 6.0, 8.0]
    assert charts["http.latency"]["axis"] == "ms"
    later = get(served, f"/api/v1/series?window=1&since={doc['t'][-1]}")
    assert all(t > doc["t"][-1] for t in later["t"])


def test_values_come_with_their_file_and_pid(served):
    doc = get(served, "/api/v1/values/http.requests")
    by_file = {os.path.basename(v["file"]): v for v in doc["values"]}
    assert by_file["app-v1.mmstats"]["pid"] == served["v1"].pid and by_file["app-v1.mmstats"]["value"] == 5
    assert by_file["app-v2.mmstats"]["pid"] == served["v2"].pid and by_file["app-v2.mmstats"]["state"] == "live"
    assert doc["kind"] == "counter" and doc["aggregation"] == "change"


def test_unknown_labels_processes_and_pages_are_404_with_a_hint(served):
    body = get(served, "/api/v1/values/http.request", want=404)
    assert "did you mean http.requests" in body and "/api/v1/labels" in body
    body = get(served, "/api/v1/processes/999999999", want=404)
    assert str(served["v1"].pid) in body                         # the pids that exist
    assert "/api/v1/processes" in get(served, "/process/999999999", want=404)
    assert "/api/v1/series" in get(served, "/api/v1/nothing", want=404)
    assert "/processes" in get(served, "/nothing", want=404)
    assert "window" in get(served, "/api/v1/series?window=abc", want=400)


def test_processes_list_pid_command_threads_state_and_age(served):
    procs = {p["pid"]: p for p in get(served, "/api/v1/processes")["processes"]}
    v1, v2 = procs[served["v1"].pid], procs[served["v2"].pid]
    assert v1["version"] == 1 and v1["threads"] == 1 and v1["state"] == "live" and v1["age_seconds"] >= 0
    assert v2["version"] == 2 and v2["threads"] >= 1 and v2["state"] == "live" and "python" in v2["command"]
    page = get(served, "/processes")
    assert f'<tr data-pid="{served["v2"].pid}">' in page and "state-live" in page
    one = get(served, f"/api/v1/processes/{served['v2'].pid}")
    assert {f["label"] for f in one["fields"]} >= {"http.requests", "queue.length", "http.latency"}
    assert all(f["file"].endswith("app-v2.mmstats") and f["pid"] == served["v2"].pid for f in one["fields"])


def test_labels_page_combines_by_kind_escapes_and_runs_no_script(served):
    page = get(served, "/labels")
    assert "<script" not in page and '<meta http-equiv="refresh"' in page
    assert "&lt;script&gt;alert" in page
    row = page[page.index(">queue.length<"):].split("</tr>")[0]
    assert "4 … 8" in row                                     # a gauge: min … max, never 12
    assert "observations" in page[page.index(">http.latency<"):].split("</tr>")[0]


def test_metrics_count_the_files_the_sampler_read_skipped_and_found_corrupt(served):
    status, _, body = http_get(served["port"], "/metrics")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    last = {s.labels["result"]: s.value for s in families["mmash_sampler_files_last"].samples}
    assert last == {"read": 2.0, "skipped": 0.0, "corrupt": 1.0, "unreadable": 0.0}
    total = {s.labels["result"]: s.value for s in families["mmash_sampler_files"].samples}
    assert total["read"] >= 2 * 5 and total["corrupt"] >= 5      # over the ticks so far


def test_help_documents_the_api():
    out = run_tool("mmash", "--help").stdout
    for path in ("/api/v1/series", "/api/v1/values/LABEL", "/api/v1/processes/PID", "--history", "--max-series"):
        assert path in out


def test_a_cleanly_closed_v2_file_is_exited_and_flagged(tmp_path):
    w = V2Process(tmp_path / "once.mmstats", close_after=3)
    proc, port = start_mmash(tmp_path, "--interval", "0.2")
    try:
        w.wait_closed()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            doc = json.loads(http_get(port, "/api/v1/processes")[2])
            if doc["dead"]:
                break
            time.sleep(0.2)
        assert doc["dead"] == [{"pid": w.pid, "key": str(w.pid), "state": "exited", "command": doc["dead"][0]["command"]}]
        assert "dead writers" in http_get(port, "/labels")[2].decode()
    finally:
        err = stop(proc)
        w.kill()
    assert "Traceback" not in err


def test_the_wheel_ships_the_static_files():
    """pyproject's package data names them: a wheel built from this tree carries uPlot and its licence."""
    import tomllib
    from pathlib import Path
    conf = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    patterns = conf["tool"]["setuptools"]["package-data"]["mmstats.tools.mmash"]
    static = Path(__file__).resolve().parents[1] / "mmstats" / "tools" / "mmash" / "static"
    import fnmatch
    shipped = {p.name for p in static.iterdir() if any(fnmatch.fnmatch("static/" + p.name, pat) for pat in patterns)}
    assert {"uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE", "dash.js", "mmash.css"} <= shipped




def test_live_json_never_adds_up_gauges_or_the_writers_identity(tmp_path):
    fields = [("hits", "Q", True), ("load", "d", True)]
    a = Writer(tmp_path / "a.mmstats", fields, [("hits", 2), ("load", 0.25)])
    b = Writer(tmp_path / "b.mmstats", fields, [("hits", 3), ("load", 0.75)])
    proc, port = start_mmash(tmp_path)
    try:
        live = {f["label"]: f for f in json.loads(http_get(port, "/live.json")[2])["fields"]}
        assert live["hits"]["value"] == 5                                  # a counter: summed
        assert live["load"]["value"] == 0.5 and live["load"]["text"] == "0.25 … 0.75"   # an average: never 1.0
        assert "sys.pid" not in live and "sys.created" not in live      # no sum of two pids or two times
    finally:
        err = stop(proc)
        a.kill()
        b.kill()
    assert "Traceback" not in err


def test_a_stopped_writer_is_stale_and_flagged_then_live_again(tmp_path):
    import signal
    w = V2Process(tmp_path / "slow.mmstats", heartbeat_ms=100)   # stale after 3 missed heartbeats
    proc, port = start_mmash(tmp_path, "--interval", "0.2")

    def wait_for(test):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            doc = json.loads(http_get(port, "/api/v1/processes")[2])
            if test(doc):
                return doc
            time.sleep(0.2)
        raise AssertionError(f"never happened; last answer {doc}")
    try:
        wait_for(lambda doc: doc["processes"] and doc["processes"][0]["state"] == "live")
        os.kill(w.pid, signal.SIGSTOP)           # holds its lock, writes nothing
        doc = wait_for(lambda doc: doc["stale"])
        assert doc["stale"][0]["pid"] == w.pid and doc["dead"] == []
        assert "stale writers" in http_get(port, "/processes")[2].decode()
        os.kill(w.pid, signal.SIGCONT)
        wait_for(lambda doc: not doc["stale"] and doc["processes"][0]["state"] == "live")
    finally:
        os.kill(w.pid, signal.SIGCONT)
        err = stop(proc)
        w.kill()
    assert "Traceback" not in err


def _v1_process(path, pid, done, busy, load):
    """A version 1 process of one thread file (a pid that is not ours: alive only if it exists)."""
    f = create_file(path, [("jobs.done", "Q", True), ("busy", "I", True), ("load", "d", True),
                           ("sys.pid", "I", False)])
    f["sys.pid"].set(pid)
    for label, v in (("jobs.done", done), ("busy", busy), ("load", load)):
        f[label].set(v)
    return f


def test_one_file_processes_of_one_layout_combine_as_any_process_does(tmp_path):
    """Processes of one file each (the usual fleet) are taken column by column; the figures must be
    those of the rules: counters' increases per process and summed (a counter that fell restarted:
    its value is the increase), levels summed and gauges min/mean/max over live processes only."""
    me, dead1, dead2 = os.getpid(), 4_900_001, 4_900_002     # the last two are above any pid_max: gone
    files = {pid: _v1_process(tmp_path / f"p-{pid}.mmstats", pid, done, busy, load)
             for pid, done, busy, load in ((me, 10, 2, 0.5), (dead1, 100, 5, 9.0), (dead2, 7, 1, 3.0))}
    extra = _v1_thread(tmp_path / "t-1.mmstats", busy=4, load=1.5, done=20)   # ours too: two files, one process
    sampler = Sampler(StatsDir(str(tmp_path), "*.mmstats"), History(60, 1, 1000))
    try:
        snap = sampler.tick()
        h = sampler.history
        assert [_last(h, ("p", str(p), "jobs.done", "inc")) for p in (me, dead1, dead2)] == [None] * 3
        assert snap.labels["jobs.done"].total == 10 + 20 + 100 + 7
        files[me]["jobs.done"].set(13)
        files[dead1]["jobs.done"].set(4)      # fell: restarted, its increase is its value
        files[dead2]["busy"].set(50)
        files[me]["load"].set(2.5)
        extra["jobs.done"].set(21)
        snap = sampler.tick()
        assert _last(h, ("p", str(me), "jobs.done", "inc")) == 3.0 + 1.0   # its two files: 13 - 10 and 21 - 20
        assert _last(h, ("p", str(dead1), "jobs.done", "inc")) == 4.0
        assert _last(h, ("p", str(dead2), "jobs.done", "inc")) == 0.0
        assert _last(h, ("a", "jobs.done", "inc")) == 3.0 + 1.0 + 4.0 + 0.0
        assert snap.labels["jobs.done"].total == 13 + 21 + 4 + 7
        assert _last(h, ("p", str(dead2), "busy", "value")) == 50.0
        assert _last(h, ("a", "busy", "sum")) == 2 + 4        # live processes only: ours
        assert [_last(h, ("a", "load", k)) for k in ("min", "mean", "max")] == [2.0, 2.0, 2.0]  # (2.5 + 1.5) / 2
        assert _last(h, ("p", str(dead1), "load", "value")) == 9.0
        assert snap.current.get((str(dead1), "jobs.done")) == 4.0
        assert snap.current.get((str(dead2), "load")) == 3.0
        assert snap.current.get((str(dead2), "sys.pid")) is None and snap.current.get(("0", "busy")) is None
        assert snap.labels["busy"].pids == {str(me), str(dead1), str(dead2)}
        assert snap.processes[str(dead1)].dead and not snap.processes[str(me)].dead
    finally:
        for f in (*files.values(), extra):
            f.close()


def test_a_full_history_keeps_the_series_across_processes_first(tmp_path):
    files = [_v1_process(tmp_path / f"p-{pid}.mmstats", pid, 1, 1, 1.0) for pid in (4_900_011, 4_900_012)]
    sampler = Sampler(StatsDir(str(tmp_path), "*.mmstats"), History(60, 1, max_series=5))
    try:
        for _ in range(3):
            sampler.tick()
        keys = sampler.history.keys()
        # across processes: jobs.done inc, busy sum; load has no live process, so no min/mean/max
        assert {k for k in keys if k[0] == "a"} == {("a", "jobs.done", "inc"), ("a", "busy", "sum")}
        assert len(keys) == 5
        # each tick: 2 processes x 3 series offered, 3 of them kept
        assert sampler.history.refused == 3 * 3
    finally:
        for f in files:
            f.close()


def test_one_label_with_several_attribute_sets_adds_up_per_process(tmp_path):
    a = V2Writer.create(tmp_path / "a.mmstats", pid=4000021)
    get = a.counter("http.requests", attributes={"method": "GET"})
    post = a.counter("http.requests", attributes={"method": "POST"})
    a.gauge("queue.length", "f64").set(1.0)
    sampler = Sampler(StatsDir(str(tmp_path), "*.mmstats"), History(60, 1, 1000))
    try:
        get.add(10)
        post.add(1)
        snap = sampler.tick()
        assert snap.current.get(("4000021", "http.requests")) == 11.0
        get.add(5)
        post.add(2)
        snap = sampler.tick()
        assert _last(sampler.history, ("p", "4000021", "http.requests", "inc")) == 7.0
        assert snap.current.get(("4000021", "http.requests")) == 18.0
        assert snap.labels["http.requests"].total == 18.0
    finally:
        a.close(keep=True)
