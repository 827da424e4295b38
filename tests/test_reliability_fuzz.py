"""Fuzzing the Python reader, validator and StatsReader (the CI-sized run).

Inputs are corpus files (conformance/) with 1 to 8 structure-aware mutations
(fuzz/mutate.py), random bytes, and random record areas behind a valid version
byte. fuzz/oracle.py holds the properties; fuzz/README.md has the long runs
(atheris, go test -fuzz, the Rust loop).
"""
from __future__ import annotations

import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
from mutate import MUTATIONS, mutate, used_end  # noqa: E402
from oracle import check_bytes, corpus_files  # noqa: E402

from mmstats_format.scan import scan  # noqa: E402

CORPUS = corpus_files(limit_bytes=64 * 1024)
VALID = [d for d in CORPUS if len(d) <= 8192 and not scan(d)[1]]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seen = Counter()  # outcome -> examples; shows the inputs reach every code


class _Chooser:
    """The interface mutate() wants, over hypothesis's draw."""

    def __init__(self, draw):
        self.draw = draw

    def __call__(self, n):
        return self.draw(st.integers(0, n - 1))

    def bytes(self, n):
        return self.draw(st.binary(min_size=n, max_size=n))


@st.composite
def mutated(draw):
    data = draw(st.sampled_from(CORPUS))
    chooser = _Chooser(draw)
    for _ in range(draw(st.integers(1, 8))):
        data = mutate(data, chooser, CORPUS)
    return data


record_areas = st.binary(max_size=200).map(lambda b: b"\x01" + b + bytes(-(len(b) + 1) % 4096))


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang("one input took over 30 s: a hang")


@pytest.fixture(autouse=True)
def hang_guard():
    """Not a timing assertion: a generous per-test limit that turns a hang into a failure."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def run(data, previous=None):
    with tempfile.TemporaryDirectory() as d:
        seen[check_bytes(data, d, previous)] += 1


def test_corpus_is_there_and_mutations_reach_the_record_area():
    assert len(CORPUS) > 100 and len(VALID) > 50
    assert all(used_end(d) <= max(len(d), 1) for d in CORPUS)
    assert len(MUTATIONS) == 10


@SETTINGS
@given(mutated())
def test_mutated_corpus_files(data):
    run(data)


@SETTINGS
@given(st.binary(max_size=5000))
def test_random_bytes(data):
    run(data)


@SETTINGS
@given(record_areas)
def test_random_record_areas_behind_a_version_byte(data):
    run(data)


@SETTINGS
@given(st.sampled_from(VALID), mutated())
def test_stats_reader_on_a_file_rewritten_in_place(previous, data):
    run(data, previous)


def test_every_outcome_was_reached():
    """Runs last in this module: the inputs above hit valid files and most error codes."""
    if len(seen) < 3:
        pytest.skip("run with the whole module")
    assert seen["valid"] > 0
    assert len(set(seen) - {"valid"}) >= 7, seen
