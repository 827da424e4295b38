"""mmstats benchmark suite: every figure beside its baseline from the same run.

    python bench/run.py            # everything (a few minutes), table into bench/README.md
    python bench/run.py --quick    # small N, few rounds: proves the suite works (CI: tests/test_bench_smoke.py)
    make bench                     # the same as the first line, with the repository's venv

Sections: writer (Python), writer (native), reader (N files x F fields,
default 1000 x 50), scale (10 to 10,000 files), metrics (a Prometheus scrape
of mmash over HTTP against prometheus_client), dashboard (mmash's CPU serving its charts), memory
(peak RSS), startup
(import time of a fresh process). Prints one
table of ratios with a PASS/MISS column against the targets in bench/README.md, then
the scale grid, and writes both into bench/README.md between the markers
(--no-readme leaves it alone; --quick never writes it). Nothing here asserts a
timing: the machine is shared and noisy, so read the ratios, and the load
average printed with them.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def _reexec_in_venv():
    """Run under the repository's venv when this interpreter lacks what the suite imports."""
    try:
        import mmstats  # noqa: F401
        import prometheus_client  # noqa: F401
    except ImportError:
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])
        raise


sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
for _var in ("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"):
    os.environ.pop(_var, None)
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))

BEGIN = "<!-- bench:begin (written by bench/run.py; do not edit by hand) -->"
END = "<!-- bench:end -->"
SECTIONS = ("writer-python", "writer-native", "reader", "scale", "metrics", "dashboard", "memory", "startup")


def main(argv=None) -> int:
    _reexec_in_venv()
    from _harness import Config, log, machine_facts, render

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small N and few rounds (seconds, not minutes)")
    ap.add_argument("--files", type=int, help="N of the reader section (default 1000)")
    ap.add_argument("--fields", type=int, help="F of the reader section (default 50)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    ap.add_argument("--no-readme", action="store_true", help="do not write bench/README.md")
    ap.add_argument("--readme", default=str(HERE / "README.md"), help=argparse.SUPPRESS)
    ap.add_argument("--svg", default=str(HERE / "scale.svg"), help="where the scale section's plot goes (full runs)")
    args = ap.parse_args(argv)
    cfg = Config.make(args.quick, args.files, args.fields)
    wanted = set(args.only or SECTIONS)
    facts = machine_facts()
    import mmstats
    facts["mmstats slots"] = mmstats.IMPLEMENTATION
    facts["mode"] = "quick" if cfg.quick else "full"
    log("machine: " + ", ".join(f"{k}: {v}" for k, v in facts.items()))
    started = time.perf_counter()

    import dashboard
    import memory
    import metrics
    import readers
    import startup
    import writer_native
    import writer_python

    rows, grid = [], None
    if "writer-python" in wanted:
        rows += writer_python.run(cfg)
    if "writer-native" in wanted:
        rows += writer_native.run(cfg)
    fx, tmp = readers.make_fixtures()
    try:
        if "reader" in wanted:
            rows += readers.run(cfg, fx)
        if "scale" in wanted:
            scale_rows, grid = readers.scale(cfg, fx)
            rows += scale_rows
        if "metrics" in wanted:
            rows += metrics.run(cfg, fx)
        if "dashboard" in wanted:
            rows += dashboard.run(cfg, fx)
        if "memory" in wanted:
            rows += memory.run(cfg, fx)
    finally:
        fx.close()
        tmp.cleanup()
    if "startup" in wanted:
        rows += startup.run(cfg)
    facts["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["duration"] = f"{time.perf_counter() - started:.0f} s"

    print()
    print("mmstats benchmarks -- " + ", ".join(f"{k}: {v}" for k, v in facts.items()))
    print(render(rows, markdown=False))
    if grid:
        print("\nscale, microseconds per file (median pass / files):")
        print(readers.scale_table(grid, cfg))
    results = [r.result for r in rows if r.target]
    print(f"\ntargets: {results.count('PASS')} PASS, {results.count('MISS')} MISS, {results.count('n/a')} n/a")
    if grid and not cfg.quick:
        from svgplot import scale_svg
        title = f"Every value of N files x {cfg.fields} fields, one pass ({facts['date']}, load {facts['load average at start']})"
        Path(args.svg).write_text(scale_svg(readers.scale_lines(grid), title))
        log(f"wrote the scale plot into {args.svg}")
    if not args.no_readme and not cfg.quick:
        write_readme(Path(args.readme), rows, grid, cfg, facts)
        log(f"wrote the table into {args.readme}")
    return 0


def write_readme(path: Path, rows, grid, cfg, facts) -> None:
    from _harness import render
    import readers

    parts = [BEGIN, "", "Machine: " + "; ".join(f"{k}: {v}" for k, v in facts.items()) + ".", "",
             render(rows, markdown=True), ""]
    if grid:
        parts += ["Scale, microseconds per file (median pass / files; each reader's rounds interleaved with "
                  "floor rounds):", "", readers.scale_table(grid, cfg), ""]
    parts.append(END)
    block = "\n".join(parts)
    text = path.read_text() if path.exists() else f"# mmstats benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
