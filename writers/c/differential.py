"""Differential check: the C writer against the Python low-level writer.

Hypothesis draws random scenarios (labels with any characters, every type,
string sizes 0-20, buffered or not, updates of every kind including integers
far outside a type's range, float specials, -0.0, multi-byte text and NUL).
Each scenario goes through mmstats-c-write and through
mmstats.lowlevel.create_file + set(); the two files must be equal byte for
byte, and mmstats_format.validate must find nothing wrong.

usage: python differential.py WRITER [MAX_EXAMPLES]      (make differential)
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

import mmstats_format as fmt  # noqa: E402
import mmstats_format.v1.types  # noqa: E402,F401
from mmstats.lowlevel import create_file  # noqa: E402

NUMERIC = list("bBhHiIqQfd?")


def type_codes():
    return st.one_of(st.sampled_from(NUMERIC), st.integers(0, 20).map(lambda n: f"{n}s"))


def value_for(type_code: str):
    kind = fmt.v1.types.lookup(type_code).kind
    if kind == "int":
        return st.one_of(st.integers(-(2 ** 70), 2 ** 70),
                         st.sampled_from([0, -1, 2 ** 63 - 1, -(2 ** 63), 2 ** 64 - 1, 2 ** 64, 255, 256, -129]))
    if kind == "float":
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2 ** 70), 2 ** 70),
                         st.sampled_from([-0.0, 3.4028235677973366e38, 3.4028235677973366e38 * 1.0000001, 1e-46]))
    if kind == "bool":
        return st.booleans()
    return st.text(max_size=24)


def encode(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


@st.composite
def scenarios(draw):
    labels = draw(st.lists(st.text(min_size=1, max_size=10), min_size=0, max_size=8, unique=True))
    fields = [{"label": lab, "type": draw(type_codes()), "buffered": draw(st.booleans())} for lab in labels]
    updates = []
    if fields:
        for _ in range(draw(st.integers(0, 16))):
            f = draw(st.sampled_from(fields))
            updates.append({"field": f["label"], "value": encode(draw(value_for(f["type"])))})
    return {"id": "differential", "fields": fields, "updates": updates}


def python_value(type_code: str, v):
    """What the JSON value stands for (the scenario encoding of common.md)."""
    spec = fmt.v1.types.lookup(type_code)
    if spec.kind == "float":
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v) if isinstance(v, str) else float(v)
    return v


def run(writer: str, max_examples: int) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="mmstats-c-differential-"))
    count = {"n": 0}

    @settings(max_examples=max_examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scenarios())
    def same_bytes(sc):
        count["n"] += 1
        n = count["n"]
        text = json.dumps(sc, ensure_ascii=bool(n % 2))  # both raw UTF-8 and \u escapes
        scenario = tmp / f"s{n}.json"
        scenario.write_text(text, encoding="utf-8")
        c_out, py_out = tmp / f"c{n}.mmstats", tmp / f"py{n}.mmstats"
        done = subprocess.run([writer, str(scenario), str(c_out)], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        decoded = json.loads(text)
        # the scenarios store integers modulo 2**bits, as the C CLI does
        f = create_file(str(py_out), [(x["label"], x["type"], x["buffered"]) for x in decoded["fields"]], wrap=True)
        types = {x["label"]: x["type"] for x in decoded["fields"]}
        for u in decoded["updates"]:
            f[u["field"]].set(python_value(types[u["field"]], u["value"]))
        f.close()
        c_bytes, py_bytes = c_out.read_bytes(), py_out.read_bytes()
        if c_bytes != py_bytes:
            first = next((i for i, (a, b) in enumerate(zip(c_bytes, py_bytes)) if a != b), min(len(c_bytes), len(py_bytes)))
            raise AssertionError(f"C and Python files differ: sizes {len(c_bytes)}/{len(py_bytes)}, "
                                 f"first difference at offset {first}; scenario {text}")
        assert not fmt.validate(c_out).errors
        for p in (scenario, c_out, py_out):
            p.unlink()

    try:
        same_bytes()
    except AssertionError as e:
        print(f"FAIL after {count['n']} scenarios: {e}")
        print("0 passed, 1 failed")
        return 1
    finally:
        for p in tmp.iterdir():
            p.unlink()
        tmp.rmdir()
    print(f"{count['n']} scenarios: C and Python writers byte-identical")
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print("usage: python differential.py WRITER [MAX_EXAMPLES]", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else 200))
