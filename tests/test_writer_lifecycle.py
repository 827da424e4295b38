"""A model's files end with the process: normal exit, SIGTERM, keep=True, fork.

Every case runs a real Python process (the writer under test) and looks at
the directory afterwards; nothing here trusts the writer's own view.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PRELUDE = """
import os, signal, sys, time
import mmstats

class Stats(mmstats.MmStats):
    hits = mmstats.CounterField()

"""


def start(code: str, tmp_path, env_extra=None, *args) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("MMSTATS_KEEP", None)
    env.update(env_extra or {})
    return subprocess.Popen([sys.executable, "-c", PRELUDE + textwrap.dedent(code), str(tmp_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def run(code: str, tmp_path, env_extra=None):
    p = start(code, tmp_path, env_extra)
    out, err = p.communicate(timeout=60)
    return p.returncode, out.split(), err


def stats_files(tmp_path):
    return sorted(p.name for p in Path(tmp_path).glob("*.mmstats"))


def wait_for_line(p: subprocess.Popen) -> str:
    line = p.stdout.readline().strip()
    assert line, p.stderr.read()
    return line


def test_normal_exit_removes_the_file(tmp_path):
    rc, out, err = run("""
        s = Stats(path=sys.argv[1])
        s.hits.incr()
        print(s.filename, os.path.exists(s.filename))
    """, tmp_path)
    assert (rc, err) == (0, "")
    assert out[1] == "True" and Path(out[0]).parent == tmp_path
    assert stats_files(tmp_path) == []


def test_every_threads_file_and_a_dropped_models_file_go_too(tmp_path):
    rc, out, err = run("""
        import threading
        s = Stats(path=sys.argv[1])
        t = threading.Thread(target=lambda: (s.hits.incr(), print(s.filename)))
        t.start(); t.join()
        Stats(path=sys.argv[1], filename="dropped-{PID}.mmstats")  # no reference kept
        print(len(os.listdir(sys.argv[1])))
    """, tmp_path)
    assert (rc, err) == (0, "")
    assert out[-1] == "3" and stats_files(tmp_path) == []


def test_keep_true_and_the_environment_keep_the_file(tmp_path):
    code = """
        s = Stats(path=sys.argv[1], filename="{CMD}-" + sys.argv[2] + ".mmstats", **eval(sys.argv[3]))
        s.hits.incr(3)
    """
    for tag, kw, env in (("arg", "{'keep': True}", None), ("env", "{}", {"MMSTATS_KEEP": "1"}),
                         ("override", "{'keep': False}", {"MMSTATS_KEEP": "1"})):
        p = start(code, tmp_path, env, tag, kw)
        assert p.communicate(timeout=60)[1] == "" and p.returncode == 0
    assert stats_files(tmp_path) == ["python-arg.mmstats", "python-env.mmstats"]


def test_sigterm_without_a_handler_removes_the_file_and_still_dies_of_sigterm(tmp_path):
    p = start("""
        s = Stats(path=sys.argv[1])
        s.hits.incr()
        print(s.filename, flush=True)
        time.sleep(60)
    """, tmp_path)
    path = wait_for_line(p)
    assert os.path.exists(path)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGTERM
    assert stats_files(tmp_path) == []


def test_sigterm_with_the_applications_own_handler_is_left_to_it(tmp_path):
    p = start("""
        def mine(signum, frame):
            print("app handler", os.path.exists(s.filename), flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, mine)
        s = Stats(path=sys.argv[1])
        print(s.filename, signal.getsignal(signal.SIGTERM) is mine, flush=True)
        time.sleep(60)
    """, tmp_path)
    path, still_mine = wait_for_line(p).split()
    assert still_mine == "True"
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out.strip()) == (3, "app handler True")  # the app ran first, the file still there
    assert stats_files(tmp_path) == []  # then its sys.exit ran the normal clean-up


def test_sigterm_ignored_by_the_application_stays_ignored(tmp_path):
    p = start("""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        s = Stats(path=sys.argv[1])
        print(s.filename, flush=True)
        time.sleep(1.5)
        print(os.path.exists(s.filename), flush=True)
    """, tmp_path)
    wait_for_line(p)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert (p.returncode, out.strip(), err) == (0, "True", "")
    assert stats_files(tmp_path) == []


def test_keep_true_has_no_sigterm_handler(tmp_path):
    p = start("""
        s = Stats(path=sys.argv[1], keep=True)
        print(s.filename, flush=True)
        time.sleep(60)
    """, tmp_path)
    path = wait_for_line(p)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    assert p.returncode == -signal.SIGTERM
    assert stats_files(tmp_path) == [Path(path).name]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_removes_only_its_own_file(tmp_path):
    rc, out, err = run("""
        s = Stats(path=sys.argv[1])
        s.hits.incr()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            s.hits.incr()
            os.write(w, s.filename.encode())
            sys.exit(0)  # a normal exit of the child: atexit runs there too
        os.close(w)
        child_file = os.read(r, 4096).decode()
        os.waitpid(pid, 0)
        print(s.filename, os.path.exists(s.filename), child_file, os.path.exists(child_file))
    """, tmp_path)
    assert (rc, err) == (0, "")
    parent_file, parent_kept, child_file, child_kept = out
    assert parent_file != child_file
    assert (parent_kept, child_kept) == ("True", "False")
    assert stats_files(tmp_path) == []


def test_a_file_replaced_by_someone_else_is_not_removed(tmp_path):
    rc, out, err = run("""
        s = Stats(path=sys.argv[1])
        os.unlink(s.filename)
        with open(s.filename, "w") as f:
            f.write("not ours")
        print(s.filename)
    """, tmp_path)
    assert (rc, err) == (0, "")
    assert Path(out[0]).read_text() == "not ours"
