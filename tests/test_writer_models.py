"""The seed API: models, fields, per-thread files, fork, remove(), naming, errors.

Files are checked with mmstats_format.read (an independent reader), never
with the writer's own view of them.
"""
from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

import mmstats
from mmstats import _defaults
from mmstats_format import read


def values(path) -> dict:
    return {f.label: f.value for f in read(path)}


class WebStats(mmstats.MmStats):
    hits = mmstats.CounterField(label="hits")
    ratio = mmstats.DoubleField()
    name = mmstats.StringField(size=16)
    busy = mmstats.BoolField()


@pytest.fixture
def stats(tmp_path):
    s = WebStats(path=tmp_path)
    yield s
    s.remove()


def test_seed_example_writes_a_readable_file(stats, tmp_path):
    stats.hits.incr()
    stats.hits.incr(2)
    stats.ratio = 0.5
    stats.name = "web-1"
    stats.busy = True
    fields = read(stats.filename)
    labels = [f.label for f in fields]
    assert labels == ["hits", "ratio", "name", "busy", "sys.pid", "sys.tid", "sys.uid", "sys.gid",
                      "org.python.version", "sys.created"]
    got = values(stats.filename)
    assert (got["hits"], got["ratio"], got["name"], got["busy"]) == (3, 0.5, "web-1", True)
    assert (stats.hits.value, stats.ratio, stats.name, stats.busy) == (3, 0.5, "web-1", True)
    assert got["sys.pid"] == os.getpid() and got["sys.tid"] == threading.get_native_id()
    assert (got["sys.uid"], got["sys.gid"]) == (os.getuid(), os.getgid())
    assert got["org.python.version"] == sys.version.replace("\n", "")
    assert abs(got["sys.created"] - time.time()) < 60
    assert Path(stats.filename).parent == tmp_path


def test_default_file_name_is_cmd_pid_tid(stats):
    cmd = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "python"
    assert os.path.basename(stats.filename) == f"{cmd}-{os.getpid()}-{threading.get_native_id()}.mmstats"


def test_path_and_filename_templates_and_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["/usr/bin/my-app.py"])
    s = WebStats(path=tmp_path, filename="x-{CMD}-{PID}-{TID}-{other}.st")
    assert os.path.basename(s.filename) == f"x-my-app-{os.getpid()}-{threading.get_native_id()}-{{other}}.st"
    s.remove()
    monkeypatch.setenv("MMSTATS_PATH", str(tmp_path))
    monkeypatch.setenv("MMSTATS_FILES", "env-{PID}.mmstats")
    e = WebStats()
    assert e.filename == str(tmp_path / f"env-{os.getpid()}.mmstats")
    e.remove()
    monkeypatch.setattr(sys, "argv", [""])
    assert _defaults.command_name() == "python"


@pytest.mark.parametrize("argv0, cmd", [("-c", "python"), ("-", "python"), ("", "python"),
                                        ("/srv/--dash-app.py", "dash-app"), ("./.hidden.py", "hidden"),
                                        ("/usr/bin/web.app.py", "web.app"), ("--", "python")])
def test_cmd_never_starts_with_a_dash_or_dot_nor_holds_a_path(monkeypatch, argv0, cmd):
    monkeypatch.setattr(sys, "argv", [argv0])
    assert _defaults.command_name() == cmd


@pytest.mark.parametrize("how", ["-c", "-"])
def test_python_dash_c_and_stdin_scripts_name_their_files_python(tmp_path, how):
    script = ("import mmstats, os, threading\n"
              "s = mmstats.MmStats(keep=True)\n"
              "print(os.path.basename(s.filename))\n")
    env = dict(os.environ, MMSTATS_PATH=str(tmp_path),
               PYTHONPATH=str(Path(__file__).resolve().parents[1]) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("MMSTATS_FILES", None)
    args, stdin = ([sys.executable, "-c", script], None) if how == "-c" else ([sys.executable, "-"], script)
    r = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, timeout=60)
    assert (r.returncode, r.stderr) == (0, "")
    name = r.stdout.strip()
    assert name.startswith("python-") and name.endswith(".mmstats") and "/" not in name
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_base_model_has_no_defaults_and_label_falls_back_to_name(tmp_path):
    class Bare(mmstats.BaseMmStats):
        plain = mmstats.CounterField()
        named = mmstats.CounterField(label="custom.label")
        blank = mmstats.UIntField(label="")

    b = Bare(path=tmp_path, label_prefix="app.")
    assert [f.label for f in read(b.filename)] == ["app.plain", "app.custom.label", "app.blank"]
    assert b.label_prefix == "app."
    b.remove()


def test_label_prefix_applies_to_defaults(tmp_path):
    s = WebStats(path=tmp_path, label_prefix="web.")
    labels = [f.label for f in read(s.filename)]
    assert labels[0] == "web.hits" and "web.sys.pid" in labels and "web.org.python.version" in labels
    s.remove()


def test_every_field_class_has_its_0_8_type_and_buffering(tmp_path):
    classes = {
        "CounterField": ("Q", True), "AverageField": ("d", True), "MovingAverageField": ("d", True),
        "TimerField": ("d", True), "UInt64Field": ("Q", True), "UIntField": ("I", True),
        "IntField": ("i", True), "ShortField": ("h", True), "UShortField": ("H", True),
        "ByteField": ("b", False), "FloatField": ("f", True), "DoubleField": ("d", True),
        "BoolField": ("?", False), "StringField": ("255s", False), "StaticUIntField": ("I", False),
        "StaticInt64Field": ("q", False), "StaticUInt64Field": ("Q", False), "StaticFloatField": ("f", False),
        "StaticDoubleField": ("d", False), "StaticTextField": ("256s", False),
    }
    attrs = {}
    for name in classes:
        cls = getattr(mmstats, name)
        attrs[name.lower()] = cls(label=name, value="1" if "Text" in name else 1) if "Static" in name else cls(label=name)
    Every = type("Every", (mmstats.BaseMmStats,), attrs)
    e = Every(path=tmp_path)
    got = {f.label: (f.type, f.buffered) for f in read(e.filename)}
    assert got == classes
    e.remove()


def test_value_fields_set_by_assignment_statics_are_read_only(tmp_path):
    class V(mmstats.BaseMmStats):
        u64 = mmstats.UInt64Field(wrap=True)
        i32 = mmstats.IntField()
        f32 = mmstats.FloatField()
        s = mmstats.StringField(size=4)
        fixed = mmstats.StaticUIntField(value=lambda: 7)
        text = mmstats.StaticTextField(value="x" * 300)

    v = V(path=tmp_path)
    v.u64 = 2 ** 64 + 5
    v.i32 = -3
    v.f32 = 0.1
    v.s = "abcdef"
    got = values(v.filename)
    assert (got["u64"], got["i32"], got["s"], got["fixed"]) == (5, -3, "abcd", 7)
    assert got["f32"] == pytest.approx(0.1) and got["text"] == "x" * 256
    with pytest.raises(AttributeError, match="static"):
        v.fixed = 8
    with pytest.raises(AttributeError):
        del v.u64
    before = Path(v.filename).read_bytes()
    with pytest.raises(TypeError):
        v.i32 = "12"
    with pytest.raises(TypeError):
        v.s = 5
    assert Path(v.filename).read_bytes() == before
    v.remove()


def test_object_fields_are_not_class_attributes(stats):
    # a class attribute named like the field would make stats.hits ~3x slower
    assert "hits" not in vars(WebStats) and "hits" in WebStats._fields
    assert isinstance(vars(WebStats)["ratio"], mmstats._slots.FieldAccess)
    assert stats.hits is stats.hits


def test_assigning_to_a_counter_raises_and_never_detaches_it(stats):
    stats.hits.incr(5)
    slot = stats.hits
    for stmt in ("stats.hits = 10", "del stats.hits"):
        with pytest.raises(TypeError) as e:
            exec(stmt, {"stats": stats})
        assert str(e.value) == ("mmstats field 'hits' (CounterField) cannot be assigned to or deleted: that would "
                                "detach it from the file for this thread; use stats.hits.incr(n) to count, "
                                "or stats.hits.value = n to set it outright")
    assert stats.hits is slot
    stats.hits.incr()
    assert values(stats.filename)["hits"] == 6
    stats.hits.value = 10  # the explicit way to set it
    assert values(stats.filename)["hits"] == 10
    stats.ratio = 0.25  # value fields and plain attributes still assign
    stats.note = "mine"
    assert (values(stats.filename)["ratio"], stats.note) == (0.25, "mine")


def test_assigning_to_any_object_field_raises_in_every_thread(tmp_path):
    class M(mmstats.BaseMmStats):
        avg = mmstats.AverageField()
        moving = mmstats.MovingAverageField(size=3)
        timer = mmstats.TimerField()

    m = M(path=tmp_path)
    errors = []

    def work():
        for name in ("avg", "moving", "timer"):
            try:
                setattr(m, name, 1.0)
            except TypeError as e:
                errors.append(str(e))
        m.avg.add(4.0)
        errors.append(values(m.filename)["avg"])

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert [e.split(" (")[0] for e in errors[:3]] == ["mmstats field 'avg'", "mmstats field 'moving'",
                                                       "mmstats field 'timer'"]
    assert "stats.avg.add(x)" in errors[0] and "with stats.timer:" in errors[2]
    assert errors[3] == 4.0
    m.remove()


def test_static_constants_of_the_wrong_type_fail_at_definition():
    with pytest.raises(TypeError):
        mmstats.StaticUIntField(value="12")
    with pytest.raises(TypeError):
        mmstats.StaticTextField(value=12)
    with pytest.raises(ValueError):
        mmstats.StaticDoubleField()


def test_field_names_that_clash_with_the_model_api_are_refused():
    for bad in ("remove", "filename", "flush", "_own_fields"):
        with pytest.raises(TypeError, match=bad):
            type("Bad", (mmstats.MmStats,), {bad: mmstats.CounterField()})
    with pytest.raises(TypeError, match="base class"):
        type("Shadow", (mmstats.MmStats,), {"pid": mmstats.CounterField()})
    mixin = type("Mixin", (), {"hits": mmstats.CounterField()})
    with pytest.raises(TypeError, match="Mixin"):
        type("WithMixin", (mixin, mmstats.MmStats), {})


def test_model_subclasses_inherit_fields_in_0_8_order(tmp_path):
    class Parent(mmstats.BaseMmStats):
        a = mmstats.CounterField()
        b = mmstats.UIntField()

    class Child(Parent):
        c = mmstats.CounterField()
        b = mmstats.UIntField(label="b.child")

    c = Child(path=tmp_path)
    c.a.incr()
    c.b = 2
    assert [(f.label, f.value) for f in read(c.filename)] == [("c", 0), ("b.child", 2), ("a", 1)]
    c.remove()


def test_averages_and_timer(tmp_path):
    clock = iter([1.0, 1.5, 2.0, 4.0, 4.25, 10.5])

    class A(mmstats.BaseMmStats):
        avg = mmstats.AverageField()
        ma = mmstats.MovingAverageField(size=2)
        t = mmstats.TimerField(timer=lambda: next(clock), size=3)
        real = mmstats.TimerField()

    a = A(path=tmp_path)
    for v in (1, 2, 6):
        a.avg.add(v)
        a.ma.add(v)
    assert (a.avg.value, a.ma.value) == (3.0, 4.0)
    with pytest.raises(TypeError):
        a.avg.add("x")
    assert a.avg.value == 3.0
    with a.t as timer:
        assert timer is a.t
    assert a.t.last == 0.5
    a.t.start()
    a.t.start()  # nested timings each get their own start
    assert a.t.stop() == 0.25 and a.t.stop() == 8.5
    assert a.t.value == pytest.approx((0.5 + 0.25 + 8.5) / 3)
    with pytest.raises(RuntimeError):
        a.t.stop()
    with a.real:
        time.sleep(0.001)
    assert a.real.last >= 0.001 and a.real.value == a.real.last
    assert values(a.filename)["t"] == a.t.value
    a.remove()


def test_each_thread_gets_its_own_file(stats):
    stats.hits.incr(1000)
    results = {}

    def work(n):
        for _ in range(n):
            stats.hits.incr()
        stats.ratio = n / 10
        results[n] = (stats.filename, threading.get_native_id(), stats.hits.value)

    threads = [threading.Thread(target=work, args=(n,)) for n in (3, 5, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    files = {stats.filename} | {path for path, _, _ in results.values()}
    assert len(files) == 4
    for n, (path, tid, value) in results.items():
        got = values(path)
        assert (got["hits"], got["ratio"], value) == (n, n / 10, n)
        assert got["sys.tid"] == tid and path.endswith(f"-{tid}.mmstats")
    assert values(stats.filename)["hits"] == 1000


def test_finished_threads_release_their_map(stats):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc")
    stats.hits.incr()

    def touch():
        stats.hits.incr()

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        t = threading.Thread(target=touch)
        t.start()
        t.join()
    assert len(os.listdir("/proc/self/fd")) < before + 5


def test_remove_deletes_every_threads_file_and_later_updates_go_nowhere(stats, tmp_path):
    stats.hits.incr()
    t = threading.Thread(target=lambda: stats.hits.incr())
    t.start()
    t.join()
    other = WebStats(path=tmp_path, filename="other-{TID}.mmstats")
    assert len(list(tmp_path.iterdir())) == 3
    stats.remove()
    assert [p.name for p in tmp_path.iterdir()] == [os.path.basename(other.filename)]
    stats.hits.incr()
    stats.ratio = 1.0
    stats.remove()
    t = threading.Thread(target=lambda: stats.hits.incr())
    t.start()
    t.join()
    assert [p.name for p in tmp_path.iterdir()] == [os.path.basename(other.filename)]
    other.remove()


def test_a_name_that_is_taken_is_not_reused(stats, tmp_path):
    with pytest.raises(mmstats.CreateError, match="filename=") as e:
        WebStats(path=tmp_path)  # same thread, same default name
    assert stats.filename in str(e.value)
    stats.hits.incr()
    assert values(stats.filename)["hits"] == 1


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(mmstats.CreateError, match="does not exist") as e:
        WebStats(path=tmp_path / "missing")
    assert str(tmp_path / "missing") in str(e.value)
    assert isinstance(e.value, mmstats.MmstatsError)


def test_a_reused_thread_id_takes_over_only_a_finished_threads_file(tmp_path, monkeypatch):
    s = WebStats(path=tmp_path, filename="t-{TID}.mmstats")
    monkeypatch.setattr(threading, "get_native_id", lambda: 424242)  # every new thread: the same id
    outcomes = []

    def work(n, hold=None):
        try:
            s.hits.incr(n)
            outcomes.append(("ok", s.filename, n))
            if hold is not None:
                hold.wait(10)
        except mmstats.CreateError as e:
            outcomes.append(("error", str(e), n))

    for n in (5, 7):  # the second thread reuses the finished first thread's name
        t = threading.Thread(target=work, args=(n,))
        t.start()
        t.join()
    path = str(tmp_path / "t-424242.mmstats")
    assert outcomes == [("ok", path, 5), ("ok", path, 7)] and values(path)["hits"] == 7
    hold = threading.Event()
    alive = threading.Thread(target=work, args=(9, hold))
    alive.start()
    while len(outcomes) < 3:
        time.sleep(0.01)
    clash = threading.Thread(target=work, args=(11,))  # a live thread owns the name: refused
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clash.start()
        clash.join()
    hold.set()
    alive.join()
    # the clashing thread keeps its values in memory and is told why (models.py doc)
    assert outcomes[2] == ("ok", path, 9) and outcomes[3] == ("ok", None, 11)
    assert [w.category for w in caught] == [RuntimeWarning] and "this process" in str(caught[0].message)
    assert values(path)["hits"] == 9
    s.remove()
    assert list(tmp_path.iterdir()) == []  # the live thread's file was still the model's to remove


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_child_writes_its_own_file(stats, tmp_path):
    stats.hits.incr(10)
    cached = stats.hits  # a reference taken before the fork follows the child too
    t_file = []
    t = threading.Thread(target=lambda: (stats.hits.incr(3), t_file.append(stats.filename)))
    t.start()
    t.join()
    parent_file = stats.filename
    parent_before = Path(parent_file).read_bytes()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report, never raise
        try:
            cached.incr(5)
            stats.hits.incr(1)
            msg = f"{stats.filename}|{stats.hits.value}"
        except BaseException as e:  # noqa: BLE001
            msg = f"error|{e!r}"
        os.write(w, msg.encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as pipe:
        child_file, child_value = pipe.read().split("|")
    os.waitpid(pid, 0)
    assert child_file != "error", child_value
    assert child_file != parent_file and f"-{pid}-" in os.path.basename(child_file)
    assert int(child_value) == 6
    got = values(child_file)
    assert (got["hits"], got["sys.pid"], got["sys.tid"]) == (6, pid, pid)
    assert Path(parent_file).read_bytes() == parent_before
    assert values(t_file[0])["hits"] == 3
    stats.hits.incr()
    assert values(parent_file)["hits"] == 11
    stats.remove()
    assert Path(child_file).exists()  # the parent removes only its own files
    os.unlink(child_file)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_remove_in_a_fork_child_removes_only_the_childs_file(stats, tmp_path):
    stats.hits.incr()
    t = threading.Thread(target=lambda: stats.hits.incr())
    t.start()
    t.join()
    before = sorted(p.name for p in tmp_path.iterdir())
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            stats.hits.incr()  # the child's own file appears...
            child = stats.filename
            stats.remove()  # ...and goes; the parent's two stay
            code = 0 if not os.path.exists(child) else 3
        except BaseException:  # noqa: BLE001
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert values(stats.filename)["hits"] == 1


def test_symlink_planted_at_a_threads_file_name_is_refused(tmp_path):
    target = tmp_path / "victim"
    target.write_bytes(b"keep me")
    name = f"s-{os.getpid()}-{{TID}}.mmstats"
    done = []

    def work():
        (tmp_path / name.replace("{TID}", str(threading.get_native_id()))).symlink_to(target)
        s.hits.incr()  # the name is taken: a warning, and a file of an unpredictable name
        done.append(s.hits.value)
        done.append(s.filename)

    s = WebStats(path=tmp_path, filename=name)
    t = threading.Thread(target=work)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t.start()
        t.join()
    assert done[0] == 1 and len(caught) == 1 and "symbolic link" in str(caught[0].message)
    assert target.read_bytes() == b"keep me"
    assert done[1] in str(caught[0].message) and values(done[1])["hits"] == 1
    s.remove()


def test_a_name_taken_by_someone_else_falls_back_to_an_unpredictable_one(tmp_path):
    # Another user pre-creates the predictable names (symlinks, files of hers): the model still
    # writes, under a random name beside the preferred one, and warns once.
    target = tmp_path / "victim"
    target.write_bytes(b"keep me")
    tid = threading.get_native_id()
    (tmp_path / f"a-{tid}.mmstats").symlink_to(target)
    other = tmp_path / f"b-{tid}.mmstats"
    other.write_bytes(b"\x01" + bytes(4095))
    os.chown(other, 12345, 12345)  # the tests run as root; as anyone else this name is just taken
    for prefix, why in (("a", "symbolic link"), ("b", "uid 12345")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = WebStats(path=tmp_path, filename=prefix + "-{TID}.mmstats")
            s.hits.incr(4)
            t = threading.Thread(target=lambda: s.hits.incr())  # a second thread: no second warning
            t.start()
            t.join()
        assert len(caught) == 1 and caught[0].category is RuntimeWarning
        msg = str(caught[0].message)
        assert why in msg and f"{prefix}-{tid}.mmstats" in msg and s.filename in msg
        name = os.path.basename(s.filename)
        suffix = name[len(f"{prefix}-{tid}-"):-len(".mmstats")]
        assert name.startswith(f"{prefix}-{tid}-") and name.endswith(".mmstats") and len(suffix) == 16
        int(suffix, 16)  # 64 random bits, in hex
        assert values(s.filename)["hits"] == 4
        s.remove()
    assert target.read_bytes() == b"keep me" and other.read_bytes() == b"\x01" + bytes(4095)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a-{tid}.mmstats", f"b-{tid}.mmstats", "victim"]


def test_models_are_independent(tmp_path):
    a = WebStats(path=tmp_path, filename="a-{TID}.mmstats")
    b = WebStats(path=tmp_path, filename="b-{TID}.mmstats")
    a.hits.incr(1)
    b.hits.incr(2)
    assert (values(a.filename)["hits"], values(b.filename)["hits"]) == (1, 2)
    a.remove()
    assert os.path.exists(b.filename)
    b.remove()


def test_flush_and_size(stats):
    stats.hits.incr()
    stats.flush()
    assert stats.size % 4096 == 0 and stats.size == os.path.getsize(stats.filename)


def test_nan_and_special_values_round_trip(stats):
    stats.ratio = math.nan
    assert math.isnan(values(stats.filename)["ratio"])
    stats.ratio = -math.inf
    assert stats.ratio == -math.inf


def test_a_model_refuses_a_setuid_mode_in_its_constructor(tmp_path):
    with pytest.raises(ValueError, match="setuid"):
        WebStats(path=tmp_path, mode=0o4644)
    assert list(tmp_path.iterdir()) == []
