"""The demo's instrumented process: a pretend web server publishing its stats.

Run by `mmstats demo`; `python -m mmstats.cli._demo_app DIR [SECONDS]` runs it alone.
"""
from __future__ import annotations

import random
import sys
import time

import mmstats


class DemoStats(mmstats.MmStats):
    requests = mmstats.CounterField(label="requests")
    status_2xx = mmstats.CounterField(label="status.2XX")
    status_4xx = mmstats.CounterField(label="status.4XX")
    status_5xx = mmstats.CounterField(label="status.5XX")
    latency = mmstats.TimerField(label="latency.seconds", size=20)
    last_hit = mmstats.DoubleField(label="last_hit")
    in_flight = mmstats.UIntField(label="in_flight")
    mood = mmstats.StringField(label="mood", size=32)


def serve(directory: str, seconds: float) -> None:
    stats = DemoStats(path=directory, filename="demo-{PID}-{TID}.mmstats", label_prefix="demo.")
    rng = random.Random(42)
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            stats.in_flight = rng.randint(0, 8)
            with stats.latency:
                time.sleep(rng.uniform(0.001, 0.02))
            stats.requests.incr()
            roll = rng.random()
            (stats.status_2xx if roll < 0.9 else stats.status_4xx if roll < 0.98 else stats.status_5xx).incr()
            stats.last_hit = time.time()
            stats.mood = rng.choice(["calm", "busy", "very busy", "on fire \N{FIRE}"])
    finally:
        stats.remove()


if __name__ == "__main__":
    serve(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0)
