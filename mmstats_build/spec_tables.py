"""Render the tables of spec/v1.md from the schema, and keep the spec in step.

The prose of the specification is written by hand; its tables are not. Each
table sits between ``<!-- BEGIN GENERATED name -->`` and
``<!-- END GENERATED name -->`` and is rendered from the authoritative
sources: the construct schema (field names, doc strings, sizes), the
type-signature table (types.NUMERIC_TYPES) and the error vocabulary
(errors.CODES).

    python -m mmstats_build.spec_tables --write   # rewrite the tables in spec/v1.md
    python -m mmstats_build.spec_tables --check   # exit 1 when they drifted
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

import construct as c

from mmstats_format import DEFAULT_MAX_SIZE, errors, schema
from mmstats_format.v1 import types

__all__ = ["SPEC_PATH", "TABLES", "render", "splice", "drift", "main"]

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "v1.md"

BEGIN = "<!-- BEGIN GENERATED {} -->"
END = "<!-- END GENERATED {} -->"
_BLOCK = re.compile(r"<!-- BEGIN GENERATED ([a-z0-9_-]+) -->\n(.*?)<!-- END GENERATED \1 -->", re.S)


# --- reading the schema ------------------------------------------------------

def _unwrap(con):
    """The construct under Renamed/validator wrappers (the doc strings live on the wrappers)."""
    while isinstance(con, (c.Renamed, c.ExprValidator, c.Const, c.Rebuild, c.Default)):
        con = con.subcon
    return con


def _int_name(con) -> str | None:
    """``u16``, ``i8`` ... for a fixed integer construct, via the type table."""
    con = _unwrap(con)
    for element, kind, *_ in schema.NUMERIC_TYPES.values():
        if kind == "int" and element.fmtstr == getattr(con, "fmtstr", ""):
            return f"{'i' if element.fmtstr[-1].islower() else 'u'}{element.sizeof() * 8}"
    return None


def _length_field(con) -> str | None:
    """Name of the field a variable-length Bytes takes its length from (``this.label_size``)."""
    con = _unwrap(con)
    if isinstance(con, c.StringEncoded):
        con = con.subcon
    m = re.fullmatch(r"this\['(\w+)'\]", str(getattr(con, "length", "")))
    return m.group(1) if m else None


def _doc(sub) -> str:
    """The doc string of a schema field, with names of constants replaced by their values."""
    text = sub.docs
    for name in ("BUFFER_COUNT", "PAGE_SIZE"):
        text = text.replace(name, f"{name} ({getattr(schema, name)})")
    return text


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _offset_text(const: int, names: list[str]) -> str:
    parts = [str(const)] if const or not names else []
    return " + ".join(parts + names)


# --- the tables ----------------------------------------------------------------

def render_constants() -> str:
    rows = [
        ["`FORMAT_VERSION`", f"{schema.FORMAT_VERSION} (0x{schema.FORMAT_VERSION:02x})", "the version byte of a ready version 1 file"],
        ["`PAGE_SIZE`", str(schema.PAGE_SIZE), "the file size is a positive multiple of this (whatever the system's page size)"],
        ["`UNBUFFERED`", f"{schema.UNBUFFERED} (0x{schema.UNBUFFERED:02x})", "`write_buffer` of a record holding one value"],
        ["`BUFFER_COUNT`", str(schema.BUFFER_COUNT), "values in the value area of a buffered record"],
    ]
    return _table(["name", "value", "meaning"], rows)


def render_file() -> str:
    rows = []
    offset = 0
    for sub in schema.File.subcons:
        if sub.name == "records":
            size_text, encoding = "sum of the record sizes", "records, see the record table"
        elif sub.name == "zero_fill":
            size_text, encoding = f"0 to {schema.PAGE_SIZE - 1}", "zero bytes"
        else:
            size_text, encoding = str(sub.sizeof()), _int_name(sub)
        rows.append([str(offset) if offset is not None else "after the records", size_text,
                     f"`{sub.name}`", encoding, _doc(sub)])
        offset = offset + int(size_text) if offset is not None and size_text.isdigit() else None
    return _table(["offset", "size", "name", "encoding", "meaning"], rows)


def render_record() -> str:
    """Offsets are written as "constant + the variable sizes before", e.g. ``4 + `label_size```."""
    rows = []
    const, names = 0, []
    for sub in schema.Record.subcons:
        inner, length_from = _unwrap(sub), _length_field(sub)
        try:
            size = sub.sizeof()
        except (c.SizeofError, KeyError):  # depends on other fields
            size = None
        if size is not None:
            size_text, encoding = str(size), _int_name(sub)
        elif length_from:
            size_text = f"`{length_from}`"
            enc = inner.encoding if isinstance(inner, c.StringEncoded) else "raw"
            encoding = {"utf-8": "UTF-8 bytes", "ascii": "ASCII bytes"}.get(enc, enc)
        elif isinstance(inner, c.IfThenElse):
            count = inner.elsesubcon.count
            size_text = f"S, or {count} × S when buffered"
            encoding = f"1 or {count} values of the type (S = size of one value)"
        else:  # pragma: no cover - a schema change this renderer does not know
            raise ValueError(f"cannot render the size of record field {sub.name!r}")
        rows.append([_offset_text(const, [f"`{n}`" for n in names]), size_text, f"`{sub.name}`", encoding, _doc(sub)])
        if size is not None:
            const += size
        elif length_from:
            names.append(length_from)
    return _table(["offset in record", "size", "name", "encoding", "meaning"], rows)


def render_types() -> str:
    rows = []
    for code, spec in types.NUMERIC_TYPES.items():
        rows.append([f"`{code}`", str(spec.size), spec.meaning, spec.canonical])
    string = types.lookup("1s")
    rows.append([f"`{types.STRING_TYPE}`", "N", string.meaning, string.canonical])
    rows.append(["anything else", "-", "unknown: readers MUST reject the file with `unknown_type`", "-"])
    return _table(["code", "size", "meaning", "canonical JSON"], rows)


def _max_string_size() -> int:
    """Largest N the signature grammar accepts (probed, so it follows the schema)."""
    digits = 1
    while types.string_size("9" * (digits + 1) + "s") is not None:
        digits += 1
    return int("9" * digits)


def render_limits() -> str:
    label_max = (1 << (schema.LabelSize.sizeof() * 8)) - 1
    type_max = (1 << (schema.TypeSize.sizeof() * 8)) - 1
    n_max = _max_string_size()
    longest_sig = f"{n_max}s"
    value_max = max(max(s.size for s in types.NUMERIC_TYPES.values()), n_max)
    rows = [
        ["label length (`label_size`)", f"1 to {label_max} bytes", f"u16; 0 is the terminator, not an empty label"],
        ["type signature length (`type_size`)", f"1 to {len(longest_sig)} bytes for a known type",
         f"u16 can say up to {type_max}; longer signatures are never in the type table (`unknown_type`)"],
        ["N of `<N>s`", f"0 to {n_max}", "decimal, 1 to %d digits, no sign, no leading zeros" % len(str(n_max))],
        ["`write_buffer`", f"0x00, 0x01 or 0x{schema.UNBUFFERED:02x}", "any other value is `bad_write_buffer`"],
        ["values per record", f"1 or {schema.BUFFER_COUNT}", ""],
        ["one value", f"0 to {value_max} bytes", "8 for the largest number; N for strings"],
        ["file size", f"a positive multiple of {schema.PAGE_SIZE}",
         f"readers SHOULD refuse files over a limit (RECOMMENDED default {DEFAULT_MAX_SIZE} bytes) with `file_too_large`"],
        ["number of records", "no limit but the file size", ""],
    ]
    return _table(["what", "range", "notes"], rows)


def render_errors() -> str:
    rows = [[f"`{code}`", meaning, where] for code, (meaning, where) in errors.CODES.items()]
    return _table(["code", "meaning", "the offset points at"], rows)


TABLES = {
    "constants": render_constants,
    "file": render_file,
    "record": render_record,
    "types": render_types,
    "limits": render_limits,
    "errors": render_errors,
}


def render(name: str) -> str:
    return TABLES[name]()


# --- splicing into the spec ----------------------------------------------------

def splice(text: str) -> str:
    """``text`` with every generated block re-rendered; unknown or missing blocks are errors."""
    found = [m.group(1) for m in _BLOCK.finditer(text)]
    unknown = sorted(set(found) - set(TABLES))
    missing = sorted(set(TABLES) - set(found))
    if unknown or missing:
        raise ValueError(f"generated blocks: unknown {unknown}, missing {missing}")
    return _BLOCK.sub(lambda m: BEGIN.format(m.group(1)) + "\n" + render(m.group(1)) + END.format(m.group(1)), text)


def drift(path=SPEC_PATH) -> list[str]:
    """Unified diff lines between the spec and its re-rendered tables ([] when current)."""
    text = Path(path).read_text(encoding="utf-8")
    new = splice(text)
    return list(difflib.unified_diff(text.splitlines(), new.splitlines(), str(path), "regenerated", lineterm=""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mmstats_build.spec_tables", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the generated tables in place")
    mode.add_argument("--check", action="store_true", help="exit 1 when a generated table is out of date")
    ap.add_argument("spec", nargs="?", default=str(SPEC_PATH), help="default: %(default)s")
    args = ap.parse_args(argv)
    path = Path(args.spec)
    try:
        if args.write:
            text = path.read_text(encoding="utf-8")
            new = splice(text)
            if new != text:
                path.write_text(new, encoding="utf-8")
                print(f"{path}: tables rewritten")
            return 0
        lines = drift(path)
    except (OSError, ValueError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    if lines:
        print("\n".join(lines))
        print(f"{path}: generated tables are out of date; run python -m mmstats_build.spec_tables --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
