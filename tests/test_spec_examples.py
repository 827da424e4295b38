"""The hex-dump notation of spec/v1.md §3: parsing, and catching dumps that lie."""
import dataclasses

import pytest

from mmstats_build import spec_examples as se

GOOD = '''# Title

## 9.1 A section

```mmstats-hex tiny
# One unbuffered byte.
0000: 01        # version
0001: 01 00     # label_size: 1
0003: 61        # label: "a"
0004: 01 00     # type_size
0006: 42        # type: "B"
0007: ff        # write_buffer: unbuffered
0008: 07        # value: 7
0009: 00 00     # terminator
000b: 00*5      # zero_fill
```

```mmstats-json tiny
{"path": "tiny.mmstats", "format_version": 1,
 "fields": [{"label": "a", "type": "B", "buffered": false, "value": 7}]}
```
'''


def _load(tmp_path, text):
    path = tmp_path / "spec.md"
    path.write_text(text, encoding="utf-8")
    return se.load(path)


def _error(tmp_path, text) -> se.SpecExampleError:
    with pytest.raises(se.SpecExampleError) as e:
        _load(tmp_path, text)
    return e.value


def test_a_well_formed_example_parses(tmp_path):
    [ex] = _load(tmp_path, GOOD)
    assert ex.name == "tiny" and ex.section == "91-a-section" and ex.description == "One unbuffered byte."
    assert ex.dump == bytes.fromhex("01 0100 61 0100 42 ff 07 0000") + bytes(5)
    assert len(ex.data) == 4096 and ex.data.startswith(ex.dump)
    assert ex.expected["fields"][0]["value"] == 7
    assert [line.claim for line in ex.lines] == ["version", "label_size", "label", "type_size", "type",
                                                 "write_buffer", "value", "terminator", "zero_fill"]
    assert se.check_annotations(ex) == []
    assert se.examples(tmp_path / "spec.md") == {"tiny": (ex.data, ex.expected)}


def test_repeat_token_expands(tmp_path):
    [ex] = _load(tmp_path, GOOD)
    assert ex.lines[-1].data == bytes(5)


def test_offset_that_does_not_follow_the_bytes_is_an_error_with_its_line(tmp_path):
    e = _error(tmp_path, GOOD.replace("0006: 42", "0007: 42"))
    assert e.line == 11 and "0x7" in str(e) and "0x6" in str(e)


def test_bad_byte_token_is_an_error(tmp_path):
    e = _error(tmp_path, GOOD.replace("0008: 07", "0008: 7"))
    assert "'7'" in str(e)
    assert "HH*COUNT" in str(_error(tmp_path, GOOD.replace("00*5", "00*0")))


def test_hex_block_without_json_is_an_error(tmp_path):
    text = GOOD[:GOOD.index("```mmstats-json")]
    assert "no mmstats-json" in str(_error(tmp_path, text))


def test_json_block_with_another_name_is_an_error(tmp_path):
    assert "does not follow" in str(_error(tmp_path, GOOD.replace("mmstats-json tiny", "mmstats-json other")))


def test_invalid_json_is_an_error(tmp_path):
    assert "bad JSON" in str(_error(tmp_path, GOOD.replace('"value": 7}', '"value": 7')))


def test_duplicate_example_names_are_an_error(tmp_path):
    body = GOOD[GOOD.index("```mmstats-hex"):]
    assert "used twice" in str(_error(tmp_path, GOOD + "\n" + body))


def test_unclosed_fence_is_an_error(tmp_path):
    assert "not closed" in str(_error(tmp_path, GOOD.rstrip().rstrip("`")))


def test_json_info_string_may_start_with_json(tmp_path):
    [ex] = _load(tmp_path, GOOD.replace("```mmstats-json tiny", "```json mmstats-json tiny"))
    assert ex.name == "tiny"


def _relabel(ex, index, annotation):
    lines = list(ex.lines)
    lines[index] = dataclasses.replace(lines[index], annotation=annotation)
    return dataclasses.replace(ex, lines=lines)


def test_annotation_naming_the_wrong_field_is_caught(tmp_path):
    [ex] = _load(tmp_path, GOOD)
    problems = se.check_annotations(_relabel(ex, 4, "type_size: oops"))
    assert any("claims type_size, but type starts there" in p for p in problems)
    assert any("type at offset 0x6 has no annotation" in p for p in problems)


def test_missing_annotation_is_caught(tmp_path):
    [ex] = _load(tmp_path, GOOD)
    problems = se.check_annotations(_relabel(ex, 6, "seven"))
    assert problems == ["tiny: value at offset 0x8 has no annotation line starting there"]


def test_zero_fill_claimed_inside_the_records_is_caught(tmp_path):
    [ex] = _load(tmp_path, GOOD)
    problems = se.check_annotations(_relabel(ex, 7, "zero_fill"))
    assert any("zero_fill claimed where" in p for p in problems)
    assert any("terminator at offset 0x9 has no annotation" in p for p in problems)


def test_buffered_values_and_empty_strings_need_their_own_lines(tmp_path):
    text = GOOD.replace('''0006: 42        # type: "B"
0007: ff        # write_buffer: unbuffered
0008: 07        # value: 7
0009: 00 00     # terminator
000b: 00*5      # zero_fill''', '''0006: 42        # type: "B"
0007: 01        # write_buffer: 1
0008: 07        # value[0]
0009: 08        # value[1]
000a: 01 00     # label_size
000c: 62        # label
000d: 02 00     # type_size
000f: 30 73     # type: "0s"
0011: ff        # write_buffer
0012:           # value: empty
0012: 00 00     # terminator''').replace(
        '"fields": [{"label": "a", "type": "B", "buffered": false, "value": 7}]',
        '"fields": [{"label": "a", "type": "B", "buffered": true, "value": 7},'
        ' {"label": "b", "type": "0s", "buffered": false, "value": ""}]')
    [ex] = _load(tmp_path, text)
    assert se.check_annotations(ex) == []
    assert [n for _, n in se.field_starts(ex.data)][6:9] == ["value[0]", "value[1]", "label_size"]
    lines = [line for line in ex.lines if line.annotation != "value: empty"]
    assert se.check_annotations(dataclasses.replace(ex, lines=lines)) == [
        "tiny: value at offset 0x12 has no annotation line starting there"]


def test_dump_of_an_invalid_file_is_reported_not_raised(tmp_path):
    [ex] = _load(tmp_path, GOOD.replace("0007: ff", "0007: 05"))
    [problem] = se.check_annotations(ex)
    assert "bad_write_buffer" in problem


def test_slug_is_githubs_anchor():
    assert se.slug("12.5 Examples: numbers and ill-formed strings") == "125-examples-numbers-and-ill-formed-strings"
    assert se.slug("6.4 Strings: `<N>s`") == "64-strings-ns"
