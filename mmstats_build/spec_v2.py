"""Render the tables and the examples of spec/v2.md from the v2 schema and the case tables.

    python -m mmstats_build.spec_v2 --write   # rewrite the generated blocks of spec/v2.md
    python -m mmstats_build.spec_v2 --check   # exit 1 when they drifted

Tables come from mmstats_format/schema_v2.py (field names, doc strings, sizes,
codes); examples are the conformance cases SPEC_EXAMPLES
(mmstats_conformance/cases_v2_valid.py), dumped with one annotated line per
field, followed by their expected canonical JSON.
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import struct
import sys
from pathlib import Path

import construct as c

from mmstats_format import schema_v2 as s

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "v2.md"
BEGIN = "<!-- BEGIN GENERATED {} -->"
END = "<!-- END GENERATED {} -->"
_BLOCK = re.compile(r"<!-- BEGIN GENERATED ([a-z0-9_-]+) -->\n(.*?)<!-- END GENERATED \1 -->", re.S)


def _cell(text) -> str:
    return str(text).replace("|", "\\|")


def _table(header, rows) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(x) for x in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _inner(sub):
    while isinstance(sub, (c.Renamed, c.Const, c.Rebuild, c.Default)):
        sub = sub.subcon
    return sub


def _encoding(sub) -> str:
    inner = _inner(sub)
    fmt = getattr(inner, "fmtstr", None)
    if fmt:
        return {"B": "u8", "H": "u16", "L": "u32", "Q": "u64", "d": "f64"}[fmt.lstrip("<")]
    if isinstance(inner, c.Array):
        return "u64 array"
    if isinstance(inner, c.Padded):
        return "zeros"
    return "bytes"


def _struct_rows(struct, sizes: dict | None = None) -> list[list[str]]:
    """offset | size | name | encoding | meaning, offsets as "constant + the variable sizes before"."""
    rows, const, names = [], 0, []
    for sub in struct.subcons:
        try:
            size = str(sub.sizeof())
        except (c.SizeofError, KeyError, AttributeError):
            size = (sizes or {}).get(sub.name, "variable")
        offset = " + ".join(([str(const)] if const or not names else []) + names)
        rows.append([offset, size, f"`{sub.name}`", _encoding(sub), sub.docs])
        if size.isdigit():
            const += int(size)
        else:
            names.append(size)
    return rows


def render_constants() -> str:
    rows = [["`FORMAT_VERSION`", f"{s.FORMAT_VERSION} (0x{s.FORMAT_VERSION:02x})", "byte 0 of every version 2 file"],
            ["`MAGIC`", f"`{s.MAGIC.decode()}` ({s.MAGIC.hex(' ')})", "bytes 1 to 7"],
            ["`MINOR`", str(s.MINOR), "the minor version this document describes"],
            ["`PAGE_SIZE`", str(s.PAGE_SIZE), "the file size is a positive multiple of this"],
            ["`ALIGN`", str(s.ALIGN), "regions, entries, values and value offsets are multiples of this"],
            ["`HEADER_SIZE`", str(s.HEADER_SIZE), "bytes of the header in minor 0"],
            ["`ENTRY_FIXED_SIZE`", str(s.ENTRY_FIXED_SIZE), "bytes of an entry's fixed part in minor 0"],
            ["`UNIT_MAX`", str(s.UNIT_MAX), "longest unit, in bytes"]]
    return _table(["name", "value", "meaning"], rows)


def render_header() -> str:
    return _table(["offset", "size", "name", "encoding", "meaning"], _struct_rows(s.Header))


def render_entry() -> str:
    sizes = {"name": "`name_size`", "unit": "`unit_size`", "help": "`help_size`", "attributes": "`attributes_size`",
             "padding": "0 to 7", "extra": "`extra_size`", "tail": "the rest of `entry_size`"}
    rows = _struct_rows(s.Entry, sizes)
    fixed = {"`padding`": "after attributes", "`extra`": "after padding (a multiple of 8)",
             "`tail`": "after extra"}
    for row in rows:
        if row[2] == "`name`":
            row[0] = "`entry_fixed_size`"
        elif row[2] in ("`unit`", "`help`", "`attributes`"):
            row[0] = "after the previous part"
        elif row[2] in fixed:
            row[0] = fixed[row[2]]
    return _table(["offset in entry", "size", "name", "encoding", "meaning"], rows)


def render_attribute() -> str:
    sizes = {"key": "`key_size`", "value": "`value_size`"}
    return _table(["offset in pair", "size", "name", "encoding", "meaning"], _struct_rows(s.Attribute, sizes))


def render_string() -> str:
    rows = _struct_rows(s.StringValue, {"text": "capacity = `value_size` - 16"})
    return _table(["offset in value", "size", "name", "encoding", "meaning"], rows)


def render_histogram() -> str:
    rows = _struct_rows(s.HistogramValue, {"buckets": "8 × (n + 1)"})
    return _table(["offset in value", "size", "name", "encoding", "meaning"], rows)


def render_states() -> str:
    return _table(["state", "name", "meaning"], [[str(k), f"`{n}`", m] for k, (n, m) in s.STATES.items()])


def render_kinds() -> str:
    rows = [[str(k), f"`{name}`", storage, ", ".join(f"`{s.VALUE_TYPES[t][0]}`" for t in vts), meaning]
            for k, (name, storage, vts, meaning) in s.KINDS.items()]
    rows.append(["any other", "-", "-", "-", "unknown: readers MUST skip the entry"])
    return _table(["kind", "name", "storage", "value types", "meaning"], rows)


def render_value_types() -> str:
    rows = [[str(k), f"`{name}`", meaning, canonical] for k, (name, _, meaning, canonical) in s.VALUE_TYPES.items()]
    rows.append(["any other", "-", "unknown: readers MUST skip the entry", "-"])
    return _table(["value type", "name", "meaning", "canonical JSON"], rows)


def _max(struct, name) -> int:
    sub = next(x for x in struct.subcons if x.name == name)
    return (1 << (8 * sub.sizeof())) - 1


def render_limits() -> str:
    e, h = s.Entry, s.Header
    rows = [
        ["name (`name_size`)", f"1 to {_max(e, 'name_size')} bytes", "UTF-8; 0 is `bad_name`"],
        ["unit (`unit_size`)", f"0 to {s.UNIT_MAX} bytes", "bytes 0x21 to 0x7e"],
        ["help (`help_size`)", f"0 to {_max(e, 'help_size')} bytes", "UTF-8"],
        ["attributes (`attributes_size`)", f"0 to {_max(e, 'attributes_size')} bytes",
         f"each key 1 to {_max(s.Attribute, 'key_size')} bytes, each value 0 to {_max(s.Attribute, 'value_size')}"],
        ["histogram bounds", f"0 to {_max(e, 'extra_size') // 8}", "finite, strictly increasing f64"],
        ["string capacity", f"0 to {_max(e, 'value_size') // s.ALIGN * s.ALIGN - s.STRING_HEADER_SIZE} bytes, a multiple of {s.ALIGN}",
         "`value_size` - 16"],
        ["regions, offsets, capacities", f"0 to {_max(h, 'meta_offset')}", "u32: a file is at most 4 GiB"],
        ["`slot_count`", f"1 to {_max(h, 'slot_count')}", "slot 0 is the shared slot"],
        ["`field_count`", f"0 to {_max(h, 'field_count')}", "limited in practice by `meta_capacity`"],
        ["numbers", "u64, i64, f64", "integers wrap modulo 2^64"],
        ["sequence", f"0 to {(1 << 64) - 1}", "never wraps in practice (2^63 updates)"],
        ["file size", f"a positive multiple of {s.PAGE_SIZE}",
         "readers SHOULD refuse files over a limit (RECOMMENDED 268435456 bytes) with `file_too_large`"],
    ]
    return _table(["what", "range", "notes"], rows)


def render_errors() -> str:
    return _table(["code", "meaning", "the offset points at"],
                  [[f"`{k}`", meaning, where] for k, (meaning, where) in s.CODES.items()])


# ---------------------------------------------------------------- examples

def _tokens(raw: bytes) -> str:
    out, i = [], 0
    while i < len(raw):
        j = i
        while j < len(raw) and raw[j] == raw[i]:
            j += 1
        n = j - i
        if n >= 4:
            out.append(f"{raw[i]:02x}*{n}")
        else:
            out += [f"{raw[i]:02x}"] * n
        i = j
    return " ".join(out)


def _text(raw: bytes) -> str:
    return json.dumps(raw.decode("utf-8", "replace"), ensure_ascii=False)


def _spans(spec, img) -> list[tuple[int, int, str]]:
    """(offset, size, annotation) of every part of the example file, in file order."""
    from mmstats_conformance.model_v2 import _extra, attrs_bytes  # the builder's own encoding of each part
    spans, off = [], 0
    header = s.Header.parse(bytes(img.data[:s.HEADER_SIZE]))
    for sub in s.Header.subcons:
        v = header[sub.name]
        note = {"version": "02", "magic": '"MMSTATS"',
                "state": f"{v}, {s.STATES[v][0]}" if v in s.STATES else str(v)}.get(sub.name, str(v))
        spans.append((off, sub.sizeof(), f"{sub.name}: {note}" if sub.name != "reserved" else "reserved"))
        off += sub.sizeof()
    for f, at in zip(spec.fields + spec.unpublished, img.entries):
        e = at.start
        entry = s.Entry.parse(bytes(img.data[e:at.end]))
        fixed = 0
        for sub in s.Entry.subcons[:[x.name for x in s.Entry.subcons].index("name")]:
            v = entry[sub.name]
            note = str(v)
            if sub.name == "kind":
                note = f"{v}, {s.KINDS[v][0]}" if v in s.KINDS else f"{v}, unknown: the entry is skipped"
            elif sub.name == "value_type":
                note = f"{v}, {s.VALUE_TYPES[v][0]}" if v in s.VALUE_TYPES else f"{v}, unknown"
            elif sub.name == "value_offset":
                note = f"{v}, in {'each slot' if f.storage == 'slots' else 'the process area'}"
            spans.append((e + fixed, sub.sizeof(), f"{sub.name}: {note}"))
            fixed += sub.sizeof()
        for name, where, raw in (("name", at.name_at, entry.name), ("unit", at.unit_at, entry.unit),
                                 ("help", at.help_at, entry.help)):
            if raw:
                spans.append((where, len(raw), f"{name}: {_text(raw)}"))
        pos = at.attributes_at
        for k, v in (f.attributes if not isinstance(f.attributes, bytes) else ()):
            pair = attrs_bytes(((k, v),))
            spans.append((pos, len(pair), f"attributes: {k}={_text(v.encode())}"))
            pos += len(pair)
        if at.extra_at > pos:
            spans.append((pos, at.extra_at - pos, "padding"))
        for i, bound in enumerate(f.bounds):
            spans.append((at.extra_at + 8 * i, 8, f"extra: bound {i}: {bound!r}"))
        if at.end > at.extra_at + len(_extra(f)):
            spans.append((at.extra_at + len(_extra(f)), at.end - at.extra_at - len(_extra(f)), "tail"))
    for f, at in zip(spec.fields, img.entries):
        copies = range(spec.slot_count) if f.storage == "slots" and f.known else [0]
        for k in copies:
            base = at.value_at + k * at.slot_stride
            where = f"slot {k}, {f.name}" if f.storage == "slots" and f.known else f.name
            if f.kind_name == "histogram":
                raw = bytes(img.data[base:base + f.size()])
                seq, total = struct.unpack_from("<Qd", raw)
                spans.append((base, 8, f"seq: {seq} ({where})"))
                spans.append((base + 8, 8, f"sum: {total!r}"))
                for i in range(len(f.bounds) + 1):
                    n = struct.unpack_from("<Q", raw, 16 + 8 * i)[0]
                    le = repr(f.bounds[i]) if i < len(f.bounds) else "+Inf"
                    spans.append((base + 16 + 8 * i, 8, f"buckets: [{i}] le {le}: {n}"))
            elif f.text:
                seq, length = struct.unpack_from("<QI", img.data, base)
                spans.append((base, 8, f"seq: {seq} ({where})"))
                spans.append((base + 8, 4, f"length: {length}"))
                spans.append((base + 12, 4, "reserved"))
                spans.append((base + 16, f.capacity, f"text: {_text(bytes(img.data[base + 16:base + 16 + length]))}"))
            elif f.known:
                raw = bytes(img.data[base:base + 8])
                fmt = {"u64": "<Q", "i64": "<q", "f64": "<d"}[f.type_name]
                spans.append((base, 8, f"value: {struct.unpack(fmt, raw)[0]!r} ({where})"))
    spans.sort()
    end = img.slots_offset + spec.slot_size * spec.slot_count
    out, pos = [], 0
    for off, size, note in spans:
        if off > pos:
            out.append((pos, off - pos, "unused: zeros"))
        out.append((off, size, note))
        pos = off + size
    if end > pos:
        out.append((pos, end - pos, "unused: zeros"))
    return out


def render_example(name: str) -> str:
    from mmstats_conformance.cases_v2_valid import SPEC_EXAMPLES
    from mmstats_conformance.model import json_text
    from mmstats_conformance.model_v2 import build, expected_json
    spec = SPEC_EXAMPLES[name]
    img = build(spec)
    data = bytes(img.data)
    lines = []
    for off, size, note in _spans(spec, img):
        lines.append((f"{off:04x}: {_tokens(data[off:off + size])}", note))
    width = max(len(a) for a, _ in lines) + 2
    dump = "\n".join(f"{a.ljust(width)}# {b}" for a, b in lines)
    expect = json_text(expected_json(f"{name}.mmstats", spec)).rstrip("\n")
    return (f"```mmstats-hex {name}\n{dump}\n```\n\n"
            f"The file is these {_dumped(lines)} bytes, then zeros up to {len(data)} bytes. "
            f"Its canonical form:\n\n```mmstats-json {name}\n{expect}\n```\n")


def _dumped(lines) -> int:
    total = 0
    for text, _ in lines:
        for tok in text.split(":", 1)[1].split():
            total += int(tok.split("*")[1]) if "*" in tok else 1
    return total


TABLES = {
    "v2-constants": render_constants, "v2-header": render_header, "v2-states": render_states,
    "v2-entry": render_entry, "v2-attribute": render_attribute, "v2-kinds": render_kinds,
    "v2-value-types": render_value_types, "v2-string": render_string, "v2-histogram": render_histogram,
    "v2-errors": render_errors, "v2-limits": render_limits,
    "v2-example-basic": lambda: render_example("basic"),
    "v2-example-histogram": lambda: render_example("histogram"),
}


def splice(text: str) -> str:
    found = [m.group(1) for m in _BLOCK.finditer(text)]
    unknown, missing = sorted(set(found) - set(TABLES)), sorted(set(TABLES) - set(found))
    if unknown or missing:
        raise ValueError(f"generated blocks: unknown {unknown}, missing {missing}")
    return _BLOCK.sub(lambda m: BEGIN.format(m.group(1)) + "\n" + TABLES[m.group(1)]() + END.format(m.group(1)),
                      text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m mmstats_build.spec_v2", description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("spec", nargs="?", default=str(SPEC_PATH))
    args = ap.parse_args(argv)
    path = Path(args.spec)
    text = path.read_text(encoding="utf-8")
    new = splice(text)
    if args.write:
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: generated blocks rewritten")
        return 0
    if new != text:
        print("\n".join(difflib.unified_diff(text.splitlines(), new.splitlines(), str(path), "regenerated",
                                             lineterm="")))
        print(f"{path}: generated blocks are stale; run python -m mmstats_build.spec_v2 --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
