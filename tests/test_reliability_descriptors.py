"""More stats files than descriptors: mmash and pollstats read every file or say which they could not.

The tools run as subprocesses under a soft and hard RLIMIT_NOFILE of 64 with 100 files, so a
tool that keeps one descriptor per file runs out; the sums are checked against the values
written. A file the system refuses to open (EMFILE, injected at the reader's open) must turn a
scrape into a non-200 answer and a pollstats row into a marked one, with a warning naming it.
"""
from __future__ import annotations

import errno
import json
import resource
import threading

import pytest
from prometheus_client.parser import text_string_to_metric_families

import mmstats_format.reread as reread
from mmstats.tools import pollstats
from mmstats.tools.mmash.server import make_server
from mmstats_format import build_file
from mmstats_format.fdbudget import OpenFiles, descriptor_budget
from test_tools_support import http_get, run_tool, start_mmash, stop

FILES = 100
LIMIT = 64
TOTAL = sum(range(1, FILES + 1))


def _write(directory, n=FILES):
    for i in range(1, n + 1):
        (directory / f"app-{i:03}.mmstats").write_bytes(
            build_file([{"label": "hits", "type": "Q", "value": i, "buffered": True}]))


def _low_limit():
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def _samples(body: bytes) -> dict:
    out = {}
    for fam in text_string_to_metric_families(body.decode()):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


@pytest.fixture
def many(tmp_path):
    d = tmp_path / "stats"
    d.mkdir()
    _write(d)
    return d


def test_mmash_scrapes_every_file_with_fewer_descriptors_than_files(many):
    proc, port = start_mmash(many, "--aggregate", "sum", preexec_fn=_low_limit)
    try:
        for _ in range(3):  # the first scrape opens; later ones must not find the limit used up
            status, _, body = http_get(port, "/metrics")
            assert status == 200, body
            samples = _samples(body)
            assert samples[("hits_total", ())] == TOTAL
            assert samples[("mmash_scrape_files", (("state", "read"),))] == FILES
            assert samples[("mmash_scrape_files", (("state", "unreadable"),))] == 0
        status, _, body = http_get(port, "/files")
        assert status == 200 and len(json.loads(body)["files"]) == FILES
    finally:
        err = stop(proc)
    assert "Traceback" not in err, err


def test_pollstats_sums_every_file_with_fewer_descriptors_than_files(many):
    r = run_tool("pollstats", "-c", "3", "-d", "0", "--json", "hits", many, preexec_fn=_low_limit)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 3
    assert rows[0]["values"]["hits"] == TOTAL and rows[0]["files"] == FILES
    assert [row["values"]["hits"] for row in rows[1:]] == [0, 0]  # counters: the change since the last row
    assert all("unreadable" not in row for row in rows)
    assert r.stderr == ""


def _refuse(monkeypatch, name):
    """The reader's open fails with EMFILE for the file called ``name``."""
    real = reread.open_regular

    def open_regular(path, *a, **kw):
        if str(path).endswith(name):
            raise OSError(errno.EMFILE, "Too many open files", str(path))
        return real(path, *a, **kw)
    monkeypatch.setattr(reread, "open_regular", open_regular)


def test_mmash_answers_503_naming_the_count_when_a_file_cannot_be_read(tmp_path, monkeypatch):
    _write(tmp_path, 5)
    _refuse(monkeypatch, "app-003.mmstats")
    server, stats = make_server("127.0.0.1", 0, str(tmp_path), aggregate="sum")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        status, headers, body = http_get(port, "/metrics")
        assert status == 503
        assert headers["content-type"].startswith("text/plain")
        text = body.decode()
        assert "1 of 5 files unreadable" in text and "app-003.mmstats" in text and "read 4" in text
        for data_route in ("/stats/", "/stats/hits?aggr=sum", "/files/"):  # JSON answers are never partial either
            status, _, body = http_get(port, data_route)
            assert status == 503 and b"app-003.mmstats" in body, (data_route, body)
        monkeypatch.undo()  # readable again: the whole answer, with the file's value
        status, _, body = http_get(port, "/metrics")
        assert status == 200, body
        samples = _samples(body)
        assert samples[("hits_total", ())] == 15
        assert samples[("mmash_scrape_files", (("state", "read"),))] == 5
    finally:
        server.shutdown()
        server.server_close()
        stats.close()


def test_pollstats_marks_the_row_and_names_the_file_it_could_not_read(tmp_path, monkeypatch, capsys):
    _write(tmp_path, 5)
    _refuse(monkeypatch, "app-002.mmstats")
    assert pollstats.main(["-c", "1", "hits", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    header, row = out.splitlines()
    assert row.split() == ["13", pollstats.INCOMPLETE]  # 15 less the unreadable file's 2
    assert "incomplete row: 1 files unreadable" in err and "app-002.mmstats" in err
    assert pollstats.main(["-c", "1", "--json", "hits", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    row = json.loads(out)
    assert row["values"]["hits"] == 13
    assert [p.rsplit("/", 1)[1] for p in row["unreadable"]] == ["app-002.mmstats"]


class _Reader:
    def __init__(self):
        self.closed = 0

    def close(self):
        self.closed += 1


def test_open_files_closes_the_least_recently_used_past_its_limit():
    held = OpenFiles(2)
    a, b, c = _Reader(), _Reader(), _Reader()
    held.used("a", a)
    held.used("b", b)
    held.used("a", a)      # a is now the most recent
    held.used("c", c)      # b goes
    assert (a.closed, b.closed, c.closed) == (0, 1, 0) and len(held) == 2
    held.forget("a")
    held.used("b", b)
    assert (a.closed, b.closed, c.closed) == (0, 1, 0) and len(held) == 2


def test_budget_is_a_bounded_share_of_the_soft_limit():
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    budget = descriptor_budget()
    assert 1 <= budget
    if soft != resource.RLIM_INFINITY:
        assert budget <= soft // 2 and budget <= soft - 16 or budget == 1
