"""Format version 2: the corpus, the Python decoder and validator, the spec's examples.

Expected JSON comes from the case tables (mmstats_conformance/model_v2.py);
here it is checked against mmstats_format (the construct-free reader), and
against a second decoder written with construct's parse of the schema.
"""
from __future__ import annotations

import json
import math
import os
import re
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mmstats_format as mf
from mmstats_build import spec_v2
from mmstats_format import v2 as _v2
from mmstats_format import schema_v2 as s

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "conformance"
CASES = [e for e in json.loads((ROOT / "manifest.json").read_text("utf-8"))["cases"] if e["format_version"] == 2]
VALID = [e for e in CASES if e["kind"] == "valid"]
INVALID = [e for e in CASES if e["kind"] == "invalid"]


def ids(entries):
    return [e["id"] for e in entries]


def expected(entry) -> dict:
    return json.loads((ROOT / entry["expect"]).read_text("utf-8"))


def test_every_v2_case_lives_under_v2_and_says_so():
    assert VALID and INVALID
    for e in CASES:
        if e["kind"] == "writer":
            assert e["id"].startswith("v2/writer-scenarios/") and e["path"] == e["id"] + ".json"
        else:
            assert e["id"].startswith(f"v2/{e['kind']}/") and e["path"] == e["id"] + ".mmstats"


@pytest.mark.parametrize("entry", VALID, ids=ids(VALID))
def test_valid_case_reads_to_its_json(entry):
    path = ROOT / entry["path"]
    got = mf.to_canonical(path, mf.read(path))
    assert mf.diff(expected(entry), got, limit=100) == []
    assert mf.diff(expected(entry), mf.to_canonical(path, mf.decode_bytes(path.read_bytes()))) == []
    assert mf.validate(path).errors == []


@pytest.mark.parametrize("entry", INVALID, ids=ids(INVALID))
def test_invalid_case_gives_its_code_and_offset(entry):
    path, opts = ROOT / entry["path"], entry.get("options", {})
    want = (entry["expect"]["code"], entry["expect"]["offset"])
    report = mf.validate(path, **opts)
    assert report.errors and (report.errors[0].code, report.errors[0].offset) == want, report.errors
    with pytest.raises(mf.FormatError) as e:
        mf.read(path, **opts)
    assert (e.value.code, e.value.offset) == want
    assert str(e.value).startswith(f"{path}: offset {want[1]}: {want[0]}: ")


def test_every_v2_error_code_has_a_case():
    assert {e["expect"]["code"] for e in INVALID} == set(s.CODES)


def test_corpus_covers_every_kind_value_type_and_topic():
    seen = {(f["kind"], f["type"]) for e in VALID for f in expected(e)["fields"]}
    allowed = {(s.KINDS[k][0], s.VALUE_TYPES[t][0]) for k, (_, _, vts, _) in s.KINDS.items() for t in vts}
    assert seen == allowed
    topics = {e["id"].split("/")[2] for e in VALID}
    assert {"spec", "kinds", "units", "attributes", "slots", "runtime", "capacity", "seqlock", "skip"} <= topics
    assert any(f["value"] is None for e in VALID for f in expected(e)["fields"])  # a writer died mid-update


# ---------------------------------------------------------------- a second decoder, with construct

def _json_float(v):
    return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else v


def construct_decode(data: bytes) -> dict:
    """The canonical form by construct's parse of the schema and the spec's rules, without mmstats_format."""
    h = s.Header.parse(data[:s.HEADER_SIZE])
    fields, e = [], h.meta_offset
    for _ in range(h.field_count):
        entry = s.Entry.parse(data[e:e + struct.unpack_from("<I", data, e)[0]])
        e += entry.entry_size
        if entry.kind not in s.KINDS or entry.value_type not in s.VALUE_TYPES:
            continue
        name, storage, _, _ = s.KINDS[entry.kind]
        vt = s.VALUE_TYPES[entry.value_type][0]
        if storage == "slots":
            copies = [h.slots_offset + k * h.slot_size + entry.value_offset for k in range(h.slots_used)]
        else:
            copies = [h.process_offset + entry.value_offset]
        if name == "histogram":
            bounds = [struct.unpack("<d", entry.extra[i:i + 8])[0] for i in range(0, len(entry.extra), 8)]
            parts = [s.HistogramValue.parse(data[at:at + entry.value_size], bucket_count=len(bounds) + 1)
                     for at in copies]
            if any(p.seq % 2 for p in parts):
                value = None
            else:
                counts = [sum(col) % 2 ** 64 for col in zip(*(p.buckets for p in parts))]
                total = parts[0].sum
                for p in parts[1:]:
                    total += p.sum
                cum = [sum(counts[:i + 1]) for i in range(len(counts))]
                value = {"count": cum[-1], "sum": _json_float(total),
                         "buckets": [{"le": _json_float(b), "count": c} for b, c in zip(bounds + [math.inf], cum)]}
        elif vt == "utf8":
            v = s.StringValue.parse(data[copies[0]:copies[0] + entry.value_size],
                                    capacity=entry.value_size - s.STRING_HEADER_SIZE)
            value = None if v.seq % 2 else v.text[:v.length].decode("utf-8", "replace")
        else:
            nums = [struct.unpack("<" + {"u64": "Q", "i64": "q", "f64": "d"}[vt], data[at:at + 8])[0] for at in copies]
            if vt == "f64":
                value = nums[0]
                for x in nums[1:]:
                    value += x
                value = _json_float(value)
            else:
                value = sum(nums) % 2 ** 64
                if vt == "i64" and value >= 2 ** 63:
                    value -= 2 ** 64
        attrs = {a.key.decode(): a.value.decode() for a in s.Attributes.parse(entry.attributes)}
        fields.append({"label": entry.name.decode(), "kind": name, "type": vt, "unit": entry.unit.decode(),
                       "help": entry.help.decode(), "attributes": attrs, "value": value})
    return {"path": "", "format_version": 2, "minor": h.minor, "state": s.STATES[h.state][0], "pid": h.pid,
            "start_ticks": h.start_ticks, "created_unix_ns": h.created_unix_ns,
            "heartbeat_unix_ns": h.heartbeat_unix_ns, "heartbeat_interval_ms": h.heartbeat_interval_ms,
            "overflow_count": h.overflow_count, "fields": fields}


@pytest.mark.parametrize("entry", VALID, ids=ids(VALID))
def test_construct_parse_agrees_with_the_json(entry):
    assert mf.diff(expected(entry), construct_decode((ROOT / entry["path"]).read_bytes()), limit=100) == []


# ---------------------------------------------------------------- hostile input

SAMPLES = [ROOT / "v2/valid/spec/basic.mmstats", ROOT / "v2/valid/spec/histogram.mmstats",
           ROOT / "v2/valid/attributes/several.mmstats"]


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_truncation_at_every_byte_is_a_clean_error(path):
    data = path.read_bytes()
    for n in range(len(data)):
        with pytest.raises(mf.FormatError) as e:
            _v2.decode(data[:n])
        want = ("not_ready", 0) if n == 0 else ("bad_file_size", n)
        assert (e.value.code, e.value.offset) == want, n
    assert [(x.code, x.offset) for x in _v2.problems(data + b"\0")] == [("bad_file_size", len(data) + 1)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SAMPLES), st.lists(st.tuples(st.integers(0, 4095), st.integers(0, 255)), min_size=1,
                                          max_size=6))
def test_corrupted_bytes_never_crash_the_decoder_or_the_validator(path, changes):
    data = bytearray(path.read_bytes())
    for at, byte in changes:
        data[at] = byte
    errors = _v2.problems(bytes(data))
    try:
        _v2.decode(bytes(data))
    except mf.FormatError as e:
        assert errors and (e.code, e.offset) == (errors[0].code, errors[0].offset)
    else:
        assert errors == []


# ---------------------------------------------------------------- the reader protocol on copies

def _image(seq: int, text: bytes) -> bytes:
    from mmstats_conformance.model_v2 import Field2, File2, build
    return bytes(build(File2(fields=(Field2("s", "string", "utf8", value=text, capacity=8, seq=seq),))).data)


def _read_copies(monkeypatch, tmp_path, copies):
    """mf.read of a file that is ``copies[0]`` at the first read and ``copies[k]`` at the k-th pread."""
    path = tmp_path / "x.mmstats"
    path.write_bytes(copies[0])
    later = iter(copies[1:])
    monkeypatch.setattr(os, "pread", lambda fd, n, off: next(later)[off:off + n])
    monkeypatch.setattr("mmstats_format._fileio.open_copies", None)  # the second copy by os.pread too
    return mf.read(path)[0].value


def test_reader_takes_the_middle_copy_when_the_sequences_around_it_agree(monkeypatch, tmp_path):
    a, b = _image(4, b"old"), _image(4, b"new")  # same even sequence around the payload copy
    assert _read_copies(monkeypatch, tmp_path, [a, b, a]) == "new"


def test_reader_retries_when_the_sequence_moved_during_the_payload_copy(monkeypatch, tmp_path):
    torn, done = _image(5, b"nXw"), _image(6, b"new")
    # A (seq 4), B (torn, seq 5), C (seq 6): rejected; then the value alone: sequence 6, "new", sequence 6
    got = _read_copies(monkeypatch, tmp_path, [_image(4, b"old"), torn, done, done, done, done])
    assert got == "new"


def test_reader_gives_none_when_the_sequence_stays_odd(monkeypatch, tmp_path):
    stuck = _image(7, b"hal")
    # exactly the bound: copies A, B, C, then three small reads per retry (one more would raise StopIteration)
    assert _read_copies(monkeypatch, tmp_path, [stuck] * (3 + 3 * _v2.RETRIES)) is None


def test_reader_does_not_retry_an_odd_sequence_in_a_closed_file(monkeypatch, tmp_path):
    from mmstats_conformance.model_v2 import Field2, File2, build
    closed = bytes(build(File2(fields=(Field2("s", "string", "utf8", value=b"x", capacity=8, seq=3),),
                               state=2)).data)
    assert _read_copies(monkeypatch, tmp_path, [closed] * 3) is None


# ---------------------------------------------------------------- the spec's examples

def _dumps(text: str) -> dict[str, tuple[bytes, dict]]:
    """{name: (bytes, JSON)} of the spec's mmstats-hex / mmstats-json blocks, parsed here independently."""
    out = {}
    for name, body in re.findall(r"```mmstats-hex (\S+)\n(.*?)```", text, re.S):
        data, pos = bytearray(), 0
        for line in body.splitlines():
            raw, _, _ = line.partition("#")
            if not raw.strip():
                continue
            off, _, tokens = raw.partition(":")
            assert int(off, 16) == pos, (name, line)
            for t in tokens.split():
                byte, _, count = t.partition("*")
                data += bytes([int(byte, 16)]) * int(count or 1)
            pos = len(data)
        js = re.search(r"```mmstats-json " + re.escape(name) + r"\n(.*?)```", text, re.S).group(1)
        out[name] = (bytes(data) + bytes(-len(data) % s.PAGE_SIZE), json.loads(js))
    return out


def test_spec_examples_are_corpus_cases_byte_for_byte():
    examples = _dumps((REPO / "spec" / "v2.md").read_text("utf-8"))
    assert set(examples) == {"basic", "histogram"}
    for name, (data, want) in examples.items():
        case = ROOT / "v2" / "valid" / "spec" / name
        assert case.with_suffix(".mmstats").read_bytes() == data
        assert mf.diff(want, json.loads(case.with_suffix(".json").read_text("utf-8"))) == []


def test_spec_generated_blocks_are_current():
    assert spec_v2.main(["--check"]) == 0


def test_spec_anchors_and_error_table_name_every_code():
    text = (REPO / "spec" / "v2.md").read_text("utf-8")
    for code in s.CODES:
        assert f"`{code}`" in text, code


# ---------------------------------------------------------------- random files: builder, decoder, construct agree

_U64 = st.integers(0, 2 ** 64 - 1)
_I64 = st.integers(-(2 ** 63), 2 ** 63 - 1)
_F64 = st.floats(allow_nan=False, width=64)
_TEXT = st.text(max_size=6)
_ALLOWED = {name: [s.VALUE_TYPES[t][0] for t in types] for name, _, types, _ in s.KINDS.values()}


@st.composite
def _field(draw, slots):
    from mmstats_conformance.model_v2 import Field2
    kind = draw(st.sampled_from(["counter", "gauge", "updown_counter", "constant", "string", "histogram"]))
    name = draw(st.text(min_size=1, max_size=10))
    common = {"unit": draw(st.sampled_from(["", "ms", "By", "{request}"])), "help": draw(_TEXT),
              "attributes": tuple(draw(st.dictionaries(st.text(min_size=1, max_size=4), _TEXT, max_size=2)).items())}
    if kind == "histogram":
        bounds = tuple(sorted(set(draw(st.lists(st.floats(-1e6, 1e6), max_size=3)))))
        copies = tuple((draw(_F64), tuple(draw(st.lists(st.integers(0, 1000), min_size=len(bounds) + 1,
                                                        max_size=len(bounds) + 1))), 2 * draw(st.integers(0, 9)))
                       for _ in range(slots))
        return Field2(name, kind, "f64", bounds=bounds, slots=copies, **common)
    if kind in ("string",) or (kind == "constant" and draw(st.booleans())):
        text = draw(_TEXT)
        return Field2(name, kind, "utf8", value=text, capacity=8 * (len(text.encode()) // 8 + 1),
                      seq=2 * draw(st.integers(0, 5)) if kind == "string" else 0, **common)
    vt = draw(st.sampled_from([t for t in _ALLOWED[kind] if t != "utf8"]))
    num = {"u64": _U64, "i64": _I64, "f64": _F64}[vt]
    if kind in ("counter", "updown_counter"):
        return Field2(name, kind, vt, slots=tuple(draw(num) for _ in range(slots)), **common)
    return Field2(name, kind, vt, value=draw(num), **common)


@st.composite
def _files(draw):
    from mmstats_conformance.model_v2 import File2
    count = draw(st.integers(1, 4))
    used = draw(st.integers(1, count))
    fields = tuple(draw(st.lists(_field(count), max_size=5)))
    return File2(fields=fields, slot_count=count, slots_used=used, meta_capacity=2048, process_capacity=512,
                 slot_size=512, state=draw(st.sampled_from([1, 2])))


@settings(max_examples=150, deadline=None)
@given(_files())
def test_random_files_decode_as_their_description_says(spec):
    from mmstats_conformance.model_v2 import build, expected_json
    data = bytes(build(spec).data)
    want = expected_json("", spec)
    assert _v2.problems(data) == []
    assert mf.diff(want, mf.to_canonical("", _v2.decode(data)), limit=100) == []
    assert mf.diff(want, mf.to_canonical("", mf.decode_bytes(data)), limit=100) == []  # the compiled layout
    assert mf.diff(want, construct_decode(data), limit=100) == []
