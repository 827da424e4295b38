"""v2/writer-scenarios/*.json: version 2 fields, updates, and the result the rules of spec/v2.md give.

A writer under test creates the file with the scenario's capacities, adds the
fields in order (a field the file has no room for is refused and counted in
overflow_count; its updates are dropped), applies the updates in order from one
thread, then closes the file and keeps it (state "closed"). The expected
canonical form is computed here from the scenario alone, never by a writer or
reader under test. It leaves out the producer's identity (pid, start time,
creation and heartbeat times), which no scenario can fix; comparisons ignore
header keys the expectation does not state.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from mmstats_format import schema_v2 as s

from .model import json_text
from .scenarios import encode_value

__all__ = ["Scenario2", "scenarios_v2", "scenario_v2_json", "scenario_v2_text", "expect_v2", "decode_update",
           "DEFAULT_CAPACITIES"]

DEFAULT_CAPACITIES = {"meta_capacity": 4096, "process_capacity": 4096, "slot_size": 1024, "slot_count": 8}
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Scenario2:
    name: str
    description: str
    fields: tuple          # dicts: label, kind, type, [unit, help, attributes, bounds, capacity, value]
    updates: tuple         # (field index, op, value); op: add (counters), set (gauges, strings), observe
    capacities: dict = field(default_factory=lambda: dict(DEFAULT_CAPACITIES))
    level: str = "required"

    @property
    def id(self) -> str:
        return f"v2/writer-scenarios/{self.name}"


def _f(label, kind, type, **kw) -> dict:
    if "bounds" in kw:
        kw["bounds"] = list(kw["bounds"])  # as JSON has it
    return {"label": label, "kind": kind, "type": type, "unit": kw.pop("unit", ""), "help": kw.pop("help", ""),
            "attributes": kw.pop("attributes", {}), **kw}


def decode_update(type_name: str, v):
    if type_name == "f64":
        if isinstance(v, str):
            return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[v]
        return float(v)
    return v


def _size(f: dict) -> int:
    if f["kind"] == "histogram":
        return s.HISTOGRAM_HEADER_SIZE + 8 * (len(f["bounds"]) + 1)
    if f["type"] == "utf8":
        return s.STRING_HEADER_SIZE + f["capacity"]
    return 8


def _entry_size(f: dict) -> int:
    n = sum(len(str(f[k]).encode()) for k in ("label", "unit", "help"))
    n += sum(4 + len(str(k).encode()) + len(str(v).encode()) for k, v in f["attributes"].items())
    return s.ENTRY_FIXED_SIZE + n + (-(s.ENTRY_FIXED_SIZE + n) % s.ALIGN) + 8 * len(f.get("bounds", ()))


def _cut(text: str, cap: int) -> str:
    raw = text.encode("utf-8")[:cap]
    return raw.decode("utf-8", "ignore")


def _json_float(v):
    return encode_value(float(v))


def expect_v2(sc: Scenario2) -> dict:
    """The canonical form (without the producer's identity) the rules give for ``sc``."""
    caps, meta, proc, slot = sc.capacities, 0, 0, 0
    kept, overflow = [], 0
    for i, f in enumerate(sc.fields):
        slotted = s.KINDS[{n: c for c, (n, *_r) in s.KINDS.items()}[f["kind"]]][1] == "slots"
        size, entry = _size(f), _entry_size(f)
        used, area = (slot, caps["slot_size"]) if slotted else (proc, caps["process_capacity"])
        if meta + entry > caps["meta_capacity"] or used + size > area:
            overflow += 1
            continue
        meta += entry
        if slotted:
            slot += size + (-size % 8)
        else:
            proc += size + (-size % 8)
        kept.append(i)
    values = {}
    for i in kept:
        f = sc.fields[i]
        if f["kind"] == "histogram":
            values[i] = [0.0, [0] * (len(f["bounds"]) + 1)]
        elif f["kind"] == "constant":
            values[i] = decode_update(f["type"], f["value"])
        elif f["type"] == "utf8":
            values[i] = _cut(f.get("value", ""), f["capacity"])
        else:
            values[i] = decode_update(f["type"], f.get("value", 0))
    for i, op, v in sc.updates:
        if i not in values:
            continue
        f = sc.fields[i]
        v = decode_update(f["type"], v) if f["type"] != "utf8" else v
        if op == "observe":
            h = values[i]
            h[0] += v
            k = next((n for n, b in enumerate(f["bounds"]) if v <= b), len(f["bounds"]))
            h[1][k] += 1
        elif op == "add":
            if f["type"] == "f64":
                values[i] += v
            else:
                total = (values[i] + v) & _MASK
                values[i] = total - (1 << 64) if f["type"] == "i64" and total >> 63 else total
        elif f["type"] == "utf8":
            values[i] = _cut(v, f["capacity"])
        else:
            values[i] = v
    fields = []
    for i in kept:
        f, v = sc.fields[i], values[i]
        if f["kind"] == "histogram":
            running, buckets = 0, []
            for b, n in zip(list(f["bounds"]) + [math.inf], v[1]):
                running += n
                buckets.append({"le": _json_float(b), "count": running})
            v = {"count": running, "sum": _json_float(v[0]), "buckets": buckets}
        elif f["type"] == "f64":
            v = _json_float(v)
        fields.append({k: f[k] for k in ("label", "kind", "type", "unit", "help", "attributes")} | {"value": v})
    return {"format_version": 2, "minor": s.MINOR, "state": "closed", "overflow_count": overflow, "fields": fields}


def scenario_v2_json(sc: Scenario2) -> dict:
    return {"id": sc.name, "description": sc.description, "format_version": 2, "capacities": sc.capacities,
            "fields": [dict(f, **({"value": encode_value(f["value"])} if "value" in f else {})) for f in sc.fields],
            "updates": [{"field": i, "op": op, "value": encode_value(v)} for i, op, v in sc.updates],
            "expect": expect_v2(sc)}


def _scenarios():
    every = (
        _f("http.requests", "counter", "u64", unit="{request}", help="Requests", attributes={"status": "2xx"}),
        _f("cpu.time", "counter", "f64", unit="s"),
        _f("queue.length", "gauge", "i64"),
        _f("temperature", "gauge", "f64", unit="Cel"),
        _f("big", "gauge", "u64"),
        _f("connections", "updown_counter", "i64"),
        _f("level", "updown_counter", "f64"),
        _f("build.version", "constant", "utf8", value="2.0.1", capacity=8),
        _f("build.number", "constant", "u64", value=4711),
        _f("ratio", "constant", "f64", value=0.25),
        _f("offset", "constant", "i64", value=-12),
        _f("state", "string", "utf8", capacity=16, value="starting"),
        _f("http.latency", "histogram", "f64", unit="ms", bounds=(10.0, 100.0)),
    )
    yield Scenario2("every-kind", "one field of every kind and value type, each updated", every, (
        (0, "add", 3), (0, "add", 4), (1, "add", 0.5), (1, "add", 0.25), (2, "set", -3), (2, "set", 7),
        (3, "set", 21.5), (4, "set", 2 ** 64 - 1), (5, "add", 5), (5, "add", -7), (6, "add", -0.5),
        (11, "set", "running"), (12, "observe", 5.0), (12, "observe", 10.0), (12, "observe", 50.0),
        (12, "observe", 1000.0)))
    yield Scenario2("counter-wraps", "a u64 counter wraps modulo 2^64; an i64 up-down counter wraps too", (
        _f("c", "counter", "u64"), _f("u", "updown_counter", "i64")),
        ((0, "add", 2 ** 64 - 1), (0, "add", 2), (1, "add", 2 ** 63 - 1), (1, "add", 1)))
    yield Scenario2("float-rules", "f64 adds are binary64; a gauge keeps -0.0, NaN and the infinities", (
        _f("c", "counter", "f64"), _f("z", "gauge", "f64"), _f("n", "gauge", "f64"), _f("i", "gauge", "f64")),
        ((0, "add", 0.1), (0, "add", 0.1), (0, "add", 0.1), (1, "set", -0.0), (2, "set", math.nan),
         (3, "set", -math.inf)))
    yield Scenario2("string-truncation", "text longer than the capacity is cut on a character boundary", (
        _f("s", "string", "utf8", capacity=8), _f("t", "string", "utf8", capacity=8)),
        ((0, "set", "ééééé"), (1, "set", "a longer text"), (1, "set", "short")))
    yield Scenario2("histogram-bounds", "an observation equal to a bound goes into that bucket (le); negatives, "
                                        "and values above the last bound", (
        _f("h", "histogram", "f64", bounds=(-1.0, 0.0, 2.5)),),
        ((0, "observe", -1.0), (0, "observe", -5.0), (0, "observe", 0.0), (0, "observe", 2.5),
         (0, "observe", 2.6), (0, "observe", 1e300)))
    yield Scenario2("same-name-attributes", "one name with two attribute sets: two fields", (
        _f("http.requests", "counter", "u64", attributes={"status": "2xx"}),
        _f("http.requests", "counter", "u64", attributes={"status": "5xx", "route": "/api"})),
        ((0, "add", 10), (1, "add", 1), (0, "add", 5)))
    yield Scenario2("full-metadata", "the third field does not fit the metadata region: refused and counted", (
        _f("a", "counter", "u64"), _f("b", "counter", "u64"), _f("c", "counter", "u64")),
        ((0, "add", 1), (1, "add", 2), (2, "add", 3)),
        capacities={"meta_capacity": 80, "process_capacity": 64, "slot_size": 64, "slot_count": 2})


def scenarios_v2() -> list[Scenario2]:
    return list(_scenarios())


def scenario_v2_text(obj: dict) -> str:
    text = json_text(obj)
    if json.loads(text) != obj:
        raise ValueError(f"{obj['id']}: scenario text does not round-trip")
    return text
