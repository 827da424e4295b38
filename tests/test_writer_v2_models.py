"""The seed API (mmstats.MmStats models) on format version 2: one file per process, kinds, units,
attributes, histograms, fields added at run time, the file's life, and version 1 on request."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import pytest

import mmstats
import mmstats_format as mf
from mmstats import _defaults, _v2model
from mmstats_format.v2 import derived as d

REPO = Path(__file__).resolve().parents[1]
MMSTATS_CLI = Path(sys.executable).parent / "mmstats"


def canonical(path):
    return mf.to_canonical(str(path), mf.read(str(path)))


def by_label(obj):
    return {(f["label"], tuple(sorted(f["attributes"].items()))): f for f in obj["fields"]}


@pytest.fixture(autouse=True)
def _v2_default(monkeypatch):
    monkeypatch.delenv("MMSTATS_FORMAT_VERSION", raising=False)
    monkeypatch.delenv("MMSTATS_FILES", raising=False)
    monkeypatch.delenv("MMSTATS_KEEP", raising=False)


def _close(stats):
    stats.remove()


# ---------------------------------------------------------------- the seed example, four threads

WEBSTATS = textwrap.dedent('''
    import sys, threading
    import mmstats

    class WebStats(mmstats.MmStats):
        status_2xx = mmstats.CounterField(label="status.2XX", help="answers 2xx", unit="{request}")
        status_5xx = mmstats.CounterField(label="status.5XX")
        last_hit = mmstats.DoubleField(label="timers.last_hit", unit="s")

    stats = WebStats(label_prefix="web.stats.")
    N, M = int(sys.argv[1]), int(sys.argv[2])

    def worker(k):
        for i in range(M):
            stats.status_2xx.incr()
            if i % 10 == 0:
                stats.status_5xx.incr(2)
        stats.status_2xx.labels(route="/users").incr(k + 1)
        stats.last_hit = 1700000000.25

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(stats.filename, flush=True)
    sys.stdin.read()  # the test reads the file meanwhile; then a normal exit removes it
''')


def _run_webstats(tmp_path, env_extra, n=4, m=2500):
    script = tmp_path / "webstats.py"
    script.write_text(WEBSTATS)
    data = tmp_path / "stats"
    data.mkdir()
    env = dict(os.environ, MMSTATS_PATH=str(data), **env_extra)
    p = subprocess.Popen([sys.executable, str(script), str(n), str(m)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, env=env, text=True)
    first = p.stdout.readline().strip()
    return p, data, first


def test_seed_example_with_four_threads_writes_one_v2_file_with_the_right_totals(tmp_path):
    n, m = 4, 2500
    p, data, name = _run_webstats(tmp_path, {}, n, m)
    try:
        files = sorted(data.iterdir())
        assert [f.name for f in files] == ["webstats-%d.mmstats" % p.pid] and str(files[0]) == name
        out = subprocess.run([str(MMSTATS_CLI), "read", "--json", str(files[0])], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        obj = json.loads(out.stdout)
        obj = obj[0] if isinstance(obj, list) else obj
        assert obj["format_version"] == 2 and obj["pid"] == p.pid and obj["state"] == "ready"
        f = by_label(obj)
        ok = f[("web.stats.status.2XX", ())]
        assert (ok["kind"], ok["unit"], ok["help"], ok["value"]) == ("counter", "{request}", "answers 2xx", n * m)
        assert f[("web.stats.status.5XX", ())]["value"] == n * 2 * len(range(0, m, 10))
        assert f[("web.stats.status.2XX", (("route", "/users"),))]["value"] == sum(range(1, n + 1))
        assert f[("web.stats.timers.last_hit", ())]["value"] == 1700000000.25
        # the header says the pid (asserted above): the seed's identity fields are not published as metrics
        assert not any(label.startswith("web.stats.sys.") for label, _ in f)
        assert obj["slots_used"] if "slots_used" in obj else True
    finally:
        p.stdin.close()
        assert p.wait(timeout=60) == 0
    assert list(data.iterdir()) == []  # removed at normal exit


def test_same_program_with_format_version_1_writes_v1_files_per_thread(tmp_path):
    n, m = 4, 300
    p, data, name = _run_webstats(tmp_path, {"MMSTATS_FORMAT_VERSION": "1"}, n, m)
    try:
        files = sorted(data.iterdir())
        assert len(files) == n + 1  # the main thread's and one per worker, as version 1 always did
        assert all(f.read_bytes()[0] == 1 for f in files)
        total = 0
        for f in files:
            fields = {x.label: x.value for x in mf.read(str(f))}
            total += fields["web.stats.status.2XX"]
            assert "web.stats.sys.tid" in fields
        assert total == n * m
    finally:
        p.stdin.close()
        assert p.wait(timeout=60) == 0


# ---------------------------------------------------------------- version 1, byte for byte

def _golden_webstats(monkeypatch, tmp_path, **kw):
    """The 0.8 golden 'webstats' scenario through the seed API; returns (our bytes, 0.8's bytes)."""
    from conftest import require_golden_08
    ref = require_golden_08()
    ref_bytes = (ref / "webstats.mmstats").read_bytes()
    ref_json = json.loads((ref / "webstats.json").read_text())
    sources = {"sys.pid": "pid", "sys.tid": "tid", "sys.uid": "uid", "sys.gid": "gid",
               "org.python.version": "python_version", "sys.created": "created"}
    for f in ref_json["fields"]:
        for suffix, source in sources.items():
            if f["label"] == "web.stats." + suffix:
                monkeypatch.setitem(_defaults.SOURCES, source, lambda v=f["value"]: v)

    class WebStats(mmstats.MmStats):
        status_2xx = mmstats.CounterField(label="status.2XX")
        status_3xx = mmstats.CounterField(label="status.3XX")
        status_4xx = mmstats.CounterField(label="status.4XX")
        status_5xx = mmstats.CounterField(label="status.5XX")
        last_hit = mmstats.DoubleField(label="timers.last_hit")

    stats = WebStats(path=tmp_path, filename="webstats.mmstats", label_prefix="web.stats.", **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for counter, times in ((stats.status_2xx, 42), (stats.status_3xx, 3), (stats.status_4xx, 7)):
            for _ in range(times):
                counter.inc()
    stats.last_hit = 1699999999.5
    stats.last_hit = 1700000000.25
    ours = Path(stats.filename).read_bytes()
    stats.remove()
    return ours, ref_bytes


def test_env_format_version_1_writes_the_bytes_mmstats_08_wrote(monkeypatch, tmp_path):
    monkeypatch.setenv("MMSTATS_FORMAT_VERSION", "1")
    ours, ref = _golden_webstats(monkeypatch, tmp_path)
    assert ours == ref


def test_format_version_1_argument_writes_the_bytes_mmstats_08_wrote(monkeypatch, tmp_path):
    ours, ref = _golden_webstats(monkeypatch, tmp_path, format_version=1)
    assert ours == ref


def test_format_version_1_class_attribute(tmp_path):
    class Old(mmstats.MmStats):
        format_version = 1
        hits = mmstats.CounterField()

    s = Old(path=tmp_path)
    try:
        assert Path(s.filename).read_bytes()[0] == 1 and f"-{threading.get_native_id()}.mmstats" in s.filename
        assert s.format_version_written == 1
    finally:
        s.remove()


def test_bad_format_version_and_v2_only_fields_on_v1_are_refused(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="format version 1 or 2"):
        class Bad(mmstats.MmStats):
            format_version = 3
    class H(mmstats.BaseMmStats):
        lat = mmstats.HistogramField(buckets=(1, 2))
    with pytest.raises(TypeError, match="HistogramField needs format version 2"):
        H(path=tmp_path, format_version=1)
    with pytest.raises(TypeError, match="needs format version 2"):
        class H1(mmstats.BaseMmStats):
            format_version = 1
            lat = mmstats.HistogramField(buckets=(1, 2))
    monkeypatch.setenv("MMSTATS_FORMAT_VERSION", "x")
    with pytest.raises(ValueError, match="MMSTATS_FORMAT_VERSION"):
        H(path=tmp_path)
    monkeypatch.delenv("MMSTATS_FORMAT_VERSION")
    s = H(path=tmp_path, filename="a-{PID}-{TID}.mmstats")  # version 1's template: the creating thread's id
    try:
        assert s.filename == str(tmp_path / f"a-{os.getpid()}-{threading.get_native_id()}.mmstats")
    finally:
        s.remove()


# ---------------------------------------------------------------- kinds, units, attributes

class Kinds(mmstats.BaseMmStats):
    hits = mmstats.CounterField(label="hits", help="Requests served", unit="{request}",
                                attributes={"status": "2xx"})
    ratio = mmstats.DoubleField(unit="1")
    port = mmstats.UIntField()
    small = mmstats.ByteField()
    flag = mmstats.BoolField(initial=True)
    f32 = mmstats.FloatField()
    big = mmstats.UInt64Field()
    text = mmstats.StringField(size=10)
    version = mmstats.StaticTextField(value="1.2.3")
    answer = mmstats.StaticUIntField(value=42)
    mean = mmstats.AverageField()
    ma = mmstats.MovingAverageField(size=2)
    t = mmstats.TimerField(timer=iter([1.0, 1.5, 2.0, 4.0]).__next__)
    lat = mmstats.HistogramField(buckets=(10, 100), unit="ms")


def test_every_seed_field_maps_onto_a_kind(tmp_path):
    s = Kinds(path=tmp_path, filename="kinds.mmstats")
    try:
        s.hits.incr(3)
        s.ratio, s.port, s.small, s.flag, s.f32, s.big = 0.5, 4000000000, -100, False, 0.1, 2 ** 64 - 1
        s.text = "héllo wörld!"  # 13 bytes: cut to 10 on a character boundary
        for v in (1, 2, 4):
            s.mean.add(v)
        for v in (1, 2, 3):
            s.ma.add(v)
        with s.t:
            pass
        with s.t:
            pass
        for v in (5, 50, 500, 10):
            s.lat.observe(v)
        with pytest.raises(OverflowError):
            s.port = -1
        with pytest.raises(AttributeError):
            s.answer = 1
        assert (s.port, s.small, s.flag, s.text, s.answer, s.version) == (4000000000, -100, False, "héllo wö",
                                                                          42, "1.2.3")
        assert s.t.last == 2.0 and s.hits.value == 3 and s.format_version_written == 2
        obj = canonical(s.filename)
        assert mf.validate(s.filename).errors == []
        got = {f["label"]: (f["kind"], f["type"], f["unit"], f["value"]) for f in obj["fields"]}
        assert got == {
            "hits": ("counter", "u64", "{request}", 3), "ratio": ("gauge", "f64", "1", 0.5),
            "port": ("gauge", "i64", "", 4000000000), "small": ("gauge", "i64", "", -100),
            "flag": ("gauge", "u64", "", 0), "f32": ("gauge", "f64", "", 0.10000000149011612),
            "big": ("gauge", "u64", "", 2 ** 64 - 1), "text": ("string", "utf8", "", "héllo wö"),
            "version": ("constant", "utf8", "", "1.2.3"), "answer": ("constant", "u64", "", 42),
            "mean": ("gauge", "f64", "", 7 / 3), "ma": ("gauge", "f64", "", 2.5), "t": ("gauge", "f64", "s", 1.25),
            "lat": ("histogram", "f64", "ms", {"count": 4, "sum": 565.0, "buckets": [
                {"le": 10.0, "count": 2}, {"le": 100.0, "count": 3}, {"le": "Infinity", "count": 4}]}),
        }
        hits = next(f for f in obj["fields"] if f["label"] == "hits")
        assert hits["help"] == "Requests served" and hits["attributes"] == {"status": "2xx"}
    finally:
        _close(s)


def test_histogram_buckets_are_cumulative_with_sum_and_count_across_threads(tmp_path):
    class M(mmstats.BaseMmStats):
        lat = mmstats.HistogramField(buckets=(0.5, 1.0, 2.0))

    s = M(path=tmp_path, filename="h.mmstats")
    values = [0.1, 0.5, 0.7, 1.0, 1.5, 3.0, 9.0]

    def work():
        for v in values:
            s.lat.observe(v)

    threads = [threading.Thread(target=work) for _ in range(3)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        h = next(f for f in canonical(s.filename)["fields"] if f["label"] == "lat")["value"]
        assert h["count"] == 3 * len(values) and h["sum"] == pytest.approx(3 * sum(values))
        expected = [3 * sum(v <= b for v in values) for b in (0.5, 1.0, 2.0)] + [3 * len(values)]
        assert [b["count"] for b in h["buckets"]] == expected  # cumulative: 6, 12, 15, 21
    finally:
        _close(s)


def test_histogram_time_observes_in_the_fields_unit(tmp_path):
    class M(mmstats.BaseMmStats):
        lat = mmstats.HistogramField(buckets=(1.0,), unit="ms")

    s = M(path=tmp_path, filename="t.mmstats")
    try:
        s.lat._timer = iter([10.0, 10.25]).__next__
        with s.lat.time():
            pass
        h = next(f for f in canonical(s.filename)["fields"] if f["label"] == "lat")["value"]
        assert h["sum"] == 250.0 and h["count"] == 1
    finally:
        _close(s)


# ---------------------------------------------------------------- one file per process, runtime fields

def test_models_of_a_process_share_one_file_and_same_named_fields(tmp_path):
    class A(mmstats.MmStats):
        hits = mmstats.CounterField()
        mean = mmstats.AverageField()

    class B(mmstats.BaseMmStats):
        misses = mmstats.CounterField()

    a1, a2, b = A(path=tmp_path), A(path=tmp_path), B(path=tmp_path)
    try:
        assert a1.filename == a2.filename == b.filename and len(list(tmp_path.iterdir())) == 1
        a1.hits.incr()
        a2.hits.incr(2)
        b.misses.incr(5)
        a1.mean.add(1.0)
        a2.mean.add(3.0)  # one field, one mean over both instances' values
        f = by_label(canonical(a1.filename))
        assert f[("mean", ())]["value"] == 2.0
        assert f[("hits", ())]["value"] == 3 and f[("misses", ())]["value"] == 5
        assert sum(1 for (label, _) in f if label == "org.python.version") == 1  # both A's: one field
        assert not any(label.startswith("sys.") for label, _ in f)                # the header says those
    finally:
        _close(a1)


def test_runtime_field_is_seen_by_a_reader_opened_before_it(tmp_path):
    class M(mmstats.BaseMmStats):
        requests = mmstats.CounterField(help="Requests", unit="{request}")

    s = M(path=tmp_path, filename="rt.mmstats")
    try:
        s.requests.incr()
        reader = mf.StatsReader(s.filename)
        assert reader.read() == [1] and [f.label for f in reader.fields] == ["requests"]
        users = s.requests.labels(route="/users")
        users.incr(7)
        assert s.requests.labels(route="/users") is users  # one field, one object per thread
        assert reader.read() == [1, 7] and [f.label for f in reader.fields] == ["requests", "requests"]
        obj = canonical(s.filename)
        assert obj["fields"][1]["attributes"] == {"route": "/users"} and obj["fields"][1]["help"] == "Requests"
        reader.close()
    finally:
        _close(s)


def test_counter_only_grows(tmp_path):
    class M(mmstats.BaseMmStats):
        c = mmstats.CounterField()

    s = M(path=tmp_path, filename="g.mmstats")
    try:
        with pytest.raises(ValueError, match="only grows"):
            s.c.incr(-1)
        with pytest.raises(TypeError, match="integer"):
            s.c.incr(1.5)
        s.c.value = 10
        with pytest.raises(ValueError, match="only grows"):
            s.c.value = 9
        s.c.incr(2 ** 64 - 10)  # wraps modulo 2**64, as the format says
        assert s.c.value == 0
    finally:
        _close(s)


def test_a_full_file_keeps_the_field_working_unpublished_and_warns_once(tmp_path, monkeypatch):
    monkeypatch.setattr(_v2model, "CAPACITY", {"meta_capacity": 96, "process_capacity": 64, "slot_size": 64,
                                               "slot_count": 2})

    class M(mmstats.BaseMmStats):
        a = mmstats.CounterField(label="a")
        b = mmstats.CounterField(label="b")
        c = mmstats.CounterField(label="c")
        g = mmstats.DoubleField(label="g")

    with pytest.warns(RuntimeWarning, match="no room") as caught:
        s = M(path=tmp_path, filename="full.mmstats")
    try:
        assert len(caught) == 1
        for obj in (s.a, s.b, s.c):
            obj.incr(3)
        s.g = 1.5
        assert (s.a.value, s.b.value, s.c.value, s.g) == (3, 3, 3, 1.5)
        obj = canonical(s.filename)
        assert [f["label"] for f in obj["fields"]] == ["a", "b"] and obj["overflow_count"] == 2
    finally:
        _close(s)


# ---------------------------------------------------------------- lifecycle: exit, keep, fork, kill -9

def _script(tmp_path, body):
    script = tmp_path / "w.py"
    script.write_text(textwrap.dedent(body))
    return script


def test_file_removed_at_exit_unless_kept_and_closed_either_way(tmp_path):
    body = '''
        import sys, mmstats
        class M(mmstats.BaseMmStats):
            c = mmstats.CounterField()
        s = M(path=sys.argv[1], filename=sys.argv[2], keep=sys.argv[3] == "keep")
        s.c.incr(5)
    '''
    script = _script(tmp_path, body)
    for mode in ("remove", "keep"):
        subprocess.run([sys.executable, str(script), str(tmp_path), f"{mode}.mmstats", mode], check=True, timeout=60)
    assert not (tmp_path / "remove.mmstats").exists()
    obj = canonical(tmp_path / "keep.mmstats")
    assert obj["state"] == "closed" and obj["fields"][0]["value"] == 5


def test_forked_child_writes_its_own_file_and_closes_the_lock(tmp_path):
    class M(mmstats.BaseMmStats):
        c = mmstats.CounterField()
        g = mmstats.DoubleField()

    s = M(path=tmp_path, filename="{PID}.mmstats")
    try:
        s.c.incr(2)
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: count, report its file, exit without clean-up
            try:
                s.c.incr(40)
                s.g = 7.0
                os.write(w, s.filename.encode())
            finally:
                os._exit(0)
        os.close(w)
        child_path = os.read(r, 4096).decode()
        os.close(r)
        os.waitpid(pid, 0)
        assert child_path == str(tmp_path / f"{pid}.mmstats") != s.filename
        parent = by_label(canonical(s.filename))
        child = by_label(canonical(child_path))
        assert parent[("c", ())]["value"] == 2 and parent[("g", ())]["value"] == 0.0
        assert child[("c", ())]["value"] == 40 and child[("g", ())]["value"] == 7.0
        # the child died without closing: its lock is free (it closed the parent's copy, too)
        from mmstats_format.v2.liveness import DIED, LIVE, liveness
        assert liveness(child_path) == DIED and liveness(s.filename) == LIVE
        os.unlink(child_path)
    finally:
        _close(s)


def test_cleanstats_removes_a_killed_seed_api_writer_and_keeps_a_live_one(tmp_path):
    body = '''
        import sys, time, mmstats
        class WebStats(mmstats.MmStats):
            hits = mmstats.CounterField(label="hits")
        s = WebStats(path=sys.argv[1])
        s.hits.incr(3)
        print(s.filename, flush=True)
        time.sleep(120)
    '''
    script = _script(tmp_path, body)
    data = tmp_path / "d"
    data.mkdir()
    procs = [subprocess.Popen([sys.executable, str(script), str(data)], stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        paths = [p.stdout.readline().strip() for p in procs]
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        r = subprocess.run([sys.executable, "-m", "mmstats.tools.cleanstats", str(data)], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        assert sorted(str(p) for p in data.iterdir()) == [paths[1]]
        assert r.stdout.splitlines()[-1] == "cleanstats: 2 files: 1 removed, 1 kept, 0 errors"
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
            p.wait()


def test_threads_beyond_the_slots_share_slot_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(_v2model, "CAPACITY", dict(_v2model.CAPACITY, slot_count=2))

    class M(mmstats.BaseMmStats):
        c = mmstats.CounterField()

    s = M(path=tmp_path, filename="few.mmstats")
    try:
        def work():
            for _ in range(1000):
                s.c.incr()

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert canonical(s.filename)["fields"][0]["value"] == 6000 == s.c.value
        assert int.from_bytes(Path(s.filename).read_bytes()[d.H_SLOTS_USED:d.H_SLOTS_USED + 4], "little") == 2
    finally:
        _close(s)


# ---------------------------------------------------------------- the README's example

def test_readme_publish_example_runs_and_writes_what_it_says(tmp_path):
    import re
    readme = (REPO / "README.md").read_text("utf-8")
    section = readme[readme.index("## Publish"):readme.index("### Field classes")]
    code = re.findall(r"```python\n(.*?)```", section, flags=re.S)[0]
    env = dict(os.environ, MMSTATS_PATH=str(tmp_path), MMSTATS_KEEP="1")
    env.pop("MMSTATS_FORMAT_VERSION", None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    f = by_label(canonical(files[0]))
    assert f[("web.stats.status.2XX", ())]["value"] == 1 and f[("web.stats.status.2XX", ())]["unit"] == "{request}"
    lat = f[("web.stats.latency", ())]["value"]
    assert lat["count"] == 2 and [b["count"] for b in lat["buckets"]] == [0, 1, 2, 2]  # 0.02 s and 0.5 s
    assert f[("web.stats.requests", (("route", "/users"), ("server", "main")))]["value"] == 1
    assert f[("web.stats.requests", (("server", "main"),))]["value"] == 0


def test_forked_child_that_cannot_create_its_file_never_writes_the_parents(tmp_path, monkeypatch):
    class M(mmstats.BaseMmStats):
        c = mmstats.CounterField()
        g = mmstats.DoubleField()

    s = M(path=tmp_path, filename="{PID}.mmstats")
    parent_pid, real_create = os.getpid(), _v2model._create

    def create(path, mode):
        if os.getpid() != parent_pid:
            raise CreateErrorForTest(path)
        return real_create(path, mode)

    monkeypatch.setattr(_v2model, "_create", create)
    try:
        s.c.incr(2)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s.c.incr(40)
                    s.g = 7.0
                    code = 0 if s.c.value == 40 and s.filename is None else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        f = by_label(canonical(s.filename))
        assert f[("c", ())]["value"] == 2 and f[("g", ())]["value"] == 0.0  # untouched by the child
        assert [p.name for p in tmp_path.iterdir()] == [f"{parent_pid}.mmstats"]
    finally:
        _close(s)


class CreateErrorForTest(OSError):
    pass


def test_sigterm_removes_the_file_and_the_process_still_dies_of_sigterm(tmp_path):
    body = '''
        import sys, time, mmstats
        class M(mmstats.MmStats):
            c = mmstats.CounterField()
        s = M(path=sys.argv[1])
        s.c.incr()
        print(s.filename, flush=True)
        time.sleep(60)
    '''
    script = _script(tmp_path, body)
    data = tmp_path / "d"
    data.mkdir()
    p = subprocess.Popen([sys.executable, str(script), str(data)], stdout=subprocess.PIPE, text=True)
    path = p.stdout.readline().strip()
    assert os.path.exists(path)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=60) == -signal.SIGTERM
    assert list(data.iterdir()) == []


def test_a_forked_child_does_not_keep_a_dead_parent_live(tmp_path):
    # The parent dies without closing while its forked child runs on: the child closed its copy of the
    # locked descriptor and dropped its copy of the shared mapping, so the parent's file reads as died.
    body = '''
        import os, sys, time, mmstats
        class M(mmstats.BaseMmStats):
            c = mmstats.CounterField()
        s = M(path=sys.argv[1], filename="{PID}.mmstats")
        s.c.incr(1)
        child = os.fork()
        if child == 0:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1), os.dup2(null, 2)  # let the test's pipes close
            time.sleep(30)                      # the child outlives its parent
            os._exit(0)
        print(s.filename, child, flush=True)
        os._exit(0)                             # the parent dies: no close, no clean-up
    '''
    from mmstats_format.v2.liveness import DIED, liveness
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(body), str(tmp_path)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    path, child = p.stdout.split()
    try:
        os.kill(int(child), 0)  # the child is still running
        assert liveness(path) == DIED
    finally:
        os.kill(int(child), signal.SIGKILL)
