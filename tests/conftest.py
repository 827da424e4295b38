import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """../shared beside the clone (developers and CI have it); MMSTATS_SHARED overrides."""
    return Path(os.environ.get("MMSTATS_SHARED", REPO.parent / "shared")).resolve()


INTEROP = shared_dir() / "interop" / "mmstats-0.8"


@pytest.fixture
def interop_dir():
    if not INTEROP.is_dir():
        pytest.skip(f"interop corpus not found at {INTEROP}")
    return INTEROP
