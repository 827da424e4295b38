"""slurpstats, run as a subprocess on files written by a real writer process."""
import json
import os
import subprocess
import time

import pytest

from mmstats_format import diff
from test_tools_support import Writer, run_tool, tool_command, tool_env

FIELDS = [("requests", "Q", True), ("name", "16s", False), ("ratio", "d", True), ("up", "?", False)]


@pytest.fixture
def writer(tmp_path):
    w = Writer(tmp_path / "app-1.mmstats", FIELDS)
    w.set("requests", 18)
    w.set("name", "hello")
    w.set("ratio", 0.5)
    w.set("up", True)
    yield w
    w.kill()


def test_slurpstats_prints_header_and_aligned_label_value_lines(writer):
    r = run_tool("slurpstats", writer.path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0] == f"==> {writer.path} <=="
    body = lines[1:]
    assert [ln.split()[0] for ln in body] == ["requests", "name", "ratio", "up", "sys.pid", "sys.created"]
    # Every value starts in the same column: two spaces after the longest label ("sys.created").
    column = len("sys.created") + 2
    assert all(ln[column - 2:column] == "  " and ln[column] != " " for ln in body)
    values = {ln[:column].strip(): ln[column:] for ln in body}
    assert values["requests"] == "18"
    assert values["name"] == "hello"
    assert values["ratio"] == "0.5"
    assert values["up"] == "true"
    assert values["sys.pid"] == str(writer.pid)


def test_slurpstats_json_is_canonical_json_lines(writer, tmp_path):
    t0 = time.time()
    second = Writer(tmp_path / "app-2.mmstats", FIELDS)
    try:
        second.set("requests", 2**64 - 1)
        second.set("ratio", float("nan"))
        r = run_tool("slurpstats", "--json", tmp_path)
    finally:
        second.kill()
    assert r.returncode == 0, r.stderr
    objs = [json.loads(line) for line in r.stdout.splitlines()]
    assert [o["path"] for o in objs] == [str(writer.path), str(second.path)]
    for obj, (w, requests, ratio, name, up) in zip(objs, [(writer, 18, 0.5, "hello", True),
                                                          (second, 2**64 - 1, "NaN", "", False)]):
        created = obj["fields"][-1]["value"]
        assert w is writer or t0 - 1 <= created <= time.time() + 1
        want = {"path": obj["path"], "format_version": 1, "fields": [
            {"label": "requests", "type": "Q", "buffered": True, "value": requests},
            {"label": "name", "type": "16s", "buffered": False, "value": name},
            {"label": "ratio", "type": "d", "buffered": True, "value": ratio},
            {"label": "up", "type": "?", "buffered": False, "value": up},
            {"label": "sys.pid", "type": "I", "buffered": False, "value": w.pid},
            {"label": "sys.created", "type": "d", "buffered": False, "value": created},
        ]}
        assert diff(want, obj) == []
    assert '"NaN"' in r.stdout.splitlines()[1]  # canonical text, not a bare NaN token


def test_slurpstats_without_arguments_reads_every_mmstats_file_in_MMSTATS_PATH(writer, tmp_path):
    (tmp_path / "notes.txt").write_text("not a stats file")
    other = Writer(tmp_path / "other.mmstats", [("x", "i", True)], [("x", -5)])
    try:
        r = run_tool("slurpstats", stats_dir=tmp_path)
    finally:
        other.kill()
    assert r.returncode == 0, r.stderr
    headers = [ln for ln in r.stdout.splitlines() if ln.startswith("==> ")]
    assert headers == [f"==> {writer.path} <==", f"==> {other.path} <=="]
    assert "\n\n==> " in r.stdout  # a blank line between files
    assert any(ln.split() == ["x", "-5"] for ln in r.stdout.splitlines())


def test_slurpstats_reports_each_bad_file_with_offset_and_code_and_goes_on(writer, tmp_path):
    (tmp_path / "being-created.mmstats").write_bytes(bytes(4096))
    (tmp_path / "v2.mmstats").write_bytes(b"\x02" + bytes(4095))
    cut = writer.path.read_bytes()[:5]  # version byte, label size 8 ("requests"), 2 of its 8 label bytes
    (tmp_path / "cut.mmstats").write_bytes(cut)
    os.mkfifo(tmp_path / "fifo.mmstats")
    r = run_tool("slurpstats", tmp_path / "being-created.mmstats", tmp_path / "v2.mmstats", writer.path,
                 tmp_path / "cut.mmstats", tmp_path / "fifo.mmstats", tmp_path / "gone.mmstats")
    assert r.returncode == 1
    assert f"==> {writer.path} <==" in r.stdout and "requests" in r.stdout
    err = r.stderr.splitlines()
    assert len(err) == 5, r.stderr
    assert f"{tmp_path}/fifo.mmstats: cannot read: not a regular file" in err
    assert f"{tmp_path}/gone.mmstats: missing: no such file or directory" in err
    assert any(ln.startswith(f"{tmp_path}/being-created.mmstats: offset 0: not_ready: ") for ln in err)
    assert any(ln.startswith(f"{tmp_path}/v2.mmstats: offset 0: bad_version: ") for ln in err)
    # label_size 8 ("requests") at offset 1, the label from offset 3 runs past the end at 5
    assert any(ln.startswith(f"{tmp_path}/cut.mmstats: offset 3: past_eof: ") for ln in err)


def test_slurpstats_escapes_control_characters_in_labels_and_values(tmp_path):
    evil = "evil\x1b[2J\nlabel"
    with Writer(tmp_path / "evil.mmstats", [(evil, "32s", False)], [(evil, "a\tb\x07")], sys_fields=False) as w:
        r = run_tool("slurpstats", w.path)
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    assert r.stdout.splitlines()[1] == "evil\\x1b[2J\\nlabel  a\\tb\\x07"


def test_slurpstats_piped_into_head_ends_quietly(writer):
    # ~60 KB per 200 copies: more than a pipe holds, so slurpstats is still writing when the reader goes.
    proc = subprocess.Popen(tool_command("slurpstats", *[writer.path] * 600), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=tool_env())
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(30)
    assert first.decode().startswith("==> ")
    assert err == b""
    assert proc.returncode == 141
