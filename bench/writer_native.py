"""Section "writer (native)": each language's own micro-benchmark, run and parsed.

Every native writer ships a benchmark that times a counter increment beside a
plain increment in the same language and the same process; this section runs
those commands and puts their figures in the table (it does not time anything
itself). A language whose writer is not in the repository, or whose benchmark
cannot be built here, gets a row that says so.

The 1.5x target of a version 2 counter increment is held by each language's
single-writer increment: the per-thread handle, the thread's slot found once
(C `mmstats_v2_local_add`, Rust `Counter::local`, Java `Counter.Local`, Go
`c.In(w)`), which is what a loop that updates a counter uses. The any-thread
call, which finds the calling thread's slot at every update, is reported beside
it without a target.

    C     make -C writers/c build/bench && writers/c/build/bench ITERATIONS
    Rust  cd writers/rust && cargo run --release --offline --example bench -- ITERATIONS
    Java  java -cp writers/java/target/classes dev.mmstats.writer.Bench ITERATIONS
    Go    cd writers/go && go build -o bin/ ./cmd/mmstats-go-bench && bin/mmstats-go-bench ITERATIONS

Alone, for some languages only (prints the rows, writes nothing):

    .venv/bin/python bench/writer_native.py C Java
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from _harness import Config, Row, log

REPO = Path(__file__).resolve().parents[1]
SECTION = "writer (native)"
_LINE = re.compile(r"^(?P<name>.*?)[\s:]+(?P<ns>\d+(?:\.\d+)?) ns/op")


def parse(text: str) -> dict[str, float]:
    """name -> ns/op of every line ``<name> <number> ns/op ...`` (the format all three print)."""
    out = {}
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if m:
            out[m.group("name").strip()] = float(m.group("ns"))
    return out


def _find(figures: dict, *words) -> tuple[str, float] | None:
    """The first figure whose name contains every word (case-insensitive)."""
    for name, ns in figures.items():
        if all(w.lower() in name.lower() for w in words):
            return name, ns
    return None


def _committed(path: str) -> bool:
    try:
        out = subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=REPO, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return (REPO / path).exists()
    return out.returncode == 0


def _run(cmd, cwd, timeout) -> str:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{' '.join(map(str, cmd))}: exit {out.returncode}: {tail[0][:120]}")
    return out.stdout


def _rows(lang: str, figures: dict, floor_words, cases) -> list[Row]:
    """cases: (words that find the line, shown name, target, (floor words or None))."""
    floor = _find(figures, *floor_words)
    if floor is None:
        return [Row(SECTION, f"{lang}: benchmark output", None, "ns/op", note="no floor line in the output")]
    shown = floor[0] if "floor" in floor[0] else f"{floor[0]} (the floor)"
    rows = [Row(SECTION, f"{lang}: {shown}", floor[1], "ns/op", f"{lang} floor", floor[1])]
    for words, shown, target, other_floor in cases:
        hit = _find(figures, *words)
        base = _find(figures, *other_floor) if other_floor else floor
        if hit is None or base is None:
            rows.append(Row(SECTION, f"{lang}: {shown}", None, "ns/op", note="line missing from the output"))
            continue
        rows.append(Row(SECTION, f"{lang}: {hit[0]}", hit[1], "ns/op", f"{lang}: {base[0]}", base[1], target))
    return rows


def c_rows(cfg: Config) -> list[Row]:
    if not shutil.which(os.environ.get("CC", "cc")):
        return [Row(SECTION, "C: mmstats_incr", None, "ns/op", note="no C compiler")]
    _run(["make", "-s", "-C", "writers/c", "build/bench"], REPO, 300)
    text = _run([str(REPO / "writers/c/build/bench"), str(1_000_000 if cfg.quick else 20_000_000)], REPO, 600)
    return _rows("C", parse(text), ("the floor",), [
        (("incr", "buffered Q (value"), "mmstats_incr, buffered Q", "<= 3x", None),
        (("incr", "unbuffered Q"), "mmstats_incr, unbuffered Q", "", None),
        (("incr", "buffered I"), "mmstats_incr, buffered I", "", None),
        (("set_double",), "mmstats_set_double", "", None),
        (("8 buffered Q",), "mmstats_incr, 8 counters in turn", "<= 3x", ("8 plain",)),
        (("compiler barrier",), "plain x += n + compiler barrier", "", None),
        (("run-time p",), "plain *p += n, run-time p", "", None),
        (("v2 local_add",), "v2 local_add, thread slot found once", "<= 1.5x", None),
        (("v2 counter_add", "thread slot"), "v2 counter_add, thread slot", "", None),
        (("v2 counter_add", "shared"), "v2 counter_add, shared slot 0", "", None),
        (("v2 counter_add", "8 counters"), "v2 counter_add, 8 counters in turn", "", ("8 plain",)),
        (("histogram_observe",), "v2 histogram_observe", "", None),
        (("gauge_set_f64",), "v2 gauge_set_f64", "", None),
        (("string_set",), "v2 string_set", "", None),
    ])


_RUST_V2_FLOOR = ("plain increment in memory",)
RUST_CASES = [
    (("buffered counter incr",), "buffered counter incr", "<= 3x", None),
    (("unbuffered counter incr",), "unbuffered counter incr", "", None),
    (("v2 counter local add",), "v2 counter local add, thread slot found once", "<= 1.5x", _RUST_V2_FLOOR),
    (("v2 counter add thread slot",), "v2 counter add, thread slot", "", _RUST_V2_FLOOR),
    (("v2 counter add shared slot",), "v2 counter add, shared slot", "", _RUST_V2_FLOOR),
    (("v2 histogram observe",), "v2 histogram observe", "", _RUST_V2_FLOOR),
    (("v2 string set",), "v2 string set", "", _RUST_V2_FLOOR),
]


def rust_rows(cfg: Config) -> list[Row]:
    if not _committed("writers/rust/examples/bench.rs"):
        return [Row(SECTION, "Rust: counter incr", None, "ns/op", note="not landed")]
    n = str(1_000_000 if cfg.quick else 20_000_000)
    built = REPO / "writers/rust/target/release/examples/bench"
    if cfg.quick:
        if not built.exists():
            return [Row(SECTION, "Rust: counter incr", None, "ns/op", note="skipped in --quick: not built")]
        text = _run([str(built), n], REPO, 120)
    elif not shutil.which("cargo"):
        return [Row(SECTION, "Rust: counter incr", None, "ns/op", note="no cargo")]
    else:
        text = _run(["cargo", "run", "-q", "--release", "--offline", "--example", "bench", "--", n],
                    REPO / "writers/rust", 1200)
    return _rows("Rust", parse(text), ("plain",), RUST_CASES)


def java_rows(cfg: Config) -> list[Row]:
    src = "writers/java/src/main/java/dev/mmstats/writer/Bench.java"
    if not _committed(src):
        return [Row(SECTION, "Java: counter incr", None, "ns/op", note="not landed (writers/java not committed yet)")]
    classes = REPO / "writers/java/target/classes"
    if not (classes / "dev/mmstats/writer/Bench.class").exists() or (
            (REPO / src).stat().st_mtime > (classes / "dev/mmstats/writer/Bench.class").stat().st_mtime):
        if cfg.quick or not shutil.which("mvn"):
            return [Row(SECTION, "Java: counter incr", None, "ns/op", note="not built (mvn -o -f pom.xml compile)")]
        _run(["mvn", "-q", "-o", "-f", "pom.xml", "compile"], REPO, 1200)  # the writer needs the reader's classes
    if not shutil.which("java"):
        return [Row(SECTION, "Java: counter incr", None, "ns/op", note="no java")]
    classpath = os.pathsep.join([str(classes), str(REPO / "readers/java/target/classes")])
    text = _run(["java", "-cp", classpath, "dev.mmstats.writer.Bench", str(2_000_000 if cfg.quick else 50_000_000)],
                REPO, 600)
    return _rows("Java", parse(text), ("plain",), [
        (("buffered counter incr",), "buffered counter incr(n)", "<= 3x", None),
        (("unbuffered counter incr",), "unbuffered counter incr(n)", "", None),
        (("v2 counter add(n), own thread slot",), "v2 counter add(n), own thread slot", "", ("v2 floor",)),
        (("v2 counter inc()",), "v2 counter inc(), own thread slot", "", ("v2 floor +1",)),
        (("v2 Counter.Local add(n)",), "v2 Counter.Local add(n), handle", "<= 1.5x", ("v2 floor",)),
        (("v2 Counter.Local inc()",), "v2 Counter.Local inc(), handle", "<= 1.5x", ("v2 floor +1",)),
        (("thread-local lookup",), "v2 counter add(n), thread-local lookup", "", ("v2 floor",)),
        (("v2 counter add(n), shared slot",), "v2 counter add(n), shared slot", "", ("v2 floor",)),
        (("v2 histogram observe",), "v2 histogram observe", "", ("v2 floor",)),
        (("v2 string set",), "v2 string set", "", ("v2 floor",)),
    ])


_GO_LINE = re.compile(r"^Benchmark(?P<name>\S+?)(?:-\d+)?\s+\d+\s+(?P<ns>\d+(?:\.\d+)?) ns/op")


def parse_go(text: str) -> dict[str, float]:
    """name -> ns/op of every `go test -bench` line (``BenchmarkName-CPUS  N  12.3 ns/op ...``)."""
    return {m.group("name"): float(m.group("ns")) for m in map(_GO_LINE.match, text.splitlines()) if m}


def go_rows(cfg: Config) -> list[Row]:
    if not _committed("writers/go/cmd/mmstats-go-bench/main.go"):
        return [Row(SECTION, "Go: counter incr", None, "ns/op", note="not landed")]
    if not shutil.which("go"):
        return [Row(SECTION, "Go: counter incr", None, "ns/op", note="no go")]
    go = ["env", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod", "go"]
    _run(go + ["build", "-o", "bin/", "./cmd/mmstats-go-bench"], REPO / "writers/go", 600)
    text = _run([str(REPO / "writers/go/bin/mmstats-go-bench"), str(1_000_000 if cfg.quick else 20_000_000)],
                REPO, 600)
    return _rows("Go", parse(text), ("the floor",), [
        (("v2 slot counter add, c.In",), "v2 slot counter add (thread slot)", "<= 1.5x", None),
        (("v2 shared-slot",), "v2 shared-slot Counter.Add", "", None),
        (("histogram observe, slot",), "v2 histogram observe (thread slot)", "", None),
        (("string set",), "v2 string set", "", None),
        (("v1 Counter.Inc",), "v1 Counter.Inc", "", None),
    ])


LANGUAGES = (("C", c_rows), ("Rust", rust_rows), ("Java", java_rows), ("Go", go_rows))


def run(cfg: Config, only: tuple[str, ...] = ()) -> list[Row]:
    rows = []
    for name, fn in LANGUAGES:
        if only and name not in only:
            continue
        log(f"writer (native): {name}")
        try:
            rows += fn(cfg)
        except (OSError, RuntimeError, subprocess.SubprocessError) as e:
            rows.append(Row(SECTION, f"{name}: counter incr", None, "ns/op", note=f"failed: {e}"[:160]))
    return rows


if __name__ == "__main__":
    import argparse

    from _harness import machine_facts, render

    ap = argparse.ArgumentParser(description="the writer (native) section alone")
    ap.add_argument("languages", nargs="*", choices=[name for name, _ in LANGUAGES], help="default: all")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print("; ".join(f"{k}: {v}" for k, v in machine_facts().items()))
    print(render(run(Config.make(args.quick), tuple(args.languages)), markdown=True))
