"""A version 2 writer process for mmash's tests (no tests here): it writes a counter, a gauge and a
histogram with units, updating them on a schedule the test gives, until it is killed or told to close."""
from __future__ import annotations

import json
import subprocess
import sys

from test_tools_support import REPO, tool_env

_CHILD = r'''
import json, sys, time
from mmstats._v2writer import V2Writer
path, spec = sys.argv[1], json.loads(sys.argv[2])
w = V2Writer.create(path, heartbeat_interval_ms=spec.get("heartbeat_ms", 0))
requests = w.counter("http.requests", unit="{request}")
queue = w.gauge("queue.length", "f64", unit="{item}")
latency = w.histogram("http.latency", bounds=(1.0, 5.0, 10.0, 50.0, 100.0), unit="ms")
print("ready", flush=True)
step = 0
while True:
    step += 1
    requests.add(spec["rate"] // 10)            # ten updates a second: `rate` requests a second
    queue.set(spec["queue"][step % len(spec["queue"])])
    for value in spec["latencies"]:
        latency.observe(value)
    w.heartbeat()
    time.sleep(0.1)
    if spec.get("close_after") and step >= spec["close_after"]:
        w.close(keep=True)
        print("closed", flush=True)
        sys.stdin.read()
        break
'''


class V2Process:
    """``rate`` requests a second (in tenths), ``queue`` gauge values in turn, ``latencies`` observed
    ten times a second; ``close_after``: close the file cleanly (kept) after that many steps."""

    def __init__(self, path, rate=100, queue=(3.0,), latencies=(7.0,), close_after=0, heartbeat_ms=0):
        self.path = path
        spec = {"rate": rate, "queue": list(queue), "latencies": list(latencies), "close_after": close_after,
                "heartbeat_ms": heartbeat_ms}
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), json.dumps(spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=tool_env(), cwd=REPO)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"version 2 writer did not start (said {line!r}, exit {self.proc.wait()})")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_closed(self, timeout=20):
        import select
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready and self.proc.stdout.readline().strip() == "closed", "the writer did not close its file"

    def kill(self):
        """kill -9: the file stays with its lock released, as after a crash."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
