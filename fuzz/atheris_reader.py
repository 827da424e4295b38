"""Coverage-guided fuzzing of the Python reader, validator and StatsReader with atheris (libFuzzer).

    .venv/bin/pip install atheris
    mkdir -p fuzz/work/corpus
    .venv/bin/python fuzz/atheris_reader.py fuzz/work/corpus conformance/valid conformance/invalid \
        -max_len=12288 -max_total_time=600 -print_final_stats=1

The first directory collects new inputs; the others seed it. Each input goes
through fuzz/oracle.py's check_bytes (scan, validate, decode, read, a fresh
StatsReader, and a StatsReader whose file is rewritten in place with the
input). A crash is any exception other than FormatError (or OSError), or a
broken property (AssertionError); libFuzzer saves the input as crash-<sha1>.
"""
from __future__ import annotations

import os
import sys
import tempfile

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

with atheris.instrument_imports(include=["mmstats_format"]):
    import mmstats_format  # noqa: F401  (instrumented for coverage)
    from mmstats_format.scan import scan

from oracle import check_bytes, corpus_files  # noqa: E402

WORKDIR = tempfile.mkdtemp(prefix="mmstats-atheris-")
PREVIOUS = next(d for d in corpus_files() if not scan(d)[1] and len(d) == 4096)


def test_one_input(data: bytes) -> None:
    # One input in four also checks a StatsReader that had parsed another file first.
    check_bytes(data, WORKDIR, PREVIOUS if data[-1:] and data[-1] % 4 == 0 else None)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
