"""A writer process and a reader at the same time.

The writer (a subprocess using the seed API) increments a counter and moves
a gauge and a string as fast as it can for about a second and a half; this
process polls the same file with StatsReader and mmstats_format.read. Every
read must succeed, the counter must never go backwards, and the buffered gauge
must always be a value the writer actually wrote.

Also: an update is stores into the map only -- strace counts the same system
calls for a program making 80000 updates as for one making none.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmstats_format import StatsReader, read

REPO = Path(__file__).resolve().parents[1]

WRITER = r"""
import sys, time
import mmstats

class Busy(mmstats.MmStats):
    count = mmstats.CounterField(label="count")
    gauge = mmstats.UIntField(label="gauge")      # always count * 3
    word = mmstats.StringField(size=12, label="word")

stats = Busy(path=sys.argv[1], filename="busy.mmstats", keep=True)  # read after the writer ends
print(stats.filename, flush=True)
end = time.monotonic() + float(sys.argv[2])
words = ["short", "a longer one", "mid-size"]
n = 0
while time.monotonic() < end:
    for _ in range(200):
        n += 1
        stats.count.incr()
        stats.gauge = 3 * n
        stats.word = words[n % 3]
print(n, flush=True)
"""


@pytest.mark.parametrize("pure", [False, True], ids=["default", "pure-python"])
def test_reader_sees_monotonic_values_and_no_error_while_writer_runs(tmp_path, pure):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if pure:
        env["MMSTATS_PURE_PYTHON"] = "1"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), "1.5"],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        path = writer.stdout.readline().strip()
        assert path.endswith("busy.mmstats"), path
        reader = StatsReader(path)
        counts, full_reads, polls = [], 0, 0
        deadline = time.monotonic() + 20
        while writer.poll() is None and time.monotonic() < deadline:
            count, gauge, word = reader.read()[:3]
            polls += 1
            # a value the writer wrote (no mixed buffers); set after the counter, it lags by at
            # most one update (the reader's copy of the file is not instantaneous: it may lead)
            assert gauge % 3 == 0 and gauge >= 3 * (count - 1), (count, gauge)
            assert isinstance(word, str)  # unbuffered text may be caught mid-update, as in 0.8
            counts.append(count)
            if polls % 10 == 0:
                fields = read(path)
                assert fields[0].value >= count
                counts.append(fields[0].value)
                full_reads += 1
        total = int(writer.stdout.readline())
    finally:
        writer.kill() if writer.poll() is None else None
        writer.wait()
    assert writer.returncode == 0
    assert counts == sorted(counts), "the counter went backwards"
    assert polls > 20 and full_reads > 1
    assert reader.read()[0] == total
    reader.close()


UPDATER = r"""
import sys, tempfile, mmstats
class S(mmstats.MmStats):
    hits = mmstats.CounterField()
    ratio = mmstats.DoubleField()
    name = mmstats.StringField(size=8)
    mean = mmstats.MovingAverageField(size=10)
s = S(path=sys.argv[2])
for i in range(int(sys.argv[1])):
    s.hits.incr()
    s.ratio = 0.5
    s.name = "abc"
    s.mean.add(i)
s.remove()
"""


def _syscalls(n: int, tmp_path, env) -> int:
    out = tmp_path / f"strace-{n}.txt"
    run = subprocess.run(["strace", "-f", "-c", "-o", str(out), sys.executable, "-c", UPDATER, str(n), str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=120)
    if run.returncode != 0 or not out.exists():
        pytest.skip(f"strace cannot trace here: {run.stderr.strip()[:200]}")
    total = [line for line in out.read_text().splitlines() if line.rstrip().endswith("total")]
    return int(total[-1].split()[3])


@pytest.mark.skipif(not any(os.access(os.path.join(d, "strace"), os.X_OK)
                            for d in os.environ.get("PATH", "").split(os.pathsep)), reason="needs strace")
@pytest.mark.parametrize("pure", [False, True], ids=["default", "pure-python"])
def test_updates_make_no_system_calls(tmp_path, pure):
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if pure:
        env["MMSTATS_PURE_PYTHON"] = "1"
    idle, busy = _syscalls(0, tmp_path, env), _syscalls(20000, tmp_path, env)
    # 80000 updates; the same program with none makes (nearly) the same system calls
    assert busy - idle < 50, (idle, busy)
