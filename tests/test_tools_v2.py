"""The tools on version 2 files: slurpstats shows kind, unit and help; pollstats adds up by kind;
cleanstats judges by the writer's lock (real processes, kill -9, a pid that belongs to another process)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from mmstats._v2writer import V2Writer
from mmstats.tools import slurpstats
from mmstats.tools.pollstats import Poller, cell


def _sample(path):
    w = V2Writer.create(path)
    w.counter("http.requests", unit="{request}", help="requests served", attributes={"status": "2xx"}).add(5)
    w.gauge("queue", "i64", value=3)
    w.string("state", 8, value="ok")
    w.histogram("lat", (1.0, 10.0), unit="ms").observe(4.0)
    return w


def test_slurpstats_text_shows_kind_unit_help_and_attributes(tmp_path, capsys):
    w = _sample(tmp_path / "a.mmstats")
    try:
        assert slurpstats.main([w.path]) == 0
    finally:
        w.close()
    assert capsys.readouterr().out.splitlines() == [
        f"==> {w.path} <==",
        'http.requests{status="2xx"}  5   counter [{request}]  # requests served',
        "queue                        3   gauge",
        "state                        ok  string",
        "lat                          count=1 sum=4.0 le=1.0:0 le=10.0:1 le=Infinity:1  histogram [ms]",
    ]


def test_slurpstats_json_is_the_v2_canonical_form(tmp_path, capsys):
    w = _sample(tmp_path / "a.mmstats")
    try:
        assert slurpstats.main(["--json", w.path]) == 0
    finally:
        w.close()
    got = json.loads(capsys.readouterr().out)
    assert got["format_version"] == 2 and got["state"] == "ready" and got["pid"] == os.getpid()
    assert got["fields"][0] == {"label": "http.requests", "kind": "counter", "type": "u64", "unit": "{request}",
                                "help": "requests served", "attributes": {"status": "2xx"}, "value": 5}
    assert got["fields"][3]["value"] == {"count": 1, "sum": 4.0, "buckets": [
        {"le": 1.0, "count": 0}, {"le": 10.0, "count": 1}, {"le": "Infinity", "count": 1}]}


def test_pollstats_sums_counters_and_never_gauges_or_pids(tmp_path):
    a, b = V2Writer.create(tmp_path / "a.mmstats"), V2Writer.create(tmp_path / "b.mmstats")
    try:
        ca, cb = a.counter("c"), b.counter("c")
        ga, gb = a.gauge("g", "i64", value=7), b.gauge("g", "i64", value=7)
        a.gauge("proc.pid", "i64", value=111)
        b.gauge("proc.pid", "i64", value=222)
        ua, ub = a.updown_counter("u"), b.updown_counter("u")
        ca.add(2)
        cb.add(3)
        ua.add(-4)
        ub.add(10)
        ha = a.histogram("h", (1.0,))
        ha.observe(0.5)
        p = Poller([str(tmp_path)], ["c", "g", "proc.pid", "u", "h"], warn=lambda line: None)
        try:
            sums, files = p.row()
            assert files == 2
            assert [cell(v) for v in sums] == ["5", "7", "(mixed)", "6", "1"]  # totals; 7 is not 14
            ca.add(1)
            gb.set(9)
            ha.observe(3.0)
            ha.observe(0.1)
            sums, _ = p.row()
            assert [cell(v) for v in sums] == ["1", "(mixed)", "(mixed)", "6", "2"]  # changes since the row before
            ga.set(9)
            sums, _ = p.row()
            assert [cell(v) for v in sums] == ["0", "9", "(mixed)", "6", "0"]
        finally:
            p.close()
    finally:
        a.close()
        b.close()


# ---------------------------------------------------------------- cleanstats, real processes

def _writer(path, *, pid=None, close=False):
    """A process that writes a version 2 file (its header pid pinned to ``pid``) and says "up"."""
    pinned = "" if pid is None else f", pid={pid}, start_ticks=_start_ticks({pid})"
    code = ("import sys, time\nfrom mmstats._v2writer import V2Writer, _start_ticks\n"
            f"w = V2Writer.create({str(path)!r}{pinned})\nw.counter('x').add(3)\n"
            + ("w.close(keep=True)\nprint('up', flush=True)\n" if close else "print('up', flush=True)\ntime.sleep(60)\n"))
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"up\n"
    return p


def _cleanstats(*args):
    r = subprocess.run([sys.executable, "-m", "mmstats.tools.cleanstats", *map(str, args)],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout


@pytest.fixture
def procs():
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait()


def test_cleanstats_removes_a_killed_v2_writers_file_even_when_its_pid_is_alive(tmp_path, procs):
    live = tmp_path / "live.mmstats"
    reused = tmp_path / "reused.mmstats"
    killed = tmp_path / "killed.mmstats"
    exited = tmp_path / "exited.mmstats"
    procs.append(_writer(live))
    # The killed writer's header names this test's own process: alive, the way a reused pid is.
    procs.append(_writer(reused, pid=os.getpid()))
    procs.append(_writer(killed))
    procs.append(_writer(exited, close=True))
    for p in procs[1:3]:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    procs[3].wait()
    code, out = _cleanstats("--dry-run", tmp_path)
    assert code == 0 and sorted(p.name for p in tmp_path.iterdir()) == \
        ["exited.mmstats", "killed.mmstats", "live.mmstats", "reused.mmstats"]
    code, out = _cleanstats(tmp_path)
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.mmstats"]
    lines = {line.split()[1].rstrip(":"): line for line in out.splitlines()[:-1]}
    assert "no process holds its lock" in lines[str(reused)] and lines[str(reused)].startswith("removed")
    assert "exited cleanly" in lines[str(exited)]
    assert lines[str(live)].startswith("keep") and "live" in lines[str(live)]
    assert out.splitlines()[-1] == "cleanstats: 4 files: 3 removed, 1 kept, 0 errors"
    assert procs[0].poll() is None  # the live writer still runs, its file still there
