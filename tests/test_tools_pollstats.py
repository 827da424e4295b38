"""pollstats: the command run as a subprocess, and its Poller driven row by row, on real writer processes."""
import json
import os
import pty
import subprocess

import pytest

from mmstats.tools.pollstats import _MIXED, Poller, cell, label_candidates
from test_tools_support import Lines, Writer, run_tool, start_tool, stop, tool_command, tool_env

WEB = [(f"web.stats.status.{c}XX", "Q", True) for c in "2345"] + [("web.stats.timers.last_hit", "d", True)]


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory):
    """Two processes of the README's web app (never changed by the tests): the seed's pollstats example reads them."""
    tmp_path = tmp_path_factory.mktemp("web")
    a = Writer(tmp_path / "mmstats-a.mmstats", WEB, [("web.stats.status.2XX", 40), ("web.stats.status.4XX", 1)],
               prefix="web.stats.")
    b = Writer(tmp_path / "mmstats-b.mmstats", WEB, [("web.stats.status.2XX", 2), ("web.stats.status.3XX", 3)],
               prefix="web.stats.")
    yield tmp_path, a, b
    a.kill()
    b.kill()


def test_label_candidates_join_prefix_with_or_without_a_dot():
    assert label_candidates("web.stats.status", "2XX") == ["web.stats.status.2XX", "web.stats.status2XX", "2XX"]
    assert label_candidates("flask.example.", "ok") == ["flask.example.ok", "ok"]
    assert label_candidates("", "ok") == ["ok"]


def test_seed_example_sums_status_counters_over_files(web_dir):
    tmp_path = web_dir[0]
    """`pollstats -p web.stats.status 2XX,3XX,4XX,5XX /tmp/mmstats-*` as the seed README wrote it."""
    r = run_tool("pollstats", "-c", 1, "-p", "web.stats.status", "2XX,3XX,4XX,5XX", *sorted(tmp_path.glob("mmstats-*")))
    assert r.returncode == 0, r.stderr
    header, row = r.stdout.splitlines()
    assert header.split() == ["2XX", "3XX", "4XX", "5XX"]
    assert row.split() == ["42", "3", "1", "0"]  # first row: totals
    assert "\x1b" not in r.stdout  # not a terminal: no colour


def test_flask_example_prefix_with_trailing_dot_and_relative_glob(tmp_path):
    fields = [("flask.example.ok", "Q", True), ("flask.example.bad", "Q", True), ("flask.example.working", "i", True)]
    with Writer(tmp_path / "mmstats-1", fields, [("flask.example.ok", 5), ("flask.example.working", 2)]), \
         Writer(tmp_path / "mmstats-2", fields, [("flask.example.bad", 1), ("flask.example.working", 3)]):
        # The glob reaches pollstats unexpanded (no shell): pollstats expands it relative to its cwd.
        r = run_tool("pollstats", "-c", 1, "-p", "flask.example.", "ok,bad,working", "mmstats-*", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].split() == ["5", "1", "5"]


def test_counters_show_change_since_last_row_integers_their_sum_floats_never(tmp_path):
    fields = [("hits", "Q", True), ("queue", "i", True), ("load", "d", True), ("name", "8s", False)]
    a = Writer(tmp_path / "a.mmstats", fields, [("hits", 10), ("queue", 4), ("load", 0.25), ("name", "web")])
    b = Writer(tmp_path / "b.mmstats", fields, [("hits", 5), ("queue", -1), ("load", 0.5), ("name", "web")])
    poller = Poller([str(tmp_path)], ["hits", "queue", "load", "name", "absent"])
    try:
        assert poller.row() == ([15, 3, _MIXED, "web", None], 2)  # 0.25 and 0.5: averages never add up
        a.set("hits", 12)
        b.set("hits", 5)
        a.set("queue", 7)
        assert poller.row() == ([2, 6, _MIXED, "web", None], 2)
        assert poller.row() == ([0, 6, _MIXED, "web", None], 2)
        b.set("hits", 2**64 - 1)     # a counter that wrapped ...
        assert poller.row()[0][0] == 2**64 - 6
        b.set("hits", 4)             # ... and wraps back: the change is still 5
        assert poller.row()[0][0] == 5
        b.set("name", "api")
        assert cell(poller.row()[0][3]) == "(mixed)"  # strings are not summed; files that disagree say so
    finally:
        poller.close()
        a.kill()
        b.kill()


def test_the_writers_identity_is_never_summed(tmp_path):
    fields = [("hits", "Q", True), ("busy", "I", True)]
    a = Writer(tmp_path / "a.mmstats", fields, [("hits", 1), ("busy", 2)])
    b = Writer(tmp_path / "b.mmstats", fields, [("hits", 2), ("busy", 3)])
    poller = Poller([str(tmp_path)], ["hits", "busy", "sys.pid", "sys.created"])
    try:
        row, files = poller.row()
        assert files == 2 and row[:2] == [3, 5]
        assert row[2] is _MIXED and row[3] is _MIXED   # two pids, two creation times: no sum of either
    finally:
        poller.close()
        a.kill()
        b.kill()


def test_files_appearing_and_vanishing_are_picked_up_and_dropped(tmp_path):
    a = Writer(tmp_path / "a.mmstats", [("hits", "Q", True)], [("hits", 1)])
    warnings = []
    poller = Poller([str(tmp_path / "*.mmstats")], ["hits"], warn=warnings.append)
    try:
        assert poller.row() == ([1], 1)
        (tmp_path / "b.mmstats").write_bytes(bytes(4096))    # a writer still creating its file: not_ready
        assert poller.row() == ([0], 1)
        b = Writer(tmp_path / "c.mmstats", [("hits", "Q", True)], [("hits", 7)])
        assert poller.row() == ([7], 2)                      # a new file counts whole
        a.remove()
        assert poller.row() == ([0], 1)
        (tmp_path / "bad.mmstats").write_bytes(b"\x09" + bytes(4095))
        assert poller.row() == ([0], 1)
        assert poller.row() == ([0], 1)
        b.remove()
        assert poller.row() == ([None], 0)
    finally:
        poller.close()
        a.kill()
    # Only the invalid file is worth a warning, and only once; the vanished and the unready ones are not.
    assert len(warnings) == 1 and "bad.mmstats: offset 0: bad_version" in warnings[0]


def test_a_file_replaced_at_the_same_path_starts_from_its_own_value(tmp_path):
    path = tmp_path / "app.mmstats"
    first = Writer(path, [("hits", "Q", True)], [("hits", 100)])
    poller = Poller([str(path)], ["hits"])
    try:
        assert poller.row() == ([100], 1)
        first.remove()
        second = Writer(path, [("pad", "Q", True), ("hits", "Q", True)], [("hits", 3)])
        assert poller.row() == ([3], 1)  # not 3 - 100: another file, another layout
        second.set("hits", 4)
        assert poller.row() == ([1], 1)
        second.kill()
    finally:
        poller.close()
        first.kill()


def test_filter_is_checked_on_every_row(tmp_path):
    fields = [("hits", "Q", True), ("role", "8s", False)]
    a, b = Writer.many((tmp_path / "a.mmstats", fields, [("hits", 1), ("role", "primary")]),
                       (tmp_path / "b.mmstats", fields, [("hits", 10), ("role", "standby")]))
    poller = Poller([str(tmp_path)], ["hits"], filters=[("role", "primary")])
    try:
        assert poller.row() == ([1], 1)
        a.set("role", "standby")
        b.set("role", "primary")   # fail-over: b is the one to watch now ...
        b.set("hits", 13)
        assert poller.row() == ([3], 1)  # ... and its counter shows the change since the last row
    finally:
        poller.close()
        a.kill()
        b.kill()


def test_columns_widen_for_long_values_and_the_header_follows(tmp_path):
    with Writer(tmp_path / "a.mmstats", [("n", "Q", True)], [("n", 2**64 - 1)]):
        r = run_tool("pollstats", "-c", 1, "n", tmp_path)
    header, row = r.stdout.splitlines()
    assert row == "18446744073709551615" and header == " " * (len(row) - 1) + "n"


def test_filter_keeps_only_matching_files(web_dir):
    tmp_path, a, b = web_dir
    r = run_tool("pollstats", "-c", 1, "-p", "web.stats.", "-f", f"sys.pid={b.pid}", "status.2XX,status.3XX", tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].split() == ["2", "3"]


def test_live_rows_follow_a_running_writer_and_new_files(tmp_path):
    a = Writer(tmp_path / "a.mmstats", [("hits", "Q", True), ("temp", "d", True)], [("hits", 3), ("temp", 20.5)])
    proc = start_tool("pollstats", "--json", "-d", "0.2", "hits,temp", str(tmp_path / "*.mmstats"))
    lines = Lines(proc)
    b = None
    try:
        row = json.loads(lines.next())
        assert row["files"] == 1 and row["values"] == {"hits": 3, "temp": 20.5}
        a.set("hits", 10)
        a.set("temp", 21.0)
        b = Writer(tmp_path / "b.mmstats", [("hits", "Q", True), ("temp", "d", True)], [("hits", 5), ("temp", 1.0)])
        rows = []
        while sum(r["values"]["hits"] for r in rows) < 12:   # 7 more from a, 5 from the new b
            rows.append(json.loads(lines.next()))
        assert sum(r["values"]["hits"] for r in rows) == 12
        assert rows[-1]["files"] == 2 and rows[-1]["values"]["temp"] is None   # 21.0 and 1.0: (mixed), no sum
        b.remove()
        while (row := json.loads(lines.next()))["files"] != 1:
            pass
        assert row["values"] == {"hits": 0, "temp": 21.0}
    finally:
        err = stop(proc)
        a.kill()
        if b:
            b.kill()
    assert "Traceback" not in err


def test_header_repeats_every_n_rows_and_count_stops(web_dir):
    tmp_path = web_dir[0]
    r = run_tool("pollstats", "-c", 5, "-d", 0, "-n", 2, "-p", "web.stats.status", "2XX,5XX", tmp_path)
    assert r.returncode == 0, r.stderr
    kinds = ["h" if ln.split() == ["2XX", "5XX"] else "r" for ln in r.stdout.splitlines()]
    assert kinds == ["h", "r", "r", "h", "r", "r", "h", "r"]


def _on_a_terminal(args, **env):
    """pollstats's stdout when it is a pseudo-terminal."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(tool_command("pollstats", *args), stdout=follower, stderr=subprocess.PIPE,
                                env=tool_env(**env))
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            out += chunk
        proc.wait(20)
    finally:
        os.close(leader)
    return out.decode()


def test_colour_only_on_a_terminal_and_never_with_NO_COLOR(web_dir):
    tmp_path = web_dir[0]
    args = ["-c", 1, "-p", "web.stats.status", "2XX", str(tmp_path)]
    assert "\x1b[" in _on_a_terminal(args)
    plain = _on_a_terminal(args, NO_COLOR="1")
    assert "\x1b[" not in plain and "2XX" in plain and "42" in plain


def test_bad_usage_is_an_error_not_a_traceback(tmp_path):
    r = run_tool("pollstats", "-f", "no-equals-sign", "x", tmp_path)
    assert r.returncode == 2 and "LABEL=VALUE" in r.stderr and "Traceback" not in r.stderr
