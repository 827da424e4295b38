"""`mmstats demo`: a real instrumented process, watched live."""
import os
import re
import shutil
import subprocess
import sys


def test_demo_shows_the_request_counter_growing_and_cleans_up():
    r = subprocess.run([sys.executable, "-m", "mmstats.cli", "demo", "--seconds", "2", "--interval", "0.5"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    path = re.search(r"is writing (\S+\.mmstats)", r.stdout).group(1)
    counts = [int(m) for m in re.findall(r"^demo\.requests\s+(\d+)", r.stdout, re.M)]
    assert len(counts) >= 3
    assert counts == sorted(counts) and counts[-1] > counts[0]
    import os
    assert not os.path.exists(path)  # the demo process removed its file, and the demo its directory


def test_demo_output_is_readable_in_a_pipe():
    r = subprocess.run([sys.executable, "-m", "mmstats.cli", "demo", "--seconds", "1", "--interval", "0.5"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert [ln for ln in r.stdout.splitlines() if ln != ln.rstrip()] == []  # no trailing spaces
    assert "\x1b" not in r.stdout  # no terminal control in a pipe
    assert re.search(r"^demo\.sys\.created\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", r.stdout, re.M)
    hint = re.search(r"in another shell: (\S+) read (\S+)", r.stdout)
    assert os.path.isfile(hint.group(1)) or shutil.which(hint.group(1)), hint.group(0)  # runnable as printed
    assert "Ctrl-C to stop; next: " in r.stdout


def test_demo_in_a_terminal_uses_the_alternate_screen():
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "mmstats.cli", "demo", "--seconds", "1", "--interval", "0.5"])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out[-500:]
    assert out.count(b"\x1b[?1049h") == 1 and out.rstrip().endswith(b"\x1b[?1049l")
    assert b"Ctrl-C to stop; next: " in out.split(b"\x1b[2J")[-1]  # the hint stays on every screen
