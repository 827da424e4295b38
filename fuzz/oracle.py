"""What must hold for ANY bytes given to the Python reader, validator and StatsReader.

Used by tests/test_reliability_fuzz.py (hypothesis) and fuzz/atheris_reader.py
(a long coverage-guided run). check_bytes() raises AssertionError when a
property breaks; any exception other than FormatError (and OSError for I/O)
escaping a reader is a finding too, so it is left to propagate.

The properties tie the entry points to each other (scan, validate_bytes,
decode_bytes, read, validate, a fresh StatsReader, a StatsReader whose file
is rewritten in place) and to the spec's rules (codes from the vocabulary,
offsets inside the file, problems sorted, accepted files are page multiples
with version 1, values of the declared kind, canonical JSON that parses).
"""
from __future__ import annotations

import json
import math
import os
import struct

from mmstats_format import CODES, FormatError, StatsReader, decode_bytes, read, validate, validate_bytes
from mmstats_format.canonical import dumps, to_canonical
from mmstats_format.scan import scan
from mmstats_format.v1.types import lookup

__all__ = ["check_bytes", "corpus_files", "CORPUS_DIRS"]

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_DIRS = [os.path.join(REPO, "conformance", d) for d in ("valid", "invalid", "golden")]


def corpus_files(limit_bytes: int = 1 << 20) -> list[bytes]:
    """Every corpus file up to ``limit_bytes`` (the few larger ones would only slow the fuzzer)."""
    out = []
    for top in CORPUS_DIRS:
        for root, _, names in sorted(os.walk(top)):
            for name in sorted(names):
                if name.endswith(".mmstats"):
                    p = os.path.join(root, name)
                    if os.path.getsize(p) <= limit_bytes:
                        with open(p, "rb") as f:
                            out.append(f.read())
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or struct.pack("<d", a) == struct.pack("<d", b)
    return type(a) is type(b) and a == b


def _check_value(field, value):
    spec = lookup(field.type)
    assert spec is not None, field
    if spec.kind == "int":
        lo, hi = spec.bounds
        assert type(value) is int and lo <= value <= hi, (field, value)
    elif spec.kind == "float":
        assert type(value) is float, (field, value)
    elif spec.kind == "bool":
        assert type(value) is bool, (field, value)
    else:
        assert type(value) is str and len(value) <= spec.size, (field, value)


def _key(e: FormatError):
    return e.code, e.offset


def check_bytes(data: bytes, workdir: str, previous: bytes | None = None) -> str:
    """Check every property for ``data``; returns "valid" or the first problem's code.

    ``workdir`` is a directory the check may write files into. ``previous``, if
    given, is a valid file a StatsReader parses first before the same path is
    rewritten in place with ``data`` (a reader must not keep the old layout).
    """
    size = len(data)
    fields, errors = scan(data)
    for e in errors:
        assert isinstance(e, FormatError) and e.code in CODES and e.code != "file_too_large", e
        assert 0 <= e.offset <= size, (e, size)
        assert e.message and "\n" not in e.message, e
    assert [e.offset for e in errors] == sorted(e.offset for e in errors), errors
    report = validate_bytes(data, "fuzz")
    assert [_key(e) for e in report.errors] == [_key(e) for e in errors]

    try:
        decoded = decode_bytes(data, "fuzz")
    except FormatError as e:
        assert errors and _key(e) == _key(errors[0]), (e, errors)
        decoded = None
    else:
        assert not errors, errors
        assert size and size % 4096 == 0 and data[0] == 1, size
        assert [(f.label, f.type, f.buffered) for f in decoded] == [(f.label, f.type, f.buffered) for f in fields]
        for f in decoded:
            _check_value(f, f.value)
        text = dumps(to_canonical("fuzz", decoded))
        text.encode("utf-8")  # no lone surrogates
        assert [f["label"] for f in json.loads(text)["fields"]] == [f.label for f in decoded]

    path = os.path.join(workdir, "fuzz.mmstats")
    with open(path, "wb") as f:
        f.write(data)
    _compare_with_file(path, data, decoded, errors)
    if previous is not None:
        _check_in_place_rewrite(path, previous, data)
    return errors[0].code if errors else "valid"


def _expect(outcome, decoded, errors):
    """outcome: (values, None) or (None, FormatError); compared with the in-memory decoding."""
    values, err = outcome
    if decoded is None:
        assert err is not None and _key(err) == _key(errors[0]), (err, errors[:1])
    else:
        assert err is None, err
        assert len(values) == len(decoded) and all(_same(a, f.value) for a, f in zip(values, decoded)), values


def _outcome(fn):
    try:
        return fn(), None
    except FormatError as e:
        return None, e


def _compare_with_file(path, data, decoded, errors):
    _expect(_outcome(lambda: [f.value for f in read(path)]), decoded, errors)
    assert [_key(e) for e in validate(path).errors] == [_key(e) for e in errors]
    with StatsReader(path) as reader:
        _expect(_outcome(reader.read), decoded, errors)
        _expect(_outcome(reader.read), decoded, errors)  # the second read takes the cached-layout path


def _check_in_place_rewrite(path, previous, data):
    with open(path, "wb") as f:
        f.write(previous)
    with StatsReader(path) as reader:
        reader.read()
        with open(path, "r+b") as f:  # same inode; truncate only if the size differs
            f.write(data)
            f.truncate(len(data))
        fields, errors = scan(data)
        decoded = None if errors else decode_bytes(data)
        got = _outcome(reader.read)
        _expect(got, decoded, errors)
        if got[1] is None:
            assert [(f.label, f.type, f.buffered) for f in reader.layout.fields] == \
                   [(f.label, f.type, f.buffered) for f in decoded]
