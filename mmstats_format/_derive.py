"""Writes the generated block of _derived.py from the construct schema (and checks it is current).

    python -m mmstats_format._derive --check    # exit 1 if the block is stale
    python -m mmstats_format._derive --write    # regenerate it
"""
from __future__ import annotations

import sys

from . import _derived

BEGIN = "# --- generated from schema.py, offsets.py and types.py: begin ---\n"
END = "# --- generated: end ---\n"
PATH = _derived.__file__


def render() -> str:
    """The generated block, computed now from the construct schema (imports construct)."""
    from . import offsets as o
    from . import schema as s
    from . import types as t

    lines = [BEGIN]
    for name, value in [
        ("FORMAT_VERSION", s.FORMAT_VERSION), ("PAGE_SIZE", s.PAGE_SIZE), ("UNBUFFERED", s.UNBUFFERED),
        ("BUFFER_COUNT", s.BUFFER_COUNT), ("VERSION_OFFSET", o.VERSION_OFFSET),
        ("FIRST_RECORD_OFFSET", o.FIRST_RECORD_OFFSET), ("LABEL_SIZE_SIZE", o.LABEL_SIZE_SIZE),
        ("LABEL_SIZE_FORMAT", o.LABEL_SIZE_FORMAT), ("LABEL_OFFSET", o.LABEL_OFFSET),
        ("TYPE_SIZE_SIZE", o.TYPE_SIZE_SIZE), ("TYPE_SIZE_FORMAT", o.TYPE_SIZE_FORMAT),
        ("WRITE_BUFFER_SIZE", o.WRITE_BUFFER_SIZE),
    ]:
        lines.append(f"{name} = {value!r}\n")
    lines.append("# code: (size, struct_char, kind, meaning, canonical, bounds)\n")
    lines.append("NUMERIC_TYPES = {\n")
    for code, spec in t.NUMERIC_TYPES.items():
        row = (spec.size, spec.struct_char, spec.kind, spec.meaning, spec.canonical, spec.bounds)
        lines.append(f"    {code!r}: {row!r},\n")
    lines.append("}\n")
    string = t.lookup("1s")
    lines.append(f"STRING_PATTERN = {t._STRING_RE.pattern!r}\n")
    lines.append(f"STRING_MEANING = {string.meaning!r}\n")
    lines.append(f"STRING_CANONICAL = {string.canonical!r}\n")
    lines.append(END)
    return "".join(lines)


def current() -> str:
    """The block as _derived.py holds it."""
    with open(PATH, encoding="utf-8") as f:
        text = f.read()
    return text[text.index(BEGIN):text.index(END) + len(END)]


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    want = render()
    if args == ["--check"]:
        if current() != want:
            print(f"{PATH}: the generated block is stale; run python -m mmstats_format._derive --write",
                  file=sys.stderr)
            return 1
        return 0
    if args == ["--write"]:
        with open(PATH, encoding="utf-8") as f:
            text = f.read()
        text = text.replace(current(), want)  # before the file is opened for writing
        with open(PATH, "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    print("usage: python -m mmstats_format._derive --check | --write", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
