"""slurpstats: print every field of every mmstats file.

    slurpstats [--json] [PATH...]

PATH is a file, a directory (its *.mmstats files) or a glob; with none, every
*.mmstats file of MMSTATS_PATH (or the temp directory). Text output gives each
file a ``==> path <==`` header and aligned ``label  value`` lines; --json
prints one canonical JSON object per file per line (JSON Lines). A file that
cannot be read or is not a valid mmstats file is reported on stderr
(``path: offset N: code: message``) and the others are still printed; the exit
status is then 1.
"""
from __future__ import annotations

import argparse
import sys

from mmstats_format import FormatError, dumps, read, to_canonical

from ._files import expand, problem_line
from ._output import run_cli, show

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slurpstats", description="Print every field of every mmstats file.",
        epilog="With no PATH: every *.mmstats file in $MMSTATS_PATH (default: the temp directory).")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    p.add_argument("--json", action="store_true", help="one canonical JSON object per file per line")
    return p


def format_text(path: str, fields) -> str:
    """The text block of one file: header, then ``label  value`` lines with labels padded to one width."""
    labels = [show(f.label) for f in fields]
    width = max(map(len, labels), default=0)
    lines = [f"==> {show(path)} <=="]
    lines.extend(f"{label:<{width}}  {show(f.value)}" for label, f in zip(labels, fields))
    return "\n".join(lines) + "\n"


def _body(argv) -> int:
    args = _parser().parse_args(argv)
    files, problems = expand(args.paths)
    failed = len(problems)
    for line in problems:
        print(line, file=sys.stderr)
    out = sys.stdout
    first = True
    for path in files:
        try:
            fields = read(path)
        except (FormatError, OSError) as e:
            out.flush()  # keep stderr lines next to the files around them
            print(problem_line(path, e), file=sys.stderr)
            failed += 1
            continue
        if args.json:
            out.write(dumps(to_canonical(path, fields)) + "\n")
        else:
            out.write(("" if first else "\n") + format_text(path, fields))
        first = False
    out.flush()
    return 1 if failed else 0


def main(argv=None) -> int:
    return run_cli(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
