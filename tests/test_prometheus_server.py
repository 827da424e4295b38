"""The real Prometheus server (Debian's package) scrapes mmash every second; its HTTP API shows the
values and rate() of live writer processes.

Two writers (MmStats models in their own processes) count at 100 per second of
their own clock and hold a gauge; mmash serves their directory; Prometheus is
started on a free loopback port with a temporary config of two jobs (per
process, and ``?aggregate=sum`` through the scrape config's ``params``). Every
wait is bounded; the server is stopped at the end. A missing prometheus binary
fails the test (examples/install-prometheus.sh installs it; make test runs that).
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from test_tools_support import REPO, start_mmash, stop, tool_env

PROMETHEUS = "/usr/bin/prometheus"
RATE = 100  # counts per second of each writer
WAIT = 60   # seconds any one thing may take on a loaded machine

WRITER = r'''
import sys, time
from mmstats import MmStats, CounterField, DoubleField
class Stats(MmStats):
    jobs = CounterField()
    temperature = DoubleField()
stats = Stats(path=sys.argv[1], filename="worker-{PID}-{TID}.mmstats")
stats.temperature = float(sys.argv[2])
start = time.monotonic()
print("ready", flush=True)
while True:
    want = int((time.monotonic() - start) * %d)
    stats.jobs.incr(want - stats.jobs.value)
    time.sleep(0.01)
''' % RATE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, query):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": query})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as resp:
        answer = json.load(resp)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def until(what, fn, timeout=WAIT):
    """fn() until it returns something true, at most ``timeout`` seconds; its last answer."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except OSError as e:  # not listening yet
            last = e
        else:
            if last:
                return last
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s (last answer: {last!r})")


@pytest.fixture
def prometheus_over_mmash(tmp_path):
    assert os.access(PROMETHEUS, os.X_OK), \
        f"{PROMETHEUS} is missing: run examples/install-prometheus.sh (make test does)"
    stats = tmp_path / "stats"
    stats.mkdir()
    writers = []
    for temperature in ("21.5", "23.0"):
        w = subprocess.Popen([sys.executable, "-c", WRITER, str(stats), temperature], stdout=subprocess.PIPE,
                             text=True, env=tool_env(), cwd=REPO)
        writers.append(w)
    mmash = prom = None
    try:
        for w in writers:
            assert w.stdout.readline().strip() == "ready"
        mmash, mport = start_mmash(stats)
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mmstats
    static_configs: [{{targets: ["127.0.0.1:{mport}"]}}]
  - job_name: mmstats-sum
    params: {{aggregate: [sum]}}
    static_configs: [{{targets: ["127.0.0.1:{mport}"]}}]
""")
        log = open(tmp_path / "prometheus.log", "w")
        prom = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                                 f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h"],
                                stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
        yield {"port": port, "pids": [w.pid for w in writers], "stats": stats, "log": tmp_path / "prometheus.log"}
    finally:
        if prom is not None:
            prom.terminate()
            try:
                prom.wait(20)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        if mmash is not None:
            stop(mmash)
        for w in writers:
            w.kill()
            w.wait()


def test_prometheus_scrapes_values_and_rates_of_live_writers(prometheus_over_mmash):
    port, pids = prometheus_over_mmash["port"], prometheus_over_mmash["pids"]
    log = prometheus_over_mmash["log"]
    try:
        ups = until("both jobs scraped and up", lambda: (lambda r: len(r) == 2 and all(x["value"][1] == "1" for x in r)
                                                        and r)(api(port, "up")))
        assert {x["metric"]["job"] for x in ups} == {"mmstats", "mmstats-sum"}
        # one series per writer process, with its pid
        per_pid = until("jobs_total of both writers", lambda: (lambda r: len(r) == 2 and r)(
            api(port, 'jobs_total{job="mmstats"}')))
        assert sorted(int(x["metric"]["pid"]) for x in per_pid) == sorted(pids)
        assert all(float(x["value"][1]) > 0 for x in per_pid)
        temps = {int(x["metric"]["pid"]): float(x["value"][1]) for x in api(port, 'temperature{job="mmstats"}')}
        assert temps == {pids[0]: 21.5, pids[1]: 23.0}
        info = api(port, "mmstats_process_info")
        assert {int(x["metric"]["pid"]) for x in info if x["metric"]["job"] == "mmstats"} == set(pids)
        assert {x["metric"]["cmd"] for x in info} == {"worker"}
        # rate() of each writer, and of the sum the second job scrapes, once 5 s of scrapes are in
        until("5 s of scrapes", lambda: (lambda r: len(r) == 3 and all(float(x["value"][1]) >= 5 for x in r))(
            api(port, "count_over_time(jobs_total[5s])")))
        rates = until("rate() of both writers", lambda: (lambda r: len(r) == 2 and r)(
            api(port, 'rate(jobs_total{job="mmstats"}[5s])')))
        for x in rates:
            assert 0.5 * RATE < float(x["value"][1]) < 1.5 * RATE, rates
        total = until("rate() of the summed series", lambda: api(port, 'rate(jobs_total{job="mmstats-sum"}[5s])'))
        assert len(total) == 1 and "pid" not in total[0]["metric"]
        assert 1.0 * RATE < float(total[0]["value"][1]) < 3.0 * RATE, total
        # what Prometheus holds is what the files hold (up to one scrape interval behind)
        from mmstats_format import read
        in_files = sum(f.value for p in Path(prometheus_over_mmash["stats"]).glob("*.mmstats")
                       for f in read(p) if f.label == "jobs")
        scraped = float(api(port, 'jobs_total{job="mmstats-sum"}')[0]["value"][1])
        assert in_files - 2 * RATE * 3 <= scraped <= in_files, (scraped, in_files)
    except AssertionError:
        sys.stderr.write(Path(log).read_text()[-4000:])
        raise
