"""`mmstats read` and `mmstats validate` as a user runs them."""
import json
import os
import subprocess
import sys

import pytest

import mmstats_format as m
from conftest import INTEROP

CLI = [sys.executable, "-m", "mmstats.cli"]


def run(*args, **kw):
    return subprocess.run(CLI + list(args), capture_output=True, text=True, timeout=60, **kw)


def test_read_json_prints_one_canonical_object_per_file(interop_dir):
    files = sorted(interop_dir.glob("*.mmstats"))
    r = run("read", "--json", *map(str, files))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(files)
    for path, line in zip(files, lines):
        got = json.loads(line)
        assert got["path"] == str(path)
        assert m.diff(json.loads(path.with_suffix(".json").read_text()), got) == []


def test_read_text_aligns_labels_and_values(interop_dir):
    r = run("read", str(interop_dir / "counter.mmstats"))
    assert r.returncode == 0
    assert r.stdout.splitlines()[0] == f"==> {interop_dir / 'counter.mmstats'} <=="
    # the label column is as wide as the longest label, org.python.version
    assert r.stdout.splitlines()[1] == "requests".ljust(len("org.python.version")) + "  18"


def test_read_reports_an_invalid_file_and_goes_on(tmp_path, interop_dir):
    bad = tmp_path / "bad.mmstats"
    bad.write_bytes(b"\x02" + bytes(4095))
    r = run("read", "--json", str(bad), str(interop_dir / "counter.mmstats"))
    assert r.returncode == 1
    assert r.stderr.startswith(f"{bad}: offset 0: bad_version: ")
    assert len(r.stdout.splitlines()) == 1


def test_validate_exit_codes_and_messages(tmp_path, interop_dir):
    good = str(interop_dir / "labels.mmstats")
    bad = tmp_path / "short.mmstats"
    bad.write_bytes((interop_dir / "counter.mmstats").read_bytes()[:100])
    assert run("validate", good).returncode == 0
    r = run("validate", good, str(bad))
    assert r.returncode == 1
    assert f"{bad}: offset 100: bad_file_size:" in r.stderr
    assert run("validate", str(tmp_path / "missing.mmstats")).returncode == 2
    # No PATH: the stats directory; one that does not exist is an I/O problem.
    assert run("validate", env=dict(os.environ, MMSTATS_PATH=str(tmp_path / "no-such-dir"))).returncode == 2
    assert run("validate", "--no-such-option").returncode == 2


@pytest.mark.parametrize("command", ["read", "validate"])
def test_read_and_validate_take_directories_globs_and_the_stats_directory(tmp_path, interop_dir, command):
    import shutil
    for name in ("counter.mmstats", "labels.mmstats"):
        shutil.copy(interop_dir / name, tmp_path / name)
    want = [str(tmp_path / "counter.mmstats"), str(tmp_path / "labels.mmstats")]
    for args, env in [((str(tmp_path),), None), ((str(tmp_path / "*.mmstats"),), None),
                      ((), dict(os.environ, MMSTATS_PATH=str(tmp_path)))]:
        r = run(command, *args, env=env)
        assert r.returncode == 0, r.stderr
        if command == "read":
            assert [ln[4:-4] for ln in r.stdout.splitlines() if ln.startswith("==> ")] == want
        else:
            assert r.stdout.splitlines() == [f"{p}: valid" for p in want]


def test_validate_json_lists_every_error(tmp_path):
    bad = tmp_path / "two.mmstats"
    bad.write_bytes(b"\x01\x02\x00\xc3\x28\x01\x00B\xff\x05\x00")  # bad label UTF-8, then a size off the page
    r = run("validate", "--json", str(bad))
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["path"] == str(bad) and report["valid"] is False
    assert [(e["code"], e["offset"]) for e in report["errors"]] == [("bad_label_utf8", 3), ("bad_file_size", 11)]


def test_a_closed_pipe_ends_quietly(interop_dir):
    files = [str(p) for p in sorted(interop_dir.glob("*.mmstats"))] * 20
    p = subprocess.run(" ".join(CLI + ["read"] + files) + " | head -n 1", shell=True,
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.startswith("==> ")
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr


def test_unknown_command_is_a_usage_error():
    r = run("frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr
