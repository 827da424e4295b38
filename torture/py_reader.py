"""Python readers for the torn-read torture: read PATH continuously for SECONDS, count torn values.

    python torture/py_reader.py MODE PATH SECONDS

MODE: ``statsreader`` (StatsReader, the spec's re-check), ``statsreader-no-recheck``
(StatsReader(recheck=False), one copy per read: what the re-check buys),
``read`` (mmstats_format.read, re-check), ``read-no-recheck`` (read(recheck=False)). Prints one
JSON object (see run.py).
"""
from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check import fits  # noqa: E402

from mmstats_format import FormatError, StatsReader, read  # noqa: E402


class CountingReader(StatsReader):
    """Counts copies so the retries of the re-check can be reported."""

    copies = 0

    def _copy(self, buf):
        self.copies += 1
        return super()._copy(buf)


def main(argv):
    mode, path, seconds = argv[0], argv[1], float(argv[2])
    out = {"reader": f"python-{mode}", "reads": 0, "values": 0, "torn_buffered": 0, "torn_unbuffered": 0,
           "retries": None, "errors": {}, "example": None, "torn_fields": {}}
    if mode.startswith("statsreader"):
        reader = CountingReader(path, recheck=mode == "statsreader")
        out["retries"] = 0

        def one():
            before = reader.copies
            values = reader.read()
            if reader.recheck:
                out["retries"] += max(0, reader.copies - before - 2)  # one copy and one re-check copy
            return [(f.label, f.type, f.buffered, v) for f, v in zip(reader.layout.fields, values)]
    elif mode in ("read", "read-no-recheck"):
        recheck = mode == "read"

        def one():
            return [(f.label, f.type, f.buffered, f.value) for f in read(path, recheck=recheck)]
    else:
        raise SystemExit(f"unknown mode {mode}")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            fields = one()
        except (FormatError, OSError) as e:
            key = getattr(e, "code", type(e).__name__)
            out["errors"][key] = out["errors"].get(key, 0) + 1
            continue
        out["reads"] += 1
        for label, code, buffered, value in fields:
            if label == "sys.pid":
                continue
            out["values"] += 1
            if not fits(code, value):
                key = label.rstrip("-")
                out["torn_fields"][key] = out["torn_fields"].get(key, 0) + 1
                out["torn_buffered" if buffered else "torn_unbuffered"] += 1
                if buffered and out["example"] is None:
                    out["example"] = f"{label}: {value!r}"
    out["seconds"] = seconds
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
