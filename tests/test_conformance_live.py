"""The matrix's live case: a live writer process updating while a reader reads; wrong ones fail it clearly.

The end-to-end runs use the Python live writer and reader (the native ones run in `matrix` itself). The
checks of each read are driven with a stub writer (a few lines of Python that announce a file, wait for
stdin to close and say `done N`) and a reader answered in this process, so each wrong answer is exact.
"""
from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from mmstats_conformance import checks, live
from mmstats_conformance.cli import main
from mmstats_conformance.protocol import Run

PY = shlex.quote(sys.executable)
IMPL = f"{PY} -m mmstats_conformance.python_impl"
STEPS = 3  # what the stub writer says it did

STUB_WRITER = """
import os, sys
path = os.path.join(sys.argv[-1], "stub.mmstats")
open(path, "wb").close()
print(path); print({ready!r}, flush=True)
sys.stdin.read()
print({done!r}, flush=True)
sys.exit({exit})
"""


def stub_writer(tmp_path, ready="ready", done=f"done {STEPS}", exit=0) -> list[str]:
    p = tmp_path / "stub_writer.py"
    p.write_text(STUB_WRITER.format(ready=ready, done=done, exit=exit))
    return [sys.executable, str(p)]


def replies(*objs):
    """A reader answered in this process: the n-th read prints the n-th object (a str as it is)."""
    seen = []

    def runner(argv, timeout, cwd=None):
        seen.append(argv[-1])
        obj = objs[len(seen) - 1]
        return Run(0, (obj if isinstance(obj, str) else json.dumps(obj)).encode("utf-8"), b"")
    runner.seen = seen
    return runner


def answers(version, *values, final=None, state="ready", final_state="closed"):
    """Reads with counter = gauge = each of ``values``, then the final read (by default the right one)."""
    return replies(*[v if isinstance(v, str) else live.expected(version, v, v, state) for v in values],
                   final if final is not None else live.expected(version, STEPS, live.GAUGE_FINAL, final_state))


def run(writer, runner, version=2):
    return live.run_live(writer, ["reader"], version, checks.Options(timeout=30, runner=runner), id="live/x")


@pytest.mark.parametrize("version", [1, 2])
def test_stub_with_rising_values_and_the_right_final_read_passes(tmp_path, version):
    runner = answers(version, 0, 2, 2)
    r = run(stub_writer(tmp_path), runner, version)
    assert (r.outcome, r.detail) == ("passed", "")
    assert len(runner.seen) == live.READS + 1 and runner.seen[0].endswith("stub.mmstats")


@pytest.mark.parametrize("values, want", [
    ((1, 3, 2), "read 3 of 3 (writer running): live.counter went back from 3 to 2"),
    ((10 ** 9, 10 ** 9, 10 ** 9), "read 1 of 3 (writer running): live.counter is 1000000000, more than the "),
])
def test_values_going_back_or_past_the_steps_fail(tmp_path, values, want):
    r = run(stub_writer(tmp_path), answers(2, *values))
    assert r.outcome == "failed" and r.detail.startswith(want), r


def test_gauge_is_checked_like_the_counter(tmp_path):
    r = run(stub_writer(tmp_path), replies(live.expected(2, 1, 2, "ready"), live.expected(2, 1, 1, "ready")))
    assert (r.outcome, r.detail) == ("failed", "read 2 of 3 (writer running): live.gauge went back from 2 to 1")


def test_undecodable_output_and_a_refused_file_fail(tmp_path):
    r = run(stub_writer(tmp_path), answers(2, 0, "not json {", 1))
    assert r.outcome == "failed" and r.detail.startswith("read 2 of 3 (writer running): stdout is not one JSON")

    def refusing(argv, timeout, cwd=None):
        return Run(1, b"", f"{argv[-1]}: offset 0: bad_version: version byte 0x00\n".encode())
    r = run(stub_writer(tmp_path), refusing)
    assert r.outcome == "failed" and r.detail.startswith("read 1 of 3 (writer running): reader exit 1: ")
    assert r.detail.endswith("offset 0: bad_version: version byte 0x00")


def test_state_fields_and_the_final_read_are_compared_exactly(tmp_path):
    r = run(stub_writer(tmp_path), answers(2, 0, 0, 0, state="creating"))
    assert (r.outcome, r.detail) == ("failed", "read 1 of 3 (writer running): state: want 'ready', got 'creating'")
    r = run(stub_writer(tmp_path), answers(2, 0, 1, 1, final_state="ready"))
    assert (r.outcome, r.detail) == ("failed", "final read (writer exited): state: want 'closed', got 'ready'")
    wrong_final = live.expected(2, STEPS - 1, live.GAUGE_FINAL, "closed")
    r = run(stub_writer(tmp_path), answers(2, 0, 1, 1, final=wrong_final))
    assert (r.outcome, r.detail) == ("failed", f"final read (writer exited): fields[0].value (live.counter): "
                                               f"want {STEPS}, got {STEPS - 1}")
    no_gauge = live.expected(1, 1, 1, "ready")
    del no_gauge["fields"][1]
    r = run(stub_writer(tmp_path), replies(live.expected(1, 0, 0, "ready"), no_gauge), version=1)
    assert r.outcome == "failed" and r.detail.startswith("read 2 of 3 (writer running): no field 'live.gauge'")
    wrong_type = live.expected(1, 1, 1, "ready")
    wrong_type["fields"][0]["type"] = "I"
    r = run(stub_writer(tmp_path), replies(live.expected(1, 0, 0, "ready"), live.expected(1, 0, 0, "ready"),
                                            wrong_type), version=1)
    assert (r.outcome, r.detail) == ("failed", "read 3 of 3 (writer running): fields[0].type: want 'Q', got 'I'")


def test_writers_that_break_the_protocol_fail(tmp_path):
    r = run(stub_writer(tmp_path, ready="go"), answers(2))
    assert (r.outcome, r.detail) == ("failed", "writer: the second stdout line is not `ready`")
    r = run(stub_writer(tmp_path, done="finished"), answers(2, 0, 1, 2))
    assert (r.outcome, r.detail) == ("failed", "writer: want `done N` last on stdout, got 'finished'")
    r = run(stub_writer(tmp_path, done="done 1"), answers(2, 0, 1, 2))
    assert r.outcome == "failed" and r.detail.startswith("writer: said done 1, want 1 to ")
    assert r.detail.endswith(" and at least the 2 read while it ran")
    r = run(stub_writer(tmp_path, exit=3), answers(2, 0, 1, 2))
    assert (r.outcome, r.detail) == ("failed", "writer: exit 3 after its stdin closed: (nothing on stderr)")
    r = run(["/nonexistent/live-writer"], answers(2))
    assert r.outcome == "crashed" and r.detail.startswith("writer: cannot start '/nonexistent/live-writer'")
    silent = tmp_path / "silent.py"
    silent.write_text("import time; time.sleep(60)")
    r = live.run_live([sys.executable, str(silent)], ["reader"], 2, checks.Options(timeout=0.5, runner=answers(2)))
    assert (r.outcome, r.detail) == ("timeout", "writer: no path line within the time limit")


# ---------------------------------------------------------------- through `matrix`

def registry(tmp_path, reader=f"{IMPL} read") -> Path:
    p = tmp_path / "implementations.json"
    p.write_text(json.dumps({"implementations": [
        {"name": "python", "language": "python", "live": f"{IMPL} live", "writes": [1, 2]},
        {"name": "reader", "language": "python", "reader": reader, "reads": [1, 2]},
    ]}))
    return p


def run_matrix(capsys, tmp_path, reg, run="live/*"):
    report = tmp_path / "matrix.json"
    rc = main(["matrix", "--registry", str(reg), "-j", "2", "--timeout", "60", "--json", str(report), "--run", run])
    return rc, capsys.readouterr().out.splitlines(), json.loads(report.read_text())


def test_python_live_writer_and_reader_pass_both_versions(capsys, tmp_path):
    rc, lines, data = run_matrix(capsys, tmp_path, registry(tmp_path))
    assert rc == 0, "\n".join(lines)
    (head,) = [line for line in lines if line.startswith("live: ")]
    assert head.startswith("live: 1 live writer(s) x 1 reader(s): 2 combination(s) in ")
    assert head.endswith(" s: 2 passed, 0 failed")
    assert lines[-1] == "matrix: 2 passed, 0 failed"
    (section,) = [r for r in data["matrix"] if r["check"] == "live"]
    assert [(r["case"], r["writer"], r["reader"], r["outcome"]) for r in section["results"]] == [
        ("live/v1", "python", "reader", "passed"), ("live/v2", "python", "reader", "passed")]


# Decodes the file with the Python reader, then reports a counter lower than the one it reported last.
BACKWARDS_READER = """
import json, os, sys
import mmstats_format as mf
obj = mf.to_canonical(sys.argv[1], mf.read(sys.argv[1]))
state = os.path.join(os.path.dirname(sys.argv[1]), "backwards.state")
last = int(open(state).read()) if os.path.exists(state) else None
for f in obj["fields"]:
    if f["label"] == "live.counter":
        f["value"] = f["value"] + 5 if last is None else last - 1   # the bug: the second read goes back
        open(state, "w").write(str(f["value"]))
print(mf.dumps(obj))
"""


def test_a_reader_whose_counter_goes_back_fails_the_matrix(capsys, tmp_path):
    script = tmp_path / "backwards.py"
    script.write_text(BACKWARDS_READER)
    rc, lines, data = run_matrix(capsys, tmp_path, registry(tmp_path, f"{PY} {shlex.quote(str(script))}"),
                                 run="live/v1")
    assert rc == 1
    (head,) = [line for line in lines if line.startswith("live: ")]
    assert head.endswith(" s: 0 passed, 1 failed")
    at = lines.index("live failures (case, live writer, reader):")
    assert lines[at + 1].startswith("  live/v1  python -> reader: failed: read 2 of 3 (writer running): "
                                    "live.counter went back from ")
    assert lines[-1] == "matrix: 0 passed, 1 failed"
    (section,) = [r for r in data["matrix"] if r["check"] == "live"]
    assert [r["outcome"] for r in section["results"]] == ["failed"]


def test_known_live_failures_are_listed_per_reader_as_case_at_writer(tmp_path):
    from mmstats_conformance.matrix import _known_per_reader
    from mmstats_conformance.report import Result
    rows = [("live/v2", "c", "go", Result("live/v2@c", "failed", "went back")),
            ("live/v2", "rust", "go", Result("live/v2@rust", "passed"))]
    known = {"go": {"live/v2@c": "a known gap", "live/v2@rust": "stale"}}
    out = {(w, res.outcome) for _, w, _, res in _known_per_reader(rows, lambda r: known.get(r, {}))}
    assert out == {("c", "known"), ("rust", "fixed")}
