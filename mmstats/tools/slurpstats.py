"""slurpstats (also ``mmstats read``): print every field of every mmstats file.

    slurpstats [--json] [--max-size BYTES] [PATH...]

PATH is a file, a directory (its *.mmstats files) or a glob; with none, every
*.mmstats file of the stats directory ($MMSTATS_PATH, else the temp
directory). Text output gives each file a ``==> path <==`` header and aligned
``label  value`` lines (a version 2 field adds its kind, its unit in brackets
and ``# help``; attributes follow the label as ``{key="value",...}``; a
histogram reads ``count=N sum=S le=B:N...``; a value a writer is updating
reads ``null``); --json prints one canonical JSON object per file per
line (JSON Lines: ``python -m json.tool --json-lines`` pretty-prints it). A
file that cannot be read or is not a valid mmstats file is reported on stderr
(``path: offset N: code: message``) and the others are still printed. Exit
status: 0, 1 when a file is invalid, else 2 when one could not be read.
"""
from __future__ import annotations

import sys

from mmstats_format import DEFAULT_MAX_SIZE, FormatError, read, to_canonical

from ._args import parser, size_limit
from ._files import each_file
from ._output import exit_status, json_line, json_text, problem_line, run_cli, show, warn

__all__ = ["main", "format_text", "canonical", "read_one"]


def _parser(prog: str = "slurpstats"):
    p = parser(prog, "Print every field of every mmstats file.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    p.add_argument("--json", action="store_true",
                   help="one canonical JSON object per file per line (JSON Lines)")
    p.add_argument("--max-size", type=size_limit, default=DEFAULT_MAX_SIZE, metavar="BYTES",
                   help=f"refuse files larger than this (default {DEFAULT_MAX_SIZE})")
    return p


def _label(f) -> str:
    attributes = getattr(f, "attributes", None)
    if not attributes:
        return show(f.label)
    return show(f.label + "{" + ",".join(f'{k}="{v}"' for k, v in attributes.items()) + "}")


def _value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, dict):  # a histogram: cumulative buckets
        return " ".join([f"count={v['count']}", f"sum={show(v['sum'])}"] +
                        [f"le={show(b['le'])}:{b['count']}" for b in v["buckets"]])
    return show(v)


def _about(f) -> str:
    """`` kind [unit]  # help`` of a version 2 field; nothing for version 1."""
    kind = getattr(f, "kind", None)
    if kind is None:
        return ""
    return "  " + kind + (f" [{show(f.unit)}]" if f.unit else "") + (f"  # {show(f.help)}" if f.help else "")


def format_text(path: str, fields) -> str:
    """The text block of one file: header, then ``label  value`` lines with labels padded to one width
    (version 2: values padded too, then kind, unit and help)."""
    labels = [_label(f) for f in fields]
    width = max(map(len, labels), default=0)
    lines = [f"==> {show(path)} <=="]
    if getattr(fields, "format_version", 1) == 1:
        lines.extend(f"{label:<{width}}  {show(f.value)}" for label, f in zip(labels, fields))
    else:
        values = [_value(f.value) for f in fields]
        vwidth = max((len(v) for v, f in zip(values, fields) if f.kind != "histogram"), default=0)
        lines.extend(f"{label:<{width}}  {value:<{vwidth}}{_about(f)}".rstrip()
                     for label, value, f in zip(labels, values, fields))
    return "\n".join(lines) + "\n"


def canonical(path: str, fields) -> dict:
    """The canonical object of one file, its path made valid UTF-8 (spec/v1.md, "The canonical object")."""
    return to_canonical(json_text(path), fields)


def read_one(path, max_size: int, as_json: bool, first: bool = True) -> int:
    """Print one file (text or JSON); 0, or 1 invalid, 2 unreadable after saying why on stderr."""
    try:
        fields = read(path, max_size=max_size)
    except (FormatError, OSError) as e:
        warn(problem_line(path, e))
        return exit_status(isinstance(e, FormatError), True)
    if as_json:
        json_line(canonical(path, fields))
    else:
        sys.stdout.write(("" if first else "\n") + format_text(path, fields))
    return 0


def _body(prog, argv) -> int:
    args = _parser(prog).parse_args(argv)
    return each_file(args.paths, lambda n, path: read_one(path, args.max_size, args.json, first=n == 0))


def main(argv=None, prog: str = "slurpstats") -> int:
    return run_cli(lambda a: _body(prog, a), argv)


if __name__ == "__main__":
    sys.exit(main())
