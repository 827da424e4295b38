"""Run the C writer over a writer-scenarios directory (v1 or v2) and check its output.

For each scenario: mmstats-c-write SCENARIO OUT, then
- the Python reader (mmstats_format.read) must decode OUT to the scenario's
  "expect" (compared by value with mmstats_format.diff), and validate() must
  find no problem;
- when the scenario names an "expect_image", OUT must equal it byte for byte.
Last line: "N passed, N failed"; exit 1 on any failure. A quick local check;
the cross-language matrix is the conformance runner's job.

usage: python check_scenarios.py WRITER [SCENARIO_DIR]
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import mmstats_format as fmt


def check(writer: str, scenario: Path, out_dir: Path) -> list[str]:
    spec = json.loads(scenario.read_text(encoding="utf-8"))
    out = out_dir / (scenario.stem + ".mmstats")
    run = subprocess.run([writer, str(scenario), str(out)], capture_output=True, text=True, timeout=30)
    if run.returncode != 0:
        return [f"exit {run.returncode}: {run.stderr.strip()}"]
    problems = []
    try:
        got = fmt.to_canonical(out.name, fmt.read(out))
    except fmt.FormatError as e:
        return [f"Python reader: {e}"]
    problems += fmt.diff(spec["expect"], got)
    problems += [f"validate: {e}" for e in fmt.validate(out).errors]
    image = spec.get("expect_image")
    if image:
        want = (scenario.parent / image).read_bytes()
        have = out.read_bytes()
        if have != want:
            first = next((i for i, (a, b) in enumerate(zip(have, want)) if a != b), min(len(have), len(want)))
            problems.append(f"bytes differ from {image}: sizes {len(have)}/{len(want)}, first difference at offset {first}")
    return problems


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    writer = argv[1]
    root = Path(argv[2]) if len(argv) == 3 else Path(__file__).resolve().parents[2] / "conformance" / "writer-scenarios"
    scenarios = sorted(root.glob("*.json"))
    if not scenarios:
        print(f"no scenarios in {root}", file=sys.stderr)
        return 2
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="mmstats-c-scenarios-") as tmp:
        for scenario in scenarios:
            problems = check(writer, scenario, Path(tmp))
            if problems:
                failed += 1
                print(f"not ok {scenario.stem}")
                for p in problems:
                    print(f"  {p}")
            else:
                passed += 1
                print(f"ok {scenario.stem}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
