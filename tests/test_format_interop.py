"""Files written by the original mmstats 0.8 read exactly as the JSON its reader returned."""
import json

import pytest

import mmstats_format as m
from mmstats_format import schema
from conftest import INTEROP

FILES = sorted(INTEROP.glob("**/*.mmstats")) if INTEROP.is_dir() else []


def test_interop_corpus_is_present(interop_dir):
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(INTEROP)) for p in FILES])
def test_reads_as_its_json(path):
    want = json.loads(path.with_suffix(".json").read_text())
    got = json.loads(m.dumps(m.to_canonical(path.name, m.read(path))))
    assert m.diff(want, got) == []
    assert got["fields"] == want["fields"] or any(  # textual equality except float spellings
        isinstance(f["value"], float) for f in want["fields"])


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(INTEROP)) for p in FILES])
def test_validates_clean_and_construct_agrees(path):
    assert m.validate(path).errors == []
    parsed = schema.File.parse(path.read_bytes())
    assert [r.label for r in parsed.records] == [f.label for f in m.read(path)]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(INTEROP)) for p in FILES])
def test_re_reader_returns_the_same_values(path):
    with m.StatsReader(path) as r:
        fast = [m.canonical.json_value(v) for v in r.read()]
    assert fast == [m.canonical.json_value(f.value) for f in m.read(path)]


def test_invalid_utf8_string_reads_with_replacement_character(interop_dir):
    fields = {f.label: f.value for f in m.read(interop_dir / "string-invalid-utf8.mmstats")}
    assert fields["str.cut_bytes"] == "abcdef\ufffd"
    assert fields["str.cut_text"] == "abcdef"


def test_re_reader_takes_a_newer_copy_when_a_write_buffer_flips(tmp_path):
    import os
    from mmstats_format.reread import StatsReader
    p = tmp_path / "flip.mmstats"
    p.write_bytes(m.build_file([m.record("n", "Q", [10, 20], write_buffer=0)]))  # reads value[1] == 20
    r = StatsReader(p)
    assert r.read() == [20]
    real_copy, calls = r._copy, []

    def copy_with_writer_in_between(buf):
        out = real_copy(buf)
        calls.append(1)
        if len(calls) == 1:  # the writer stores value[0] = 30 and flips, right after our first copy
            with open(p, "r+b") as f:
                f.seek(r.layout.fields[0].value_offset)
                f.write((30).to_bytes(8, "little"))
                f.seek(r.layout.fields[0].write_buffer_offset)
                f.write(b"\x01")
        return out

    r._copy = copy_with_writer_in_between
    r.layout.reread_plan = None  # the Python path; the compiled re-read's re-check: test_compiled_decode.py
    assert r.read() == [30] and len(calls) == 3  # first copy, a newer one that flipped, one that agreed
    os.unlink(p)
