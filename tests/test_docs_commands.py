"""Every command README.md and examples/README.md print works as printed after `make setup`.

The `sh` blocks' lines that start with `.venv/bin/` run in order from the repository root, with no
activated virtual environment: the examples first (the web app they start keeps running and gives the
README's commands something to read), then README.md's. Only /tmp (the stats directory) and the two
ports are replaced, by this test's directory and free loopback ports. A command ends with exit 0 within
its time, or -- servers and watchers only -- is still running at the end of it.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "examples" / "README.md", REPO / "README.md"]
LONG_RUNNING = ("examples/webapp.py", "examples/traffic.py", "mmash", "pollstats -p")  # run until stopped
SETTLE = 6.0


def documented_commands(doc: Path) -> list[str]:
    out = []
    for block in re.findall(r"^```sh\n(.*?)^```", doc.read_text("utf-8"), flags=re.M | re.S):
        for line in block.splitlines():
            if line.startswith(".venv/bin/"):
                out.append(re.split(r"\s+#\s", line, maxsplit=1)[0].strip())
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_every_documented_command_runs_as_printed(tmp_path):
    assert (REPO / ".venv" / "bin" / "python").exists(), "run `make setup` first"
    commands = [c for doc in DOCS for c in documented_commands(doc)]
    assert len(commands) >= 12, commands  # both documents still have their walkthroughs
    stats = tmp_path / "stats"
    stats.mkdir()
    ports = {"8000": str(_free_port()), "8080": str(_free_port())}
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env["MMSTATS_PATH"] = str(stats)
    running: list[tuple[str, subprocess.Popen]] = []
    try:
        for printed in commands:
            command = re.sub(r"/tmp\b", str(stats), printed)
            for old, new in ports.items():
                command = command.replace(old, new)
            for earlier, q in [r for r in running if r[0].split()[0] == printed.split()[0] and
                               r[0].split()[:2] == printed.split()[:2]]:
                _stop(q)  # the same server documented twice: a user stops the first one before
                running.remove((earlier, q))
            p = subprocess.Popen(["bash", "-o", "pipefail", "-c", command], cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
            long = any(k in printed for k in LONG_RUNNING)
            try:
                out, err = p.communicate(timeout=SETTLE if long else 60)
            except subprocess.TimeoutExpired:
                assert long, f"{printed!r} did not finish within 60 s"
                running.append((printed, p))
                if "examples/webapp.py" in printed:
                    assert list(stats.glob("webapp-*.mmstats")), "the web app wrote no stats file"
                continue
            assert p.returncode == 0, f"{printed!r} exited {p.returncode}: {err.decode(errors='replace')[-400:]}"
            if "slurpstats" in printed or "mmstats read" in printed:
                assert out, f"{printed!r} printed nothing"
        assert {"examples/webapp.py", "mmash"} <= {k for k in LONG_RUNNING for c, _ in running if k in c}, running
    finally:
        for _, p in reversed(running):
            _stop(p)
        time.sleep(0.1)


def test_no_documented_command_assumes_an_activated_environment():
    bare = re.compile(r"^(slurpstats|pollstats|cleanstats|mmash|mmstats|python3?)\b")
    for doc in DOCS:
        for block in re.findall(r"^```sh\n(.*?)^```", doc.read_text("utf-8"), flags=re.M | re.S):
            assert not [ln for ln in block.splitlines() if bare.match(ln)], doc
