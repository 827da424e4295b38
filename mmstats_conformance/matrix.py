"""`matrix`: every registered implementation against the corpus, every writer x every reader, and
every live writer x every reader while the writer runs.

conformance/implementations.json:
    {"implementations": [{"name", "language", "build", "reader", "writer", "validator", "live",
                          "reads", "writes"}]}
reads and writes list the format versions the implementation reads (reader,
validator) and writes (writer, live writer); each role runs only on cases of
those versions. build is a shell command run from the repository root (may be
empty); reader, writer, validator and live are command prefixes (any may be
absent). "{python}" in a command stands for the interpreter running the harness.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .checks import Options, abnormal, check_reader, check_validator, check_writer, compare, produce, run_cases, short
from .corpus import Corpus, read_known_failures
from .live import live_case, run_live
from .protocol import split_command
from .report import BUG, FAILED, FAILING, PASSED, Result, apply_known, json_report, summarize

__all__ = ["Implementation", "load_registry", "matrix"]

ROLES = ("reader", "writer", "validator", "live")


@dataclass
class Implementation:
    name: str
    language: str = ""
    build: str = ""
    reader: str | None = None
    writer: str | None = None
    validator: str | None = None
    live: str | None = None
    reads: tuple = (1,)   # format versions the reader and validator declare
    writes: tuple = (1,)  # format versions the writer and the live writer declare

    def versions(self, role: str) -> tuple:
        return self.writes if role in ("writer", "live") else self.reads

    def command(self, role: str) -> list[str] | None:
        cmd = getattr(self, role)
        return split_command(cmd) if cmd else None


def load_registry(path: Path) -> list[Implementation]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for item in data["implementations"]:
        unknown = set(item) - {"name", "language", "build", *ROLES, "reads", "writes", "notes"}
        if unknown:
            raise ValueError(f"{path}: implementation {item.get('name')!r} has unknown keys {sorted(unknown)}")
        out.append(Implementation(**{k: tuple(v) if k in ("reads", "writes") else v
                                     for k, v in item.items() if k != "notes"}))
    names = [i.name for i in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: implementation names repeat: {names}")
    return out


def _build(impl: Implementation, repo: Path, write) -> Result | None:
    if not impl.build:
        return None
    start = time.monotonic()
    try:
        p = subprocess.run(impl.build, shell=True, cwd=repo, capture_output=True, timeout=900)
    except subprocess.TimeoutExpired:
        return Result(f"build/{impl.name}", FAILED, "build timed out after 900 s")
    took = time.monotonic() - start
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).decode("utf-8", "replace").strip().splitlines()[-3:]
        return Result(f"build/{impl.name}", FAILED, f"`{impl.build}` exit {p.returncode}: {' | '.join(tail)}")
    write(f"build {impl.name}: ok ({took:.1f} s)")
    return Result(f"build/{impl.name}", PASSED)


def _cross(corpus: Corpus, writers, readers, scenarios, opts: Options, jobs: int, known_of) -> list[tuple]:
    """(scenario id, writer, reader, Result) for every writer x reader x scenario."""
    tmp = Path(tempfile.mkdtemp(prefix="mmstats-matrix-"))
    try:
        def make(job):
            w, case = job
            out = tmp / w.name / (Path(case["path"]).stem + ".mmstats")
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                return job, out, produce(w.command("writer"), corpus, case, out, opts)
            except Exception as e:
                return job, out, Result(case["id"], BUG, f"{type(e).__name__}: {e}")

        def read(job):
            (w, case), out, r = job
            want = json.loads(corpus.path(case["path"]).read_text("utf-8"))["expect"]
            id = f"{case['id']}@{w.name}"
            got = opts.runner(r.command("reader") + [str(out)], opts.timeout, cwd=corpus.repo)
            bad = abnormal(got, id, case.get("level", "required"))
            if bad:
                return bad
            if got.returncode != 0:
                return Result(id, FAILED, f"exit {got.returncode}: {got.first_stderr_line()}")
            try:
                diffs = compare(want, json.loads(got.stdout.decode("utf-8")))
            except ValueError as e:
                return Result(id, FAILED, f"stdout is not one JSON object ({e})")
            return Result(id, FAILED, short(diffs)) if diffs else Result(id, PASSED)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            made = list(pool.map(make, [(w, c) for w in writers for c in scenarios
                                        if c.get("format_version", 1) in w.writes]))
            rows = []
            reads = []
            for (w, case), out, failed in made:
                for r in (r for r in readers if case.get("format_version", 1) in r.reads):
                    if failed:
                        rows.append((case["id"], w.name, r.name,
                                     Result(f"{case['id']}@{w.name}", FAILED, f"writer failed: {failed.detail}")))
                    else:
                        reads.append(((w, case), out, r))
            for job, res in zip(reads, pool.map(read, reads)):
                (w, case), _, r = job
                rows.append((case["id"], w.name, r.name, res))
        return _known_per_reader(rows, known_of)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _live(corpus: Corpus, writers, readers, opts: Options, jobs: int, known_of, run_globs=(), skip_globs=()):
    """(case id, writer, reader, Result) for every live writer x reader x version both speak."""
    picked = [(w, r, v) for w in writers for r in readers for v in w.writes
              if v in r.reads and corpus.matches(live_case(v), run_globs, skip_globs)]

    def one(job):
        w, r, v = job
        return run_live(w.command("live"), r.command("reader"), v, opts, cwd=corpus.repo,
                        id=f"{live_case(v)}@{w.name}")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        rows = [(live_case(v), w.name, r.name, res) for (w, r, v), res in zip(picked, pool.map(one, picked))]
    return _known_per_reader(rows, known_of)


def _known_per_reader(rows, known_of) -> list[tuple]:
    """Rows of (case, writer, reader, Result) with each reader's known failures applied."""
    by_reader = {}
    for row in rows:
        by_reader.setdefault(row[2], []).append(row)
    out = []
    for reader, rs in by_reader.items():
        applied = apply_known([res for *_, res in rs], known_of(reader))
        out += [(s, w, r, res) for (s, w, r, _), res in zip(rs, applied)]
    return out


def _pairs_summary(head: str, rows, failures_head: str, write) -> None:
    """`HEAD: N passed, N failed`, then FAILURES_HEAD and each failing (case, writer, reader)."""
    results = [res for *_, res in rows]
    write(f"{head}: {sum(res.outcome == PASSED for res in results)} passed, "
          f"{sum(res.outcome in FAILING for res in results)} failed")
    failing = [(s, w, r, res) for s, w, r, res in rows if res.outcome in FAILING]
    if failing:
        write(failures_head)
        for s, w, r, res in sorted(failing, key=lambda t: t[:3]):
            write(f"  {s}  {w} -> {r}: {res.outcome}: {res.detail}")


def matrix(corpus: Corpus, impls: list[Implementation], opts: Options, jobs: int, run_globs=(), skip_globs=(),
           required_only=False, write=print, verbose=False) -> tuple[int, dict]:
    """Run everything; print per-check summaries and a final summary. Returns (exit status, JSON report)."""
    all_results: list[Result] = []
    reports = []
    ready = []
    for impl in impls:
        b = _build(impl, corpus.repo, write)
        if b is not None:
            all_results.append(b)
        if b is None or b.outcome == PASSED:
            ready.append(impl)
        else:
            write(f"FAIL    {b.id}: {b.detail}")

    def known_of(name):
        return read_known_failures(corpus.root / "known-failures" / f"{name}.txt")

    files = corpus.select({"valid", "invalid"}, run_globs, skip_globs, required_only)
    scen = corpus.select({"writer"}, run_globs, skip_globs, required_only)
    for impl in ready:
        for role, check, cases in (("reader", check_reader, files), ("validator", check_validator, files),
                                   ("writer", check_writer, scen)):
            cmd = impl.command(role)
            if cmd is None:
                continue
            cases = [c for c in cases if c.get("format_version", 1) in impl.versions(role)]
            results = apply_known(run_cases(check, cmd, corpus, cases, opts, jobs), known_of(impl.name))
            summarize(f"{role} {impl.name}", results, write, verbose)
            reports.append(json_report(f"{role} {impl.name}", getattr(impl, role), results))
            all_results += results

    writers = [i for i in ready if i.writer]
    readers = [i for i in ready if i.reader]
    rows = _cross(corpus, writers, readers, scen, opts, jobs, known_of) if writers and readers else []
    all_results += [res for *_, res in rows]
    reports.append({"check": "cross", "results": _rows_json(rows, "scenario")})
    _pairs_summary(f"cross: {len(writers)} writer(s) x {len(readers)} reader(s) x {len(scen)} scenario(s)", rows,
                   "failures (scenario, writer, reader):", write)

    live_writers = [i for i in ready if i.live]
    start = time.monotonic()
    rows = _live(corpus, live_writers, readers, opts, jobs, known_of, run_globs, skip_globs)
    all_results += [res for *_, res in rows]
    reports.append({"check": "live", "results": _rows_json(rows, "case")})
    _pairs_summary(f"live: {len(live_writers)} live writer(s) x {len(readers)} reader(s): {len(rows)} "
                   f"combination(s) in {time.monotonic() - start:.1f} s", rows,
                   "live failures (case, live writer, reader):", write)
    passed = sum(r.outcome == PASSED for r in all_results)
    failed = sum(r.outcome in FAILING for r in all_results)
    write(f"matrix: {passed} passed, {failed} failed")
    return (1 if failed else 0), {"matrix": reports, "passed": passed, "failed": failed}


def _rows_json(rows, case_key: str) -> list[dict]:
    return [{case_key: s, "writer": w, "reader": r, "outcome": res.outcome, "detail": res.detail}
            for s, w, r, res in sorted(rows, key=lambda t: t[:3])]
