"""A FIFO where a stats file was expected is refused at once, never waited on.

Opening a FIFO for reading blocks until a writer comes; every reader opens
non-blocking and refuses anything but a regular file before reading. Each
case runs in a subprocess with a timeout, so the old hang is a failure.
"""
from __future__ import annotations

import os
import subprocess
import sys

import mmstats_format as m

CLI = [sys.executable, "-m", "mmstats.cli"]
RUN = [sys.executable, "-c"]

# Each prints the error the reader raised for the FIFO at argv[1] (or "no error").
READERS = {
    "read": "import mmstats_format as m; m.read(p)",
    "validate": "import mmstats_format as m; r = m.validate(p)",
    "StatsReader": "import mmstats_format as m; m.StatsReader(p).read()",
}
PROBE = r"""
import sys
p = sys.argv[1]
try:
    {call}
except OSError as e:
    print(type(e).__name__, isinstance(e, OSError), e, sep="|")
else:
    print("no error")
"""


def probe(call, path):
    out = subprocess.run(RUN + [PROBE.format(call=call), str(path)], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_every_reader_refuses_a_fifo_naming_the_path(tmp_path):
    fifo = tmp_path / "planted.mmstats"
    os.mkfifo(fifo)
    for name, call in READERS.items():
        got = probe(call, fifo)
        assert got == f"NotRegularFile|True|{fifo}: cannot read: not a regular file", (name, got)


def test_a_file_swapped_for_a_fifo_is_refused_by_a_polling_reader(tmp_path):
    script = r"""
import os, sys
import mmstats_format as m
p = sys.argv[1]
with open(p, "wb") as f:
    f.write(m.build_file([{"label": "a", "type": "Q", "value": 1}]))
with m.StatsReader(p) as r, m.StatsDirectory(os.path.dirname(p)) as d:
    assert r.read() == [1]
    files, problems = d.poll()
    assert [f.values for f in files] == [[1]] and problems == []
    os.unlink(p)
    os.mkfifo(p)
    try:
        r.read()
    except OSError as e:
        print(e)
    files, problems = d.poll()
    print(len(files), len(problems))
"""
    p = tmp_path / "app.mmstats"
    out = subprocess.run(RUN + [script, str(p)], capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{p}: cannot read: not a regular file",
                                       "0 0"]  # the directory leaves it out, as it does any non-file


def test_validate_command_says_cannot_read_and_exits_2(tmp_path):
    fifo = tmp_path / "planted.mmstats"
    os.mkfifo(fifo)
    r = subprocess.run(CLI + ["validate", str(fifo)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{fifo}: cannot read: not a regular file"


def test_read_command_exits_2_naming_the_fifo(tmp_path):
    fifo = tmp_path / "planted.mmstats"
    os.mkfifo(fifo)
    r = subprocess.run(CLI + ["read", str(fifo)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{fifo}: ") and "not a regular file" in r.stderr


def test_a_regular_file_still_reads_after_the_non_blocking_open(tmp_path):
    p = tmp_path / "ok.mmstats"
    p.write_bytes(m.build_file([{"label": "x", "type": "d", "value": 2.5}]))
    assert [f.value for f in m.read(p)] == [2.5]
    assert m.validate(p).valid
