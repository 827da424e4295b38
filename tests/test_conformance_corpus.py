"""The committed conformance corpus: generated, stable, and agreeing with independent decoders.

Expected JSON is produced by the generator from case descriptions; these
tests check it against mmstats_format.read, against construct's parse of the
same bytes, and (interop-0.8) against the real files 0.8 wrote.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import re
import struct
from pathlib import Path

import construct as c
import pytest

import mmstats_format as mf
from mmstats_format.v1 import types
from mmstats_format.errors import CODES
from mmstats_format.scan import scan
from mmstats_format.schema import PAGE_SIZE, UNBUFFERED, File
from mmstats_conformance import generate
from mmstats_conformance.case import ANCHORS
from mmstats_conformance.model import b, pad, record_bytes, u
from mmstats_conformance.simulate import Slot, to_f32, wrap

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "conformance"
MANIFEST = json.loads((ROOT / "manifest.json").read_text("utf-8"))
CASES = MANIFEST["cases"]
# Format version 1 cases; version 2 has its own tests (tests/test_v2_corpus.py).
VALID = [e for e in CASES if e["kind"] == "valid" and e["format_version"] == 1]
INVALID = [e for e in CASES if e["kind"] == "invalid" and e["format_version"] == 1]
WRITER = [e for e in CASES if e["kind"] == "writer" and e["format_version"] == 1]


def ids(entries):
    return [e["id"] for e in entries]


def expected(entry) -> dict:
    return json.loads((ROOT / entry["expect"]).read_text("utf-8"))


# ---------------------------------------------------------------- generation and manifest

def test_committed_corpus_equals_a_fresh_generation():
    out = io.StringIO()
    assert generate.check(ROOT, out) == 0, out.getvalue()


def test_generation_reports_a_changed_file(tmp_path):
    files = {"manifest.json": b"{}\n", "valid/x/y.json": b"1\n"}
    (tmp_path / "valid" / "x").mkdir(parents=True)
    (tmp_path / "valid" / "x" / "y.json").write_bytes(b"2\n")
    (tmp_path / "valid" / "x" / "stale.json").write_bytes(b"3\n")
    assert generate.differences(tmp_path, files) == [
        "missing: manifest.json", "differs: valid/x/y.json", "extra:   valid/x/stale.json"]
    generate.write(tmp_path, files)
    assert generate.differences(tmp_path, files) == []
    assert not (tmp_path / "valid" / "x" / "stale.json").exists()


def test_manifest_is_sorted_unique_and_names_each_case_by_its_path():
    assert ids(CASES) == sorted(ids(CASES))
    assert len(set(ids(CASES))) == len(CASES)
    for e in CASES:
        assert set(e) - {"options"} == {"id", "path", "kind", "format_version", "spec", "description", "expect",
                                        "level"}, e["id"]
        assert e["format_version"] == (2 if e["id"].startswith("v2/") else 1), e["id"]
        assert e["path"].rsplit(".", 1)[0] == e["id"]
        assert (ROOT / e["path"]).is_file(), e["path"]
        assert e["level"] in ("required", "recommended")
        assert e["spec"].startswith("#") and e["description"]
        if e["kind"] == "invalid":
            parts = e["id"].removeprefix("v2/").split("/")
            assert parts[1] == e["expect"]["code"]
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", parts[2]), e["id"]


def test_manifest_header_records_generator_and_schema_hash():
    assert MANIFEST["generator"].startswith("mmstats_conformance ")
    assert MANIFEST["schema_sha256"] == generate.schema_sha256()
    for kind in ("valid", "invalid"):
        assert MANIFEST["counts"][kind] == sum(e["kind"] == kind for e in CASES)


def test_spec_anchors_name_headings_of_the_spec():
    from mmstats_build.spec_examples import slug
    for version in (1, 2):
        spec = REPO / "spec" / f"v{version}.md"
        prose = re.sub(r"^```.*?^```", "", spec.read_text("utf-8"), flags=re.M | re.S)  # no comment lines of dumps
        headings = {"#" + slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.*?)\s*$", prose, re.M)}
        used = {e["spec"] for e in CASES if e["format_version"] == version}
        if version == 1:
            used |= set(ANCHORS.values())
        assert used - headings == set(), version


def test_every_spec_example_is_a_corpus_case():
    from mmstats_build import spec_examples
    examples = spec_examples.examples()
    assert examples
    for name, (data, expect) in examples.items():
        assert (ROOT / "valid" / "spec" / f"{name}.mmstats").read_bytes() == data
        assert mf.diff(expect, json.loads((ROOT / "valid" / "spec" / f"{name}.json").read_text("utf-8"))) == []


# ---------------------------------------------------------------- valid files

@pytest.mark.parametrize("entry", VALID, ids=ids(VALID))
def test_valid_case_reads_to_its_json(entry):
    path = ROOT / entry["path"]
    got = mf.to_canonical(path, mf.read(path))
    assert mf.diff(expected(entry), got, limit=100) == []
    assert mf.validate(path).errors == []


def _construct_decode(data: bytes) -> dict:
    """A second decoder: construct's parse of the schema, then the canonical rules by hand."""
    fields = []
    for r in File.parse(data).records:
        v = r.value[r.write_buffer ^ 1] if r.write_buffer != UNBUFFERED else r.value
        kind = types.lookup(r.type).kind
        if kind == "float":
            v = "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else v
        elif kind == "bool":
            v = v != 0
        elif kind == "string":
            v = bytes(v).split(b"\0", 1)[0].decode("utf-8", "replace")
        fields.append({"label": r.label, "type": r.type, "buffered": r.write_buffer != UNBUFFERED, "value": v})
    return {"path": "", "format_version": 1, "fields": fields}


@pytest.mark.parametrize("entry", VALID, ids=ids(VALID))
def test_construct_parse_agrees_with_the_json(entry):
    got = _construct_decode((ROOT / entry["path"]).read_bytes())
    assert mf.diff(expected(entry), got, limit=100) == []


def test_corpus_covers_every_type_buffered_unbuffered_and_both_write_buffers():
    seen = set()
    for e in VALID:
        data = (ROOT / e["path"]).read_bytes()
        layouts, _ = scan(data)
        for f in layouts:
            code = "<N>s" if f.spec.kind == "string" else f.type
            seen.add((code, data[f.write_buffer_offset]))
    for code in list(types.NUMERIC_TYPES) + ["<N>s"]:
        for wb in (0, 1, UNBUFFERED):
            assert (code, wb) in seen, (code, wb)


# ---------------------------------------------------------------- invalid files

@pytest.mark.parametrize("entry", INVALID, ids=ids(INVALID))
def test_python_validator_reports_the_expected_first_problem(entry):
    path = ROOT / entry["path"]
    report = mf.validate(path, **entry.get("options", {}))
    first = report.errors[0]
    assert (first.code, first.offset) == (entry["expect"]["code"], entry["expect"]["offset"]), str(first)
    with pytest.raises(mf.FormatError) as e:
        mf.read(path, **entry.get("options", {}))
    assert (e.value.code, e.value.offset) == (first.code, first.offset)


@pytest.mark.parametrize("entry", [e for e in INVALID if e["expect"]["code"] != "file_too_large"],
                         ids=ids([e for e in INVALID if e["expect"]["code"] != "file_too_large"]))
def test_construct_rejects_every_invalid_file(entry):
    with pytest.raises((c.ConstructError, UnicodeDecodeError)):
        File.parse((ROOT / entry["path"]).read_bytes())


def test_every_error_code_has_a_case():
    assert {e["expect"]["code"] for e in INVALID} == set(CODES)


def test_invalid_files_are_page_sized_unless_the_size_is_the_defect():
    for e in INVALID:
        size = (ROOT / e["path"]).stat().st_size
        if e["id"] == "invalid/not_ready/empty-file":
            assert size == 0
        elif e["expect"]["code"] == "bad_file_size" or e["id"].endswith("-at-odd-size"):
            assert size % PAGE_SIZE, e["id"]
        else:
            assert size and size % PAGE_SIZE == 0, e["id"]


# ---------------------------------------------------------------- interop-0.8 and golden

def test_interop_cases_are_byte_identical_to_the_real_08_files(interop_dir):
    cases = [e for e in VALID if e["id"].startswith("valid/interop-0.8/")]
    assert len(cases) == len(list(interop_dir.glob("*.mmstats")))
    for e in cases:
        name = Path(e["path"]).name
        assert (ROOT / e["path"]).read_bytes() == (interop_dir / name).read_bytes(), name
        assert mf.diff(json.loads((interop_dir / name).with_suffix(".json").read_text("utf-8")), expected(e)) == []


# Digest of the files 0.8 wrote, taken from the original corpus when it was frozen into golden/:
# SHA-256 over (relative path, NUL, SHA-256 of the bytes) of every file in path order.
GOLDEN_FILES, GOLDEN_DIGEST = 81, "9ef17c63dd1f59bd26340c6c1a9b92813ead97b7ca207062167d5341f55ef429"


def test_golden_copy_is_an_exact_frozen_copy(interop_dir):
    files = sorted(p for p in interop_dir.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(interop_dir).as_posix().encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    assert (len(files), h.hexdigest()) == (GOLDEN_FILES, GOLDEN_DIGEST)


def test_interop_cases_equal_the_golden_copy():
    for e in VALID:
        if e["id"].startswith("valid/interop-0.8/"):
            gold = ROOT / "golden" / "mmstats-0.8" / Path(e["path"]).name
            assert (ROOT / e["path"]).read_bytes() == gold.read_bytes()


def test_generator_never_writes_golden():
    assert not any(rel.startswith("golden/") for rel in generate.build(ROOT))


# ---------------------------------------------------------------- writer scenarios

@pytest.mark.parametrize("entry", WRITER, ids=ids(WRITER))
def test_scenario_image_decodes_to_the_scenario_expectation(entry):
    scenario = json.loads((ROOT / entry["path"]).read_text("utf-8"))
    assert set(scenario) - {"expect_image"} == {"id", "description", "fields", "updates", "expect"}
    assert [f["label"] for f in scenario["expect"]["fields"]] == [f["label"] for f in scenario["fields"]]
    image = entry["expect"]["image"]
    if image is None:
        assert any(u["value"] == "NaN" for u in scenario["updates"])
        return
    path = ROOT / image
    assert mf.validate(path).errors == []
    assert mf.diff(scenario["expect"], mf.to_canonical(path, mf.read(path))) == []


def test_scenarios_cover_every_type_and_the_update_rules():
    types_seen, labels = set(), set()
    for e in WRITER:
        s = json.loads((ROOT / e["path"]).read_text("utf-8"))
        types_seen |= {"<N>s" if f["type"].endswith("s") else f["type"] for f in s["fields"]}
        labels.add(s["id"])
    assert types_seen == set(types.NUMERIC_TYPES) | {"<N>s"}
    assert {"integer-wraparound", "string-truncation-utf8", "string-stale-bytes", "write-buffer-flips",
            "many-updates"} <= labels


# ---------------------------------------------------------------- the generator's own rules

def test_pad_record_has_exactly_the_asked_size():
    for n in range(10, 5000, 7):
        assert len(record_bytes(pad(n), 0)[0]) == n


def test_buffered_description_puts_the_read_value_opposite_the_write_buffer():
    data, lay = record_bytes(b("x", "H", 0x1234, stale=0x5678, wb=0), 0)
    assert data[lay.write_buffer_at] == 0
    assert struct.unpack_from("<HH", data, lay.value_at) == (0x5678, 0x1234)


def test_simulated_updates_follow_the_set_rules():
    spec = types.lookup
    assert wrap(spec("b"), 200) == -56 and wrap(spec("Q"), -1) == 2 ** 64 - 1 and wrap(spec("h"), 40000) == -25536
    assert to_f32(0.1) == 0.10000000149011612 and to_f32(1e39) == math.inf and to_f32(-1e39) == -math.inf
    s = Slot("s", "10s", False)
    s.set("a much longer text")
    s.set("\u2764" * 4)      # 12 bytes: cut to 9 on a character boundary, then one NUL
    assert s.values[0] == "\u2764\u2764\u2764".encode() + b"\0"
    s.set("ab")
    assert s.values[0] == b"ab\0" + "\u2764\u2764\u2764".encode()[3:] + b"\0" and s.texts[0] == "ab"
    q = Slot("q", "Q", True)
    for v in (5, 6, 7):
        q.set(v)
    assert (q.wb, q.values) == (1, [7, 6])
    rec = q.rec()
    assert rec.write_buffer == 1 and rec.values == (7, 6)
    assert u("x", "?", 2).values == (2,)


# ---------------------------------------------------------------- the defaults topic and the Python writer

def test_defaults_cases_are_byte_for_byte_what_the_python_writer_writes(tmp_path, monkeypatch):
    """valid/defaults is authored from a fixed description; the writer with pinned values must agree."""
    mmstats = pytest.importorskip("mmstats")
    defaults = pytest.importorskip("mmstats._defaults")
    monkeypatch.setattr(defaults, "SOURCES", dict(defaults.SOURCES, pid=lambda: 4242, tid=lambda: 4243,
                                                  uid=lambda: 1000, gid=lambda: 1000, created=lambda: 1767225600.125,
                                                  python_version=lambda: "3.12.1 (main, Jan  1 2026, 00:00:00) "
                                                                         "[GCC 13.2.0]"))
    plain = mmstats.MmStats(path=tmp_path, filename="plain.mmstats")

    class App(mmstats.MmStats):
        hits = mmstats.CounterField(label="hits")

    app = App(path=tmp_path, filename="app.mmstats", label_prefix="app.")
    for _ in range(3):
        app.hits.incr()
    plain.flush()
    app.flush()
    assert (tmp_path / "plain.mmstats").read_bytes() == (ROOT / "valid/defaults/python-writer.mmstats").read_bytes()
    assert (tmp_path / "app.mmstats").read_bytes() == (ROOT / "valid/defaults/prefixed.mmstats").read_bytes()
    plain.remove()
    app.remove()
