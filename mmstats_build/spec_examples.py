"""The annotated hex dumps of spec/v1.md, as bytes and expected canonical JSON.

Every example in the spec is a fenced block with info string
``mmstats-hex NAME`` followed by a fenced block ``mmstats-json NAME``. The
conformance generator turns each into conformance/valid/spec/NAME.mmstats and
NAME.json, so the prose and the corpus cannot disagree.

Dump syntax (also stated in the spec, section "Hex dump notation"):

    # a comment line; the comment lines before the first byte describe the example
    OFFSET: HH HH HH*COUNT ...   # annotation

OFFSET is hexadecimal and MUST equal the number of bytes on the lines before.
``HH`` is one byte in hexadecimal; ``HH*COUNT`` is that byte COUNT times
(COUNT decimal). An annotation that starts with a field name (see FIELD_NAMES)
followed by ``:`` or the end of the line says "this line starts that field";
check_annotations() proves each such claim against the bytes. The dumped
bytes are zero-filled to the next multiple of PAGE_SIZE.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from mmstats_format.scan import scan
from mmstats_format.schema import BUFFER_COUNT, PAGE_SIZE
from mmstats_format.v1 import offsets as o

__all__ = ["SPEC_PATH", "FIELD_NAMES", "DumpLine", "Example", "SpecExampleError",
           "load", "examples", "field_starts", "check_annotations", "slug", "section_anchors"]

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "v1.md"

# Names an annotation may claim; "terminator" is the zero label size that ends the
# record list, "zero_fill" any line after it.
FIELD_NAMES = ("version", "label_size", "label", "type_size", "type", "write_buffer",
               "value", "value[0]", "value[1]", "terminator", "zero_fill")

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*(.*)$")
_HEX_INFO = re.compile(r"^mmstats-hex\s+([a-z0-9][a-z0-9-]*)\s*$")
_JSON_INFO = re.compile(r"^(?:json\s+)?mmstats-json\s+([a-z0-9][a-z0-9-]*)\s*$")
_LINE = re.compile(r"^([0-9a-fA-F]+):(.*)$")
_TOKEN = re.compile(r"^([0-9a-fA-F]{2})(?:\*([1-9][0-9]*))?$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CLAIM = re.compile(r"^(" + "|".join(re.escape(n) for n in FIELD_NAMES) + r")(?::|$)")


class SpecExampleError(ValueError):
    """An example block of the spec is malformed: ``spec:line: message``."""

    def __init__(self, path, line: int, message: str):
        self.path, self.line = str(path), line
        super().__init__(f"{path}:{line}: {message}")


@dataclass(frozen=True)
class DumpLine:
    lineno: int          # line number in the spec file (1-based)
    offset: int          # the OFFSET written on the line
    data: bytes
    annotation: str      # text after '#', stripped ('' when none)

    @property
    def claim(self) -> str | None:
        """The field this line says it starts, or None for a continuation."""
        m = _CLAIM.match(self.annotation)
        return m.group(1) if m else None


@dataclass(frozen=True)
class Example:
    name: str
    section: str         # GitHub anchor of the heading the example sits under
    description: str
    dump: bytes          # the bytes as dumped
    expected: dict       # the canonical JSON object of the mmstats-json block
    lines: list = field(default_factory=list)
    hex_line: int = 0    # line of the opening fence

    @property
    def data(self) -> bytes:
        """The example file: the dump zero-filled to the next multiple of PAGE_SIZE."""
        return self.dump + bytes(-len(self.dump) % PAGE_SIZE)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def section_anchors(spec_path=SPEC_PATH) -> list[str]:
    """GitHub anchors of every heading of the spec, in order (for links such as a manifest's ``spec``)."""
    anchors, fence = [], None
    for line in Path(spec_path).read_text(encoding="utf-8").splitlines():
        m = _FENCE.match(line)
        if m and (fence is None or line.startswith(fence)):
            fence = m.group(1) if fence is None else None
            continue
        h = _HEADING.match(line) if fence is None else None
        if h:
            anchors.append(slug(h.group(2)))
    return anchors


def _blocks(path, lines):
    """(info string, first content line number, content lines, heading anchor) of each fenced block."""
    i, section = 0, ""
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            h = _HEADING.match(lines[i])
            if h:
                section = slug(h.group(2))
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise SpecExampleError(path, start + 1, "fenced block is not closed")
        i += 1
        yield info, start + 1, body, section


def _parse_dump(path, first_line, body):
    out, description, pos = [], [], 0
    for k, raw in enumerate(body):
        lineno = first_line + 1 + k
        text, _, note = raw.partition("#")
        text, note = text.strip(), note.strip()
        if not text:
            if note and not out:
                description.append(note)
            continue
        m = _LINE.match(text)
        if not m:
            raise SpecExampleError(path, lineno, f"expected 'OFFSET: bytes', got {text!r}")
        offset = int(m.group(1), 16)
        if offset != pos:
            raise SpecExampleError(path, lineno, f"offset 0x{offset:x} written, but the bytes before end at 0x{pos:x}")
        data = bytearray()
        for token in m.group(2).split():
            t = _TOKEN.match(token)
            if not t:
                raise SpecExampleError(path, lineno, f"bad byte token {token!r}; want HH or HH*COUNT")
            data += bytes([int(t.group(1), 16)]) * int(t.group(2) or 1)
        out.append(DumpLine(lineno, offset, bytes(data), note))
        pos += len(data)
    return out, " ".join(description)


def load(spec_path=SPEC_PATH) -> list[Example]:
    """Every example of the spec, in document order."""
    path = Path(spec_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    pending = None  # (name, hex line, dump lines, description, section)
    for info, lineno, body, section in _blocks(path, lines):
        hx, js = _HEX_INFO.match(info), _JSON_INFO.match(info)
        if pending and not js:
            raise SpecExampleError(path, lineno, f"example {pending[0]!r} has no mmstats-json block after it")
        if hx:
            if any(e.name == hx.group(1) for e in found):
                raise SpecExampleError(path, lineno, f"example name {hx.group(1)!r} used twice")
            dump_lines, description = _parse_dump(path, lineno, body)
            pending = (hx.group(1), lineno, dump_lines, description, section)
        elif js:
            if not pending or pending[0] != js.group(1):
                raise SpecExampleError(path, lineno, f"mmstats-json {js.group(1)!r} does not follow mmstats-hex {js.group(1)!r}")
            try:
                expected = json.loads("\n".join(body))
            except ValueError as e:
                raise SpecExampleError(path, lineno, f"bad JSON: {e}") from None
            name, hex_line, dump_lines, description, section = pending
            dump = b"".join(d.data for d in dump_lines)
            found.append(Example(name, section, description, dump, expected, dump_lines, hex_line))
            pending = None
    if pending:
        raise SpecExampleError(path, pending[1], f"example {pending[0]!r} has no mmstats-json block after it")
    return found


def examples(spec_path=SPEC_PATH) -> dict[str, tuple[bytes, dict]]:
    """{name: (file bytes zero-filled to a PAGE_SIZE multiple, expected canonical JSON object)}."""
    return {e.name: (e.data, e.expected) for e in load(spec_path)}


def field_starts(data: bytes) -> list[tuple[int, str]]:
    """(offset, field name) of every field of a valid file, in file order (a "0s" value too).

    Derived from the scanner's layouts and the schema's offsets, not from the
    annotations, so the annotations can be checked against it.
    """
    return _starts_and_end(data)[0]


def _starts_and_end(data: bytes):
    layouts, errors = scan(data)
    if errors:
        raise ValueError(f"not a valid file: {errors[0]}")
    starts = [(o.VERSION_OFFSET, "version")]
    end = o.FIRST_RECORD_OFFSET
    for f in layouts:
        label_size = len(f.label.encode("utf-8"))
        type_size = f.write_buffer_offset - (f.offset + o.type_offset(label_size))
        starts += [(f.offset + o.LABEL_SIZE_OFFSET, "label_size"), (f.offset + o.LABEL_OFFSET, "label"),
                   (f.offset + o.type_size_offset(label_size), "type_size"),
                   (f.offset + o.type_offset(label_size), "type"), (f.write_buffer_offset, "write_buffer")]
        if f.buffered:
            starts += [(o.buffer_offset(f.value_offset, f.spec.size, i), f"value[{i}]") for i in range(BUFFER_COUNT)]
        else:
            starts.append((f.value_offset, "value"))
        assert type_size == len(f.type)
        end = f.end
    if len(data) - end >= o.LABEL_SIZE_SIZE:
        starts.append((end, "terminator"))
    return starts, end


def check_annotations(example: Example) -> list[str]:
    """Problems with the field claims of an example's annotations ([] when every claim holds).

    Every field MUST be claimed by exactly one line starting at its first byte
    (a zero-length value by a line without bytes); a claim of any other field there is wrong. "zero_fill"
    may be claimed by lines after the end of the record list only.
    """
    problems = []
    try:
        starts, end = _starts_and_end(example.data)
    except ValueError as e:
        return [f"{example.name}: {e}"]
    fill_from = end + (o.LABEL_SIZE_SIZE if starts[-1][1] == "terminator" else 0)
    by_offset: dict[int, list[str]] = {}
    for off, name in starts:
        by_offset.setdefault(off, []).append(name)
    claimed = set()
    for line in example.lines:
        claim = line.claim
        if claim is None:
            continue
        where = f"{example.name}: line {line.lineno} (offset 0x{line.offset:x})"
        if claim == "zero_fill":
            if line.offset < fill_from or any(line.data):
                problems.append(f"{where}: zero_fill claimed where the bytes are not the zero fill")
            continue
        names = by_offset.get(line.offset, [])
        if claim not in names:
            problems.append(f"{where}: claims {claim}, but {', '.join(names) or 'no field'} starts there")
        elif (line.offset, claim) in claimed:
            problems.append(f"{where}: {claim} claimed twice")
        claimed.add((line.offset, claim))
    for off, name in starts:
        if (off, name) not in claimed:
            problems.append(f"{example.name}: {name} at offset 0x{off:x} has no annotation line starting there")
    return problems
