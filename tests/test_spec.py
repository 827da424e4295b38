"""spec/v1.md agrees with the schema and with the reader: examples, tables, vocabulary."""
import json
import math
import re
import struct
from pathlib import Path

import pytest

import mmstats_format as m
from mmstats_build import spec_examples, spec_tables
from mmstats_format import errors, schema
from mmstats_format.v1 import types
from mmstats_format.canonical import diff

SPEC = spec_tables.SPEC_PATH
TEXT = SPEC.read_text(encoding="utf-8")
EXAMPLES = spec_examples.load(SPEC)
IDS = [e.name for e in EXAMPLES]


def _prose(text=TEXT) -> str:
    """The spec without its generated tables: what people wrote by hand."""
    return re.sub(r"<!-- BEGIN GENERATED (\S+) -->.*?<!-- END GENERATED \1 -->", "", text, flags=re.S)


def _checked_rows(name: str) -> list[list[str]]:
    """Cells of the rows of a ``<!-- BEGIN CHECKED name -->`` table, backticks removed."""
    m_ = re.search(rf"<!-- BEGIN CHECKED {name} -->\n(.*?)<!-- END CHECKED {name} -->", TEXT, re.S)
    assert m_, f"checked table {name} missing from the spec"
    rows = []
    for line in m_.group(1).splitlines()[2:]:  # header and separator
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append([c[1:-1] if c.startswith("`") and c.endswith("`") else c for c in cells])
    assert rows
    return rows


def _hex(text: str) -> bytes:
    """Bytes of ``HH HH*COUNT`` notation, as the spec defines it (§3); "(nothing)"/"(none)" is empty."""
    if text.startswith("("):
        return b""
    out = bytearray()
    for token in text.split():
        byte, _, count = token.partition("*")
        out += bytes([int(byte, 16)]) * int(count or 1)
    return bytes(out)


def _one_field_file(type_code: str, value: bytes, write_buffer: int = 0xFF) -> bytes:
    """A file holding one record labelled "v", written out byte by byte (not with build.py)."""
    t = type_code.encode("ascii")
    body = b"\x01" + struct.pack("<H", 1) + b"v" + struct.pack("<H", len(t)) + t + bytes([write_buffer]) + value
    return body + bytes(-len(body) % 4096)


# --- the examples -------------------------------------------------------------

def test_spec_has_hex_examples_of_both_kinds():
    """At least two annotated dumps, one mixing buffered and unbuffered records, one with a
    string and a multi-byte label."""
    assert len(EXAMPLES) >= 2
    fields = [f for e in EXAMPLES for f in e.expected["fields"]]
    by_example = {e.name: e.expected["fields"] for e in EXAMPLES}
    assert any({f["buffered"] for f in fs} == {True, False} for fs in by_example.values())
    assert any(any(len(f["label"].encode()) > len(f["label"]) for f in fs)
               and any(f["type"].endswith("s") for f in fs) for fs in by_example.values())
    assert len(fields) >= 10


@pytest.mark.parametrize("ex", EXAMPLES, ids=IDS)
def test_example_is_a_page_multiple_with_the_dump_first(ex):
    assert len(ex.data) % schema.PAGE_SIZE == 0 and len(ex.data) >= len(ex.dump)
    assert ex.data.startswith(ex.dump) and not any(ex.data[len(ex.dump):])
    assert ex.description, "each example starts with a comment line that says what it shows"


@pytest.mark.parametrize("ex", EXAMPLES, ids=IDS)
def test_example_reads_to_its_json(ex, tmp_path):
    path = tmp_path / f"{ex.name}.mmstats"
    path.write_bytes(ex.data)
    got = json.loads(m.dumps(m.to_canonical(path.name, m.read(path))))
    assert diff(ex.expected, got) == []
    assert ex.expected["path"] == path.name


@pytest.mark.parametrize("ex", EXAMPLES, ids=IDS)
def test_example_validates_clean(ex, tmp_path):
    path = tmp_path / f"{ex.name}.mmstats"
    path.write_bytes(ex.data)
    assert m.validate(path).errors == []


def _from_construct(rec) -> dict:
    """Canonical field of a record parsed by construct, converted without the reader's code."""
    buffered = rec.write_buffer != schema.UNBUFFERED
    raw = rec.value[rec.write_buffer ^ 1] if buffered else rec.value
    kind = types.lookup(rec.type).kind
    if kind == "string":
        value = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    elif kind == "bool":
        value = raw != 0
    elif kind == "float" and math.isnan(raw):
        value = "NaN"
    elif kind == "float" and math.isinf(raw):
        value = "Infinity" if raw > 0 else "-Infinity"
    else:
        value = raw
    return {"label": rec.label, "type": rec.type, "buffered": buffered, "value": value}


@pytest.mark.parametrize("ex", EXAMPLES, ids=IDS)
def test_construct_parse_agrees_with_example_json(ex):
    parsed = schema.File.parse(ex.data)
    got = {"format_version": parsed.version, "fields": [_from_construct(r) for r in parsed.records]}
    assert diff(ex.expected, got) == []


@pytest.mark.parametrize("ex", EXAMPLES, ids=IDS)
def test_example_annotations_name_the_field_starting_on_their_line(ex):
    assert spec_examples.check_annotations(ex) == []


def test_examples_api_returns_bytes_and_json_by_name():
    got = spec_examples.examples(SPEC)
    assert list(got) == IDS
    data, expected = got["example-mixed-buffering"]
    assert data[:3] == b"\x01\x08\x00" and len(data) == 4096
    assert expected["fields"][0] == {"label": "requests", "type": "Q", "buffered": True, "value": 18}


def test_example_sections_are_anchors_of_spec_headings():
    anchors = {spec_examples.slug(h) for h in re.findall(r"^#{1,6} (.*)$", TEXT, re.M)}
    assert {e.section for e in EXAMPLES} <= anchors
    assert spec_examples.slug("4.4 Examples: the end of the record list") == "44-examples-the-end-of-the-record-list"


# --- generated tables -------------------------------------------------------------

def test_generated_tables_are_current():
    """Fails when spec/v1.md drifts from the schema: run `python -m mmstats_build.spec_tables --write`."""
    assert spec_tables.drift(SPEC) == []


def test_spec_drifts_when_the_schema_changes(monkeypatch):
    monkeypatch.setitem(errors.CODES, "bad_example_code", ("an error the spec does not know", "byte 0"))
    lines = spec_tables.drift(SPEC)
    assert any(line.startswith("+") and "bad_example_code" in line for line in lines)


def test_check_exits_1_on_drift_and_write_repairs(tmp_path, capsys):
    copy = tmp_path / "v1.md"
    broken = TEXT.replace("| `Q` | 8 | unsigned 64-bit integer |", "| `Q` | 9 | unsigned 64-bit integer |")
    assert broken != TEXT
    copy.write_text(broken, encoding="utf-8")
    assert spec_tables.main(["--check", str(copy)]) == 1
    assert "| `Q` | 9 |" in capsys.readouterr().out
    assert spec_tables.main(["--write", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == TEXT
    assert spec_tables.main(["--check", str(copy)]) == 0


def test_check_refuses_a_spec_missing_a_generated_block(tmp_path):
    copy = tmp_path / "v1.md"
    copy.write_text(TEXT.replace("<!-- BEGIN GENERATED errors -->", ""), encoding="utf-8")
    assert spec_tables.main(["--check", str(copy)]) == 2


def test_type_table_rows_match_struct_sizes():
    """Independent of construct: the size column is what Python's struct says for the code."""
    rows = re.findall(r"^\| `(.+?)` \| (\w+) \|", spec_tables.render("types"), re.M)
    sizes = dict(rows)
    for code in types.NUMERIC_TYPES:
        assert int(sizes[code]) == struct.calcsize("<" + code), code
    assert sizes["<N>s"] == "N"


def test_record_table_lists_schema_fields_in_order_with_their_docs():
    table = spec_tables.render("record")
    names = re.findall(r"^\| [^|]+ \| [^|]+ \| `(\w+)` \|", table, re.M)
    assert names == ["label_size", "label", "type_size", "type", "write_buffer", "value"]
    for sub in schema.Record.subcons:
        assert sub.docs.split(";")[0].replace("BUFFER_COUNT", "BUFFER_COUNT (2)") in table
    assert "| 4 + `label_size` + `type_size` | 1 | `write_buffer` |" in table


# --- vocabulary in the prose -------------------------------------------------------

def test_every_error_code_is_used_in_the_prose():
    prose = _prose()
    missing = [code for code in errors.CODES if f"`{code}`" not in prose]
    assert missing == []


def test_every_type_code_has_a_side_by_side_example():
    seen = {row[0] for row in _checked_rows("canonical-values")}
    assert set(types.NUMERIC_TYPES) <= seen
    assert any(types.string_size(code) is not None for code in seen)


def test_every_schema_field_name_is_used_in_the_prose():
    prose = _prose()
    for sub in list(schema.Record.subcons):
        assert f"`{sub.name}`" in prose, sub.name


def test_opening_follows_the_rfc_conventions():
    head = TEXT[:3000]
    assert "\nVersion: 1\n" in head and "Goal:" in head
    assert "BCP 14" in head and "RFC 2119" in head and "RFC 8174" in head
    for heading in ("Terminology", "Overview", "Writer protocol", "Reader protocol", "What version 1 cannot guarantee",
                    "File naming and lifecycle", "Default fields", "Canonical decoded form", "Errors", "Limitations",
                    "Examples", "Compatibility with mmstats 0.8", "Untested and implementation-defined behaviour",
                    "Versioning and changing this specification"):
        assert re.search(rf"^## {re.escape(heading)}$", TEXT, re.M), heading
    assert (SPEC.parent / "CHANGELOG.md").is_file()


def _anchors() -> list[str]:
    anchors = spec_examples.section_anchors(SPEC)
    body = re.sub(r"^```.*?^```", "", TEXT, flags=re.S | re.M)  # '#' lines in dumps are not headings
    assert anchors == [spec_examples.slug(h) for h in re.findall(r"^#{1,6} (.*)$", body, re.M)]
    return anchors


def test_heading_anchors_are_unique_and_every_internal_link_resolves():
    anchors = _anchors()
    assert len(anchors) == len(set(anchors))
    links = re.findall(r"\]\(#([^)]+)\)", TEXT)
    assert len(links) > 20
    assert sorted(set(links) - set(anchors)) == []


def test_contents_lists_every_section_in_order():
    toc = re.search(r"^## Contents\n\n(.*?)\n\n", TEXT, re.S | re.M).group(1)
    listed = re.findall(r"^- \[(.*)\]\(#(.*)\)$", toc, re.M)
    sections = [h for h in re.findall(r"^## (.*)$", TEXT, re.M) if h != "Contents"]
    assert [title for title, _ in listed] == sections
    assert all(spec_examples.slug(title) == anchor for title, anchor in listed)


def test_conformance_anchors_exist_in_the_spec():
    """The corpus manifest points into the spec by anchor; those anchors must be headings here."""
    case = pytest.importorskip("mmstats_conformance.case")
    anchors = set(_anchors())
    assert sorted({a.lstrip("#") for a in case.ANCHORS.values()} - anchors) == []


# --- checked prose tables ----------------------------------------------------------

CANONICAL_ROWS = _checked_rows("canonical-values")


@pytest.mark.parametrize("row", CANONICAL_ROWS, ids=[f"{r[0]}-{r[1]}" for r in CANONICAL_ROWS])
def test_canonical_value_row_is_what_the_reader_returns(row):
    code, stored, want_json = row[:3]
    data = _one_field_file(code, _hex(stored))
    got = m.to_canonical("t", m.decode_bytes(data))
    want = {"format_version": 1, "fields": [{"label": "v", "type": code, "buffered": False,
                                              "value": json.loads(want_json)}]}
    assert diff(want, got) == []


@pytest.mark.parametrize("row", CANONICAL_ROWS[:3], ids=[r[0] for r in CANONICAL_ROWS[:3]])
def test_canonical_value_row_reads_the_same_buffered(row):
    """Put the row's bytes in value[1] behind write_buffer 0, junk in value[0]: same result."""
    code, stored, want_json = row[:3]
    raw = _hex(stored)
    data = _one_field_file(code, bytes(b ^ 0x5A for b in raw) + raw, write_buffer=0)
    [field] = m.decode_bytes(data)
    assert field.buffered and m.canonical.json_value(field.value) == json.loads(want_json)


@pytest.mark.parametrize("row", _checked_rows("comparison"), ids=lambda r: f"{r[0]}:{r[1]}~{r[2]}")
def test_comparison_row(row):
    code, want, got, equal = row
    assert equal in ("yes", "no")

    def obj(v):
        return {"format_version": 1, "fields": [{"label": "v", "type": code, "buffered": False, "value": json.loads(v)}]}
    assert (diff(obj(want), obj(got)) == []) == (equal == "yes")


ERROR_ROWS = _checked_rows("error-examples")


@pytest.mark.parametrize("row", ERROR_ROWS, ids=[r[2] for r in ERROR_ROWS])
def test_error_example_row(row):
    start, size, problem = row
    code, offset = re.fullmatch(r"`?(\w+)`? at (\d+)", problem).groups()
    data = _hex(start)
    size = int(size)
    data = data[:size] + bytes(max(size - len(data), 0))
    report = m.validate_bytes(data, "row.mmstats")
    assert report.errors, "the row's file must be invalid"
    assert (report.errors[0].code, report.errors[0].offset) == (code, int(offset))
    with pytest.raises(m.FormatError) as e:
        m.decode_bytes(data, "row.mmstats")
    assert (e.value.code, e.value.offset) == (code, int(offset))
    # the fixed part of the message line (spec "Error messages")
    assert re.match(rf"row\.mmstats: offset {offset}: {code}: \S", str(e.value))


def test_error_examples_cover_every_code_found_in_a_file():
    codes = {re.match(r"`?(\w+)", r[2]).group(1) for r in ERROR_ROWS}
    assert codes == set(errors.CODES) - {"file_too_large"}


def test_unicode_maximal_subpart_example_is_stated_exactly():
    assert "`61 F1 80 80 E1 80 C2 62 80 63 80 BF 64`" in TEXT
    assert '`"a\\uFFFD\\uFFFD\\uFFFDb\\uFFFDc\\uFFFD\\uFFFDd"`' in TEXT
    raw = bytes.fromhex("61 F1 80 80 E1 80 C2 62 80 63 80 BF 64")
    assert raw.decode("utf-8", "replace") == "a\ufffd\ufffd\ufffdb\ufffdc\ufffd\ufffdd"


def test_security_section_states_every_rule_with_a_requirement_keyword():
    section = re.search(r"^## Security considerations\n(.*?)^## ", TEXT, re.S | re.M).group(1)
    rules = re.findall(r"^\d+\. \*\*(.*?)\*\*(.*?)(?=^\d+\. \*\*|\Z)", section, re.S | re.M)
    assert [title for title, _ in rules] == [
        "Cleaning.", "Liveness.", "Cost.", "Regular files only.", "Names another user can take.", "Terminal output.",
        "JSON output.", "Descriptors.", "Writers and readers' limits.", "Removing one's own file.", "File modes."]
    assert all(re.search(r"\b(MUST|SHOULD)\b", text) for _, text in rules)
    for needle in ("directory handle", "wall-clock step", "proportional to its size", "O_NONBLOCK", "unpredictable",
                   "C1 controls", "U+FFFD", "RLIMIT_NOFILE", "size limit", "device and inode", "setuid"):
        assert needle in section, needle
