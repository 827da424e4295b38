"""Generate conformance/ (valid/, invalid/, writer-scenarios/, oracles/, manifest.json) deterministically.

`generate` writes the tree; `generate --check` exits 1 when the committed tree
differs from a fresh generation. golden/ is frozen: it is listed in the
manifest but never written here.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from mmstats_format import schema, schema_v2
from mmstats_format.v1 import types
from mmstats_format.errors import CODES

from . import GENERATOR_VERSION
from .case import anchor
from .cases_interop import interop_cases
from .cases_invalid import invalid_cases
from .cases_valid import valid_cases
from .generate_v2 import v2_files
from .model import assemble, expected_json, json_text
from .oracles import oracle_files
from .scenarios import expected_image, scenario_json, scenario_text, scenarios
from .spec_cases import spec_cases

__all__ = ["build", "write", "check", "schema_sha256", "GENERATED"]

GENERATED = ("valid", "invalid", "writer-scenarios", "oracles", "v2", "manifest.json")
GOLDEN = "golden/mmstats-0.8"


def schema_sha256() -> str:
    """Hash of the schema source (the construct schema and the type table)."""
    h = hashlib.sha256()
    for mod in (schema, types, schema_v2):
        h.update(Path(mod.__file__).read_bytes())
    return h.hexdigest()


def _entry(id, path, kind, spec, description, expect, level="required", format_version=1, **extra) -> dict:
    e = {"id": id, "path": path, "kind": kind, "format_version": format_version, "spec": spec,
         "description": description, "expect": expect, "level": level}
    e.update({k: v for k, v in extra.items() if v})
    return e


def _golden_entries(root: Path) -> list[dict]:
    base = root / GOLDEN
    out = []
    for p in sorted(base.rglob("*.mmstats")) if base.is_dir() else []:
        rel = p.relative_to(root).with_suffix("").as_posix()
        origin = "unmodified 0.8 under CPython 2.7" if "cpython2.7" in rel else "0.8 writer logic under CPython 3"
        out.append(_entry(rel, rel + ".mmstats", "valid", anchor("golden"),
                          f"frozen file written by {origin}: {p.stem}", rel + ".json"))
    return out


def build(root: Path) -> dict[str, bytes]:
    """Every generated file, by path relative to ``root``."""
    files: dict[str, bytes] = {}
    entries: list[dict] = []

    def valid(id, data, expect, description, level="required", spec=None):
        path = f"{id}.mmstats"
        files[path] = data
        files[f"{id}.json"] = json_text(dict(expect, path=path)).encode("utf-8")
        entries.append(_entry(id, path, "valid", spec or anchor(id.split("/")[1]), description, f"{id}.json", level))

    for c in valid_cases() + interop_cases():
        valid(c.id, assemble(c.recs, tail=c.tail).data, expected_json("", c.recs), c.description, c.level)
    spec_valid, spec_invalid = spec_cases(root.parent / "spec" / "v1.md")
    for c in spec_valid:
        valid(c.id, c.data, c.expect, c.note, spec=c.section or anchor("spec"))
    for c in invalid_cases() + spec_invalid:
        path = f"{c.id}.mmstats"
        files[path] = c.data
        entries.append(_entry(c.id, path, "invalid", anchor(c.code), c.description,
                              {"code": c.code, "offset": c.offset}, c.level, options=c.options))
    for s in scenarios():
        path = f"{s.id}.json"
        obj = scenario_json(s)
        text = scenario_text(obj)
        if json.loads(text) != obj:
            raise ValueError(f"{s.id}: scenario text does not round-trip")
        files[path] = text.encode("utf-8")
        image = expected_image(s)
        if image is not None:
            files[f"{s.id}.mmstats"] = image
        entries.append(_entry(s.id, path, "writer", anchor("writer"), s.description,
                              {"json": path, "image": f"{s.id}.mmstats" if image is not None else None}, s.level))
    entries += _golden_entries(root)
    files.update(v2_files(lambda *a, **kw: entries.append(_entry(*a, format_version=2, **kw))))

    ids = [e["id"] for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"duplicate case ids: {dupes}")
    entries.sort(key=lambda e: e["id"])
    counts = {kind: sum(e["kind"] == kind for e in entries) for kind in ("valid", "invalid", "writer")}
    codes = {code: sum(e["kind"] == "invalid" and e["expect"]["code"] == code for e in entries) for code in CODES}
    manifest = {
        "generator": f"mmstats_conformance {GENERATOR_VERSION}",
        "format_version": schema.FORMAT_VERSION,
        "schema_sha256": schema_sha256(),
        "counts": dict(counts, invalid_by_code=codes),
        "cases": entries,
    }
    files["manifest.json"] = json_text(manifest).encode("utf-8")
    files.update(oracle_files())
    return files


def _existing(root: Path) -> dict[str, Path]:
    out = {}
    for name in GENERATED:
        p = root / name
        if p.is_file():
            out[name] = p
        elif p.is_dir():
            out.update({f.relative_to(root).as_posix(): f for f in p.rglob("*") if f.is_file()})
    return out


def differences(root: Path, files: dict[str, bytes]) -> list[str]:
    have = _existing(root)
    out = [f"missing: {rel}" for rel in sorted(files) if rel not in have]
    out += [f"differs: {rel}" for rel in sorted(files) if rel in have and have[rel].read_bytes() != files[rel]]
    out += [f"extra:   {rel}" for rel in sorted(have) if rel not in files]
    return out


def write(root: Path, files: dict[str, bytes]) -> int:
    """Write what changed, delete generated files no longer generated; returns files touched."""
    touched = 0
    for rel, data in sorted(files.items()):
        p = root / rel
        if p.is_file() and p.read_bytes() == data:
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        touched += 1
    for rel, p in _existing(root).items():
        if rel not in files:
            p.unlink()
            touched += 1
    for name in GENERATED:  # drop directories emptied by renames
        d = root / name
        if d.is_dir():
            for sub in sorted((s for s in d.rglob("*") if s.is_dir()), key=lambda s: -len(s.parts)):
                if not any(sub.iterdir()):
                    sub.rmdir()
    return touched


def check(root: Path, out=sys.stdout) -> int:
    files = build(root)
    diffs = differences(root, files)
    for line in diffs[:30]:
        print(f"  {line}", file=out)
    if len(diffs) > 30:
        print(f"  ... and {len(diffs) - 30} more", file=out)
    if diffs:
        print(f"generate --check: {len(diffs)} file(s) differ from a fresh generation; "
              f"run `python -m mmstats_conformance generate` and commit", file=out)
        return 1
    print(f"generate --check: {len(files)} files match a fresh generation", file=out)
    return 0
