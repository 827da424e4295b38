"""Writes mmstats_format/v1/table.py, the construct-free table of format version 1, from the
construct schema (and checks it is current).

    python -m mmstats_build.derive --check    # exit 1 if the table is stale
    python -m mmstats_build.derive --write    # regenerate it
"""
from __future__ import annotations

import sys
from pathlib import Path

PATH = str(Path(__file__).resolve().parent.parent / "mmstats_format" / "v1" / "table.py")

HEADER = '''"""Format version 1 as plain data for the read path and the writer (no construct import):
constants, offsets and the type-signature table. Generated from mmstats_format/schema.py;
do not edit:

    python -m mmstats_build.derive --check    # exit 1 if stale
    python -m mmstats_build.derive --write    # regenerate

Helpers over these live in offsets.py and types.py beside it.
"""
'''


def _bounds(element, kind):
    if kind != "int":
        return None
    bits = element.sizeof() * 8
    if element.fmtstr[-1].islower():
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def render() -> str:
    """The whole table module, computed now from the construct schema (imports construct)."""
    from mmstats_format import schema as s

    version_size = s.Version.sizeof()
    label_size_size = s.LabelSize.sizeof()
    lines = [HEADER, "\n"]
    for name, value in [
        ("FORMAT_VERSION", s.FORMAT_VERSION), ("PAGE_SIZE", s.PAGE_SIZE), ("UNBUFFERED", s.UNBUFFERED),
        ("BUFFER_COUNT", s.BUFFER_COUNT),
        ("VERSION_OFFSET", 0), ("VERSION_SIZE", version_size), ("FIRST_RECORD_OFFSET", version_size),
        ("# within a record, from its first byte", None),
        ("LABEL_SIZE_OFFSET", 0), ("LABEL_SIZE_SIZE", label_size_size), ("LABEL_SIZE_FORMAT", s.LabelSize.fmtstr),
        ("LABEL_OFFSET", label_size_size), ("TYPE_SIZE_SIZE", s.TypeSize.sizeof()),
        ("TYPE_SIZE_FORMAT", s.TypeSize.fmtstr), ("WRITE_BUFFER_SIZE", s.WriteBuffer.sizeof()),
    ]:
        lines.append(f"{name}\n" if value is None else f"{name} = {value!r}\n")
    lines.append("\n# code: (size, struct_char, kind, meaning, canonical, bounds)\n")
    lines.append("NUMERIC_TYPES = {\n")
    for code, (element, kind, meaning, canonical) in s.NUMERIC_TYPES.items():
        row = (element.sizeof(), element.fmtstr.lstrip("<"), kind, meaning, canonical, _bounds(element, kind))
        lines.append(f"    {code!r}: {row!r},\n")
    lines.append("}\n")
    for name in ("STRING_TYPE", "STRING_PATTERN", "STRING_MEANING", "STRING_CANONICAL"):
        lines.append(f"{name} = {getattr(s, name)!r}\n")
    return "".join(lines)


def current() -> str:
    """The table module as it is on disk."""
    with open(PATH, encoding="utf-8") as f:
        return f.read()


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    want = render()
    if args == ["--check"]:
        if current() != want:
            print(f"{PATH}: stale; run python -m mmstats_build.derive --write", file=sys.stderr)
            return 1
        return 0
    if args == ["--write"]:
        with open(PATH, "w", encoding="utf-8") as f:
            f.write(want)
        return 0
    print("usage: python -m mmstats_build.derive --check | --write", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
