"""The harness: the Python implementation passes it, deliberately wrong implementations fail it clearly.

Subprocesses are expensive here (each Python start imports construct), so the
full corpus goes through a subprocess once (the reader); the Python reader and
validator also run over the full corpus in-process through the same checks,
and the wrong implementations run on the slices of the corpus they break.
"""
from __future__ import annotations

import io
import json
import shlex
import shutil
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mmstats_conformance import checks, python_impl
from mmstats_conformance.cli import main
from mmstats_conformance.corpus import load
from mmstats_conformance.protocol import Run, problems

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "conformance"
PY = shlex.quote(sys.executable)
IMPL = f"{PY} -m mmstats_conformance.python_impl"

try:
    import mmstats.lowlevel  # noqa: F401
    HAVE_WRITER = True
except ImportError:
    HAVE_WRITER = False
needs_writer = pytest.mark.skipif(not HAVE_WRITER, reason="mmstats.lowlevel (the Python writer) not available")


def run_cli(capsys, *argv) -> tuple[int, list[str]]:
    rc = main(list(argv))
    lines = capsys.readouterr().out.splitlines()
    return rc, lines


def script(tmp_path, name, body) -> str:
    """A reader command running ``body`` (a Python script) with the case path as sys.argv[1]."""
    p = tmp_path / f"{name}.py"
    p.write_text(body)
    return f"{PY} {shlex.quote(str(p))}"


ERROR_LINE = 'print(f"{sys.argv[1]}: offset {e.offset}: {e.code}: {e.message}", file=sys.stderr); sys.exit(1)'

WB_READER = f"""
import sys
import mmstats_format as mf
from mmstats_format.v1.decode import from_stored, value_struct
from mmstats_format.scan import scan
data = open(sys.argv[1], "rb").read()
layouts, errors = scan(data)
if errors:
    e = errors[0]; {ERROR_LINE}
fields = []
for f in layouts:
    # the bug: value[write_buffer] (the writer's next buffer), not value[write_buffer ^ 1]
    off = f.value_offset + (data[f.write_buffer_offset] * f.spec.size if f.buffered else 0)
    v = from_stored(f.spec, value_struct(f.spec.struct_char).unpack_from(data, off)[0])
    fields.append(mf.Field(f.label, f.type, f.buffered, v))
print(mf.dumps(mf.to_canonical(sys.argv[1], fields)))
"""

NAN_NULL_READER = f"""
import sys
import mmstats_format as mf
try:
    obj = mf.to_canonical(sys.argv[1], mf.read(sys.argv[1]))
except mf.FormatError as e:
    {ERROR_LINE}
for f in obj["fields"]:
    if f["value"] == "NaN":
        f["value"] = None   # the bug: NaN becomes null
print(mf.dumps(obj))
"""

ACCEPT_ALL_READER = """
import json, sys
print(json.dumps({"path": sys.argv[1], "format_version": 1, "fields": []}))
"""

WRONG_CODE_READER = """
import sys
print(f"{sys.argv[1]}: offset 0: bad_version: every file is wrong to me", file=sys.stderr)
sys.exit(1)
"""


# ---------------------------------------------------------------- the Python implementation

def test_python_reader_passes_the_whole_corpus_as_a_subprocess(capsys, tmp_path):
    # valid/interop-0.8 is byte-identical to golden/mmstats-0.8 (test_conformance_corpus proves it): read once
    report = tmp_path / "report.json"
    rc, lines = run_cli(capsys, "check-reader", f"{IMPL} read", "-j", "2", "--timeout", "60",
                        "--skip", "valid/interop-0.8/*", "--json", str(report))
    corpus = load(ROOT)
    files = corpus.select({"valid", "invalid"}, skip=["valid/interop-0.8/*"])
    assert rc == 0, "\n".join(lines[-20:])
    assert lines[-1] == f"reader: {len(files)} passed, 0 failed"
    data = json.loads(report.read_text())
    assert data["passed"] == len(files) and not data["outcomes"].get("skipped")


def _in_process(argv, timeout, cwd=None) -> Run:
    """Run python_impl.main in this process: argv is [python, -m, module, role, args...]."""
    assert argv[1:3] == ["-m", "mmstats_conformance.python_impl"], argv
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = python_impl.main(argv[3:])
    return Run(rc, out.getvalue().encode("utf-8"), err.getvalue().encode("utf-8"))


@pytest.mark.parametrize("role, check", [("read", checks.check_reader), ("validate", checks.check_validator)])
def test_python_reader_and_validator_pass_every_case_in_process(role, check):
    corpus = load(ROOT)
    cases = corpus.select({"valid", "invalid"})
    opts = checks.Options(runner=_in_process)
    results = checks.run_cases(check, [sys.executable, "-m", "mmstats_conformance.python_impl", role],
                               corpus, cases, opts, jobs=1)
    bad = [r for r in results if r.outcome != "passed"]
    assert bad == []
    # file_too_large (v1 and v2) passes only because --max-size reached the implementation
    with_options = [c for c in cases if c.get("options")]
    assert len(with_options) == 2 and all(c["kind"] == "invalid" for c in with_options)


def test_python_validator_passes_one_case_of_each_code_as_a_subprocess(capsys):
    # the whole corpus goes through the validator in-process above; here the process boundary
    picks = ["invalid/*/empty-file", "invalid/*/version-02", "invalid/*/in-type-size", "invalid/*/in-value-1",
             "invalid/*/surrogate", "invalid/*/z-code", "invalid/*/byte-02", "invalid/*/hidden-record",
             "invalid/*/one-byte-long", "valid/files/lone-zero-byte", "valid/floats/nan-payloads"]
    rc, lines = run_cli(capsys, "check-validator", f"{IMPL} validate", "-j", "2", "--timeout", "60",
                        *[a for p in picks for a in ("--run", p)])
    assert (rc, lines[-1]) == (0, f"validator: {len(picks)} passed, 0 failed"), "\n".join(lines)


@needs_writer
def test_python_writer_passes_every_writer_scenario(capsys):
    rc, lines = run_cli(capsys, "check-writer", f"{IMPL} write", "-j", "2", "--timeout", "60")
    n = len(load(ROOT).select({"writer"}))
    assert (rc, lines[-1]) == (0, f"writer: {n} passed, 0 failed"), "\n".join(lines)


def test_python_impl_reports_the_protocol_line_and_exit_codes(tmp_path):
    case = ROOT / "invalid" / "bad_write_buffer" / "byte-02.mmstats"
    for role, want_rc in (("read", 1), ("validate", 1)):
        run = _in_process([sys.executable, "-m", "mmstats_conformance.python_impl", role, str(case)], 5)
        assert run.returncode == want_rc
        assert run.stderr.decode().startswith(f"{case}: offset ")
        assert problems(run.stderr)[0][0] == "bad_write_buffer"
    missing = _in_process([sys.executable, "-m", "mmstats_conformance.python_impl", "validate",
                           str(tmp_path / "nope.mmstats")], 5)
    assert missing.returncode == 2
    assert _in_process([sys.executable, "-m", "mmstats_conformance.python_impl", "frobnicate"], 5).returncode == 2


# ---------------------------------------------------------------- wrong implementations fail clearly

def _fake(fn):
    """A runner whose implementation is ``fn(path) -> (exit status, stdout, stderr)``, in this process."""
    def runner(argv, timeout, cwd=None):
        path = argv[-1]
        if argv[1:2] == ["--max-size"] and Path(path).stat().st_size > int(argv[2]):  # not what these get wrong
            return Run(1, b"", f"{path}: offset {argv[2]}: file_too_large: over the size limit\n".encode("utf-8"))
        rc, out, err = fn(path)
        return Run(rc, out.encode("utf-8"), err.encode("utf-8"))
    return runner


def _error(path, e):
    return 1, "", f"{path}: offset {e.offset}: {e.code}: {e.message}\n"


def _wb_reader(path):
    import mmstats_format as mf
    from mmstats_format.v1.decode import from_stored, value_struct
    from mmstats_format.scan import scan
    data = Path(path).read_bytes()
    layouts, errors = scan(data)
    if errors:
        return _error(path, errors[0])
    fields = []
    for f in layouts:  # the bug: value[write_buffer], not value[write_buffer ^ 1]
        off = f.value_offset + (data[f.write_buffer_offset] * f.spec.size if f.buffered else 0)
        fields.append(mf.Field(f.label, f.type, f.buffered,
                               from_stored(f.spec, value_struct(f.spec.struct_char).unpack_from(data, off)[0])))
    return 0, mf.dumps(mf.to_canonical(path, fields)), ""


def _nan_null_reader(path):
    import mmstats_format as mf
    try:
        obj = mf.to_canonical(path, mf.read(path))
    except mf.FormatError as e:
        return _error(path, e)
    for f in obj["fields"]:
        if f["value"] == "NaN":
            f["value"] = None
    return 0, mf.dumps(obj), ""


def _v1(corpus, kinds):
    """The version 1 cases: the wrong readers below are version 1 readers."""
    return [e for e in corpus.select(set(kinds)) if e["format_version"] == 1]


def _run_fake(fn, kinds=("valid", "invalid"), codes=True):
    corpus = load(ROOT)
    results = checks.run_cases(checks.check_reader, ["fake"], corpus, _v1(corpus, kinds),
                               checks.Options(runner=_fake(fn), codes=codes), jobs=1)
    return {r.id: r for r in results}


def _expects(entry):
    return json.loads((ROOT / entry["expect"]).read_text("utf-8"))


def test_reader_of_the_write_buffer_fails_exactly_where_the_buffers_differ():
    results = _run_fake(_wb_reader)
    corpus = load(ROOT)
    failed = {id for id, r in results.items() if r.outcome == "failed"}
    assert results["valid/buffering/wb0-every-type"].detail.startswith(
        "fields[0].value (b.wb0): want -5, got 6; fields[1].value (B.wb0): want 200, got 7; ")
    assert {"valid/buffering/wb1-every-type", "valid/interop-0.8/counter", "golden/mmstats-0.8/write-buffer"} <= failed
    # cases without buffered records, and every invalid file, still pass
    unbuffered = {e["id"] for e in _v1(corpus, {"valid"}) if not any(f["buffered"] for f in _expects(e)["fields"])}
    assert failed & unbuffered == set()
    assert not any(id.startswith("invalid/") for id in failed)


def test_reader_turning_nan_into_null_fails_exactly_the_cases_with_nan():
    results = _run_fake(_nan_null_reader)
    corpus = load(ROOT)
    with_nan = {e["id"] for e in _v1(corpus, {"valid"}) if any(f["value"] == "NaN" for f in _expects(e)["fields"])}
    assert {id for id, r in results.items() if r.outcome == "failed"} == with_nan
    assert "valid/floats/nan-payloads" in with_nan and "golden/mmstats-0.8/cpython2.7/special-floats" in with_nan
    assert results["valid/floats/nan-sign-bits"].detail.startswith("fields[0].value (f.+nan): want 'NaN', got None")


def test_reader_accepting_everything_fails_every_invalid_file_and_every_file_with_fields():
    results = _run_fake(lambda p: (0, json.dumps({"path": p, "format_version": 1, "fields": []}), ""))
    corpus = load(ROOT)
    for e in _v1(corpus, {"valid", "invalid"}):
        r = results[e["id"]]
        if e.get("options"):
            assert r.outcome == "passed"  # refused by the size limit the harness passed, which _fake honours
        elif e["kind"] == "invalid":
            assert r.outcome == "failed" and r.detail.startswith("accepted an invalid file (exit 0); want "
                                                                 f"{e['expect']['code']} at offset ")
        elif _expects(e)["fields"]:
            assert r.outcome == "failed" and r.detail.startswith("fields: want "), r
        else:
            assert r.outcome == "passed"  # valid/files/no-fields really has no fields


def test_reader_with_the_wrong_codes_fails_where_code_or_offset_differ():
    results = _run_fake(lambda p: (1, "", f"{p}: offset 0: bad_version: no\n"), kinds=("invalid",))
    for id, r in results.items():
        e = next(c for c in load(ROOT).cases if c["id"] == id)
        right = (e["expect"]["code"], e["expect"]["offset"]) == ("bad_version", 0) or bool(e.get("options"))
        assert r.outcome == ("passed" if right else "failed"), id
    relaxed = _run_fake(lambda p: (1, "", "crashed with a traceback\n"), kinds=("invalid",), codes=False)
    assert {r.outcome for r in relaxed.values()} == {"passed"}


def test_wrong_readers_on_the_command_line_print_one_line_per_failing_case(capsys, tmp_path):
    cmd = script(tmp_path, "wb_reader", WB_READER)
    rc, lines = run_cli(capsys, "check-reader", cmd, "-j", "2", "--timeout", "60",
                        "--run", "valid/buffering/wb*", "--run", "valid/integers/minima")
    assert rc == 1 and lines[-1] == "reader: 1 passed, 2 failed" and len(lines) == 3
    assert lines[0].startswith("FAIL    valid/buffering/wb0-every-type: fields[0].value (b.wb0): want -5, got 6; ")
    assert lines[0].endswith("; ... 9 more")
    cmd = script(tmp_path, "accept_all", ACCEPT_ALL_READER)
    rc, lines = run_cli(capsys, "check-reader", cmd, "--run", "invalid/unknown_type/z-code", "--timeout", "60")
    want = next(e for e in load(ROOT).cases if e["id"] == "invalid/unknown_type/z-code")["expect"]
    assert (rc, lines) == (1, ["FAIL    invalid/unknown_type/z-code: accepted an invalid file (exit 0); want "
                               f"unknown_type at offset {want['offset']}", "reader: 0 passed, 1 failed"])


def test_wrong_error_codes_fail_unless_codes_are_relaxed(capsys, tmp_path):
    cmd = script(tmp_path, "wrong_code", WRONG_CODE_READER)
    rc, lines = run_cli(capsys, "check-reader", cmd, "--run", "invalid/bad_version/*",
                        "--run", "invalid/unknown_type/z-code", "--timeout", "60")
    want = next(e for e in load(ROOT).cases if e["id"] == "invalid/unknown_type/z-code")["expect"]
    assert rc == 1 and lines == [f"FAIL    invalid/unknown_type/z-code: want unknown_type at offset {want['offset']}, "
                                 "got bad_version at offset 0", "reader: 3 passed, 1 failed"]
    rc, lines = run_cli(capsys, "check-reader", cmd, "--run", "invalid/bad_version/*",
                        "--run", "invalid/unknown_type/z-code", "--no-codes", "--timeout", "60")
    assert (rc, lines[-1]) == (0, "reader: 4 passed, 0 failed")


def test_timeouts_crashes_and_harness_bugs_are_kept_apart(capsys, tmp_path):
    sleeper = script(tmp_path, "sleeper", "import time; time.sleep(60)")
    rc, lines = run_cli(capsys, "check-validator", sleeper, "--run", "valid/integers/zero", "--timeout", "0.5")
    assert rc == 1 and lines[-3:] == ["TIMEOUT valid/integers/zero: no answer within the time limit "
                                      "(process group killed)", "validator: 1 timed out",
                                      "validator: 0 passed, 1 failed"]
    crasher = script(tmp_path, "crasher", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)")
    rc, lines = run_cli(capsys, "check-reader", crasher, "--run", "valid/integers/zero", "--timeout", "60")
    assert rc == 1 and lines[0].startswith("CRASH   valid/integers/zero: killed by SIGSEGV")
    rc, lines = run_cli(capsys, "check-reader", "/nonexistent/reader", "--run", "valid/integers/zero")
    assert rc == 1 and lines[0].startswith("CRASH   valid/integers/zero: cannot start")

    broken = tmp_path / "conformance"
    shutil.copytree(ROOT / "valid" / "integers", broken / "valid" / "integers")
    manifest = json.loads((ROOT / "manifest.json").read_text())
    manifest["cases"] = [e for e in manifest["cases"] if e["id"].startswith("valid/integers/")]
    (broken / "manifest.json").write_text(json.dumps(manifest))
    (broken / "valid" / "integers" / "zero.json").unlink()
    rc, lines = run_cli(capsys, "check-reader", f"{IMPL} read", "--root", str(broken), "--run", "*/zero",
                        "--timeout", "60")
    assert rc == 1 and lines[0].startswith("BUG     valid/integers/zero: FileNotFoundError")
    assert lines[-2:] == ["reader: 1 harness bugs", "reader: 0 passed, 1 failed"]


# ---------------------------------------------------------------- known failures

def test_known_failures_excuse_listed_cases_and_fail_when_they_pass(capsys, tmp_path):
    cmd = script(tmp_path, "nan_reader", NAN_NULL_READER)
    args = ["check-reader", cmd, "-j", "2", "--timeout", "60", "--run", "valid/floats/nan-sign-bits",
            "--run", "valid/floats/infinities"]
    known = tmp_path / "known.txt"
    known.write_text("# NaN support is on its way\n"
                     "valid/floats/nan-sign-bits  NaN is printed as null\n")
    rc, lines = run_cli(capsys, *args, "--known-failures", str(known))
    assert (rc, lines[-2:]) == (0, ["reader: 1 known failures", "reader: 1 passed, 0 failed"])

    known.write_text(known.read_text() + "valid/floats/infinities  listed by mistake\n")
    rc, lines = run_cli(capsys, *args, "--known-failures", str(known))
    assert rc == 1 and lines[-1] == "reader: 0 passed, 1 failed"
    assert lines[0].startswith("FIXED   valid/floats/infinities: listed as a known failure (listed by mistake) "
                               "but passes")

    known.write_text("valid/floats/nan-sign-bits\n")
    rc, _ = run_cli(capsys, *args, "--known-failures", str(known))
    assert rc == 2  # a listed case must say why


def test_known_failure_for_a_case_that_no_longer_exists_fails_a_full_run(capsys, tmp_path):
    known = tmp_path / "known.txt"
    known.write_text("valid/floats/renamed-long-ago  stale entry\n")
    small = tmp_path / "conformance"
    shutil.copytree(ROOT / "valid" / "booleans", small / "valid" / "booleans")
    manifest = json.loads((ROOT / "manifest.json").read_text())
    manifest["cases"] = [e for e in manifest["cases"] if e["id"].startswith("valid/booleans/")]
    (small / "manifest.json").write_text(json.dumps(manifest))
    rc, lines = run_cli(capsys, "check-reader", f"{IMPL} read", "--root", str(small), "--timeout", "60",
                        "-j", "2", "--known-failures", str(known))
    assert rc == 1 and "FIXED   valid/floats/renamed-long-ago: listed as a known failure, but there is no such " \
                       "case: remove it" in lines


# ---------------------------------------------------------------- matrix

@needs_writer
def test_matrix_reports_failing_writer_reader_pairs_and_broken_builds(capsys, tmp_path):
    registry = tmp_path / "implementations.json"
    registry.write_text(json.dumps({"implementations": [
        {"name": "python", "language": "python", "build": "",
         "reader": "{python} -m mmstats_conformance.python_impl read",
         "writer": "{python} -m mmstats_conformance.python_impl write",
         "validator": "{python} -m mmstats_conformance.python_impl validate"},
        {"name": "nan-null", "language": "python", "build": "true", "reader": script(tmp_path, "nan", NAN_NULL_READER)},
        {"name": "unbuildable", "language": "none", "build": "exit 3", "reader": "/nonexistent"},
    ]}))
    report = tmp_path / "matrix.json"
    rc, lines = run_cli(capsys, "matrix", "--registry", str(registry), "-j", "2", "--timeout", "60",
                        "--json", str(report),
                        "--run", "writer-scenarios/float-*", "--run", "valid/floats/infinities")
    out = "\n".join(lines)
    assert rc == 1
    assert "FAIL    build/unbuildable: `exit 3` exit 3" in out
    assert "cross: 1 writer(s) x 2 reader(s) x 2 scenario(s): 3 passed, 1 failed" in out
    assert "  writer-scenarios/float-specials  python -> nan-null: failed: fields[0].value (f.nan): want 'NaN', " \
           "got None" in out
    # python: reader 1 + validator 1 + writer 2; nan-null: reader 1 + build 1; cross 3
    assert lines[-1] == "matrix: 9 passed, 2 failed"
    data = json.loads(report.read_text())
    assert (data["passed"], data["failed"]) == (9, 2)


def test_registry_names_python_first_with_existing_commands():
    impls = json.loads((ROOT / "implementations.json").read_text())["implementations"]
    assert impls[0]["name"] == "python"
    assert all(impls[0][role].startswith("{python} -m mmstats_conformance.python_impl ")
               for role in ("reader", "writer", "validator"))


def test_generate_check_and_the_mmstats_command_dispatch(capsys):
    from mmstats.cli import main as mmstats_main
    assert run_cli(capsys, "generate", "--check")[0] == 0
    rc = mmstats_main(["conformance", "check-validator", f"{IMPL} validate", "--run", "valid/files/no-fields",
                       "--timeout", "60", "--impl", "python"])
    assert (rc, capsys.readouterr().out.splitlines()[-1]) == (0, "validator: 1 passed, 0 failed")


def test_case_options_reach_the_command_as_flags_before_the_file():
    corpus = load(ROOT)
    (case,) = [c for c in corpus.cases if c.get("options") and c.get("format_version", 1) == 1]
    seen = []
    checks.check_reader(["fake"], corpus, case,
                        checks.Options(runner=lambda argv, timeout, cwd=None: seen.append(argv) or Run(1, b"", b"")))
    assert seen[0][:3] == ["fake", "--max-size", str(case["options"]["max_size"])]
    assert seen[0][3] == str(corpus.path(case["path"]))
