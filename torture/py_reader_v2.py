"""Python readers of the version 2 torture: read PATH continuously for SECONDS, check every value.

    python torture/py_reader_v2.py MODE PATH SECONDS

MODE: ``statsreader`` (mmstats_format.StatsReader: entries parsed once, values polled), ``mapped``
(StatsReader(mapped=True): the same, the values loaded from the file's mapping), ``read``
(mmstats_format.read: the whole file each time), or the control ``no-seqcheck``: one pread of the
file decoded as a copy at rest (mmstats_format.v2.decode), which skips the reader protocol's
sequence check across copies: what that check buys, and proof that the torture sees a torn text or
histogram when a reader lets one through. Prints one JSON object (check_v2.Checker.result).
"""
from __future__ import annotations

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_v2 import Checker  # noqa: E402

from mmstats_format import FormatError, StatsReader, read, v2  # noqa: E402


def histogram(v):
    """(sum, per-bucket counts) from the decoded form's cumulative buckets."""
    if not isinstance(v, dict):
        return v
    cum = [b["count"] for b in v["buckets"]]
    return v["sum"], [c - p for c, p in zip(cum, [0] + cum[:-1])]


def main(argv):
    mode, path, seconds = argv[0], argv[1], float(argv[2])
    if mode == "statsreader":
        reader = StatsReader(path)

        def one():
            values = reader.read()
            return [(f.label, f.kind, f.type, v) for f, v in zip(reader.layout.fields, values)]
    elif mode == "mapped":
        reader = StatsReader(path, mapped=True)

        def one():
            values = reader.read()
            if reader._map is None:
                raise SystemExit(f"{path} was not mapped")
            return [(f.label, f.kind, f.type, v) for f, v in zip(reader.layout.fields, values)]
    elif mode == "read":
        def one():
            return [(f.label, f.kind, f.type, f.value) for f in read(path)]
    elif mode == "no-seqcheck":
        fd = os.open(path, os.O_RDONLY)

        def one():
            data = os.pread(fd, os.fstat(fd).st_size, 0)
            return [(f.label, f.kind, f.type, f.value) for f in v2.decode(data, path)]
    else:
        raise SystemExit(f"unknown mode {mode}")
    checker, reads, errors = Checker(), 0, {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            fields = one()
        except (FormatError, OSError) as e:
            key = getattr(e, "code", type(e).__name__)
            errors[key] = errors.get(key, 0) + 1
            continue
        reads += 1
        for label, kind, type_, value in fields:
            checker.check(label, kind, type_, histogram(value) if kind == "histogram" else value)
    print(json.dumps(checker.result(f"python-{mode}", reads, errors, seconds)))


if __name__ == "__main__":
    main(sys.argv[1:])
