"""writer-scenarios/*.json: fields, updates, and the result computed by simulate.Slot.

Scenario values are authored as Python values and stored in the canonical JSON
encoding of spec/v1.md ("NaN", "Infinity", "-Infinity" for floats, text for
strings, true/false for "?", exact integers the writer wraps). The expected
result replays the JSON-decoded updates through simulate.Slot, so it depends
on neither a writer nor a reader under test. When every byte of the new file is
determined by the rules (no NaN bit patterns involved), the exact image is
stored beside the scenario as <name>.mmstats.
"""
from __future__ import annotations

import json
import math

from mmstats_format.v1.types import lookup

from .case import Scenario
from .model import assemble, expected_json, json_text
from .simulate import Slot

__all__ = ["scenarios", "encode_value", "decode_value", "scenario_json", "scenario_text", "expected_image"]

EVERY_TYPE = {"b": -7, "B": 250, "h": -1234, "H": 54321, "i": -123456789, "I": 4000000000,
              "q": -(2 ** 62) - 5, "Q": 2 ** 64 - 2, "f": 0.5, "d": 0.1, "?": True, "16s": "hello"}


def encode_value(v):
    """A Python update value in the canonical JSON encoding."""
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
    return v


def decode_value(type_code: str, v):
    """The Python value a scenario's JSON update stands for, given the field's type."""
    spec = lookup(type_code)
    if spec is not None and spec.kind == "float":
        if isinstance(v, str):
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
        return float(v)
    return v


def _round_robin(fields, rounds, value):
    return [(label, value(label, type, r)) for r in range(rounds) for label, type, _ in fields]


def _scenarios():
    every_b = [(f"{t}.buffered", t, True) for t in EVERY_TYPE]
    every_u = [(f"{t}.unbuffered", t, False) for t in EVERY_TYPE]
    yield Scenario("every-type-buffered", "one buffered field of every type, each set once", every_b,
                   [(f"{t}.buffered", v) for t, v in EVERY_TYPE.items()])
    yield Scenario("every-type-unbuffered", "one unbuffered field of every type, each set once", every_u,
                   [(f"{t}.unbuffered", v) for t, v in EVERY_TYPE.items()])

    wraps = [("b.128", "b", 128), ("b.-129", "b", -129), ("B.256", "B", 256), ("B.-1", "B", -1),
             ("h.32768", "h", 32768), ("H.65541", "H", 65541), ("i.2^31", "i", 2 ** 31), ("I.-1", "I", -1),
             ("I.2^32+7", "I", 2 ** 32 + 7), ("q.2^63", "q", 2 ** 63), ("q.-2^63-1", "q", -(2 ** 63) - 1),
             ("Q.2^64", "Q", 2 ** 64), ("Q.-1", "Q", -1), ("Q.2^70+3", "Q", 2 ** 70 + 3)]
    yield Scenario("integer-wraparound", "integers outside the type's range wrap modulo 2**bits",
                   [(lab, t, i % 2 == 0) for i, (lab, t, _) in enumerate(wraps)],
                   [(lab, v) for lab, _, v in wraps])

    floats = [("f.0.1", "f", 0.1), ("f.1/3", "f", 1 / 3), ("f.2^24+1", "f", 16777217.0), ("f.1e39", "f", 1e39),
              ("f.-1e39", "f", -1e39), ("f.1e-46", "f", 1e-46), ("f.-1e-46", "f", -1e-46), ("f.int", "f", 3),
              ("f.near-max", "f", 3.4028235e38), ("f.-0", "f", -0.0), ("d.0.1", "d", 0.1), ("d.-0", "d", -0.0),
              ("d.1e308", "d", 1e308), ("d.min", "d", 5e-324), ("d.int", "d", -42)]
    yield Scenario("float-rounding", "binary32 rounding, overflow to infinity, underflow to (signed) zero, -0.0",
                   [(lab, t, True) for lab, t, _ in floats], [(lab, v) for lab, _, v in floats])
    specials = [("f.nan", "f", math.nan), ("d.nan", "d", math.nan), ("f.inf", "f", math.inf),
                ("f.-inf", "f", -math.inf), ("d.inf", "d", math.inf), ("d.-inf", "d", -math.inf)]
    yield Scenario("float-specials", "NaN and the infinities from their JSON strings (NaN bits are the writer's)",
                   [(lab, t, i % 2 == 0) for i, (lab, t, _) in enumerate(specials)],
                   [(lab, v) for lab, _, v in specials], image=False)

    cuts = [("8s.euro", "8s", "€€€"), ("10s.heart", "10s", "\u2764" * 11), ("5s.exact", "5s", "12345"),
            ("4s.e-acute", "4s", "abcdé"), ("3s.fits", "3s", "aé"), ("2s.drop", "2s", "aé"),
            ("1s.drop-all", "1s", "é"), ("0s", "0s", "anything"), ("6s.emoji", "6s", "ab😀cd"),
            ("7s.emoji-cut", "7s", "abc😀")]
    yield Scenario("string-truncation-utf8", "strings cut to N bytes on a UTF-8 character boundary",
                   [(lab, t, False) for lab, t, _ in cuts], [(lab, v) for lab, _, v in cuts])
    yield Scenario("string-stale-bytes", "a shorter value gets one NUL; the old bytes after it stay",
                   [("s16", "16s", False), ("s16.buffered", "16s", True), ("s4", "4s", False)],
                   [("s16", "a much longer value than fits"), ("s16", "short"), ("s16", ""), ("s16", "xy"),
                    ("s16.buffered", "first-long-value"), ("s16.buffered", "second-long"),
                    ("s16.buffered", "3"), ("s16.buffered", "4"), ("s4", "abcd"), ("s4", "ab")])

    flips = [(f"I.{n}", "I", True) for n in range(6)] + [("Q.7", "Q", True), ("s.3", "8s", True)]
    yield Scenario("write-buffer-flips", "buffered fields set 0 to 7 times: wb = updates mod 2", flips,
                   [(f"I.{n}", 10 * n + k) for n in range(6) for k in range(n)]
                   + [("Q.7", k) for k in range(1, 8)] + [("s.3", t) for t in ("one", "two", "three")])
    yield Scenario("many-updates", "hundreds of updates per field; the last one wins",
                   [("count", "Q", True), ("half", "d", True), ("short", "h", True), ("flag", "?", False),
                    ("text", "16s", True)],
                   [("count", k) for k in range(1, 601)] + [("half", k * 0.5) for k in range(301)]
                   + [("short", 1000 * k) for k in range(1, 258)] + [("flag", k % 3 == 0) for k in range(100)]
                   + [("text", f"n={k * 7919}") for k in range(150)])

    inter = [(f"{t}.{i}", t, i % 2 == 0) for i, t in enumerate(EVERY_TYPE)]
    yield Scenario("interleaved", "updates round-robin over a field of every type (no write lands in a neighbour)",
                   inter, _round_robin(inter, 10, _interleaved_value))
    yield Scenario("bools", "booleans set, cleared and toggled, buffered and not",
                   [("on", "?", False), ("off", "?", False), ("toggled", "?", True)],
                   [("on", True), ("off", True), ("off", False)] + [("toggled", k % 2 == 0) for k in range(5)])
    labels = [("temp.°C", "d", True), ("名前", "I", False), ("emoji.😀", "Q", True), ("L" * 256, "I", True),
              ("M" * 300, "b", False)]
    yield Scenario("labels-utf8", "multi-byte UTF-8 labels and labels of 256 and 300 bytes", labels,
                   [("temp.°C", 21.5), ("名前", 7), ("emoji.😀", 2 ** 40), ("L" * 256, 256), ("M" * 300, -3)])
    yield Scenario("no-updates", "fields never set: zeros, empty strings, write buffer 0",
                   [(f"{t}.fresh", t, t not in ("?", "16s")) for t in EVERY_TYPE], [])
    yield Scenario("no-fields", "a file with no fields at all", [], [])
    yield Scenario("two-pages", "fields larger than a page: the file is zero-filled to 8192 bytes",
                   [("a", "3000s", False), ("b", "3000s", False), ("n", "Q", True)],
                   [("a", "x" * 3000), ("b", "y" * 2999), ("n", 1)])


def _interleaved_value(label, type, r):
    kind = lookup(type).kind
    if kind == "bool":
        return r % 2 == 1
    if kind == "string":
        return f"{label}#{r}"
    if kind == "float":
        return r + 0.25
    lo, hi = lookup(type).bounds
    return hi - r if lo == 0 else -r - 1


def _slots(s: Scenario) -> list[Slot]:
    slots = {label: Slot(label, type, buffered) for label, type, buffered in s.fields}
    types = {label: type for label, type, _ in s.fields}
    for label, v in s.updates:
        slots[label].set(decode_value(types[label], encode_value(v)))
    return list(slots.values())


def expected_image(s: Scenario) -> bytes | None:
    """The exact bytes of the writer's file, when the rules determine them."""
    return assemble([slot.rec() for slot in _slots(s)]).data if s.image else None


def scenario_json(s: Scenario) -> dict:
    expect = expected_json(f"{s.name}.mmstats", [slot.rec() for slot in _slots(s)])
    out = {
        "id": s.name,
        "description": s.description,
        "fields": [{"label": lab, "type": t, "buffered": buf} for lab, t, buf in s.fields],
        "updates": [{"field": lab, "value": encode_value(v)} for lab, v in s.updates],
        "expect": expect,
    }
    if s.image:
        out["expect_image"] = f"{s.name}.mmstats"
    return out


def scenario_text(obj: dict) -> str:
    """Scenario JSON as corpus text: indented, but one update per line (some scenarios have hundreds)."""
    text = json_text(dict(obj, updates=[]))
    if not obj["updates"]:
        return text
    lines = ",\n".join("    " + json.dumps(u, ensure_ascii=False, allow_nan=False) for u in obj["updates"])
    return text.replace('"updates": []', '"updates": [\n' + lines + "\n  ]", 1)


def scenarios() -> list[Scenario]:
    return list(_scenarios())
