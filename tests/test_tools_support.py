"""Helpers for the tools' tests (no tests here): a real writer process and a way to run the tools.

Writer starts a separate Python process that creates a stats file with the
project's writer (mmstats.lowlevel.create_file) and then applies the updates
the test sends it, one JSON command per line, answering "ok" after each.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r'''
import json, os, sys, time
path, spec = sys.argv[1], json.loads(sys.argv[2])
from mmstats.lowlevel import create_file
f = create_file(path, [tuple(x) for x in spec["fields"]])
for slot in f.slots:
    if slot.label.endswith("sys.pid"):
        slot.set(os.getpid())
    elif slot.label.endswith("sys.created"):
        slot.set(time.time())
for label, value in spec.get("values", []):
    f[label].set(value)
print("ready", flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd[0] == "set":
        for _ in range(cmd[3] if len(cmd) > 3 else 1):
            f[cmd[1]].set(cmd[2])
    elif cmd[0] == "remove":
        f.remove()
        print("ok", flush=True)
        sys.exit(0)
    print("ok", flush=True)
f.close()
'''


def tool_env(stats_dir=None, **extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NO_COLOR", None)
    if stats_dir is not None:
        env["MMSTATS_PATH"] = str(stats_dir)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tool_command(name: str, *args) -> list[str]:
    return [sys.executable, "-m", f"mmstats.tools.{name}", *map(str, args)]


def run_tool(name: str, *args, stats_dir=None, timeout=60, env=None, **kw) -> subprocess.CompletedProcess:
    """Run a tool to completion as a subprocess; text output captured."""
    return subprocess.run(tool_command(name, *args), capture_output=True, text=True, timeout=timeout,
                          env=env or tool_env(stats_dir), cwd=kw.pop("cwd", REPO), **kw)


class Writer:
    """A writer process owning one stats file.

    ``fields``: (label, type, buffered) in file order; with ``sys_fields`` the
    file also gets ``<prefix>sys.pid`` and ``<prefix>sys.created``, filled by the
    child with its pid and creation time.
    """

    def __init__(self, path, fields, values=(), *, sys_fields=True, prefix="", user=None, wait=True):
        self.path = Path(path)
        fields = [list(f) for f in fields]
        if sys_fields:
            fields += [[prefix + "sys.pid", "I", False], [prefix + "sys.created", "d", False]]
        spec = json.dumps({"fields": fields, "values": [list(v) for v in values]})
        kw = {"user": user} if user is not None else {}
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(self.path), spec],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=tool_env(), cwd=REPO, **kw)
        if wait:
            self.wait_ready()

    @classmethod
    def many(cls, *args_list) -> list:
        """Start several writers at once (each a (path, fields[, values][, kwargs]) tuple), then wait for all."""
        writers = [cls(*a[:3], **(a[3] if len(a) > 3 else {}), wait=False) for a in args_list]
        for w in writers:
            w.wait_ready()
        return writers

    def wait_ready(self):
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"writer did not start (said {line!r}, exit {self.proc.wait()})")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _send(self, *cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        assert answer == "ok", f"writer answered {answer!r}"

    def set(self, label, value, times=1):
        """``times`` updates of ``label`` to ``value`` (each one set() call)."""
        self._send("set", label, value, times)

    def remove(self):
        self._send("remove")
        self.proc.wait(10)

    def exit(self):
        """Close the file (it stays) and end the process normally."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(10)

    def kill(self):
        """End the process without closing the file: it stays behind, like after a crash."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class Lines:
    """Lines of a running process's stdout, each waited for with a timeout (a thread feeds a queue)."""

    def __init__(self, proc):
        import queue
        import threading
        self.proc = proc
        self._q = queue.Queue()

        def pump():
            for line in proc.stdout:
                self._q.put(line)
            self._q.put(None)
        threading.Thread(target=pump, daemon=True).start()

    def next(self, timeout=20.0) -> str:
        import queue
        try:
            line = self._q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s") from None
        if line is None:
            raise AssertionError(f"process ended (exit {self.proc.wait()})")
        return line.rstrip("\n")


def start_tool(name: str, *args, stats_dir=None, env=None, **kw) -> subprocess.Popen:
    return subprocess.Popen(tool_command(name, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env or tool_env(stats_dir), cwd=kw.pop("cwd", REPO), **kw)


def stop(proc: subprocess.Popen) -> str:
    """End a tool started with start_tool (by its own pid) and return its stderr."""
    if proc.poll() is None:
        proc.terminate()
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err or ""


def start_mmash(stats_dir, *args, **kw):
    """(process, port) of an mmash serving ``stats_dir`` on a free port of 127.0.0.1 (``kw``: Popen's)."""
    import re
    proc = start_tool("mmash", "--port", 0, "--path", stats_dir, *args, **kw)
    line = proc.stdout.readline()
    m = re.match(r"mmash: serving http://127\.0\.0\.1:(\d+)/ ", line)
    if not m:
        raise AssertionError(f"mmash did not start: {line!r} {stop(proc)}")
    return proc, int(m.group(1))


def http_get(port, path, host=None):
    """(status, headers, body bytes) of GET http://127.0.0.1:port/path, never through a proxy."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()
