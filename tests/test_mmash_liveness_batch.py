"""What a scrape asks of every file, answered in bulk, must equal the per-file answers:
gone_pids against kill(pid, 0) one pid at a time (on the listing of /proc and without it), and a
version 2 file's producer() against its header dict."""
import os
import subprocess
import sys

import pytest

from mmstats._liveness import process_gone
from mmstats._v2writer import V2Writer
from mmstats.tools.mmash import processes
from mmstats.tools.mmash.data import StatsDir

FIRST_PID = 5_000_000  # above the largest pid_max (2^22): no such process


@pytest.fixture
def exited_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # reaped: its pid names no process (until reused, which a few ms hardly allow)
    return child.pid


@pytest.mark.parametrize("many", [False, True], ids=["kill-each", "proc-listing"])
def test_gone_pids_says_what_kill_says(many, exited_pid):
    live = {os.getpid(), os.getppid(), 1}
    dead = {exited_pid} | set(range(FIRST_PID, FIRST_PID + (processes._LISTING_FROM if many else 3)))
    got = processes.gone_pids(live | dead)
    assert got == {pid for pid in live | dead if process_gone(pid)}
    assert got == dead


def test_many_pids_take_one_listing_and_no_kill(monkeypatch):
    def no_kill(pid):
        raise AssertionError(f"kill({pid}, 0) asked although /proc was listed")
    monkeypatch.setattr(processes, "process_gone", no_kill)
    monkeypatch.setattr(processes, "_PROC_LISTS", [True])
    dead = set(range(FIRST_PID, FIRST_PID + processes._LISTING_FROM))
    assert processes.gone_pids(dead | {os.getpid(), 1}) == dead


def test_gone_pids_without_the_listing(monkeypatch):
    monkeypatch.setattr(processes, "_PROC_LISTS", [False])
    pids = {os.getpid()} | set(range(FIRST_PID, FIRST_PID + 100))
    assert processes.gone_pids(pids) == pids - {os.getpid()}


def test_v2_producer_is_the_headers_pid_and_creation(tmp_path):
    w = V2Writer.create(tmp_path / "a.mmstats", pid=FIRST_PID + 7, start_ticks=0, created_unix_ns=1_700_000_000_123)
    w.counter("jobs").add(3)
    w.close(keep=True)
    (fs,), problems = StatsDir(str(tmp_path), "*.mmstats").snapshot()
    assert not problems
    got = fs.values.producer()
    assert got == (FIRST_PID + 7, 1_700_000_000_123)
    assert got == (fs.values.header["pid"], fs.values.header["created_unix_ns"])
    assert fs.values.producer() == got  # the same once the dict is made
