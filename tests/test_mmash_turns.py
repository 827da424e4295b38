"""Scrapes go first: while a scrape reads or renders, the dashboard's sampler waits between files
(with the directory's lock released) and between steps, for at most its budget."""
import os
import threading
import time

import pytest

from mmstats.lowlevel import create_file
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.history import History
from mmstats.tools.mmash.metrics import Exporter
from mmstats.tools.mmash.sampler import Sampler
from mmstats.tools.mmash.scrapes import Scrapes
from mmstats.tools.mmash.snapshots import GiveWay, Snapshots


@pytest.fixture
def make_writers(tmp_path):
    """make_writers(n): n one-process v1 files in tmp_path, closed at the test's end."""
    made = []

    def make(n):
        for i in range(n):
            f = create_file(tmp_path / f"w{i}.mmstats", [("jobs", "Q", True), ("sys.pid", "I", False)])
            made.append(f)
            f["sys.pid"].set(os.getpid())
            f["jobs"].set(i)
        return made

    yield make
    for f in made:
        f.close()


def _thread(fn):
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    return t


def test_the_sampler_read_waits_between_files_while_a_scrape_runs(tmp_path, make_writers):
    make_writers(3)
    stats = StatsDir(str(tmp_path), "*.mmstats")
    snaps = Snapshots(stats)
    read, got = [], []

    def probe(path, fields, values, fd):
        read.append(path)
        return None
    with snaps.turns.first():                                  # a scrape is running
        way = GiveWay(snaps.turns, 30.0)
        sampler = _thread(lambda: got.append(snaps.take(None, probe=probe, give_way=way)))
        time.sleep(0.3)
        assert read == [] and got == [] and sampler.is_alive()  # waiting before its first file
        scrape = []                                             # ... without the directory's lock
        reader = _thread(lambda: scrape.append(stats.snapshot()))
        reader.join(10)
        assert not reader.is_alive() and len(scrape[0][0]) == 3
    sampler.join(10)
    assert not sampler.is_alive() and len(read) == 3 and len(got[0].files) == 3
    assert 0.25 < way.given < 10 and way.left < 30.0


def test_the_sampler_gives_way_for_its_budget_only(tmp_path, make_writers):
    make_writers(2)
    snaps = Snapshots(StatsDir(str(tmp_path), "*.mmstats"))
    with snaps.turns.first():                                  # a scrape that never ends
        way = GiveWay(snaps.turns, 0.3)
        began = time.monotonic()
        taken = snaps.take(None, give_way=way)
        took = time.monotonic() - began
    assert len(taken.files) == 2
    assert 0.25 < took < 5 and 0.25 < way.given < 5 and not way.waiting
    way()                                                       # spent: no more waits
    assert way.given < 5


def test_a_tick_waits_for_a_scrape_and_leaves_the_wait_out_of_its_time(tmp_path, make_writers):
    make_writers(2)
    stats = StatsDir(str(tmp_path), "*.mmstats")
    sampler = Sampler(stats, History(60, 1, 1000))
    done = []
    with sampler.snapshots.turns.first():
        ticking = _thread(lambda: done.append(sampler.tick()))
        time.sleep(0.3)
        assert done == [] and sampler.ticks == 0
    ticking.join(10)
    assert sampler.ticks == 1 and len(done[0].files) == 2
    assert sampler._way.given > 0.25 and done[0].seconds < sampler._way.given


def test_a_scrape_reads_and_renders_first(tmp_path, make_writers):
    make_writers(2)
    stats = StatsDir(str(tmp_path), "*.mmstats")
    snaps = Snapshots(stats)
    exporter = Exporter(stats.directory)
    seen = []
    real_snapshot, real_render = stats.snapshot, exporter.render

    def snapshot(*a, **kw):
        seen.append(("read", snaps.turns.scraping))
        return real_snapshot(*a, **kw)

    def render(*a, **kw):
        seen.append(("render", snaps.turns.scraping))
        return real_render(*a, **kw)
    stats.snapshot, exporter.render = snapshot, render
    taken, body = Scrapes(snaps, exporter).answer(None, "sum", "pid", False, 0)
    assert b"jobs_total 1.0" in body
    assert seen == [("read", 1), ("render", 1)] and snaps.turns.scraping == 0
    seen.clear()
    snaps.take(None, give_way=GiveWay(snaps.turns, 1.0))      # the sampler's read: not first
    assert seen == [("read", 0)]
