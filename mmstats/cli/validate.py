"""mmstats validate [--json] PATH...: check files against the v1 spec."""
from __future__ import annotations

import argparse
import json
import sys

import mmstats_format as m

from ._output import quiet_broken_pipe


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(
        prog="mmstats validate",
        description="Check mmstats files against the v1 spec. Exit 0: all valid; 1: any invalid; 2: usage or I/O error.")
    ap.add_argument("--json", action="store_true",
                    help='one JSON object per file: {"path", "valid", "errors": [{"offset", "code", "message"}]}')
    ap.add_argument("--max-size", type=int, default=m.DEFAULT_MAX_SIZE, help="refuse files larger than this (bytes)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    args = ap.parse_args(argv)

    def run():
        invalid = io_error = False
        for path in args.paths:
            try:
                report = m.validate(path, max_size=args.max_size)
            except OSError as e:
                io_error = True
                if args.json:
                    print(json.dumps({"path": path, "valid": False, "errors": [],
                                      "io_error": e.strerror or str(e)}))
                print(f"{path}: cannot read: {e.strerror or e}", file=sys.stderr)
                continue
            invalid |= not report.valid
            if args.json:
                print(json.dumps(report.as_dict(), ensure_ascii=False))
            elif report.valid:
                if not args.quiet:
                    print(f"{path}: valid")
            else:
                for e in report.errors:
                    print(e, file=sys.stderr)
        return 2 if io_error else 1 if invalid else 0

    return quiet_broken_pipe(run)
