from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The files mmstats 0.8 wrote (conformance/golden/mmstats-0.8/README.md says how they were made):
# the only 0.8 fixture the tests read.
GOLDEN_08 = REPO / "conformance" / "golden" / "mmstats-0.8"
INTEROP = GOLDEN_08  # the name the read-path tests import


def require_golden_08() -> Path:
    """The 0.8 golden folder; a missing one fails the test that needs it (never a skip)."""
    if not (GOLDEN_08 / "README.md").is_file():
        pytest.fail(f"the 0.8 golden files are missing: {GOLDEN_08} (part of the repository; restore it from git)")
    return GOLDEN_08


@pytest.fixture
def interop_dir():
    return require_golden_08()


# Test modules written for the version 1 writer (a file per thread, {TID} names, the 0.8 byte layout):
# their models write version 1, as an application that sets MMSTATS_FORMAT_VERSION=1 gets. The version 2
# writer's tests are tests/test_writer_v2*.py; subprocesses inherit the variable.
V1_WRITER_MODULES = {
    "test_cli_demo", "test_conformance_corpus", "test_conformance_harness", "test_liveness", "test_mmash",
    "test_mmash_browser", "test_prometheus_exposition", "test_prometheus_server", "test_reliability_descriptors",
    "test_reliability_dirs", "test_reliability_files", "test_reliability_fuzz", "test_reliability_mmash",
    "test_reliability_processes", "test_reliability_torture", "test_tools_cleanstats", "test_tools_cli",
    "test_tools_examples", "test_tools_output", "test_tools_pollstats", "test_tools_slurpstats",
    "test_tools_support", "test_writer_concurrent", "test_writer_integers", "test_writer_interop",
    "test_writer_lifecycle", "test_writer_lowlevel", "test_writer_metrics", "test_writer_models",
    "test_perf_paths", "test_bench_smoke",
}


@pytest.fixture(autouse=True)
def _format_v1_for_v1_writer_tests(request, monkeypatch):
    if request.module.__name__.rpartition(".")[2] in V1_WRITER_MODULES:
        monkeypatch.setenv("MMSTATS_FORMAT_VERSION", "1")


@pytest.fixture
def counted(monkeypatch):
    """{"scan": whole-file scans, "walked": [(known, new entries) per walk of appended entries only]}
    of the v2 reader's layout cache (the copying and the mapped readers' tests)."""
    from mmstats_format import cache
    from mmstats_format.v2 import layout as v2layout
    seen = {"scan": 0, "walked": []}
    real_scan, real_walk = cache.scan, v2layout.walk_entries

    def scan(data):
        seen["scan"] += 1
        return real_scan(data)

    def walk_entries(data, h, start, known):
        got = real_walk(data, h, start, known)
        seen["walked"].append((known, [e.label for e in got[0]]))
        return got

    monkeypatch.setattr(cache, "scan", scan)
    monkeypatch.setattr(v2layout, "walk_entries", walk_entries)
    cache.LAYOUTS.clear()
    return seen
