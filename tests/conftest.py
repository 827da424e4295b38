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
