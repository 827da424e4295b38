"""The Python live writer (conformance/README.md, "Live writer"), written with the model API.

The main thread makes one step at least every millisecond (counter and gauge
= step number) while a second thread waits for stdin to close; then the gauge
takes its final value and the process exits, which closes a version 2 file
(state closed; kept, as keep=True asks). A version 1 file is the main
thread's own file, kept too.
"""
from __future__ import annotations

import os
import sys
import threading
import time

import mmstats

from .live import COUNTER, GAUGE, GAUGE_FINAL, STEP_MS


class Live(mmstats.BaseMmStats):
    counter = mmstats.CounterField(label=COUNTER)
    gauge = mmstats.IntField(label=GAUGE)


def live(version: int, directory: str) -> int:
    stats = Live(path=directory, filename="live-{PID}.mmstats", keep=True, format_version=version)
    print(os.path.abspath(stats.filename), flush=True)
    closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), closed.set()), daemon=True).start()
    print("ready", flush=True)
    step = 0
    while True:
        time.sleep(STEP_MS / 1000)  # never shorter, which bounds the steps by the time run
        if closed.is_set():
            break
        step += 1
        stats.counter.incr()
        stats.gauge = step
    stats.gauge = GAUGE_FINAL
    print(f"done {step}", flush=True)
    return 0
