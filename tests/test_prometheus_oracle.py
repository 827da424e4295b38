"""prometheus_client is the oracle for mmash's hand-written exposition.

The same values are written as mmstats files (one per process, with its
sys.pid) and as prometheus_client multiprocess files (one per pid); both
expositions are parsed by prometheus_client's parser and must hold the same
samples, for version 1 files and for version 2 files (the pid in the header, the
writer exited, as bench/ writes them): --aggregate=sum against MultiProcessCollector's counters (summed over
pids), --aggregate=process against its gauges in mode "all" (one per pid).
This is what bench/ times, so the figures compare like with like.
"""
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from mmstats._v2writer import V2Writer
from mmstats_format import build_file
from mmstats.tools.mmash.data import StatsDir
from mmstats.tools.mmash.metrics import Exporter

PROCESSES, FIELDS = 7, 5
FIRST_PID = 5_000_000  # above the largest pid_max (2^22): no such process, so no live process is guessed at


def value(i, j):
    return 1000 * i + j


def app_samples(text, strip_total=False):
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith("app_"):
                name = s.name[:-len("_total")] if strip_total and s.name.endswith("_total") else s.name
                out[name, tuple(sorted(s.labels.items()))] = s.value
    return out


def write_v1(path, i, pid):
    fields = [{"label": f"app.requests.{j:02d}", "type": "Q", "buffered": True,
               "value": value(i, j)} for j in range(FIELDS)]
    fields.append({"label": "sys.pid", "type": "I", "buffered": False, "value": pid})
    path.write_bytes(build_file(fields))


def write_v2(path, i, pid):
    w = V2Writer.create(path, thread_slots=False, pid=pid, start_ticks=0, created_unix_ns=1_700_000_000 * 10**9)
    for j in range(FIELDS):
        w.counter(f"app.requests.{j:02d}").add(value(i, j))
    w.close(keep=True)


@pytest.fixture(scope="module", params=[1, 2], ids=["v1", "v2"])
def same_values(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("oracle")
    mm = root / "mmstats"
    mm.mkdir()
    write = write_v1 if request.param == 1 else write_v2
    for i in range(PROCESSES):
        pid = FIRST_PID + i
        write(mm / f"app-{pid}-{pid}.mmstats", i, pid)
    prom = {}
    for kind, prefix in (("counter", "counter"), ("gauge", "gauge_all")):
        d = root / kind
        d.mkdir()
        for i in range(PROCESSES):
            db = MmapedDict(str(d / f"{prefix}_{FIRST_PID + i}.db"))
            for j in range(FIELDS):
                name = f"app_requests_{j:02d}"
                db.write_value(mmap_key(name, name + "_total" if kind == "counter" else name, [], [], "x"),
                               float(value(i, j)), 0.0)
            db.close()
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(d))
        prom[kind] = generate_latest(registry).decode()
    files, problems = StatsDir(str(mm), "*.mmstats").snapshot()
    assert not problems and len(files) == PROCESSES
    assert {(mm / f.path).read_bytes()[0] for f in files} == {request.param}  # the version byte
    return Exporter(str(mm)), files, prom


def test_sum_holds_the_samples_multiprocesscollector_sums(same_values):
    exporter, files, prom = same_values
    ours = app_samples(exporter.render(files, "sum").decode())
    theirs = app_samples(prom["counter"])
    assert len(theirs) == FIELDS and ours == theirs


def test_process_holds_the_samples_of_gauges_in_mode_all(same_values):
    exporter, files, prom = same_values
    ours = app_samples(exporter.render(files, "process").decode(), strip_total=True)
    theirs = app_samples(prom["gauge"])
    assert len(theirs) == FIELDS * PROCESSES and ours == theirs
