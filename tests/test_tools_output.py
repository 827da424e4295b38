"""One command surface: what every command prints for hostile labels and names, and how it exits."""
import json
import os
import subprocess
import sys

import pytest

from test_tools_support import REPO, Writer, start_mmash, stop, tool_command, tool_env

EVIL_LABEL = "evil\x1b[2J"
EVIL_NAME = "name\x1b]0;title\x07.mmstats"
NOT_UTF8 = os.fsdecode(b"caf\xe9-\xff.mmstats")  # Latin-1 e-acute and a lone 0xff: not UTF-8

# Every command whose output a person reads; each prints the file name, and all but validate the label.
COMMANDS = {
    "mmstats read": ([sys.executable, "-m", "mmstats.cli", "read"], True),
    "slurpstats": (tool_command("slurpstats"), True),
    "mmstats validate": ([sys.executable, "-m", "mmstats.cli", "validate"], False),
    "pollstats": (tool_command("pollstats", "-c", 1, EVIL_LABEL + ",absent"), True),
    "mmstats poll": ([sys.executable, "-m", "mmstats.cli", "poll", "-c", "1", EVIL_LABEL + ",absent"], True),
    "cleanstats": (tool_command("cleanstats", "--dry-run"), False),
    "mmstats clean": ([sys.executable, "-m", "mmstats.cli", "clean", "--dry-run"], False),
}


def _run(cmd, *args, env=None, **kw):
    return subprocess.run([*map(str, cmd), *map(str, args)], capture_output=True, timeout=60,
                          env=env or tool_env(), cwd=REPO, **kw)


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    d = tmp_path_factory.mktemp("evil")
    with Writer(d / EVIL_NAME, [(EVIL_LABEL, "Q", True)], [(EVIL_LABEL, 7)]) as w:
        yield w


@pytest.mark.parametrize("command", COMMANDS)
def test_a_label_and_a_file_name_holding_escape_sequences_come_out_escaped(evil, command):
    cmd, shows_label = COMMANDS[command]
    if "poll" in command:
        # pollstats prints sums, not file names: the name reaches it through an error line instead
        r = _run(cmd, evil.path, evil.path.with_name(EVIL_NAME + ".gone"))
    else:
        r = _run(cmd, evil.path)
    out = r.stdout + r.stderr
    assert r.returncode in (0, 2), out
    assert b"\x1b" not in out and b"\x07" not in out, out
    assert b"name\\x1b]0;title\\x07.mmstats" in out, out
    if shows_label:
        assert b"evil\\x1b[2J" in r.stdout, out


def test_mmash_log_escapes_a_request_line_holding_escape_sequences(tmp_path):
    import socket
    proc, port = start_mmash(tmp_path, "-v")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /\x1b[2J\x1b]0;owned\x07 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            while s.recv(65536):
                pass
    finally:
        err = stop(proc)
    assert "\x1b" not in err and "\x07" not in err
    assert "GET /\\x1b[2J\\x1b]0;owned\\x07 HTTP/1.0" in err, err


@pytest.fixture(scope="module")
def odd_names(tmp_path_factory):
    """A valid file and a broken one whose names are not UTF-8, and a good file after them."""
    d = tmp_path_factory.mktemp("names")
    with Writer(d / NOT_UTF8, [("hits", "Q", True)], [("hits", 3)]) as w:
        (d / ("broken-" + NOT_UTF8)).write_bytes(b"\x02" + bytes(4095))
        with Writer(d / "zz-after.mmstats", [("hits", "Q", True)]) as after:
            yield d, w, after


@pytest.mark.parametrize("command", ["mmstats read", "slurpstats", "mmstats validate"])
def test_json_output_is_valid_utf8_for_a_name_that_is_not_even_with_a_strict_stdout(odd_names, command):
    d, w, after = odd_names
    r = _run(COMMANDS[command][0], "--json", d, env=tool_env(PYTHONIOENCODING="utf-8:strict", LC_ALL="C"))
    assert r.returncode == 1  # the broken file; the others are all there
    assert b"Traceback" not in r.stderr
    lines = [json.loads(line.decode("utf-8")) for line in r.stdout.splitlines()]  # strict UTF-8 decoding
    paths = [obj["path"] for obj in lines]
    # spec: decoded as UTF-8, each ill-formed subsequence one U+FFFD
    good = f"{d}/caf\ufffd-\ufffd.mmstats"
    assert good in paths and str(after.path) in paths
    if command != "mmstats validate":
        assert len(lines) == 2
        assert {f["label"]: f["value"] for f in lines[paths.index(good)]["fields"]}["hits"] == 3
        assert f"{d}/broken-caf\\xe9-\\xff.mmstats: offset 0: bad_version: ".encode() in r.stderr
    else:  # validate --json says it all on stdout
        assert len(lines) == 3 and paths[0] == f"{d}/broken-caf\ufffd-\ufffd.mmstats"
        assert [e["code"] for e in lines[0]["errors"]] == ["bad_version"] and lines[0]["valid"] is False


@pytest.mark.parametrize("command", ["mmstats read", "slurpstats", "cleanstats"])
def test_text_output_shows_bytes_of_a_name_that_is_not_utf8_as_hex(odd_names, command):
    d, w, _ = odd_names
    r = _run(COMMANDS[command][0], w.path, env=tool_env(PYTHONIOENCODING="utf-8:strict"))
    assert r.returncode == 0, r.stderr
    assert f"{d}/caf\\xe9-\\xff.mmstats".encode() in r.stdout
    r.stdout.decode("utf-8")  # strict: the bytes are escaped, not passed on


@pytest.mark.parametrize("command", ["mmstats read", "slurpstats", "mmstats validate", "cleanstats"])
def test_the_same_problem_gets_the_same_line_and_exit_status_everywhere(tmp_path, command):
    missing = tmp_path / "missing.mmstats"
    r = _run(COMMANDS[command][0], missing)
    assert r.returncode == 2
    assert f"{missing}: missing: no such file or directory".encode() in r.stderr.splitlines()
    no_dir = _run(COMMANDS[command][0], env=tool_env(stats_dir=tmp_path / "none"))
    assert no_dir.returncode == 2
    assert f"{tmp_path / 'none'}: missing: the stats directory does not exist".encode() in no_dir.stderr


@pytest.mark.parametrize("command", ["mmstats read", "slurpstats", "mmstats validate"])
def test_a_negative_max_size_is_a_usage_error(command, tmp_path):
    r = _run(COMMANDS[command][0], "--max-size", "-1", tmp_path)
    assert r.returncode == 2 and b"negative" in r.stderr and b"Traceback" not in r.stderr


def test_pollstats_reads_the_stats_directory_and_warns_once_about_a_field_no_file_has(tmp_path):
    with Writer(tmp_path / "a.mmstats", [("hits", "Q", True)], [("hits", 5)]):
        r = _run(tool_command("pollstats", "-c", 3, "-d", 0.05, "-n", 0, "--json", "hits,nosuch"),
                 env=tool_env(stats_dir=tmp_path))
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["values"] for row in rows] == [{"hits": 5, "nosuch": None}] + [{"hits": 0, "nosuch": None}] * 2
    assert r.stderr.decode().splitlines() == ["pollstats: FIELD nosuch matches no field (nosuch) in any file"]


def test_mmstats_read_piped_into_head_ends_like_slurpstats(tmp_path):
    with Writer(tmp_path / "a.mmstats", [("hits", "Q", True)]) as w:
        proc = subprocess.Popen([sys.executable, "-m", "mmstats.cli", "read", *[str(w.path)] * 2000],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tool_env(), cwd=REPO)
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(30)
    assert first.startswith(b"==> ") and err == b""
    assert proc.returncode == 141


def test_floats_read_as_canonical_json_text(tmp_path):
    from mmstats.tools._output import show
    assert [show(v) for v in (float("nan"), float("inf"), float("-inf"), 0.1, -0.0)] == \
        ["NaN", "Infinity", "-Infinity", "0.1", "-0.0"]
    with Writer(tmp_path / "f.mmstats", [("x", "d", False), ("y", "d", False)],
                [("x", float("nan")), ("y", float("-inf"))], sys_fields=False) as w:
        r = _run([sys.executable, "-m", "mmstats.cli", "read"], w.path)
        assert r.stdout.decode().splitlines()[1:] == ["x  NaN", "y  -Infinity"]
        p = _run(tool_command("pollstats", "-c", 1, "x,y", w.path))
        assert p.stdout.decode().split() == ["x", "y", "NaN", "-Infinity"]


def test_mmash_says_a_missing_stats_directory_in_the_same_words(tmp_path):
    r = _run(tool_command("mmash", "--port", 0), env=tool_env(stats_dir=tmp_path / "none"))
    assert r.returncode == 2
    assert r.stderr.decode().splitlines() == [f"mmash: {tmp_path / 'none'}: missing: the stats directory does not exist"]


def test_mmash_answers_valid_utf8_for_a_file_name_that_is_not(tmp_path):
    from test_tools_support import http_get
    with Writer(tmp_path / NOT_UTF8, [("hits", "Q", True)], [("hits", 3)]):
        proc, port = start_mmash(tmp_path)
        try:
            answers = {page: http_get(port, page) for page in ("/files/", "/metrics?aggregate=file", "/")}
        finally:
            stop(proc)
    for page, (status, _, body) in answers.items():
        assert status == 200, (page, body)
        body.decode("utf-8")  # strict
    assert json.loads(answers["/files/"][2]) == {"files": [f"{tmp_path}/caf\ufffd-\ufffd.mmstats"]}
    assert 'file="caf\ufffd-\ufffd.mmstats"' in answers["/metrics?aggregate=file"][2].decode()
