"""The C reader and validator against the Python ones (mmstats_format) on mutated files.

    python differential.py BUILD_DIR FUZZ_BINARY CONFORMANCE_DIR COUNT SEED

The fuzz driver writes COUNT mutants of the corpus; every one goes through both
validators (all problems: code and offset, in order) and, when valid, both readers
(canonical forms compared by value). Prints "differential: N files, N valid, N
differences" and exits 1 on any difference.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import mmstats_format as mf
from mmstats_conformance.checks import compare

LINE = re.compile(r"^(.*): offset (\d+): (\w+): ")


def c_problems(validate, files):
    out = {str(f): [] for f in files}
    for start in range(0, len(files), 400):
        batch = [str(f) for f in files[start:start + 400]]
        p = subprocess.run([validate, *batch], capture_output=True, timeout=600)
        if p.returncode not in (0, 1):
            sys.exit(f"differential: {validate} exit {p.returncode}: {p.stderr[-300:]!r}")
        for line in p.stderr.decode("utf-8").splitlines():
            m = LINE.match(line)
            if not m:
                sys.exit(f"differential: unparsable line {line!r}")
            out[m.group(1)].append((m.group(3), int(m.group(2))))
    return out


def main():
    build, fuzz, corpus, count, seed = sys.argv[1:6]
    with tempfile.TemporaryDirectory(prefix="mmstats-c-diff-") as tmp:
        subprocess.run([fuzz, "--dump", count, "--seed", seed, "--corpus", corpus, "--out", tmp], check=True)
        files = sorted(Path(tmp).glob("*.mmstats"))
        c = c_problems(f"{build}/mmstats-c-validate", files)
        differences = valid = 0
        for f in files:
            data = f.read_bytes()
            py = [(e.code, e.offset) for e in mf.validate_bytes(data).errors]
            if py != c[str(f)]:
                differences += 1
                print(f"DIFF {f.name}: python {py[:4]}, c {c[str(f)][:4]}")
                continue
            if py:
                continue
            valid += 1
            want = mf.to_canonical(str(f), mf.decode_bytes(data))
            p = subprocess.run([f"{build}/mmstats-c-read", str(f)], capture_output=True, timeout=60)
            diffs = compare(want, json.loads(p.stdout)) if p.returncode == 0 else [f"exit {p.returncode}"]
            if diffs:
                differences += 1
                print(f"DIFF {f.name}: read: {diffs[:3]}")
        print(f"differential: {len(files)} files, {valid} valid, {differences} differences")
        return 1 if differences or not files else 0


if __name__ == "__main__":
    sys.exit(main())
