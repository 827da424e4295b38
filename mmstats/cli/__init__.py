"""The `mmstats` command: read, validate, demo, conformance."""
from __future__ import annotations

import sys

__all__ = ["main"]

USAGE = """usage: mmstats COMMAND [ARGS...]

commands:
  read [--json] PATH...        print every field of each file (--json: canonical JSON Lines)
  validate [--json] PATH...    check files against the v1 spec (exit 0 valid, 1 invalid, 2 usage/I/O error)
  demo [--seconds N]           start an instrumented demo process and watch its stats change live
  conformance SUBCOMMAND ...   the conformance corpus and harness (generate, check-reader, check-writer, ...)

Run `mmstats COMMAND --help` for a command's options.
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(USAGE, end="")
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "read":
        from .read import main as run
    elif cmd == "validate":
        from .validate import main as run
    elif cmd == "demo":
        from .demo import main as run
    elif cmd == "conformance":
        from mmstats_conformance.cli import main as run
    else:
        sys.stderr.write(f"mmstats: unknown command {cmd!r}\n{USAGE}")
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
