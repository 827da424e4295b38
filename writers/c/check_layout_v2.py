"""The offsets and codes of mmstats_v2.h against the construct schema (mmstats_format/schema_v2.py).

The C writer names every offset as "previous + size" by hand; this compiles a
program that prints them, computes the same numbers from the schema's structs,
and fails on any difference. Last line: "N passed, N failed"; exit 1 on a failure.

usage: python check_layout_v2.py [CC]
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import construct as c

from mmstats_format import schema_v2 as s

HERE = Path(__file__).resolve().parent


def offsets(struct, stop: str | None = None) -> dict[str, int]:
    """name -> offset of the fields of a construct Struct, up to `stop` or the first field
    after one whose size depends on the data (both included)."""
    out, at = {}, 0
    for sub in struct.subcons:
        out[sub.name] = at
        if sub.name == stop:
            break
        try:
            at += sub.sizeof()
        except c.SizeofError:
            break
    return out


def expected() -> dict[str, int]:
    want = {
        "MMSTATS_V2_FORMAT_VERSION": s.FORMAT_VERSION, "MMSTATS_V2_MINOR": s.MINOR,
        "MMSTATS_V2_PAGE_SIZE": s.PAGE_SIZE, "MMSTATS_V2_ALIGN": s.ALIGN, "MMSTATS_V2_UNIT_MAX": s.UNIT_MAX,
        "MMSTATS_V2_HEADER_SIZE": s.HEADER_SIZE, "MMSTATS_V2_ENTRY_FIXED_SIZE": s.ENTRY_FIXED_SIZE,
        "MMSTATS_V2_MAGIC_SIZE": len(s.MAGIC),
        "MMSTATS_V2_STRING_TEXT_OFFSET": s.STRING_HEADER_SIZE,
        "MMSTATS_V2_HISTOGRAM_BUCKETS_OFFSET": s.HISTOGRAM_HEADER_SIZE,
    }
    for name, at in offsets(s.Header).items():
        want[f"MMSTATS_V2_{name.upper()}_OFFSET"] = at
    for name, at in offsets(s.Entry, stop="name").items():
        want[f"MMSTATS_V2_ENTRY_{'SIZE' if name == 'entry_size' else name.upper()}_OFFSET"] = at
    for name, at in offsets(s.StringValue).items():
        if name in ("seq", "length"):
            want[f"MMSTATS_V2_{'SEQ' if name == 'seq' else 'STRING_LENGTH'}_OFFSET"] = at
    for name, at in offsets(s.HistogramValue).items():
        if name == "sum":
            want["MMSTATS_V2_HISTOGRAM_SUM_OFFSET"] = at
    for cls in (s.Kind, s.ValueType, s.State):  # the C enums use the schema's names
        for name, code in vars(cls).items():
            if name.isupper():
                want[f"MMSTATS_V2_{name}"] = code
    return want


def compiled(cc: str, names: list[str]) -> dict[str, int]:
    lines = "\n".join(f'    printf("%s %llu\\n", "{n}", (unsigned long long)({n}));' for n in names)
    src = f'#include <stdio.h>\n#include "mmstats_v2.h"\nint main(void)\n{{\n{lines}\n    return 0;\n}}\n'
    with tempfile.TemporaryDirectory() as tmp:
        c_file, exe = Path(tmp) / "layout.c", Path(tmp) / "layout"
        c_file.write_text(src)
        subprocess.run([cc, "-std=c99", "-Wall", "-Werror", f"-I{HERE}", str(c_file), "-o", str(exe)], check=True)
        out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


def main(argv: list[str]) -> int:
    cc = argv[1] if len(argv) > 1 else "cc"
    want = expected()
    got = compiled(cc, sorted(want))
    failed = 0
    for name in sorted(want):
        if got[name] != want[name]:
            failed += 1
            print(f"FAIL {name}: mmstats_v2.h says {got[name]}, the schema says {want[name]}")
    print(f"{len(want) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
