"""mmash, run as a subprocess over files of real writer processes, queried over HTTP on 127.0.0.1."""
import html
import json
import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from test_tools_support import Writer, http_get, start_mmash, stop

EVIL = "<script>alert(\"x\")</script>&'"
STATUS = [(f"web.stats.status.{c}XX", "Q", True) for c in "24"] + [("web.stats.timers.last_hit", "d", True)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("mmash")
    d = root / "stats"
    d.mkdir()
    outside = root / "elsewhere"
    outside.mkdir()
    writers = Writer.many(
        (d / "web-a.mmstats", STATUS + [(EVIL, "I", False)],
         [("web.stats.status.2XX", 40), ("web.stats.timers.last_hit", 1700000000.25), (EVIL, 1)], {"prefix": "web.stats."}),
        (d / "web-b.mmstats", STATUS, [("web.stats.status.2XX", 2), ("web.stats.status.4XX", 4)], {"prefix": "web.stats."}),
        (d / "web-c.mmstats", STATUS + [("a.b", "i", True), ("a_b", "i", True), ("name", "8s", False)],
         [("web.stats.status.4XX", 10), ("a.b", -1), ("a_b", 2), ("name", "api")], {"prefix": "web.stats."}),
        (outside / "secret.mmstats", [("secret", "Q", True)], [("secret", 7)]),
    )
    (d / "link-out.mmstats").symlink_to(outside / "secret.mmstats")
    (d / "sub").symlink_to(outside)
    (d / "creating.mmstats").write_bytes(bytes(4096))
    proc, port = start_mmash(d)
    yield {"port": port, "dir": d, "writers": writers, "proc": proc}
    err = stop(proc)
    for w in writers:
        w.kill()
    assert "Traceback" not in err, err


def get_json(site, path):
    status, headers, body = http_get(site["port"], path)
    assert status == 200, body
    assert headers["content-type"].startswith("application/json")
    return json.loads(body)


def test_stats_lists_every_label_once_sorted(site):
    labels = get_json(site, "/stats/")
    defaults = ["web.stats.sys.created", "web.stats.sys.pid"]
    assert labels == sorted({EVIL, "a.b", "a_b", "name", "web.stats.status.2XX", "web.stats.status.4XX",
                             "web.stats.timers.last_hit", *defaults})
    assert "secret" not in labels  # the symlink out of the directory is not followed


def test_stats_prefix_gives_values_per_file(site):
    assert get_json(site, "/stats/web.stats.status") == {
        "web.stats.status.2XX": [40, 2, 0], "web.stats.status.4XX": [0, 4, 10]}
    assert get_json(site, "/stats/web.stats.status.2XX?exact=1") == {"web.stats.status.2XX": [40, 2, 0]}
    assert get_json(site, "/stats/web.stats.status.2?exact=1") == {}
    assert get_json(site, "/stats/web.stats.status.4XX?glob=web-b.mmstats") == {"web.stats.status.4XX": [4]}


@pytest.mark.parametrize("aggr, want", [
    ("avg", 14 / 3), ("one", 0), ("max", 10), ("min", 0), ("sum", 14), ("nonzero-min", 4), ("nonzero-avg", 7.0)])
def test_aggregators_over_files(site, aggr, want):
    # 4XX is 0 in web-a, 4 in web-b, 10 in web-c
    assert get_json(site, f"/stats/web.stats.status.4XX?aggr={aggr}") == {"web.stats.status.4XX": want}


def test_aggregating_strings_or_an_unknown_aggregator(site):
    assert get_json(site, "/stats/name?aggr=one") == {"name": "api"}
    assert get_json(site, "/stats/name?aggr=sum") == {"name": None}
    status, _, body = http_get(site["port"], "/stats/name?aggr=median")
    assert status == 400 and b"nonzero-avg" in body


def test_files_glob_stays_inside_the_stats_directory(site):
    d = site["dir"]
    assert get_json(site, "/files/web-*.mmstats") == {"files": [str(d / f"web-{x}.mmstats") for x in "abc"]}
    assert get_json(site, "/files/") == get_json(site, "/files/web-*.mmstats")  # not_ready and the link are left out
    assert get_json(site, "/files/sub/*.mmstats") == {"files": []}             # a symlinked directory leads out
    for bad in ["/files/..%2Felsewhere%2F*.mmstats", "/files/%2Fetc%2F*", "/files/..", "/stats/?glob=../*",
                "/stats/x?glob=%2Ftmp%2F*", "/metrics?glob=..%2F*", "/files/a%5Cb"]:
        status, _, body = http_get(site["port"], bad)
        assert status == 400, (bad, status, body)
        assert b"bad glob" in body


def test_metrics_are_prometheus_counters_and_gauges_per_file(site):
    status, headers, body = http_get(site["port"], "/metrics?aggregate=file")
    assert status == 200 and headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    pids = {w.path.name: str(w.pid) for w in site["writers"]}
    ok = families["web_stats_status_2XX"]
    assert ok.type == "counter"
    assert sorted((s.name, s.labels["file"], s.labels["pid"], s.value) for s in ok.samples) == [
        ("web_stats_status_2XX_total", name, pids[name], v)
        for name, v in [("web-a.mmstats", 40.0), ("web-b.mmstats", 2.0), ("web-c.mmstats", 0.0)]]
    last_hit = families["web_stats_timers_last_hit"]
    assert last_hit.type == "gauge" and last_hit.samples[0].value == 1700000000.25
    # "a.b" and "a_b" are one name: the original label tells the series apart.
    both = families["a_b"]
    assert sorted((s.labels["mmstats_label"], s.value) for s in both.samples) == [("a.b", -1.0), ("a_b", 2.0)]
    # The hostile label becomes a valid metric name; its text is only in the (escaped) HELP.
    evil = [f for f in families.values() if EVIL in f.documentation]
    assert len(evil) == 1 and re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", evil[0].name)
    assert "name" not in families and "secret" not in families  # strings are left out, and so is the link


def test_metrics_of_a_file_with_a_label_twice_stay_valid(tmp_path):
    from mmstats_format import build_file
    from mmstats.tools.mmash.metrics import render
    from mmstats.tools.mmash.data import StatsDir
    (tmp_path / "twice.mmstats").write_bytes(build_file([
        {"label": "x", "type": "Q", "value": 1, "buffered": True},
        {"label": "x", "type": "Q", "value": 2, "buffered": True}]))
    files, _ = StatsDir(str(tmp_path), "*.mmstats").snapshot()
    (family,) = text_string_to_metric_families(render(files, str(tmp_path)).decode())
    assert [(s.name, s.value) for s in family.samples] == [("x_total", 1.0)]


def test_labels_are_escaped_in_html_and_json(site):
    status, headers, body = http_get(site["port"], "/labels")   # the label table (/ is the charts page)
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "<script>alert" not in page
    assert html.escape(EVIL) in page
    assert "<script" not in page  # the index runs no script at all
    assert "default-src 'none'" in headers["content-security-policy"]
    raw = http_get(site["port"], "/stats/")[2]
    assert b"<script>" not in raw and EVIL in json.loads(raw)


def test_live_page_loads_its_script_from_this_server_and_polls_live_json(site):
    status, _, body = http_get(site["port"], "/live?prefix=web.stats.")
    assert status == 200
    assert re.findall(rb"<script[^>]*>", body) == [b'<script src="/static/live.js">']
    status, headers, js = http_get(site["port"], "/static/live.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"/live.json" in js and b"innerHTML" not in js and b"http" not in js.replace(b"HTTP ", b"")
    live = get_json(site, "/live.json?prefix=web.stats.status")
    assert live["files"] == 3
    assert live["fields"] == [
        {"label": "web.stats.status.2XX", "type": "Q", "counter": True, "value": 42, "text": "42"},
        {"label": "web.stats.status.4XX", "type": "Q", "counter": True, "value": 14, "text": "14"}]


def test_values_are_read_again_for_every_request(site):
    a = site["writers"][0]
    a.set("web.stats.status.2XX", 41)
    assert get_json(site, "/stats/web.stats.status.2XX?aggr=sum") == {"web.stats.status.2XX": 43}
    a.set("web.stats.status.2XX", 40)


def test_other_host_names_are_refused(site):
    status, _, body = http_get(site["port"], "/stats/", host="attacker.example:80")
    assert status == 403
    assert http_get(site["port"], "/stats/", host=f"localhost:{site['port']}")[0] == 200


def test_a_vanished_file_is_dropped_and_unknown_pages_are_404(tmp_path):
    w = Writer(tmp_path / "gone.mmstats", [("bye", "Q", True)], [("bye", 1)])
    proc, port = start_mmash(tmp_path)
    try:
        assert json.loads(http_get(port, "/stats/")[2]) == ["bye", "sys.created", "sys.pid"]
        w.remove()
        assert json.loads(http_get(port, "/stats/")[2]) == []
        assert http_get(port, "/nope")[0] == 404
    finally:
        err = stop(proc)
        w.kill()
    assert "Traceback" not in err


def test_binds_loopback_by_default(tmp_path):
    proc, port = start_mmash(tmp_path)
    try:
        # /proc/net/tcp lists listening sockets as hex "address:port"; 0100007F is 127.0.0.1.
        with open("/proc/net/tcp") as f:
            listening = [ln.split()[1] for ln in f if ln.split()[3] == "0A"]
        assert f"0100007F:{port:04X}" in listening
        assert f"00000000:{port:04X}" not in listening
    finally:
        stop(proc)
