"""The Python implementation behind the conformance command-line protocol.

    python -m mmstats_conformance.python_impl read [--max-size N] FILE
    python -m mmstats_conformance.python_impl validate [--max-size N] FILE
    python -m mmstats_conformance.python_impl write SCENARIO.json OUT.mmstats
    python -m mmstats_conformance.python_impl live --version N DIR

read: canonical JSON on stdout, exit 0; an invalid file: exit 1 and one
`FILE: offset N: CODE: message` line on stderr. validate: exit 0 valid, 1
invalid (one line per problem, by offset), 2 usage or I/O error. Both are the
code of `mmstats read --json` and `mmstats validate -q`. write: the
scenario's fields through mmstats.lowlevel.create_file, each update one set().
live: the live writer of conformance/README.md ("Live writer") through the
model API (mmstats.BaseMmStats), in its own module python_live.
"""
from __future__ import annotations

import json
import sys

from mmstats_format import DEFAULT_MAX_SIZE

USAGE = ("usage: python -m mmstats_conformance.python_impl"
         " {read [--max-size N] FILE | validate [--max-size N] FILE | write SCENARIO OUT"
         " | live --version N DIR}")


def _read(path: str, max_size: int) -> int:
    from mmstats.tools.slurpstats import read_one
    return read_one(path, max_size, as_json=True)


def _validate(path: str, max_size: int) -> int:
    from mmstats.cli.validate import validate_one
    return validate_one(path, max_size, quiet=True)


def _size_limit(args: list[str]) -> int | None:
    """The limit of `[--max-size N] FILE` (None for any other shape)."""
    if len(args) == 1:
        return DEFAULT_MAX_SIZE
    if len(args) == 3 and args[0] == "--max-size" and args[1].isdigit():
        return int(args[1])
    return None


def _write(scenario_path: str, out: str) -> int:
    try:
        from mmstats.lowlevel import create_file
    except ImportError as e:
        print(f"python_impl write: the Python writer is not available: {e}", file=sys.stderr)
        return 2
    from .scenarios import decode_value

    with open(scenario_path, encoding="utf-8") as f:
        scenario = json.load(f)
    if scenario.get("format_version") == 2:
        return _write_v2(scenario, out)
    fields = [(fd["label"], fd["type"], fd["buffered"]) for fd in scenario["fields"]]
    types = {label: type for label, type, _ in fields}
    try:
        stats = create_file(out, fields, wrap=True)  # the scenarios store integers modulo 2**bits
    except (OSError, ValueError, TypeError) as e:  # e.g. OUT exists: never overwrite it
        print(f"{out}: cannot create: {e}", file=sys.stderr)
        return 1
    try:
        for u in scenario["updates"]:
            stats[u["field"]].set(decode_value(types[u["field"]], u["value"]))
        stats.flush()
    finally:
        stats.close()
    return 0


def _write_v2(scenario: dict, out: str) -> int:
    """A version 2 scenario through mmstats._v2writer: fields in order, updates, then closed and kept."""
    from mmstats._v2writer import FileFull, V2Writer

    from .scenarios_v2 import decode_update

    try:
        w = V2Writer.create(out, **scenario["capacities"])
    except (OSError, ValueError) as e:
        print(f"{out}: cannot create: {e}", file=sys.stderr)
        return 1
    handles = {}
    try:
        for i, f in enumerate(scenario["fields"]):
            common = {"unit": f["unit"], "help": f["help"], "attributes": f["attributes"]}
            try:
                if f["kind"] == "counter":
                    handles[i] = w.counter(f["label"], f["type"], **common).add
                elif f["kind"] == "updown_counter":
                    handles[i] = w.updown_counter(f["label"], f["type"], **common).add
                elif f["kind"] == "gauge":
                    handles[i] = w.gauge(f["label"], f["type"], **common).set
                elif f["kind"] == "string":
                    handles[i] = w.string(f["label"], f["capacity"], value=f.get("value", ""), **common).set
                elif f["kind"] == "histogram":
                    handles[i] = w.histogram(f["label"], f["bounds"], **common).observe
                else:
                    w.constant(f["label"], f["type"], decode_update(f["type"], f["value"]),
                               capacity=f.get("capacity"), **common)
            except FileFull:
                continue  # counted in overflow_count; its updates are dropped
        for u in scenario["updates"]:
            f = scenario["fields"][u["field"]]
            if u["field"] in handles:
                handles[u["field"]](u["value"] if f["type"] == "utf8" else decode_update(f["type"], u["value"]))
    finally:
        w.close(keep=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("read", "validate") and _size_limit(argv[1:]) is not None:
        return (_read if argv[0] == "read" else _validate)(argv[-1], _size_limit(argv[1:]))
    if len(argv) == 3 and argv[0] == "write":
        return _write(argv[1], argv[2])
    if len(argv) == 4 and argv[:2] == ["live", "--version"] and argv[2] in ("1", "2"):
        from .python_live import live
        return live(int(argv[2]), argv[3])
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
