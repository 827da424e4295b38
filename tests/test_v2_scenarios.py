"""Version 2 writer scenarios: expectations from the rules, the Python writer passes, a wrong writer fails."""
from __future__ import annotations

import io
import json
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mmstats_conformance import checks, python_impl
from mmstats_conformance.corpus import load
from mmstats_conformance.protocol import Run

ROOT = Path(__file__).resolve().parents[1] / "conformance"


def _scenario(name) -> dict:
    return json.loads((ROOT / "v2" / "writer-scenarios" / f"{name}.json").read_text("utf-8"))


def _values(name) -> dict:
    return {(f["label"], tuple(sorted(f["attributes"].items()))): f["value"] for f in _scenario(name)["expect"]["fields"]}


def test_expectations_follow_the_rules_worked_by_hand():
    every = _values("every-kind")
    assert every[("http.requests", (("status", "2xx"),))] == 7
    assert every[("queue.length", ())] == 7 and every[("connections", ())] == -2
    assert every[("big", ())] == 2 ** 64 - 1 and every[("state", ())] == "running"
    assert every[("http.latency", ())] == {"count": 4, "sum": 1065.0, "buckets": [
        {"le": 10.0, "count": 2}, {"le": 100.0, "count": 3}, {"le": "Infinity", "count": 4}]}
    assert _values("counter-wraps") == {("c", ()): 1, ("u", ()): -(2 ** 63)}
    assert list(_values("string-truncation").values()) == ["éééé", "short"]
    assert [b["count"] for b in _values("histogram-bounds")[("h", ())]["buckets"]] == [2, 3, 4, 6]
    full = _scenario("full-metadata")["expect"]
    assert full["overflow_count"] == 1 and [f["label"] for f in full["fields"]] == ["a", "b"]
    assert all(_scenario(n)["expect"]["state"] == "closed" for n in ("every-kind", "full-metadata"))


def _in_process(argv, timeout, cwd=None) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = python_impl.main(argv[3:])
    return Run(rc, out.getvalue().encode(), err.getvalue().encode())


def _cases():
    return [c for c in load(ROOT).select({"writer"}) if c["format_version"] == 2]


def test_python_writer_passes_every_v2_scenario():
    cases = _cases()
    assert len(cases) >= 7
    results = checks.run_cases(checks.check_writer, [sys.executable, "-m", "mmstats_conformance.python_impl", "write"],
                               load(ROOT), cases, checks.Options(runner=_in_process), jobs=1)
    assert [r for r in results if r.outcome != "passed"] == []


def test_a_writer_that_drops_the_last_update_fails_with_a_readable_diff(tmp_path, monkeypatch):
    real = python_impl._write_v2

    def lossy(scenario, out):
        return real(dict(scenario, updates=scenario["updates"][:-1]), out)

    monkeypatch.setattr(python_impl, "_write_v2", lossy)
    case = next(c for c in _cases() if c["id"].endswith("/every-kind"))
    r = checks.check_writer([sys.executable, "-m", "mmstats_conformance.python_impl", "write"], load(ROOT), case,
                            checks.Options(runner=_in_process))
    assert r.outcome == "failed" and "fields[12].value (http.latency)" in r.detail
