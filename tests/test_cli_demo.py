"""`mmstats demo`: a real instrumented process, watched live."""
import re
import subprocess
import sys


def test_demo_shows_the_request_counter_growing_and_cleans_up():
    r = subprocess.run([sys.executable, "-m", "mmstats.cli", "demo", "--seconds", "2", "--interval", "0.5"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    path = re.search(r"is writing (\S+\.mmstats)", r.stdout).group(1)
    counts = [int(m) for m in re.findall(r"^demo\.requests\s+(\d+)", r.stdout, re.M)]
    assert len(counts) >= 3
    assert counts == sorted(counts) and counts[-1] > counts[0]
    import os
    assert not os.path.exists(path)  # the demo process removed its file, and the demo its directory
