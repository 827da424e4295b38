"""mmash's HTTP server: routes, headers, and the command line.

    mmash [--host 127.0.0.1] [--port 8080] [--path DIR] [--glob PATTERN] [--idle-seconds S]
          [--max-connections N] [--aggregate process|sum|file] [--gauge pid|max|min|sum|last]
          [--gauge-rule GLOB=RULE]... [--history SECONDS] [--interval SECONDS] [--max-series N]
          [--metrics-max-age SECONDS] [-v]

Routes (GET and HEAD):
  /?prefix=&window=    charts of every label from the server's history, new points every second
  /labels              every label of every file with its value combined by kind (reloads itself)
  /processes           every writer process: pid, command, threads, liveness, age (reloads itself)
  /process/PID         one process: its charts and the value of each of its fields, with its file
  /api/v1/...          the JSON API (see api.ENDPOINTS, README and --help)
  /live?prefix=&glob=  compact graphs of numeric fields, updated every second by fetch()
  /live.json           what /live polls: sums per label, counters marked
  /stats/              JSON list of all labels
  /stats/<prefix>      JSON {label: [value per file]} of labels starting with <prefix>;
                       ?exact=1 only the label itself, ?glob=PATTERN other files,
                       ?aggr=avg|one|max|min|sum|nonzero-min|nonzero-avg one value per label
  /files/<glob>        JSON {"files": [paths]} of the readable stats files matching <glob>
  /metrics             Prometheus exposition (see metrics.py); OpenMetrics when the Accept header asks;
                       ?aggregate=process|sum|file and ?gauge=pid|max|min|sum|last override the options;
                       values read at most --metrics-max-age seconds before the request (default 1:
                       the sampler's last read when it is that recent, else a new read); ?max_age= per request

/metrics, /stats and /files answer 503 naming the files the system refused to read (no descriptor
left, no permission): never a partial answer that passes for the whole.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import signal
import socket
import sys
import textwrap
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from mmstats_format.canonical import json_value

from .._args import parser
from .._fieldinfo import describe
from .._files import DEFAULT_PATTERN, no_stats_dir, stats_dir
from .._kinds import CHANGE, SAME, SUM, aggregation, is_counter, numeric
from .._output import json_text, show
from . import api, metrics, pages, processes
from .data import AGGREGATORS, StatsDir, UnsafeGlob, aggregate, raise_fd_limit
from .history import DEFAULT_INTERVAL, DEFAULT_MAX_SERIES, DEFAULT_SECONDS, History
from .sampler import Sampler
from .scrapes import Scrapes
from .snapshots import DEFAULT_MAX_AGE, Snapshots

__all__ = ["main", "make_server", "Handler"]

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
IDLE_SECONDS = 30        # a connection that sends nothing for this long is closed
MAX_CONNECTIONS = 64     # connections served at once; more are closed at once
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                               "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class HttpError(Exception):
    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def json_bytes(obj) -> bytes:
    # <, > and & only occur inside JSON strings: escaping them keeps the body inert even if embedded in HTML.
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=1)
    return _utf8(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _utf8(text: str) -> bytes:
    """Valid UTF-8 always: a file name that is not UTF-8 shows U+FFFD where its bad bytes were."""
    return json_text(text).encode()


def _host_name(host_header: str) -> str:
    if host_header.startswith("["):
        return host_header[1:host_header.find("]")]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Handler(BaseHTTPRequestHandler):
    server_version = "mmash"
    protocol_version = "HTTP/1.1"
    stats: StatsDir          # set on the subclass by make_server
    scrapes: Scrapes
    sampler: Sampler
    metrics_max_age = DEFAULT_MAX_AGE
    aggregate = "process"
    gauge = "pid"
    check_host = True
    verbose = False
    timeout = IDLE_SECONDS   # socket timeout: an idle keep-alive or a slow client is dropped
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall

    # -- plumbing --------------------------------------------------------------------------------
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        if self.verbose:  # the request line is the client's text: escaped like everything shown
            sys.stderr.write(f"mmash: {show(self.address_string())} {show(format % args)}\n")

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        self._serve(body=True)

    def _serve(self, body: bool):
        try:
            if self.check_host and _host_name(self.headers.get("Host", "")) not in LOOPBACK_NAMES:
                raise HttpError(HTTPStatus.FORBIDDEN, "unexpected Host header: mmash answers only to a loopback name")
            status, ctype, payload = self._route()
        except HttpError as e:
            status, ctype, payload = e.status, "text/plain; charset=utf-8", (e.message + "\n").encode()
        except Exception:
            sys.stderr.write("mmash: error serving " + show(self.path) + "\n" + traceback.format_exc())
            status, ctype, payload = (HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                                      b"internal error (see the server's log)\n")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)

    # -- routes ----------------------------------------------------------------------------------
    def _route(self):
        url = urlsplit(self.path)
        path = url.path
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        html = "text/html; charset=utf-8"
        if path == "/":
            return HTTPStatus.OK, html, _utf8(pages.dashboard_page(
                self.stats.directory, self.stats.default_glob, api.status(self.sampler.latest), api.WINDOWS,
                api.DEFAULT_WINDOW))
        if path == "/labels":
            return HTTPStatus.OK, html, _utf8(self._labels(query))
        if path == "/processes":
            snap = self.sampler.latest
            return HTTPStatus.OK, html, _utf8(pages.processes_page(
                self.stats.directory, self.stats.default_glob, api.processes(self.sampler)["processes"],
                api.status(snap)))
        if path.startswith("/process/"):
            proc = self._api(lambda: api.process(self.sampler, unquote(path[len("/process/"):])))
            return HTTPStatus.OK, html, _utf8(pages.process_page(
                self.stats.directory, self.stats.default_glob, proc, api.status(self.sampler.latest),
                api.WINDOWS, api.DEFAULT_WINDOW))
        if path.startswith("/api/"):
            return self._json(self._api(lambda: self._api_route(path, query)))
        if path == "/live":
            return HTTPStatus.OK, html, _utf8(pages.live_page(self.stats.directory, self._glob(query)))
        if path == "/live.json":
            return self._json(self._live(query))
        if path == "/stats" or path == "/stats/":
            files, _ = self._complete(query)
            return self._json(sorted({f.label for fs in files for f in fs.fields}))
        if path.startswith("/stats/"):
            return self._json(self._stat(unquote(path[len("/stats/"):]), query))
        if path == "/files" or path.startswith("/files/"):
            pattern = unquote(path[len("/files/"):]) or self.stats.default_glob
            files, _ = self._complete({"glob": pattern})
            return self._json({"files": [fs.path for fs in files]})
        if path == "/metrics":
            return self._metrics(query)
        if path in pages.ASSETS:
            ctype, payload = pages.ASSETS[path]
            return HTTPStatus.OK, ctype, payload
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such page: {path}; pages: {', '.join(pages.PAGES)}")

    def _api_route(self, path, query):
        if path in ("/api/v1", "/api/v1/"):
            return api.index()
        if path == "/api/v1/series":
            return api.series(self.sampler, query)
        if path == "/api/v1/labels":
            return api.labels(self.sampler, query)
        if path.startswith("/api/v1/values/"):
            return api.values(self.sampler, unquote(path[len("/api/v1/values/"):]))
        if path == "/api/v1/processes":
            return api.processes(self.sampler)
        if path.startswith("/api/v1/processes/"):
            return api.process(self.sampler, unquote(path[len("/api/v1/processes/"):]))
        raise api.NotFound(f"no API path {path}; /api/v1/ lists them: {', '.join(api.ENDPOINTS)}")

    @staticmethod
    def _api(answer):
        try:
            return answer()
        except api.NotFound as e:
            raise HttpError(HTTPStatus.NOT_FOUND, str(e)) from None
        except api.BadRequest as e:
            raise HttpError(HTTPStatus.BAD_REQUEST, str(e)) from None

    def _metrics(self, query):
        aggregate = query.get("aggregate", self.aggregate)
        gauge = query.get("gauge", self.gauge)
        if aggregate not in metrics.AGGREGATIONS:
            raise HttpError(HTTPStatus.BAD_REQUEST,
                            f"unknown aggregate {aggregate!r}; one of: {', '.join(metrics.AGGREGATIONS)}")
        if gauge not in metrics.GAUGE_RULES:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"unknown gauge {gauge!r}; one of: {', '.join(metrics.GAUGE_RULES)}")
        max_age = _seconds(query.get("max_age"), self.metrics_max_age, "max_age")
        openmetrics = metrics.wants_openmetrics(self.headers.get("Accept", ""))
        try:
            taken, body = self.scrapes.answer(self._glob(query), aggregate, gauge, openmetrics, max_age)
        except UnsafeGlob as e:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"bad glob: {e}") from None
        if body is None:
            raise _incomplete(taken.unreadable, len(taken.files), len(taken.failed))
        own = (metrics.sampler_lines(self.sampler.totals, self.sampler.latest.counts, openmetrics)
               + metrics.age_lines(self.scrapes.snapshots.age(taken), taken.pattern, openmetrics)).encode()
        eof = b"# EOF\n"
        body = body[:-len(eof)] + own + eof if openmetrics and body.endswith(eof) else body + own
        ctype = metrics.CONTENT_TYPE_OPENMETRICS if openmetrics else metrics.CONTENT_TYPE_TEXT
        return HTTPStatus.OK, ctype, body

    def _json(self, obj):
        return HTTPStatus.OK, "application/json; charset=utf-8", json_bytes(obj)

    def _glob(self, query) -> str:
        return query.get("glob") or self.stats.default_glob

    def _snapshot(self, query, failed=None, unreadable=None, probe=False):
        try:
            return self.stats.snapshot(self._glob(query), failed, unreadable,
                                       probe=processes.probe if probe else None)
        except UnsafeGlob as e:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"bad glob: {e}") from None

    def _complete(self, query, failed=None):
        """A snapshot for an answer of data (/metrics, /stats, /files): a file the system refused to read
        makes it 503, never a silently partial 200 (a scraper keeps its last values); the pages list it."""
        failed = [] if failed is None else failed
        unreadable: list = []
        files, problems = self._snapshot(query, failed, unreadable)
        if unreadable:
            raise _incomplete(unreadable, len(files), len(failed))
        return files, problems

    def _stat(self, prefix: str, query) -> dict:
        aggr = query.get("aggr")
        if aggr and aggr not in AGGREGATORS:
            raise HttpError(HTTPStatus.BAD_REQUEST, f"unknown aggr {aggr!r}; one of: {', '.join(AGGREGATORS)}")
        exact = query.get("exact", "") not in ("", "0", "false", "no")
        files, _ = self._complete(query)
        found: dict[str, list] = {}
        for fs in files:
            for field, value in zip(fs.fields, fs.values):
                if field.label == prefix if exact else field.label.startswith(prefix):
                    found.setdefault(field.label, []).append(value)
        if aggr:
            return {label: json_value(aggregate(aggr, values)) for label, values in sorted(found.items())}
        return {label: [json_value(v) for v in values] for label, values in sorted(found.items())}

    def _live(self, query) -> dict:
        """Numeric fields by label: counters and levels summed over the files, anything else (gauges,
        averages) their mean with the range as text; the writer's identity is left out."""
        prefix = query.get("prefix", "")
        files, problems = self._snapshot(query)
        found: dict[str, list] = {}
        for fs in files:
            for field, value in zip(fs.fields, fs.values):
                if numeric(value) and field.label.startswith(prefix):
                    entry = found.get(field.label)
                    if entry is None:
                        if describe(field).kind == "identity":
                            continue  # a pid or a creation time: never added up, never charted
                        entry = found[field.label] = [field.type, is_counter(field), aggregation(field), []]
                    entry[3].append(int(value) if isinstance(value, bool) else value)
        fields = []
        for label, (t, counter, how, values) in sorted(found.items()):
            if how == SAME and len(values) > 1:
                value = sum(values) / len(values)
                text = show(values[0]) if min(values) == max(values) else f"{show(min(values))} … {show(max(values))}"
            else:
                value = sum(values)
                text = show(value)
            fields.append({"label": label, "type": t, "counter": counter, "value": json_value(value), "text": text})
        return {"time": time.time(), "files": len(files), "problems": problems, "fields": fields}

    def _labels(self, query) -> str:
        """Each label's value over the files, combined by its kind (tools._kinds.aggregation): counters
        summed over every file, levels over live writers; anything else one value or min … max."""
        pattern = self._glob(query)
        files, problems = self._snapshot(query, probe=True)
        by_label: dict[str, list] = {}
        for fs in files:
            gone = fs.writer is not None and fs.writer.state in ("exited", "died")
            for field, value in zip(fs.fields, fs.values):
                entry = by_label.setdefault(field.label, [field, [], 0])
                entry[1].append((value, gone))
                entry[2] += gone
        rows = [(label, describe(field).kind, len(values), _combined(field, values), dead)
                for label, (field, values, dead) in sorted(by_label.items())]
        return pages.labels_page(self.stats.directory, pattern, rows, len(files), problems,
                                 api.status(self.sampler.latest))


def _incomplete(unreadable, read: int, failed: int) -> HttpError:
    """The 503 of an answer missing files the system refused to read (``failed`` includes them)."""
    names = ", ".join(show(os.path.basename(p)) for p in unreadable[:5])
    more = f" and {len(unreadable) - 5} more" if len(unreadable) > 5 else ""
    return HttpError(HTTPStatus.SERVICE_UNAVAILABLE,
                     f"incomplete answer: {len(unreadable)} of {read + failed} files unreadable "
                     f"({names}{more}); read {read}")


def _seconds(text, default: float, name: str) -> float:
    """A query's number of seconds (0 or more), or ``default`` when it is absent."""
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise HttpError(HTTPStatus.BAD_REQUEST, f"{name} {text!r}: want a number of seconds, 0 or more")
    return value


def _combined(field, values) -> str:
    """The text of one label's ``values`` ((value, writer gone) per file) by the rule of its kind."""
    how = aggregation(field)
    if how == SUM:
        values = [(v, False) for v, gone in values if not gone] or values  # levels of live writers
    if all(isinstance(v, dict) for v, _ in values):  # histograms: their observations add up
        return f"{sum(v['count'] for v, _ in values)} observations"
    nums = [v for v, _ in values if numeric(v)]
    if len(values) == 1:
        return show(values[0][0])
    if nums and len(nums) == len(values) and how in (CHANGE, SUM):
        return show(aggregate("sum", nums))
    distinct = {str(v) for v, _ in values}
    if len(distinct) == 1:
        return show(values[0][0])
    if nums and len(nums) == len(values):
        return f"{api.number_text(min(nums))} … {api.number_text(max(nums))} ({len(nums)} files)"
    return f"({len(distinct)} values)"


class _Server(ThreadingHTTPServer):
    """One thread per connection, at most MAX_CONNECTIONS of them."""

    daemon_threads = True

    def __init__(self, address, handler, max_connections: int = MAX_CONNECTIONS):
        self._slots = threading.BoundedSemaphore(max_connections)
        self.request_queue_size = max_connections
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # over the cap: close at once rather than queue a thread
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(host: str, port: int, directory: str, pattern: str = DEFAULT_PATTERN, verbose: bool = False,
                idle_seconds: float = IDLE_SECONDS, max_connections: int = MAX_CONNECTIONS,
                aggregate: str = "process", gauge: str = "pid", gauge_rules=(), history: float = DEFAULT_SECONDS,
                interval: float = DEFAULT_INTERVAL, max_series: int = DEFAULT_MAX_SERIES,
                metrics_max_age: float = DEFAULT_MAX_AGE):
    """(server, stats); ``server.sampler`` is not started yet (its start() takes the first sample at once)."""
    stats = StatsDir(directory, pattern)
    snapshots = Snapshots(stats)
    sampler = Sampler(stats, History(history, interval, max_series), snapshots)
    handler = type("BoundHandler", (Handler,), {
        "stats": stats, "verbose": verbose, "timeout": idle_seconds, "sampler": sampler,
        "scrapes": Scrapes(snapshots, metrics.Exporter(stats.directory), gauge_rules),
        "metrics_max_age": metrics_max_age, "aggregate": aggregate, "gauge": gauge,
        # Behind a loopback address, refuse other Host names (DNS rebinding); elsewhere the user opted in.
        "check_host": host in LOOPBACK_NAMES,
    })
    cls = _Server6 if ":" in host else _Server
    server = cls((host, port), handler, max_connections)
    server.sampler = sampler
    return server, stats


def _parser(prog: str = "mmash") -> argparse.ArgumentParser:
    p = parser(prog, "Web interface, JSON and Prometheus metrics for mmstats files.", _EPILOG)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="TCP port (default 8080; 0 picks a free one)")
    p.add_argument("--path", default=None, help="stats directory (default $MMSTATS_PATH or the temp directory)")
    p.add_argument("--glob", default=DEFAULT_PATTERN, help=f"files to serve inside it (default {DEFAULT_PATTERN})")
    p.add_argument("--idle-seconds", type=_positive(float), default=IDLE_SECONDS,
                   help=f"close a connection that sends nothing for this long (default {IDLE_SECONDS})")
    p.add_argument("--max-connections", type=_positive(int), default=MAX_CONNECTIONS,
                   help=f"connections served at once; more are closed (default {MAX_CONNECTIONS})")
    p.add_argument("--aggregate", choices=metrics.AGGREGATIONS, default="process",
                   help="/metrics series: one per process (pid label; default), one per metric summed over "
                        "processes (exited ones' counters included), or one per file")
    p.add_argument("--gauge", choices=metrics.GAUGE_RULES, default="pid",
                   help="how gauges combine across processes: pid (one series per live process; default), "
                        "max, min, sum or last (the newest process)")
    p.add_argument("--gauge-rule", type=_gauge_rule, action="append", default=[], metavar="GLOB=RULE",
                   help="the rule for gauges whose label matches GLOB (repeatable; the first match wins), "
                        "e.g. 'web.*.queue=sum'")
    p.add_argument("--history", type=_positive(float), default=DEFAULT_SECONDS, metavar="SECONDS",
                   help=f"seconds of history kept per series for the charts (default {DEFAULT_SECONDS:g})")
    p.add_argument("--interval", type=_positive(float), default=DEFAULT_INTERVAL, metavar="SECONDS",
                   help=f"seconds between samples (default {DEFAULT_INTERVAL:g})")
    p.add_argument("--max-series", type=_positive(int), default=DEFAULT_MAX_SERIES, metavar="N",
                   help=f"series kept at most (default {DEFAULT_MAX_SERIES}); memory for values is at most "
                        "8 bytes x N x SECONDS / INTERVAL (72 MB by default)")
    p.add_argument("--metrics-max-age", type=_not_negative, default=DEFAULT_MAX_AGE, metavar="SECONDS",
                   help=f"/metrics answers with values read at most this long before the request: the "
                        f"sampler's last read when it is that recent, else a new read of every file "
                        f"(default {DEFAULT_MAX_AGE:g}; 0: always a new read; ?max_age= per request)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    return p


_EPILOG = ("pages: / (charts from the server's history), /labels, /processes, /process/PID, /live\n"
           "JSON API (GET; every value with its file and pid; an unknown label or pid is a 404 naming what exists):\n"
           + "".join(f"  {path}\n" + textwrap.fill(text, 100, initial_indent=" " * 6, subsequent_indent=" " * 6) + "\n"
                     for path, text in api.ENDPOINTS.items())
           + "Prometheus: /metrics (?aggregate=process|sum|file, ?gauge=RULE, ?max_age=SECONDS), with mmash's own\n"
           "  mmash_sampler_* metrics and mmash_scrape_age_seconds (how long before the request its values were read)")


def _gauge_rule(text):
    pattern, sep, rule = text.rpartition("=")
    if not sep or not pattern or rule not in metrics.GAUGE_RULES:
        raise argparse.ArgumentTypeError(f"{text!r}: want GLOB=RULE, RULE one of {', '.join(metrics.GAUGE_RULES)}")
    return pattern, rule


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} must be more than 0")
        return value
    return parse


def _not_negative(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


def _stop(signum, frame):
    raise SystemExit(0)


def main(argv=None, prog: str = "mmash") -> int:
    args = _parser(prog).parse_args(argv)
    directory = args.path or stats_dir()
    if not os.path.isdir(directory):
        print(f"mmash: {no_stats_dir(directory)}", file=sys.stderr)
        return 2
    raise_fd_limit()
    # A read of a large directory makes hundreds of thousands of short-lived objects and almost no
    # cycles: collecting the young ones every 700 allocations (the default) cost a 10,000-file scrape
    # a third of its time.
    gc.set_threshold(100_000, 50, 100)
    try:
        server, stats = make_server(args.host, args.port, directory, args.glob, args.verbose,
                                    args.idle_seconds, args.max_connections, args.aggregate, args.gauge,
                                    args.gauge_rule, args.history, args.interval, args.max_series,
                                    args.metrics_max_age)
    except UnsafeGlob as e:
        print(f"mmash: --glob {show(args.glob)}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"mmash: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 2
    sampler = server.sampler
    sampler.start()
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"mmash: serving http://{shown}:{port}/ (files {show(args.glob)} in {show(directory)})", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        sampler.stop()
        server.server_close()
        stats.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
