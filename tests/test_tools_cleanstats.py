"""cleanstats, run as a subprocess on files left by real writer processes."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from test_tools_support import REPO, Writer, run_tool, tool_env

NOBODY = 65534
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run processes as another user")


def _lines(stdout):
    """{file name: (decision, reason)} and the summary line."""
    out, *_ = stdout.rsplit("cleanstats: ", 1) + [""]
    decisions = {}
    for line in out.splitlines():
        decision, rest = line[:12].strip(), line[13:]
        path, reason = rest.split(": ", 1)
        decisions[os.path.basename(path)] = (decision, reason)
    return decisions, "cleanstats: " + stdout.rsplit("cleanstats: ", 1)[1].strip()


def _fields(*records):
    from mmstats_format import build_file, decode_bytes
    return decode_bytes(build_file([{"label": lb, "type": t, "value": v, "buffered": False} for lb, t, v in records]))


def test_judge_takes_the_first_integer_sys_pid_and_never_a_group_id():
    from mmstats.tools.cleanstats import judge
    me = os.getpid()
    assert judge(_fields(("sys.pid", "8s", "1"), ("app.sys.pid", "Q", me))).reason == \
        f"process {me} is alive"
    for pid in (0, 2**31, 2**63):   # 0 and wrapped negatives would make kill() address process groups
        verdict = judge(_fields(("sys.pid", "Q", pid)))
        assert not verdict.stale and verdict.reason == f"sys.pid is {pid}, not a process id"


@pytest.fixture
def left_behind(tmp_path):
    """A stats directory as a machine has it: stale, live, half-made, foreign and odd files."""
    d = tmp_path / "stats"
    d.mkdir()
    dead, nopid, live, outside = Writer.many(
        (d / "dead.mmstats", [("web.stats.hits", "Q", True)], (), {"prefix": "web.stats."}),
        (d / "nopid.mmstats", [("hits", "Q", True)], (), {"sys_fields": False}),
        (d / "live.mmstats", [("hits", "Q", True)]),
        (tmp_path / "outside.mmstats", [("x", "Q", True)]))
    dead_pid = dead.pid
    for w in (dead, nopid, outside):
        w.kill()                                      # a crash: the file stays
    (d / "creating.mmstats").write_bytes(bytes(4096))  # version byte 0: a writer is still creating it
    (d / "junk.mmstats").write_bytes(b"\x01\xff\xff" + bytes(4093))  # a 65535-byte label in a 4096-byte file
    (d / "link.mmstats").symlink_to(tmp_path / "outside.mmstats")
    yield d, dead_pid, live
    live.kill()


def test_dry_run_gives_one_decision_per_file_with_its_reason_and_removes_nothing(left_behind):
    d, dead_pid, live = left_behind
    before = sorted(os.listdir(d))
    r = run_tool("cleanstats", "--dry-run", d)
    assert r.returncode == 0, r.stderr
    decisions, summary = _lines(r.stdout)
    assert decisions == {
        "creating.mmstats": ("keep", "being created (not_ready)"),
        "dead.mmstats": ("would remove", f"process {dead_pid} is gone (ESRCH)"),
        "junk.mmstats": ("keep", "not a valid mmstats file: offset 3: past_eof"),
        "link.mmstats": ("keep", "not a regular file"),
        "live.mmstats": ("keep", f"process {live.pid} is alive"),
        "nopid.mmstats": ("keep", "no sys.pid field"),
    }
    assert summary == "cleanstats: 6 files: 1 to remove, 5 kept, 0 errors"
    assert sorted(os.listdir(d)) == before


def test_removes_only_the_files_of_gone_processes(left_behind):
    d, _, live = left_behind
    r = run_tool("cleanstats", d)
    assert r.returncode == 0, r.stderr
    assert sorted(os.listdir(d)) == ["creating.mmstats", "junk.mmstats", "link.mmstats", "live.mmstats",
                                     "nopid.mmstats"]
    assert (d.parent / "outside.mmstats").exists()  # a symlink's target is never touched
    assert r.stdout.splitlines()[-1] == "cleanstats: 6 files: 1 removed, 5 kept, 0 errors"
    again = run_tool("cleanstats", d / "*.mmstats")
    assert again.returncode == 0 and "0 removed, 5 kept" in again.stdout


@pytest.mark.parametrize("created_offset", [-3600, -10 * 365 * 86400, 3600, 10 * 365 * 86400])
def test_a_clock_step_never_makes_a_live_writers_file_stale(tmp_path, created_offset):
    """sys.created far before the process started (the clock stepped forward after the file was made,
    as NTP at boot or a VM resume does) or far after it (stepped back): the writer is alive, so the
    file stays. v1 has no evidence of pid reuse that a clock step cannot fake."""
    with Writer(tmp_path / "live.mmstats", [("hits", "Q", True)]) as w:
        w.set("sys.created", time.time() + created_offset)
        r = run_tool("cleanstats", tmp_path)
        assert r.returncode == 0, r.stderr
        assert w.path.exists()
    decisions, summary = _lines(r.stdout)
    assert decisions == {"live.mmstats": ("keep", f"process {w.pid} is alive")}
    assert summary == "cleanstats: 1 file: 0 removed, 1 kept, 0 errors"


@as_root
@pytest.mark.parametrize("process_user, file_owner", [(NOBODY, 0), (0, NOBODY)])
def test_a_live_process_keeps_its_file_whoever_owns_either(tmp_path, process_user, file_owner):
    """Root's file, the pid now nobody's: a daemon that dropped privileges after creating it. Nobody's
    file, the pid now root's: a reused pid, or a setuid writer that changed user. Owners prove nothing;
    only ESRCH proves a writer gone."""
    sleeper = subprocess.Popen(["sleep", "60"], user=process_user)
    try:
        with Writer(tmp_path / "daemon.mmstats", [("hits", "Q", True)]) as w:
            w.set("sys.pid", sleeper.pid)
            os.chown(w.path, file_owner, file_owner)
            r = run_tool("cleanstats", tmp_path)
            assert r.returncode == 0, r.stderr
            assert w.path.exists()
        decisions, _ = _lines(r.stdout)
        assert decisions == {"daemon.mmstats": ("keep", f"process {sleeper.pid} is alive")}
    finally:
        sleeper.kill()
        sleeper.wait()


@as_root
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) is needed to drop capabilities")
def test_eperm_means_alive_and_a_permission_error_does_not_stop_the_run(tmp_path):
    d = tmp_path / "theirs"
    d.mkdir()
    sleeper = subprocess.Popen(["sleep", "60"], user=NOBODY)   # started before the file: not a reused pid
    w = None
    try:
        w = Writer(d / "alive.mmstats", [("hits", "Q", True)])
        w.set("sys.pid", sleeper.pid)                # root's file, a process that now runs as nobody
        for dead in Writer.many((d / "dead1.mmstats", [("hits", "Q", True)]), (d / "dead2.mmstats", [("hits", "Q", True)])):
            dead.kill()
        os.chown(d, NOBODY, NOBODY)                  # only nobody may remove files here
        # Root without capabilities: kill(pid, 0) on nobody's process gives EPERM, unlink in d gives EACCES.
        r = subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", sys.executable, "-m",
                            "mmstats.tools.cleanstats", str(d)], capture_output=True, text=True, timeout=60,
                           env=tool_env(), cwd=REPO)
    finally:
        sleeper.kill()
        sleeper.wait()
        if w:
            w.kill()
    assert r.returncode == 2  # a file that could not be removed is an I/O problem
    decisions, summary = _lines(r.stdout)
    assert decisions == {"alive.mmstats": ("keep", f"process {sleeper.pid} is alive (EPERM: another user's process)")}
    errors = r.stderr.splitlines()
    assert [e.split(": cannot remove: ")[0] for e in errors] == [str(d / "dead1.mmstats"), str(d / "dead2.mmstats")]
    assert all("Permission denied" in e and "is gone (ESRCH)" in e for e in errors)
    assert summary == "cleanstats: 3 files: 0 removed, 1 kept, 2 errors"
    assert sorted(os.listdir(d)) == ["alive.mmstats", "dead1.mmstats", "dead2.mmstats"]


# -- a path that changes under the cleaner (another user owns a directory on it) -----------------------

def _stale_image(pid_label="sys.pid"):
    from mmstats_format import build_file
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return build_file([{"label": pid_label, "type": "I", "value": int(dead.stdout), "buffered": False},
                       {"label": "hits", "type": "Q", "value": 1, "buffered": True}])


@pytest.fixture
def shared(tmp_path):
    """shared/a/x.mmstats is stale; victim/x.mmstats belongs to a live writer (same name)."""
    shared, victim = tmp_path / "shared", tmp_path / "victim"
    (shared / "a").mkdir(parents=True)
    victim.mkdir()
    (shared / "a" / "x.mmstats").write_bytes(_stale_image())
    with Writer(victim / "x.mmstats", [("hits", "Q", True)]) as w:
        yield shared, victim, w


def _clean(*args):
    from mmstats.tools.cleanstats import main
    return main([str(a) for a in args])


def test_a_directory_swapped_for_a_symlink_between_the_check_and_the_unlink_is_not_followed(shared, monkeypatch,
                                                                                             capsys):
    shared, victim, w = shared
    real_unlink = os.unlink

    def swap_then_unlink(path, *args, **kw):  # the attacker wins the race every time
        if not (shared / "a.moved").exists():
            (shared / "a").rename(shared / "a.moved")
            (shared / "a").symlink_to(victim)
        return real_unlink(path, *args, **kw)

    monkeypatch.setattr(os, "unlink", swap_then_unlink)
    assert _clean(shared / "**" / "*.mmstats") == 0
    assert w.path.exists()                                   # the live file behind the symlink survives
    assert not (shared / "a.moved" / "x.mmstats").exists()  # the stale file that was judged is what went
    assert "removed      " in capsys.readouterr().out


def test_a_directory_swapped_for_a_symlink_after_the_listing_keeps_the_file(shared, monkeypatch, capsys):
    shared, victim, w = shared
    from mmstats.tools import cleanstats
    real_expand = cleanstats.expand

    def expand_then_swap(args):
        listed = real_expand(args)
        (shared / "a").rename(shared / "a.moved")
        (shared / "a").symlink_to(victim)
        return listed

    monkeypatch.setattr(cleanstats, "expand", expand_then_swap)
    assert _clean(shared / "**" / "*.mmstats") == 0
    assert w.path.exists() and (shared / "a.moved" / "x.mmstats").exists()
    out = capsys.readouterr().out
    assert "a directory on its path is a symbolic link or not a directory (never followed)" in out


def test_a_recursive_glob_never_follows_a_directory_symlink(tmp_path, capsys):
    shared, victim = tmp_path / "shared", tmp_path / "victim"
    (shared / "a").mkdir(parents=True)
    victim.mkdir()
    (shared / "a" / "x.mmstats").write_bytes(_stale_image())
    (victim / "y.mmstats").write_bytes(_stale_image())       # stale, but not the cleaner's to find
    (shared / "link").symlink_to(victim)
    (shared / "a" / "loop").symlink_to(shared)
    assert _clean(shared / "**" / "*.mmstats") == 0
    assert (victim / "y.mmstats").exists() and not (shared / "a" / "x.mmstats").exists()
    assert capsys.readouterr().out.splitlines()[-1] == "cleanstats: 1 file: 1 removed, 0 kept, 0 errors"


def test_racing_rename_exchange_never_removes_the_live_file_behind_the_symlink(shared, capsys):
    """The attack as a local user runs it: renameat2(RENAME_EXCHANGE) in a loop swaps a directory she
    owns with a symlink to the victim's directory while the cleaner runs, for a bounded time."""
    import ctypes
    import threading
    shared, victim, w = shared
    libc = ctypes.CDLL(None, use_errno=True)
    assert hasattr(libc, "renameat2"), "renameat2 is needed (glibc 2.28 or later)"
    (shared / "b").symlink_to(victim)
    a, b = bytes(shared / "a"), bytes(shared / "b")
    image = _stale_image()
    stop, pause, paused = threading.Event(), threading.Lock(), []

    def swapper():
        while not stop.is_set():
            with pause:
                libc.renameat2(-100, a, -100, b, 2)  # AT_FDCWD, RENAME_EXCHANGE

    t = threading.Thread(target=swapper, daemon=True)
    t.start()
    removed = 0
    deadline = time.monotonic() + 4.0
    try:
        while time.monotonic() < deadline:
            with pause:  # put the stale file back into whichever name is the real directory
                real = next(p for p in (shared / "a", shared / "b") if not p.is_symlink())
                if not (real / "x.mmstats").exists():
                    (real / "x.mmstats").write_bytes(image)
            _clean(shared / "**" / "*.mmstats")
            removed += capsys.readouterr().out.count("removed      ")
            assert w.path.exists(), "the live file was removed through the swapped directory"
    finally:
        stop.set()
        t.join(5)
    assert w.path.exists() and removed > 0  # the cleaner did its work in between
