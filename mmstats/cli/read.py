"""mmstats read [--json] PATH...: every field of each file."""
from __future__ import annotations

import argparse
import sys

import mmstats_format as m

from ._output import quiet_broken_pipe


def _format_value(v) -> str:
    return repr(v) if isinstance(v, float) else str(v)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="mmstats read", description="Print every field of each mmstats file.")
    ap.add_argument("--json", action="store_true", help="canonical JSON Lines, one object per file")
    ap.add_argument("--max-size", type=int, default=m.DEFAULT_MAX_SIZE, help="refuse files larger than this (bytes)")
    ap.add_argument("paths", nargs="+", metavar="PATH")
    args = ap.parse_args(argv)

    def run():
        status = 0
        for path in args.paths:
            try:
                fields = m.read(path, max_size=args.max_size)
            except m.FormatError as e:
                print(e, file=sys.stderr)
                status = max(status, 1)
                continue
            except OSError as e:
                print(f"{path}: {e.strerror or e}", file=sys.stderr)
                status = 2
                continue
            if args.json:
                print(m.dumps(m.to_canonical(path, fields)))
            else:
                print(f"==> {path} <==")
                width = max((len(f.label) for f in fields), default=0)
                for f in fields:
                    print(f"{f.label:<{width}}  {_format_value(f.value)}")
        return status

    return quiet_broken_pipe(run)
