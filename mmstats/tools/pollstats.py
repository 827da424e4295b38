"""pollstats: watch fields of many mmstats files, one row every DELAY seconds (like vmstat).

    pollstats [-p PREFIX] [-c COUNT] [-d DELAY] [-n HEADERS] [-f FILTER...] FIELDS [PATH...]

FIELDS is a comma-separated list of labels; with -p PREFIX each is looked up
as PREFIX.FIELD (no dot is added when PREFIX already ends with one; PREFIXFIELD
is tried too). Every row adds each field up over all matching files by its
kind: counters (version 2 kind ``counter``; version 1 buffered ``Q`` fields) and
histograms (their count) are shown as the change since the previous row, summed;
a file seen for the first time contributes its whole value, so the first row
shows totals. Version 2 up-down counters are summed; its gauges, constants and
strings never are: the row shows their value when every file agrees, else
``(mixed)``. Version 1 integers that are not counters are summed; its floating fields (averages,
timers), the writer's identity (``sys.pid``, ``sys.tid``, ``sys.uid``, ``sys.created``...), strings
and constants never are (tools._kinds.aggregation: the rule mmash follows too). PATH may be a file, a directory or a (quoted) glob, and defaults to
the stats directory: directories and globs are expanded again for every row,
so files that appear are picked up and files that disappear are dropped. A
FIELD that no file has is said once on stderr. A file that is there but that the
system refuses to read (no descriptor left, no permission) is named on stderr
and its row ends in "(incomplete)" (JSON: an "unreadable" list): such a sum
leaves it out.

-f LABEL=VALUE keeps only files whose field LABEL shows VALUE in this row
(repeatable, all must hold; LABEL is looked up like a FIELD), e.g.
``-f sys.pid=1234``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from mmstats_format import FormatError, StatsReader
from mmstats_format.canonical import json_value
from mmstats_format.fdbudget import OpenFiles

from ._args import parser
from ._files import expand
from ._kinds import CHANGE, SAME, aggregation
from ._output import json_line, json_text, problem_line, run_cli, show, use_colour
from ._output import warn as _stderr

__all__ = ["main", "Poller", "label_candidates"]

_Q_MODULUS = 1 << 64
_MIXED = object()  # a column never summed (gauges, identity, strings) whose files disagree


def label_candidates(prefix: str, name: str) -> list[str]:
    """Labels that FIELD ``name`` may stand for under ``prefix``, best first."""
    if not prefix:
        return [name]
    if prefix.endswith("."):
        return [prefix + name, name]
    return [f"{prefix}.{name}", prefix + name, name]


class _FileState:
    """What pollstats remembers about one path between rows."""

    __slots__ = ("reader", "layout", "ident", "columns", "filters", "previous", "complained")

    def __init__(self, path):
        self.reader = StatsReader(path)
        self.layout = None
        self.columns = []       # per column: (index, aggregation) or None
        self.filters = []       # per filter: (index or None, wanted text)
        self.previous = None    # counter values of the last row, by field index
        self.complained = None  # the last problem reported, so it is reported once
        self.ident = None       # (st_dev, st_ino) of the file the layout was compiled for


class Poller:
    """Reads the fields of every file named by ``paths`` and sums them per row."""

    def __init__(self, paths, names, prefix="", filters=(), warn=None):
        self.paths = list(paths)
        self.names = list(names)
        self.prefix = prefix
        self.filters = list(filters)   # (label, wanted text)
        self.warn = warn or _stderr
        self.files: dict[str, _FileState] = {}
        self._open = OpenFiles()  # readers holding a descriptor: at most a share of the limit
        self.unreadable: list[str] = []  # files of the last row the system refused to read
        self._told: set[str] = set()  # argument problems already reported
        self._unmatched = set(range(len(self.names)))  # columns no file has had yet

    def _find(self, index: dict, name: str):
        for label in label_candidates(self.prefix, name):
            if label in index:
                return index[label]
        return None

    def _compile(self, state: _FileState):
        """Column and filter positions in a newly seen layout (a new file, or a new file at the same path)."""
        fields = state.reader.layout.fields
        index = {}
        for i, f in enumerate(fields):
            index.setdefault(f.label, i)
        state.columns = []
        for name in self.names:
            i = self._find(index, name)
            state.columns.append(None if i is None else (i, aggregation(fields[i])))
        state.filters = [(self._find(index, label), wanted) for label, wanted in self.filters]
        state.layout = state.reader.layout
        state.previous = None

    @staticmethod
    def _reopened(state: _FileState) -> bool:
        """Is the reader's new layout that of the file already compiled, opened again after the
        descriptor budget closed it? Then its counters go on from the previous row."""
        try:
            st = os.fstat(state.reader.fileno())
        except OSError:
            return False
        ident, state.ident = state.ident, (st.st_dev, st.st_ino)
        if state.layout is None or ident != state.ident or state.layout.fields is not state.reader.layout.fields:
            return False
        state.layout = state.reader.layout
        return True

    def _read(self, path, state):
        try:
            values = state.reader.read()
        except FileNotFoundError:
            return None  # the writer is gone: drop the file quietly
        except (FormatError, OSError) as e:
            state.reader.close()  # a failed read keeps no descriptor
            self._open.forget(path)
            if not isinstance(e, FormatError):
                self.unreadable.append(path)
            code = getattr(e, "code", None) or type(e).__name__
            if code != "not_ready" and state.complained != code:
                self.warn(problem_line(path, e))
            state.complained = code
            return None
        state.complained = None
        self._open.used(path, state.reader)  # may close the least recently read others
        return values

    def row(self) -> tuple[list, int]:
        """(one value per column, number of files that contributed). A column no file has is None.
        ``unreadable`` then lists the files left out because the system refused to read them: the
        sums of such a row are incomplete."""
        paths, problems = expand(self.paths)
        self.unreadable = []
        for line in problems:
            if line not in self._told:
                self._told.add(line)
                self.warn(line)
        present = dict.fromkeys(paths)
        for gone in [p for p in self.files if p not in present]:
            self.files.pop(gone).reader.close()
            self._open.forget(gone)
        sums = [None] * len(self.names)
        counted = 0
        for path in present:
            state = self.files.get(path)
            if state is None:
                state = self.files[path] = _FileState(path)
            values = self._read(path, state)
            if values is None:
                continue
            if state.layout is not state.reader.layout and not self._reopened(state):
                self._compile(state)
                self._unmatched.difference_update(c for c, where in enumerate(state.columns) if where is not None)
            # Counters are followed even in rows a filter leaves the file out, so a file that comes
            # back shows the change since the previous row like any other.
            wanted = all(i is not None and show(values[i]) == text for i, text in state.filters)
            counted += wanted
            previous, state.previous = state.previous, {}
            for col, where in enumerate(state.columns):
                if where is None:
                    continue
                i, how = where
                v = values[i]
                if v is None:
                    continue  # no consistent value in this copy (a writer inside an update)
                if how == CHANGE:
                    if isinstance(v, dict):
                        v = v["count"]  # a histogram
                    state.previous[i] = v
                    if previous is not None and i in previous:
                        v = v - previous[i]
                        v = v % _Q_MODULUS if isinstance(v, int) else v
                if wanted:
                    sums[col] = _same(sums[col], v) if how == SAME else _add(sums[col], v)
        if self.files and self._unmatched:
            for col in sorted(self._unmatched):
                tried = " or ".join(show(label) for label in label_candidates(self.prefix, self.names[col]))
                self.warn(f"pollstats: FIELD {show(self.names[col])} matches no field ({tried}) in any file")
            self._unmatched.clear()  # once: a field that appears later is still shown
        return sums, counted

    def close(self):
        for state in self.files.values():
            state.reader.close()
        self.files.clear()
        self._open = OpenFiles(self._open.limit)


INCOMPLETE = "(incomplete)"  # ends a text row whose sums leave out unreadable files


def unreadable_warning(paths) -> str:
    """The stderr line for a row that left out ``paths``."""
    names = ", ".join(show(p) for p in paths[:5])
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return f"pollstats: incomplete row: {len(paths)} files unreadable ({names}{more}); their values are missing"


def _same(total, v):
    """One value while every file agrees, then _MIXED."""
    if total is None:
        return v
    return total if total == v and type(total) is type(v) else _MIXED


def _add(total, v):
    if isinstance(v, str):
        return _same(total, v)
    if total is _MIXED or isinstance(total, str):
        return _MIXED
    v = int(v) if isinstance(v, bool) else v
    return v if total is None else total + v


def cell(v) -> str:
    if v is None:
        return "-"
    if v is _MIXED:
        return "(mixed)"
    if isinstance(v, float) and v == v and v not in (float("inf"), float("-inf")):
        text = f"{v:.3f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    return show(v)


def _parse_filter(text: str):
    label, sep, wanted = text.partition("=")
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"filter {text!r} is not LABEL=VALUE")
    return label, wanted


def _parser(prog: str = "pollstats") -> argparse.ArgumentParser:
    p = parser(prog, "Poll fields of mmstats files, one row per DELAY seconds.",
               "Counters show the change since the previous row, summed over files; gauges, constants, "
               "strings, version 1 floating fields and the writer's identity (pid, tid, uid, creation time) are "
               "never summed (one value, or (mixed)); other numbers are summed. Quote a glob so it is expanded again for every row. With no PATH: every "
               "*.mmstats file in $MMSTATS_PATH (default: the temp directory).")
    p.add_argument("-p", "--prefix", default="", help="prefix joined to every FIELD (with a dot unless it ends in one)")
    p.add_argument("-c", "--count", type=int, default=0, help="stop after COUNT rows (default: run until interrupted)")
    p.add_argument("-d", "--delay", type=float, default=1.0, help="seconds between rows (default 1)")
    p.add_argument("-n", "--headers", type=int, default=20, metavar="HEADERS",
                   help="repeat the header every HEADERS rows (0: only once; default 20)")
    p.add_argument("-f", "--filter", action="append", default=[], type=_parse_filter, metavar="FILTER",
                   help="LABEL=VALUE: only files whose field LABEL shows VALUE (repeatable)")
    p.add_argument("--json", action="store_true", help="one JSON object per row")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the header (auto: only on a terminal without NO_COLOR)")
    p.add_argument("fields", metavar="FIELDS", help="comma-separated field names")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    return p


def _body(prog, argv) -> int:
    p = _parser(prog)
    args = p.parse_args(argv)
    names = [n for n in args.fields.split(",") if n]
    if not names:
        p.error("FIELDS names no field")
    if args.delay < 0 or args.count < 0 or args.headers < 0:
        p.error("COUNT, DELAY and HEADERS must not be negative")
    out = sys.stdout
    widths = [max(len(show(n)), 8) for n in names]
    bold, plain = ("\x1b[1;4m", "\x1b[0m") if use_colour(out, args.color) else ("", "")
    poller = Poller(args.paths, names, args.prefix, args.filter)
    rows = 0
    start = time.monotonic()
    told = []  # the unreadable files last warned about
    try:
        while True:
            sums, counted = poller.row()
            if poller.unreadable != told:
                if poller.unreadable:
                    _stderr(unreadable_warning(poller.unreadable))
                told = poller.unreadable
            if args.json:
                row = {"time": time.time(), "files": counted,
                       "values": {json_text(n): (None if v is _MIXED else json_value(v)) for n, v in zip(names, sums)}}
                if poller.unreadable:
                    row["unreadable"] = [json_text(p) for p in poller.unreadable]
                json_line(row)
            else:
                cells = [cell(v) for v in sums]
                wider = [max(w, len(c)) for w, c in zip(widths, cells)]
                if rows == 0 or wider != widths or (args.headers and rows % args.headers == 0):
                    widths = wider  # a value outgrew its column: widen it, and say so with a header
                    out.write(bold + "  ".join(f"{show(n):>{w}}" for n, w in zip(names, widths)) + plain + "\n")
                mark = "  " + INCOMPLETE if poller.unreadable else ""
                out.write("  ".join(f"{c:>{w}}" for c, w in zip(cells, widths)) + mark + "\n")
            out.flush()
            rows += 1
            if args.count and rows >= args.count:
                return 0
            # Sleep to the next tick of a fixed schedule, so rows do not drift.
            time.sleep(max(0.0, start + rows * args.delay - time.monotonic()))
    except KeyboardInterrupt:
        return 0  # Ctrl-C is the normal way to stop
    finally:
        poller.close()


def main(argv=None, prog: str = "pollstats") -> int:
    return run_cli(lambda a: _body(prog, a), argv)


if __name__ == "__main__":
    sys.exit(main())
