"""The `mmstats` command: one tree for every tool.

slurpstats, pollstats, cleanstats and mmash are the same commands under their
own names (console scripts declared in pyproject.toml).
"""
from __future__ import annotations

import sys
from importlib import import_module

__all__ = ["main", "COMMANDS"]

# name: (module, prog, one line of help); every module has main(argv, prog=...)
COMMANDS = {
    "read": ("mmstats.tools.slurpstats", "[--json] [PATH...]", "print every field of each file (also: slurpstats)"),
    "validate": ("mmstats.cli.validate", "[--json] [PATH...]", "check files against the v1 spec"),
    "poll": ("mmstats.tools.pollstats", "FIELDS [PATH...]", "sum fields over files, one row a second (also: pollstats)"),
    "clean": ("mmstats.tools.cleanstats", "[--dry-run] [PATH...]", "remove files of gone processes (also: cleanstats)"),
    "serve": ("mmstats.tools.mmash", "[--port N]", "web page, JSON and Prometheus metrics (also: mmash)"),
    "demo": ("mmstats.cli.demo", "[--seconds N]", "start an instrumented demo process and watch it live"),
    "conformance": ("mmstats_conformance.cli", "SUBCOMMAND ...", "the conformance corpus and harness"),
}

USAGE = "usage: mmstats COMMAND [ARGS...]\n\ncommands:\n" + "".join(
    f"  {f'{name} {args}':<34} {text}\n" for name, (_, args, text) in COMMANDS.items()) + """
PATH is a file, a directory (its *.mmstats files) or a quoted glob; with none, the
stats directory ($MMSTATS_PATH, else the temp directory). Exit status: 0 fine,
1 a file is invalid, 2 usage error or a file could not be read.
Run `mmstats COMMAND --help` for a command's options.
"""


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        (sys.stdout if argv else sys.stderr).write(USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd not in COMMANDS:
        from ..tools._output import show
        sys.stderr.write(f"mmstats: unknown command {show(cmd)!r}\n{USAGE}")
        return 2
    module = import_module(COMMANDS[cmd][0])
    if cmd == "conformance":
        return module.main(rest)
    return module.main(rest, prog=f"mmstats {cmd}")


if __name__ == "__main__":
    sys.exit(main())
