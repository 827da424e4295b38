"""How old /metrics values may be: a scrape answers from the sampler's last read only when that read
began at most --metrics-max-age (or ?max_age=) seconds before the request, else it reads afresh."""
import os
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mmstats.lowlevel import create_file
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.snapshots import Snapshots
from test_tools_support import http_get, start_mmash, stop


def _counter(path, value=0):
    f = create_file(path, [("jobs", "Q", True), ("sys.pid", "I", False)])
    f["sys.pid"].set(os.getpid())
    f["jobs"].set(value)
    return f


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def _jobs(taken):
    (fs,) = taken.files
    return fs.values[[f.label for f in fs.fields].index("jobs")]


def test_a_read_is_reused_up_to_the_bound_and_never_after(tmp_path):
    f = _counter(tmp_path / "a.mmstats", 1)
    clock = Clock()
    snaps = Snapshots(StatsDir(str(tmp_path), "*.mmstats"), clock)
    try:
        first = snaps.take()
        f["jobs"].set(2)
        clock.now += 0.5
        assert snaps.fresh(max_age=1.0) is first and _jobs(first) == 1   # 0.5 s old: the last read
        clock.now += 0.5
        assert snaps.fresh(max_age=1.0) is first                          # exactly the bound: still
        clock.now += 0.001
        second = snaps.fresh(max_age=1.0)                                  # past it: read again
        assert second is not first and second.generation > first.generation and _jobs(second) == 2
        assert snaps.age(second) == 0.0
        assert snaps.fresh(max_age=1.0) is second                          # ... and that read is the last one
        f["jobs"].set(3)
        assert _jobs(snaps.fresh(max_age=0)) == 3                          # 0: always a new read
    finally:
        f.close()


def test_a_read_that_missed_files_is_never_reused(tmp_path, monkeypatch):
    f = _counter(tmp_path / "a.mmstats", 1)
    stats = StatsDir(str(tmp_path), "*.mmstats")
    real = stats.snapshot

    def refused(pattern, failed, unreadable, corrupt, probe=None):
        files, problems = real(pattern, failed, unreadable, corrupt, probe)
        unreadable.append(str(tmp_path / "b.mmstats"))
        return files, problems
    snaps = Snapshots(stats, Clock())
    try:
        monkeypatch.setattr(stats, "snapshot", refused)
        bad = snaps.take()
        assert bad.unreadable
        monkeypatch.undo()
        good = snaps.fresh(max_age=60)
        assert good is not bad and not good.unreadable
    finally:
        f.close()


def test_an_older_read_published_late_does_not_replace_a_newer_one(tmp_path):
    f = _counter(tmp_path / "a.mmstats", 1)
    clock = Clock()
    stats = StatsDir(str(tmp_path), "*.mmstats")
    snaps = Snapshots(stats, clock)
    real = stats.snapshot
    try:
        def slow(*a, **kw):          # a read that began at 100 and ends after one that began at 101
            stats.snapshot = real
            clock.now = 101.0
            newer = snaps.take()
            clock.now = 102.0
            slow.newer = newer
            return real(*a, **kw)
        stats.snapshot = slow
        older = snaps.take()
        assert older.started == 100.0 and slow.newer.started == 101.0
        assert snaps.fresh(max_age=5) is slow.newer
    finally:
        f.close()


def test_a_read_in_progress_is_waited_for_when_it_began_recently_enough(tmp_path):
    f = _counter(tmp_path / "a.mmstats", 1)
    clock = Clock()
    stats = StatsDir(str(tmp_path), "*.mmstats")
    snaps = Snapshots(stats, clock)
    real, calls = stats.snapshot, []
    entered, release = threading.Event(), threading.Event()

    def slow(*a, **kw):
        calls.append(clock.now)
        if len(calls) == 1:            # the sampler's read: it began at 100 and is slow
            entered.set()
            release.wait(10)
        return real(*a, **kw)
    stats.snapshot = slow
    try:
        sampler = threading.Thread(target=snaps.take)
        sampler.start()
        entered.wait(10)
        clock.now = 100.8
        got = []
        scrape = threading.Thread(target=lambda: got.append(snaps.fresh(max_age=1.0)))
        scrape.start()
        time.sleep(0.2)
        assert got == [] and len(calls) == 1     # waiting: no second read of every file
        release.set()
        sampler.join(10)
        scrape.join(10)
        assert len(calls) == 1 and got[0].started == 100.0
        # a read in progress that began too long ago is not waited for: the scrape reads itself after it
        entered.clear()
        release.clear()
        calls.clear()
        clock.now = 200.0
        sampler = threading.Thread(target=snaps.take)
        sampler.start()
        entered.wait(10)
        clock.now = 201.5
        release.set()
        late = snaps.fresh(max_age=1.0)
        sampler.join(10)
        assert calls == [200.0, 201.5] and late.started == 201.5
    finally:
        release.set()
        f.close()


# -- over HTTP, from mmash as users start it (its sampler on) ------------------------------------------

def _scrape(port, query=""):
    """(the time before the request, jobs_total, the age mmash reports) of one /metrics?aggregate=sum."""
    t = time.monotonic()
    status, _, body = http_get(port, "/metrics?aggregate=sum" + query)
    assert status == 200, body
    got = {(s.name, tuple(sorted(s.labels.items()))): s.value
           for fam in text_string_to_metric_families(body.decode()) for s in fam.samples}
    age = next(v for (name, _), v in got.items() if name == "mmash_scrape_age_seconds")
    return t, got[("jobs_total", ())], age


@pytest.fixture
def counting(tmp_path):
    """A counter set to 1, 2, 3, ... every 2 ms; ``replaced[v]``: a time (time.monotonic) after the
    writer replaced the value v (v + 1 was stored before it)."""
    f = _counter(tmp_path / "w.mmstats", 0)
    replaced: dict = {}
    stop_event = threading.Event()

    def run():
        v = 0
        while not stop_event.is_set():
            f["jobs"].set(v + 1)
            replaced[v] = time.monotonic()
            v += 1
            time.sleep(0.002)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield tmp_path, replaced
    stop_event.set()
    thread.join()
    f.close()


def _check(scrapes, replaced, bound):
    """Every value was still the counter's value ``bound`` seconds before its scrape was sent: it was
    replaced after that moment (or never). Returns how many were older than the request itself."""
    older = 0
    for t, value, age in scrapes:
        gone = replaced.get(int(value))
        assert gone is None or gone > t - bound, (value, gone, t, bound)
        assert 0 <= age <= bound + 0.5   # what mmash says (its clock, read when the body was made)
        older += gone is not None and gone <= t
    return older


def test_scrapes_answer_with_values_no_older_than_the_bound(counting):
    directory, replaced = counting
    proc, port = start_mmash(directory, "--metrics-max-age", "0.5")
    try:
        def run(query, bound, seconds=2.5):
            scrapes = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                scrapes.append(_scrape(port, query))
                time.sleep(0.03)
            return _check(scrapes, replaced, bound), len(scrapes)
        older, n = run("", 0.5)              # the option
        assert older > n // 4                # the sampler's reads were reused: the bound is not vacuous
        older, n = run("&max_age=1.5", 1.5)  # per request
        assert older > n // 2
        older, n = run("&max_age=0", 0.0, seconds=1.0)  # a new read for every scrape
        assert older == 0 and n > 5
    finally:
        err = stop(proc)
    assert "Traceback" not in err, err


@pytest.mark.parametrize("bad", ["-1", "soon", "nan", "inf"])
def test_a_bad_max_age_is_a_clear_400(tmp_path, bad):
    from mmstats.tools.mmash.server import make_server
    f = _counter(tmp_path / "a.mmstats", 1)
    server, stats = make_server("127.0.0.1", 0, str(tmp_path))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        status, _, body = http_get(server.server_address[1], f"/metrics?max_age={bad}")
        assert status == 400 and b"max_age" in body and b"0 or more" in body
        status, _, body = http_get(server.server_address[1], "/metrics?max_age=0.25")
        assert status == 200 and b"jobs_total" in body
    finally:
        server.shutdown()
        server.server_close()
        stats.close()
        f.close()


def test_one_read_is_rendered_once_per_kind_of_answer(tmp_path):
    from mmstats.tools.mmash.metrics import Exporter
    from mmstats.tools.mmash.scrapes import Scrapes
    f = _counter(tmp_path / "a.mmstats", 5)
    clock = Clock()
    stats = StatsDir(str(tmp_path), "*.mmstats")
    exporter = Exporter(stats.directory)
    renders = []
    real = exporter.render

    def counting(*a, **kw):
        renders.append(a[1])
        return real(*a, **kw)
    exporter.render = counting
    scrapes = Scrapes(Snapshots(stats, clock), exporter)
    try:
        taken, body = scrapes.answer(None, "sum", "pid", False, 1.0)
        assert b"jobs_total 5.0" in body
        again = scrapes.answer(None, "sum", "pid", False, 1.0)
        assert again[0] is taken and again[1] is body and renders == ["sum"]   # the same read: the same bytes
        scrapes.answer(None, "process", "pid", False, 1.0)
        assert renders == ["sum", "process"]
        f["jobs"].set(6)
        clock.now += 2                                                       # too old: read and render again
        taken2, body2 = scrapes.answer(None, "sum", "pid", False, 1.0)
        assert taken2.generation > taken.generation and b"jobs_total 6.0" in body2
        assert renders == ["sum", "process", "sum"]
        assert len(scrapes._rendered) == 1                                   # the older read's answers are gone
    finally:
        f.close()
