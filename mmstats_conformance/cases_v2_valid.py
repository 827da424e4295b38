"""v2/valid/<topic>/<name>: version 2 files described as tables of fields (model_v2).

SPEC_EXAMPLES are also the annotated hex examples of spec/v2.md
(mmstats_build.spec_v2 renders them from here), so prose and corpus agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from .model import f64
from .model_v2 import Field2, File2

__all__ = ["ValidCase2", "SPEC_EXAMPLES", "valid_cases_v2"]


@dataclass(frozen=True)
class ValidCase2:
    topic: str
    name: str
    description: str
    file: File2
    level: str = "required"

    @property
    def id(self) -> str:
        return f"v2/valid/{self.topic}/{self.name}"


def _f(name, kind, vt, **kw) -> Field2:
    return Field2(name, kind, vt, **kw)


BASIC = File2(
    fields=(
        _f("http.requests", "counter", "u64", unit="{request}", help="Requests served",
           attributes=(("status", "2xx"),), slots=(5, 12)),
        _f("queue.length", "gauge", "i64", unit="{item}", value=-3),
        _f("state", "string", "utf8", help="What the server does", value="idle", capacity=16, seq=6),
    ),
    meta_capacity=256, process_capacity=128, slot_size=64, slot_count=3, slots_used=2, pid=31337,
    start_ticks=123456, created_unix_ns=1764672000123456789)

HISTOGRAM = File2(
    fields=(
        _f("http.latency", "histogram", "f64", unit="ms", help="Request latency",
           bounds=(10.0, 100.0), slots=((42.5, (2, 1, 0), 4), (250.0, (0, 1, 1), 2))),
        _f("build.version", "constant", "utf8", value="2.0.1", capacity=8),
        _f("future.metric", 99, "u64", help="a kind of a later minor: skipped"),
    ),
    meta_capacity=256, process_capacity=64, slot_size=64, slot_count=2, slots_used=2, pid=2024, start_ticks=77,
    created_unix_ns=1764672000000000000, heartbeat_unix_ns=1764672005000000000, heartbeat_interval_ms=1000)

SPEC_EXAMPLES = {"basic": BASIC, "histogram": HISTOGRAM}


def _one(*fields, **kw) -> File2:
    return File2(fields=tuple(fields), **kw)


NAN_NEG = f64(0xFFF8000000000000, "NaN")


def _cases():
    for name, spec in SPEC_EXAMPLES.items():
        yield "spec", name, f"spec/v2.md example {name}", spec

    # every kind with every value type it allows
    yield "kinds", "counter-u64", "a counter of u64 in the shared slot", _one(_f("c", "counter", "u64", slots=(7,)))
    yield "kinds", "counter-f64", "a counter of f64 (seconds)", _one(_f("cpu", "counter", "f64", unit="s",
                                                                          slots=(1.5,)))
    for vt, v in (("u64", 18446744073709551615), ("i64", -9223372036854775808), ("f64", 0.1)):
        yield "kinds", f"gauge-{vt}", f"a gauge of {vt} at its edge", _one(_f("g", "gauge", vt, value=v))
    yield "kinds", "updown-i64", "an up-down counter below zero", _one(_f("conns", "updown_counter", "i64",
                                                                          slots=(-2,)))
    yield "kinds", "updown-f64", "an up-down counter of f64", _one(_f("level", "updown_counter", "f64",
                                                                      slots=(-0.25,)))
    for vt, v in (("u64", 3), ("i64", -1), ("f64", 2.5)):
        yield "kinds", f"constant-{vt}", f"a constant of {vt}", _one(_f("k", "constant", vt, value=v))
    yield "kinds", "constant-utf8", "a text constant", _one(_f("version", "constant", "utf8", value="1.2.3",
                                                               capacity=8))
    yield "kinds", "string", "a string with its sequence at 2", _one(_f("s", "string", "utf8", value="running",
                                                                        capacity=16, seq=2))
    yield "kinds", "histogram", "a histogram in the shared slot", _one(
        _f("h", "histogram", "f64", bounds=(0.5, 1.0, 2.5), slots=((3.25, (1, 2, 0, 0), 6),)))
    yield "kinds", "histogram-no-bounds", "a histogram with only the +Inf bucket", _one(
        _f("h", "histogram", "f64", slots=((9.0, (3,), 2),)))
    yield "kinds", "all", "one field of every kind", _one(
        _f("c", "counter", "u64", slots=(1,)), _f("g", "gauge", "f64", value=1.0),
        _f("u", "updown_counter", "i64", slots=(-1,)), _f("k", "constant", "u64", value=1),
        _f("s", "string", "utf8", value="x", capacity=8), _f("h", "histogram", "f64", bounds=(1.0,),
                                                              slots=((0.5, (1, 0), 2),)))

    # numbers
    yield "numbers", "f64-specials", "NaN with the sign bit, infinities, -0.0, the smallest subnormal", _one(
        _f("nan", "gauge", "f64", value=NAN_NEG), _f("inf", "gauge", "f64", value=float("inf")),
        _f("ninf", "gauge", "f64", value=float("-inf")), _f("negzero", "gauge", "f64", value=-0.0),
        _f("tiny", "gauge", "f64", value=5e-324))
    yield "numbers", "u64-exact", "integers beyond 2^53 are exact", _one(
        _f("big", "gauge", "u64", value=9007199254740993), _f("neg", "gauge", "i64", value=-9007199254740993))
    yield "numbers", "u64-sum-wraps", "a u64 counter's slots add up modulo 2^64", _one(
        _f("c", "counter", "u64", slots=(18446744073709551615, 2)), slots_used=2)
    yield "numbers", "i64-sum-wraps", "i64 copies add up modulo 2^64 as two's complement", _one(
        _f("u", "updown_counter", "i64", slots=(9223372036854775807, 1)), slots_used=2)
    yield "numbers", "f64-sum-order", "f64 copies add up in slot order (1e16 + 1 + 1 is 1e16)", _one(
        _f("c", "counter", "f64", slots=(1e16, 1.0, 1.0)), slots_used=3)
    yield "numbers", "f64-negzero-slots", "-0.0 in slot 0 plus 0.0 in slot 1 is 0.0", _one(
        _f("u", "updown_counter", "f64", slots=(-0.0, 0.0)), slots_used=2)
    yield "numbers", "f64-negzero-one-slot", "-0.0 in the only used slot stays -0.0", _one(
        _f("u", "updown_counter", "f64", slots=(-0.0,)))

    # units
    yield "units", "common", "UCUM units as OpenTelemetry uses them", _one(
        *(_f(f"m{i}", "gauge", "f64", unit=u, value=float(i))
          for i, u in enumerate(("s", "ms", "us", "ns", "By", "KiBy", "1", "%", "Hz", "{request}", "m/s"))))
    yield "units", "max-length", "a unit of 63 bytes, the longest allowed", _one(
        _f("m", "gauge", "u64", unit="{" + "x" * 61 + "}", value=1))
    yield "units", "none", "no unit: the empty string", _one(_f("m", "gauge", "u64", value=1))

    # attributes and text
    yield "attributes", "several", "three attributes; their order carries no meaning", _one(
        _f("http.requests", "counter", "u64", attributes=(("method", "GET"), ("status", "2xx"), ("route", "/")),
           slots=(4,)))
    yield "attributes", "same-name", "one name, two attribute sets: two fields", _one(
        _f("http.requests", "counter", "u64", attributes=(("status", "2xx"),), slots=(10,)),
        _f("http.requests", "counter", "u64", attributes=(("status", "5xx"),), slots=(1,)))
    yield "attributes", "empty-value-unicode", "an empty value and non-ASCII keys and values", _one(
        _f("m", "gauge", "u64", attributes=(("empty", ""), ("città", "Zürich ✓")), value=1))
    yield "text", "unicode", "multi-byte name and help", _one(
        _f("temp.°C", "gauge", "f64", unit="Cel", help="Température de l’eau ✓", value=21.5))
    yield "text", "long-name", "a name of 300 bytes", _one(_f("n" * 300, "gauge", "u64", value=1))
    yield "text", "string-stale-bytes", "bytes after length carry no meaning", _one(
        _f("s", "string", "utf8", value=b"shortolder text", length=5, capacity=16, seq=8))
    yield "text", "string-ill-formed", "ill-formed UTF-8 in a string reads as U+FFFD per maximal subpart", _one(
        _f("s", "string", "utf8", value=bytes.fromhex("61f18080e180c262806380bf64"), capacity=16, seq=2))
    yield "text", "string-empty", "an empty string", _one(_f("s", "string", "utf8", value="", capacity=8))
    yield "text", "string-full", "a string that fills its capacity", _one(
        _f("s", "string", "utf8", value="12345678", capacity=8, seq=2))

    # slots
    yield "slots", "summed", "a counter in four used slots adds up", _one(
        _f("c", "counter", "u64", slots=(1, 10, 100, 1000)), slots_used=4)
    yield "slots", "beyond-used-ignored", "copies in slots at or beyond slots_used are ignored", _one(
        _f("c", "counter", "u64", slots=(1, 2, 999, 999)), _f("h", "histogram", "f64", bounds=(1.0,),
                                                                slots=((1.0, (1, 0), 2), (0.5, (1, 0), 2),
                                                                       (7.0, (5, 5), 3))),
        slots_used=2)
    yield "slots", "reused", ("slot 1 was given back by an exiting thread and taken by another: it keeps adding "
                              "to the same copy, so the sum never went back"), _one(
        _f("c", "counter", "u64", slots=(0, 1500, 20)), _f("u", "updown_counter", "i64", slots=(0, -3, 5)),
        slots_used=3)
    yield "slots", "histogram-across", "a histogram's buckets and sums add up across slots", _one(
        _f("h", "histogram", "f64", bounds=(1.0, 5.0), slots=((0.5, (1, 0, 0), 2), (13.0, (0, 1, 1), 10),
                                                               (2.0, (0, 1, 0), 4))), slots_used=3)
    yield "slots", "all-used", "every slot used", _one(
        _f("c", "counter", "u64", slots=(1, 1, 1, 1)), slots_used=4)
    yield "slots", "shared-only", "slots_used 1: only the shared slot", _one(
        _f("c", "counter", "u64", slots=(5, 7)), slots_used=1)

    # fields added at run time
    yield "runtime", "unpublished-entry", "an entry written after the last published one is not read", File2(
        fields=(_f("c", "counter", "u64", slots=(1,)),), unpublished=(_f("new", "counter", "u64", slots=(9,)),))
    yield "runtime", "no-fields", "a ready file with no fields yet", File2()
    yield "runtime", "added-in-order", "fields appended after start read in entry order", File2(
        fields=(_f("a", "counter", "u64", slots=(1,)), _f("route./users", "counter", "u64", slots=(2,)),
                _f("route./items", "counter", "u64", slots=(3,))))

    # capacity
    meta_full = (_f("a", "counter", "u64", slots=(1,)), _f("b", "counter", "u64", slots=(2,)))
    yield "capacity", "metadata-full", "entries fill the metadata region exactly; two fields overflowed", File2(
        fields=meta_full, meta_capacity=80, overflow_count=2)
    yield "capacity", "process-full", "values fill the process area exactly", File2(
        fields=(_f("g", "gauge", "u64", value=1), _f("s", "string", "utf8", value="x", capacity=8)),
        process_capacity=32)
    yield "capacity", "slot-full", "values fill a slot exactly", File2(
        fields=(_f("c", "counter", "u64", slots=(1,)), _f("h", "histogram", "f64", bounds=(1.0,),
                                                         slots=((0.0, (0, 0), 0),))), slot_size=40)

    # sequence locks
    yield "seqlock", "string-odd", "a string whose writer died mid-update (odd sequence): null", _one(
        _f("s", "string", "utf8", value="hal", capacity=8, seq=7), _f("c", "counter", "u64", slots=(3,)))
    yield "seqlock", "histogram-odd", "a histogram with an odd sequence in a used slot: null", _one(
        _f("h", "histogram", "f64", bounds=(1.0,), slots=((1.0, (1, 0), 2), (0.5, (1, 0), 5))), slots_used=2)
    yield "seqlock", "large-even", "a large even sequence is a complete value", _one(
        _f("s", "string", "utf8", value="ok", capacity=8, seq=1 << 40))

    # forward compatibility
    yield "skip", "unknown-kind", "entries of unknown kinds are skipped", _one(
        _f("a", "counter", "u64", slots=(1,)), _f("later", 200, "u64", value_size=24),
        _f("b", "gauge", "u64", value=2))
    yield "skip", "unknown-value-type", "entries of unknown value types are skipped", _one(
        _f("a", "gauge", 77, value_size=16), _f("b", "gauge", "u64", value=2))
    yield "skip", "entry-tail", "an entry with bytes after its known parts (a later minor) is read", _one(
        _f("a", "counter", "u64", slots=(1,), tail=16))
    yield "skip", "later-minor-header", "minor 1 with a longer header: the extra bytes are ignored", File2(
        fields=(_f("a", "counter", "u64", slots=(1,)),), minor=1, header_size=192, header_extra=b"\x5a" * 64)

    # lifecycle and identity
    yield "lifecycle", "closed", "a file its writer closed: state closed, values final", File2(
        fields=(_f("a", "counter", "u64", slots=(3,)),), state=2)
    yield "lifecycle", "heartbeat", "a writer that keeps a heartbeat", File2(
        heartbeat_unix_ns=1764672001000000000, heartbeat_interval_ms=500)
    yield "lifecycle", "large-identity", "pid and start time are u64 and exact", File2(
        pid=4294967295, start_ticks=18446744073709551615, created_unix_ns=18446744073709551615)


def valid_cases_v2() -> list[ValidCase2]:
    return [ValidCase2(topic, name, description, spec) for topic, name, description, spec in _cases()]


