"""The benchmark suite still runs: `python bench/run.py --quick` prints every row with positive numbers.

No timing is asserted (the machine is shared): only that every section ran,
that each expected case is in the printed table, and that every figure it
printed is a positive number. The expected cases are listed here, not taken
from the suite.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

EXPECTED = {
    "writer (Python)": [
        "floor: plain method self.v += n", "CounterField: stats.hits.incr() [c slots]",
        "DoubleField: stats.ratio = 0.5", "TimerField: with stats.latency: pass",
        "prometheus_client Counter.inc(), single process", "prometheus_client Counter.inc(), multiprocess mode",
        "statsd-style client: one UDP datagram per increment", "CounterField: stats.hits.incr() [python slots",
    ],
    "writer (native)": ["C:", "Rust:", "Java:", "Go:"],
    "reader": [
        "floor: open + read + close", "mmstats_format.read(path)", "read without the layout cache",
        "StatsReader.read()", "StatsDirectory.poll()", "mmash /metrics", "MultiProcessCollector.collect()",
        "+ generate_latest", "per field: StatsDirectory.poll()", "decode step, per field",
        "no file changed since its last poll", "per field: version 2, StatsReader(mapped=True).read()",
        "per field: version 2, StatsDirectory(mapped=True).poll()",
    ],
    "scale": [f"{n} files x 10: {r}" for n in (10, 30)
              for r in ("read()", "StatsReader", "StatsDirectory", "mmash /metrics", "MultiProcessCollector")],
    "metrics": ["MultiProcessCollector (counters) + generate_latest",
                "MultiProcessCollector (gauges 'all') + generate_latest",
                "mmash /metrics?aggregate=sum over HTTP", "mmash /metrics?aggregate=process over HTTP",
                "mmash /metrics?aggregate=sum&max_age=0 over HTTP (reads every file)",
                "mmash /metrics?aggregate=process&max_age=0 over HTTP (reads every file)",
                "first scrape after start"],
    "dashboard": ["10 processes x 10 fields (v2), 1 s samples + a page polling each second",
                  "10 processes x 10 fields (v1), 1 s samples + a page polling each second"],
    "memory": ["bare python process", "python + import mmstats", "writer process: model of 100 CounterFields",
               "prometheus_client process", "files held open in StatsReaders", "polled by one StatsDirectory"],
    "startup": ["python -c pass", "import mmstats_format", "read path only", "import construct",
                "import mmstats (the writer)"],
}
NUMBER = re.compile(r"^(-?[\d,]+(?:\.\d+)?) (ns/op|ns/field|ms|MB)$")


def parse_table(text: str) -> list[dict]:
    """Rows of the printed table, cut at the column positions of its dashed line."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("section "))
    dashes = lines[at + 1]
    spans = [m.span() for m in re.finditer(r"-+", dashes)]
    names = [lines[at][a:b].strip() for a, b in spans]
    rows = []
    for line in lines[at + 2:]:
        if not line.strip():
            break
        cells = [line[a:spans[i + 1][0]].strip() if i + 1 < len(spans) else line[a:].strip()
                 for i, (a, _) in enumerate(spans)]
        rows.append(dict(zip(names, cells)))
    return rows


@pytest.fixture(scope="module")
def quick_run():
    out = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--no-readme"],
                         capture_output=True, text=True, timeout=180, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_quick_run_has_every_row(quick_run):
    rows = parse_table(quick_run)
    for section, cases in EXPECTED.items():
        # a row names what it measures in its case or, beside a baseline, in its baseline column
        mine = [r["case"] + " | " + r["baseline (same run)"] for r in rows if r["section"] == section]
        for case in cases:
            assert any(case in c for c in mine), (section, case, mine)


def test_every_printed_figure_is_positive(quick_run):
    rows = parse_table(quick_run)
    for r in rows:
        if r["section"] == "writer (native)" and not NUMBER.match(r["measured"]):
            assert r["measured"], r  # a native row without figures says why (not landed, not built...)
            continue
        m = NUMBER.match(r["measured"])
        assert m and float(m.group(1).replace(",", "")) > 0, r
        if r["baseline (same run)"]:
            base = r["baseline (same run)"].rsplit(": ", 1)[1]
            m = NUMBER.match(base)
            assert m and float(m.group(1).replace(",", "")) > 0, r
            assert float(r["ratio"].rstrip("x")) > 0, r
        if r["target"]:
            assert r["result"].split()[0] in ("PASS", "MISS"), r


def test_quick_run_prints_machine_facts_and_the_scale_grid(quick_run):
    assert re.search(r"nproc: \d+, load average at start: [\d.]+ [\d.]+ [\d.]+, python: ", quick_run)
    assert "| us per file | 10 files | 30 files |" in quick_run
    assert re.search(r"targets: \d+ PASS, \d+ MISS", quick_run)


def test_native_output_parser_reads_each_languages_lines():
    from writer_native import parse
    c = ("iterations per run: 1000000, best of 5 runs\n"
         "plain volatile `x += n` (the floor)            0.72 ns/op  x1.00\n"
         "mmstats_incr, buffered Q (value + flip)        7.01 ns/op  x9.79\n"
         "check: buffered counter = 10000000 (want 10000000)\n")
    rust = "2000000 operations, best of 5 rounds\nplain x += n:                  0.33 ns/op   1.0x\n" \
           "buffered counter incr:         2.22 ns/op   6.6x\n"
    java = "plain field x += n           0.61 ns/op  1.00x\nbuffered counter incr(n)    13.60 ns/op  22.30x\n"
    assert parse(c) == {"plain volatile `x += n` (the floor)": 0.72, "mmstats_incr, buffered Q (value + flip)": 7.01}
    assert parse(rust) == {"plain x += n": 0.33, "buffered counter incr": 2.22}
    assert parse(java) == {"plain field x += n": 0.61, "buffered counter incr(n)": 13.6}


def test_native_rust_v2_rows_hold_the_handle_to_the_v2_floor_and_report_counter_add():
    from writer_native import RUST_CASES, _rows, parse
    # The lines writers/rust/examples/bench.rs prints (format of its println!s).
    rust = ("plain x += n:                  0.33 ns/op   1.0x\n"
            "buffered counter incr:         2.22 ns/op   6.6x\n"
            "unbuffered counter incr:       0.90 ns/op   2.7x\n"
            "plain increment in memory:     0.30 ns/op   1.0x (v2 floor: heap AtomicU64 load + store)\n"
            "v2 counter add thread slot:    0.60 ns/op   2.00x\n"
            "v2 counter local add, thread slot found once:   0.33 ns/op   1.10x\n"
            "v2 counter add shared slot:    6.00 ns/op   20.00x (atomic fetch_add)\n"
            "v2 histogram observe:          9.00 ns/op   30.00x (9 buckets, own slot)\n"
            "v2 string set:                12.00 ns/op   40.00x (15-18 bytes, CAS sequence)\n")
    rows = {r.case: r for r in _rows("Rust", parse(rust), ("plain",), RUST_CASES)}
    assert all(r.value is not None for r in rows.values()), rows
    local = rows["Rust: v2 counter local add, thread slot found once"]
    add = rows["Rust: v2 counter add thread slot"]
    assert (local.target, local.baseline, local.result) == ("<= 1.5x", "Rust: plain increment in memory", "PASS")
    assert (add.target, add.baseline, add.result) == ("", "Rust: plain increment in memory", "")
    assert rows["Rust: buffered counter incr"].baseline == "Rust: plain x += n"


def test_go_benchmark_lines_are_parsed():
    from writer_native import parse_go
    go = ("goos: linux\nBenchmarkCounterInc-2   \t 1000000\t  59.36 ns/op\t  0.9321 plain-ns/op\t  63.68 x-plain\n"
          "BenchmarkPlainIncrement-2   \t 1000000\t   0.8259 ns/op\nBenchmarkOne \t 10\t 5 ns/op\nPASS\n")
    assert parse_go(go) == {"CounterInc": 59.36, "PlainIncrement": 0.8259, "One": 5.0}


def test_targets_are_judged_by_ratio_or_by_value():
    from _harness import Row
    assert Row("s", "c", 3.0, "ns/op", "b", 2.0, "<= 2x").result == "PASS"
    assert Row("s", "c", 5.0, "ns/op", "b", 2.0, "<= 2x").result == "MISS"
    assert Row("s", "c", 5.0, "ns/op", "b", 2.0, "<= 2x").miss_by() == "missed by 1.25x"
    assert Row("s", "c", 90.0, "ms", "b", 10.0, ">= 10x").result == "MISS"
    assert Row("s", "c", 99.0, "ns/field", "b", 500.0, "< 100 ns").result == "PASS"
    assert Row("s", "c", None, "ns/op", note="not landed", target="<= 3x").result == "n/a"
