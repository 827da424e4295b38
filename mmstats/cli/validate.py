"""mmstats validate [--json] [PATH...]: check files against the v1 spec."""
from __future__ import annotations

import sys

import mmstats_format as m

from ..tools._args import parser, size_limit
from ..tools._files import each_file
from ..tools._output import TROUBLE, json_line, json_text, problem_line, run_cli, show, warn

__all__ = ["main", "validate_one"]


def _parser(prog: str = "mmstats validate"):
    p = parser(prog, "Check mmstats files against the v1 spec. "
                     "Exit 0: all valid; 1: any invalid; 2: usage error or a file could not be read.")
    p.add_argument("--json", action="store_true",
                   help='one JSON object per file: {"path", "valid", "errors": [{"offset", "code", "message"}]}')
    p.add_argument("--max-size", type=size_limit, default=m.DEFAULT_MAX_SIZE, metavar="BYTES",
                   help=f"refuse files larger than this (default {m.DEFAULT_MAX_SIZE})")
    p.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    return p


def validate_one(path, max_size: int = m.DEFAULT_MAX_SIZE, as_json: bool = False, quiet: bool = False) -> int:
    """Check one file and say so; 0 valid, 1 invalid, 2 unreadable."""
    try:
        report = m.validate(path, max_size=max_size)
    except OSError as e:
        if as_json:
            json_line({"path": json_text(path), "valid": False, "errors": [], "io_error": e.strerror or str(e)})
        warn(problem_line(path, e))
        return TROUBLE
    if as_json:
        json_line(dict(report.as_dict(), path=json_text(path)))
    elif report.valid:
        if not quiet:
            print(f"{show(path)}: valid")
    else:
        for e in report.errors:
            warn(problem_line(path, e))
    return 0 if report.valid else 1


def _body(prog, argv) -> int:
    args = _parser(prog).parse_args(argv)
    return each_file(args.paths, lambda n, path: validate_one(path, args.max_size, args.json, args.quiet))


def main(argv=None, prog: str = "mmstats validate") -> int:
    return run_cli(lambda a: _body(prog, a), argv)


if __name__ == "__main__":
    sys.exit(main())
