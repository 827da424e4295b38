"""Writers in shared directories.

A writer never follows a symlink or reuses a file planted at its path (for the
Python, C and Rust writers), creates files others cannot write (0644 & ~umask,
configurable), and names the path and the cause when it cannot create a file:
missing directory, no permission (a real one: a child process as "nobody"),
a full disk (a real one: a tiny tmpfs, when this runs as root). The host
application keeps running: the constructor raises once; a thread or forked
child that cannot create its file warns and keeps its values in memory.
(tests/test_writer_*.py cover the simulated cases; this adds the real ones.)
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import warnings
from pathlib import Path

import pytest

import mmstats
from mmstats.lowlevel import CreateError, create_file
from mmstats_format import read

REPO = Path(__file__).resolve().parents[1]
FIELDS = [("hits", "Q", True), ("name", "8s", False)]
SCENARIO = {"id": "reliability", "description": "one counter", "fields": [{"label": "hits", "type": "Q",
            "buffered": True}], "updates": [{"field": "hits", "value": 5}], "expect": {}}
NATIVE = {"c": REPO / "writers/c/build/mmstats-c-write", "rust": REPO / "writers/rust/target/release/mmstats-rust-write",
          "go": REPO / "writers/go/bin/mmstats-go-write"}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534


class Hits(mmstats.MmStats):
    hits = mmstats.CounterField(label="hits")


def native(name):
    exe = NATIVE[name]
    if not os.access(exe, os.X_OK):
        pytest.skip(f"{exe} not built")
    return exe


def write_native(name, tmp_path, out, umask=None):
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(SCENARIO))
    return subprocess.run([str(native(name)), str(scenario), str(out)], capture_output=True, text=True, timeout=60,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


# -- planted names -------------------------------------------------------------------------------

def _plant(kind, path, victim):
    if kind == "symlink-to-file":
        path.symlink_to(victim)
    elif kind == "dangling-symlink":
        path.symlink_to(victim.parent / "does-not-exist-yet")
    elif kind == "symlink-to-dir":
        path.symlink_to(victim.parent)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "directory":
        path.mkdir()
    elif kind == "someone-elses-file":
        path.write_bytes(b"not yours")
        os.chown(path, NOBODY, NOBODY) if IS_ROOT else None
    elif kind == "garbage":
        path.write_bytes(b"\x01garbage")


PLANTS = ["symlink-to-file", "dangling-symlink", "symlink-to-dir", "fifo", "directory", "someone-elses-file",
          "garbage"]


def _snapshot(directory):
    out = {}
    for p in sorted(directory.rglob("*")):
        st = os.lstat(p)
        out[str(p)] = (stat.S_IFMT(st.st_mode), st.st_ino, p.read_bytes() if p.is_file() and not p.is_symlink()
                       else os.readlink(p) if p.is_symlink() else None)
    return out


@pytest.mark.parametrize("writer", ["python", "c", "rust", "go"])
@pytest.mark.parametrize("kind", PLANTS)
def test_planted_names_are_never_followed_or_reused(tmp_path, writer, kind):
    if kind == "someone-elses-file" and not IS_ROOT:
        pytest.skip("needs root to chown")
    shared = tmp_path / "shared"  # the directory the attacker and the writer share
    shared.mkdir()
    victim = shared / "victim"
    victim.write_bytes(b"precious")
    path = shared / "stats.mmstats"
    _plant(kind, path, victim)
    before = _snapshot(shared)
    if writer == "python":
        with pytest.raises(CreateError) as e:
            create_file(path, FIELDS)
        assert str(path) in str(e.value) and e.value.errno in (errno.EEXIST, errno.ELOOP)
    else:
        done = write_native(writer, tmp_path, path)
        assert done.returncode != 0 and str(path) in done.stderr, done
    assert _snapshot(shared) == before  # nothing created, followed, truncated or removed
    assert victim.read_bytes() == b"precious"


def test_a_hard_link_planted_as_a_stale_file_costs_only_the_name(tmp_path):
    """A name that passes as our stale file (dead sys.pid) is unlinked, never written through."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    old = create_file(tmp_path / "old.mmstats", [("sys.pid", "I", False, int(dead.stdout))])
    old.close()
    victim = tmp_path / "victim.mmstats"
    os.rename(old.path, victim)
    before = victim.read_bytes()
    os.link(victim, tmp_path / "stats.mmstats")
    f = create_file(tmp_path / "stats.mmstats", FIELDS)
    assert victim.read_bytes() == before and os.stat(victim).st_nlink == 1
    assert [x.label for x in read(f.path)] == ["hits", "name"]
    f.remove()


# -- modes -------------------------------------------------------------------------------------

def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_are_not_writable_by_others_even_with_umask_0(tmp_path):
    old = os.umask(0)
    try:
        low = create_file(tmp_path / "low.mmstats", FIELDS)
        model = Hits(path=tmp_path, filename="model-{PID}-{TID}.mmstats")
        private = create_file(tmp_path / "private.mmstats", FIELDS, mode=0o600)
        private_model = Hits(path=tmp_path, filename="pm-{TID}.mmstats", mode=0o600)
    finally:
        os.umask(old)
    assert _mode(low.path) == _mode(model.filename) == 0o644
    assert _mode(private.path) == _mode(private_model.filename) == 0o600
    for f in (low, private):
        f.remove()
    model.remove()
    private_model.remove()


@pytest.mark.parametrize("writer", ["c", "rust", "go"])
def test_native_writers_default_to_0644_with_umask_0(tmp_path, writer):
    out = tmp_path / f"{writer}.mmstats"
    done = write_native(writer, tmp_path, out, umask=0)
    assert done.returncode == 0, done.stderr
    assert _mode(out) == 0o644
    assert read(out)[0].value == 5


# -- errors that name the path and the cause, on real file systems --------------------------------

PERMISSION_CHILD = textwrap.dedent("""
    import sys
    from mmstats.lowlevel import CreateError, create_file
    try:
        create_file(sys.argv[1], [("hits", "Q", True)])
    except CreateError as e:
        print(e.errno, e, sep="|")
    else:
        print("created")
""")


@pytest.mark.skipif(not IS_ROOT or shutil.which("setpriv") is None,
                    reason="needs root and setpriv (util-linux) to drop the capabilities that override permissions")
@pytest.mark.parametrize("writer", ["python", "c"])
def test_permission_denied_for_real(tmp_path, writer):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    os.chown(theirs, NOBODY, NOBODY)  # nobody's directory: root without capabilities may not create here
    path = theirs / "app.mmstats"
    drop = ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]
    if writer == "python":
        done = subprocess.run(drop + [sys.executable, "-c", PERMISSION_CHILD, str(path)], capture_output=True,
                              text=True, env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=60)
        assert done.returncode == 0, done.stderr
        code, message = done.stdout.strip().split("|")
        assert int(code) == errno.EACCES and str(path) in message and "permission denied" in message
    else:
        scenario = tmp_path / "scenario.json"
        scenario.write_text(json.dumps(SCENARIO))
        done = subprocess.run(drop + [str(native("c")), str(scenario), str(path)], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode != 0 and str(path) in done.stderr and "Permission denied" in done.stderr
    assert not path.exists()


@pytest.fixture
def tiny_tmpfs():
    """A 32 KiB tmpfs (8 pages): a disk that really fills up. Needs root and mount."""
    if not IS_ROOT or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tmpfs (tests/test_writer_lowlevel.py simulates ENOSPC)")
    where = Path(tempfile.mkdtemp(prefix="mmstats-tmpfs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32k,mode=0755", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)
        where.rmdir()


MANY = [(f"field.{i:04d}", "Q", True) for i in range(800)]  # ~24 KiB: 6 pages


def test_full_disk_for_real(tiny_tmpfs):
    (tiny_tmpfs / "filler").write_bytes(bytes(4 * 4096))  # 4 of 8 pages left
    path = tiny_tmpfs / "big.mmstats"
    with pytest.raises(CreateError) as e:
        create_file(path, MANY)
    assert e.value.errno == errno.ENOSPC and str(path) in str(e.value) and "no space left" in str(e.value)
    assert not path.exists()  # the half-written file was removed
    small = create_file(tiny_tmpfs / "small.mmstats", FIELDS)  # one page still fits
    small["hits"].set(3)
    assert read(small.path)[0].value == 3
    small.remove()


def test_full_disk_for_real_c_writer(tiny_tmpfs, tmp_path):
    native("c")
    (tiny_tmpfs / "filler").write_bytes(bytes(8 * 4096 - 4096))
    (tiny_tmpfs / "filler2").write_bytes(bytes(4096))  # not one page left
    out = tiny_tmpfs / "c.mmstats"
    done = write_native("c", tmp_path, out)
    assert done.returncode != 0 and str(out) in done.stderr and "No space left on device" in done.stderr
    assert not out.exists()


FILL_THEN_UPDATE = textwrap.dedent("""
    import os, sys
    from mmstats.lowlevel import create_file
    d = sys.argv[1]
    f = create_file(os.path.join(d, "live.mmstats"), [("field.%d" % i, "Q", True) for i in range(300)])
    try:  # now take every page that is left
        with open(os.path.join(d, "rest"), "wb") as g:
            while True:
                g.write(bytes(4096)); g.flush()
    except OSError:
        pass
    for n in range(1000):  # stores into pages the file already owns: no SIGBUS
        for s in f.slots:
            s.set(n)
    print(f["field.299"].get())
""")


def test_updates_never_fault_when_the_disk_fills_after_creation(tiny_tmpfs):
    """Writers write the whole image before mapping it: every page is allocated, so a disk that
    fills up later cannot turn a store into SIGBUS (a sparse file made with ftruncate could)."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", FILL_THEN_UPDATE, str(tiny_tmpfs)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert done.stdout.strip() == "999"
    assert read(tiny_tmpfs / "live.mmstats")[-1].value == 999


# -- the host application keeps running -------------------------------------------------------------

def test_constructor_raises_once_with_path_and_cause(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(mmstats.CreateError) as e:
        Hits(path=missing)
    assert str(missing) in str(e.value) and "does not exist" in str(e.value)


def test_a_thread_without_a_file_warns_once_and_keeps_counting_in_memory(tmp_path):
    # one directory per thread; only the main thread's exists, so a new thread's creation fails
    # (a name merely taken, e.g. by a symlink, gets a random suffix instead: test_writer_models.py)
    (tmp_path / f"d-{threading.get_native_id()}").mkdir()
    stats = Hits(path=str(tmp_path / "d-{TID}"), filename="t-{TID}.mmstats")
    stats.hits.incr(7)
    outcome = {}

    def work():
        outcome["dir"] = tmp_path / f"d-{threading.get_native_id()}"
        try:
            for _ in range(1000):
                stats.hits.incr()
            outcome["value"], outcome["file"] = stats.hits.value, stats.filename
        except BaseException as e:  # noqa: BLE001 - the point: nothing may escape
            outcome["error"] = repr(e)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = threading.Thread(target=work)
        t.start()
        t.join()
    thread_dir = outcome.pop("dir")
    assert outcome == {"value": 1000, "file": None}
    relevant = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(relevant) == 1
    text = str(relevant[0].message)
    assert "does not exist" in text and str(thread_dir / "t-") in text and "memory" in text
    assert not thread_dir.exists()
    assert read(stats.filename)[0].value == 7  # the main thread's file is untouched
    stats.remove()
