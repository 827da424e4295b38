"""Write mmstats_format/v2/derived.py, the construct-free constants of format version 2, from the schema.

    python -m mmstats_build.derive_v2 --check    # exit 1 if the module is stale
    python -m mmstats_build.derive_v2 --write    # regenerate it

Every offset is the offset of the previous field plus its size, read off the
construct schema (mmstats_format/schema_v2.py), so the hot paths cannot drift
from it; tests/test_v2_schema.py proves them equal to construct's parse and build.
"""
from __future__ import annotations

import sys
from pathlib import Path

import construct as c

from mmstats_format import schema_v2 as s

PATH = Path(s.__file__).resolve().parent / "v2" / "derived.py"

HEAD = '''"""Format version 2 as plain constants, for the read and write paths: no construct import.

GENERATED from mmstats_format/schema_v2.py by `python -m mmstats_build.derive_v2 --write`;
do not edit. `make check-generated` fails when this file is stale.
"""
'''


def _fixed_size(con) -> int | None:
    try:
        return con.sizeof()
    except (c.SizeofError, KeyError, AttributeError):
        return None


def _struct_char(sub) -> str:
    """struct code of one fixed-size schema field: its FormatField code, or Ns for bytes."""
    inner = sub
    while isinstance(inner, (c.Renamed, c.Const, c.Rebuild, c.Default)):
        inner = inner.subcon
    fmt = getattr(inner, "fmtstr", None)
    return fmt.lstrip("<") if fmt else f"{sub.sizeof()}s"


def _offsets(struct, prefix: str, lines: list[str]) -> tuple[str, list[str]]:
    """PREFIX_NAME = offset for each fixed field (offset of the previous + its size); (struct format, names)."""
    offset, fmt, names = 0, "<", []
    for sub in struct.subcons:
        size = _fixed_size(sub)
        if size is None:
            break
        if sub.name is None:
            break
        lines.append(f"{prefix}{sub.name.upper()} = {offset}  # {sub.docs}\n")
        fmt += _struct_char(sub)
        names.append(sub.name)
        offset += size
    return fmt, names


def render() -> str:
    lines = [HEAD, "\n"]
    for name in ("FORMAT_VERSION", "MAGIC", "MINOR", "PAGE_SIZE", "ALIGN", "UNIT_MAX", "HEADER_SIZE",
                 "ENTRY_FIXED_SIZE", "STRING_HEADER_SIZE", "HISTOGRAM_HEADER_SIZE"):
        lines.append(f"{name} = {getattr(s, name)!r}\n")
    lines.append("\n# Header: offset of each field from the start of the file.\n")
    fmt, names = _offsets(s.Header, "H_", lines)
    lines.append(f"HEADER_FORMAT = {fmt!r}\nHEADER_FIELDS = {tuple(names)!r}\n")
    lines.append("\n# Metadata entry: offset of each fixed field from the start of the entry.\n")
    fmt, names = _offsets(s.Entry, "E_", lines)
    lines.append(f"ENTRY_FORMAT = {fmt!r}\nENTRY_FIELDS = {tuple(names)!r}\n")
    lines.append("\n# Attribute pair: the size fields.\n")
    lines.append(f"ATTR_SIZE_FORMAT = {'<' + _struct_char(s.Attribute.subcons[0])!r}\n")
    lines.append(f"ATTR_SIZE_SIZE = {s.Attribute.subcons[0].sizeof()!r}\n")
    lines.append("\n# String value layout: offsets from the start of the value.\n")
    fmt, _ = _offsets(s.StringValue, "S_", lines)
    lines.append(f"STRING_HEADER_FORMAT = {fmt!r}\n")
    lines.append("\n# Histogram value layout: offsets from the start of the value.\n")
    fmt, _ = _offsets(s.HistogramValue, "HG_", lines)
    lines.append(f"HG_BUCKETS = {s.HISTOGRAM_HEADER_SIZE!r}  # {s.HistogramValue.subcons[2].docs}\n")
    lines.append(f"HISTOGRAM_HEADER_FORMAT = {fmt!r}\n")
    lines.append(f"SCALAR_SIZE = {s.Scalar.sizeof()!r}\n")
    lines.append("\n# Codes.\n")
    for cls in (s.Kind, s.ValueType, s.State):
        for attr in sorted((a for a in vars(cls) if a.isupper()), key=lambda a: getattr(cls, a)):
            lines.append(f"{cls.__name__.upper()}_{attr} = {getattr(cls, attr)!r}\n")
    lines.append("# kind code -> (name, storage, allowed value type codes, meaning)\n")
    lines.append("KINDS = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in s.KINDS.items()) + "}\n")
    lines.append("# value type code -> (name, struct character, meaning, canonical JSON)\n")
    lines.append("VALUE_TYPES = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in s.VALUE_TYPES.items()) + "}\n")
    lines.append("# state code -> (name, meaning)\n")
    lines.append("STATES = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in s.STATES.items()) + "}\n")
    lines.append("# error code -> (what is wrong, which byte the offset points at)\n")
    lines.append("CODES = {\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in s.CODES.items()) + "}\n")
    return "".join(lines)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    want = render()
    if args == ["--check"]:
        have = PATH.read_text(encoding="utf-8") if PATH.is_file() else ""
        if have != want:
            print(f"{PATH}: stale; run python -m mmstats_build.derive_v2 --write", file=sys.stderr)
            return 1
        return 0
    if args == ["--write"]:
        PATH.write_text(want, encoding="utf-8")
        return 0
    print("usage: python -m mmstats_build.derive_v2 --check | --write", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
