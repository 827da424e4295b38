"""Section "startup": how long a fresh process takes to import the library, beside `python -c pass`.

Every CLI start (mmstats read, slurpstats, pollstats, ...) pays this. Each
case is one subprocess, wall time, the cases run in turn round after round
(median). The "read path only" case imports mmstats_format.read, .reread and
.directory with the package's __init__ bypassed: what `import mmstats_format`
would cost if __init__ loaded the builder, validator and schema (construct)
lazily; it also checks that construct stayed out.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _harness import Config, Row, log

REPO = Path(__file__).resolve().parents[1]
SECTION = "startup"

READ_PATH_ONLY = (
    "import sys, types; pkg = types.ModuleType('mmstats_format'); pkg.__path__ = [sys.argv[1]]; "
    "sys.modules['mmstats_format'] = pkg; "
    "import mmstats_format.read, mmstats_format.reread, mmstats_format.directory; "
    "assert 'construct' not in sys.modules"
)

CASES = {
    "bare": ("python -c pass", ["-c", "pass"]),
    "format": ("import mmstats_format", ["-c", "import mmstats_format"]),
    "read_path": ("read path only (mmstats_format.read, .reread, .directory; no __init__, no construct)",
                  ["-c", READ_PATH_ONLY, str(REPO / "mmstats_format")]),
    "construct": ("import construct", ["-c", "import construct"]),
    "writer": ("import mmstats (the writer)", ["-c", "import mmstats"]),
}


def run(cfg: Config) -> list[Row]:
    rounds = 3 if cfg.quick else 11
    log(f"startup: {len(CASES)} cases x {rounds} rounds")
    samples = {k: [] for k in CASES}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(rounds):
        for key, (_, args) in CASES.items():
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=120)
            elapsed = time.perf_counter() - t0
            if out.returncode:
                raise RuntimeError(f"{CASES[key][0]}: {out.stderr.strip().splitlines()[-1:]}")
            samples[key].append(elapsed * 1e3)
    ms = {k: statistics.median(v) for k, v in samples.items()}
    rows = [Row(SECTION, CASES["bare"][0], ms["bare"], "ms", "python -c pass", ms["bare"])]
    for key in ("format", "read_path", "construct", "writer"):
        rows.append(Row(SECTION, CASES[key][0], ms[key], "ms", "python -c pass", ms["bare"]))
    rows.append(Row(SECTION, CASES["format"][0], ms["format"], "ms", "read path only", ms["read_path"]))
    return rows
