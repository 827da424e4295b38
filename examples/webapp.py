"""A tiny web app instrumented with mmstats: start it, send it traffic, watch it with the tools.

    python examples/webapp.py [--port 8000]

Every request counts in one of web.stats.status.2XX/3XX/4XX/5XX, sets
web.stats.timers.last_hit (seconds since the epoch) and feeds
web.stats.timers.request (moving average of request times, in seconds).
Pages: / (200), /slow (200 after ~50 ms), /old (302 to /), /error (500),
anything else 404. The stats file lives in $MMSTATS_PATH (default: the temp
directory) and is removed when the app stops (Ctrl-C or SIGTERM). It is a format
version 2 file (one per process); MMSTATS_FORMAT_VERSION=1 writes version 1.
"""
import argparse
import random
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import mmstats


class WebStats(mmstats.MmStats):
    status_2xx = mmstats.CounterField(label="status.2XX", help="Responses 2xx", unit="{response}")
    status_3xx = mmstats.CounterField(label="status.3XX", help="Responses 3xx", unit="{response}")
    status_4xx = mmstats.CounterField(label="status.4XX", help="Responses 4xx", unit="{response}")
    status_5xx = mmstats.CounterField(label="status.5XX", help="Responses 5xx", unit="{response}")
    last_hit = mmstats.DoubleField(label="timers.last_hit", help="When the last request ended", unit="s")
    request = mmstats.TimerField(label="timers.request", help="Moving average of request times")


stats = WebStats(label_prefix="web.stats.")
STATUS_COUNTERS = {2: stats.status_2xx, 3: stats.status_3xx, 4: stats.status_4xx, 5: stats.status_5xx}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with stats.request:                      # times the whole request
            status, body, headers = self.page()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        STATUS_COUNTERS[status // 100].incr()
        stats.last_hit = time.time()

    def page(self):
        if self.path == "/":
            return 200, b"hello from an mmstats-instrumented app\n", []
        if self.path == "/slow":
            time.sleep(random.uniform(0.03, 0.07))
            return 200, b"that took a while\n", []
        if self.path == "/old":
            return 302, b"moved\n", [("Location", "/")]
        if self.path == "/error":
            return 500, b"something broke (on purpose)\n", []
        return 404, b"no such page\n", []

    def log_message(self, format, *args):  # keep the terminal free for the tools
        pass


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free one)")
    args = p.parse_args(argv)
    server = HTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print(f"webapp: serving http://127.0.0.1:{server.server_address[1]}/ (stats in {stats.filename})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        stats.remove()                           # a clean exit leaves no stale file behind
    return 0


if __name__ == "__main__":
    sys.exit(main())
