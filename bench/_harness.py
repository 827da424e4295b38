"""What every section of the suite shares: timing, rows, the table, machine facts.

Timing rule (the machines are shared and noisy): every case of a section is
sampled in turn, round after round, so a burst of load hits all of them alike,
and every figure is printed beside a baseline measured in the same rounds.
Nanosecond-scale cases (one call, timed over many calls per sample) report the
minimum of their samples: the least disturbed, as timeit advises. Passes over
files (milliseconds, with system calls) report the median.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import sys
import time
import timeit
from dataclasses import dataclass, field


@dataclass
class Config:
    quick: bool
    files: int = 1000
    fields: int = 50
    rounds: int = 9            # samples per case (median taken)
    sample_s: float = 0.02     # aim of one sample of a nanosecond-scale case
    scale: tuple = (10, 100, 1000, 10000)
    memory_files: int = 10000
    native: bool = True

    @classmethod
    def make(cls, quick: bool, files: int | None = None, fields: int | None = None) -> "Config":
        if quick:
            c = cls(quick=True, files=40, fields=10, rounds=3, sample_s=0.002, scale=(10, 30), memory_files=100)
        else:
            c = cls(quick=False)
        if files:
            c.files = files
        if fields:
            c.fields = fields
        return c


@dataclass
class Row:
    """One line of the table: a figure beside its baseline from the same run."""

    section: str
    case: str
    value: float | None            # None: not measured (see note)
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""               # e.g. "<= 2x", ">= 4x", "< 100 ns"
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.baseline_value:
            return None
        return self.value / self.baseline_value

    @property
    def result(self) -> str:
        if not self.target:
            return ""
        if self.value is None:
            return "n/a"
        op, num = self.target.split()[:2]
        want = float(num.rstrip("x"))
        got = self.ratio if num.endswith("x") else self.value
        if got is None:
            return "n/a"
        ok = {"<=": got <= want, "<": got < want, ">=": got >= want, ">": got > want}[op]
        return "PASS" if ok else "MISS"

    def miss_by(self) -> str:
        """How far a missed target is: the factor between what was needed and what was measured."""
        if self.result != "MISS":
            return ""
        op, num = self.target.split()[:2]
        want = float(num.rstrip("x"))
        got = self.ratio if num.endswith("x") else self.value
        factor = got / want if op.startswith("<") else want / got
        return f"missed by {factor:.2f}x"


# -- timing ---------------------------------------------------------------------------------------

def calibrate(timer: timeit.Timer, aim_s: float) -> int:
    """Calls per sample so one sample takes about ``aim_s``."""
    n = 1
    while True:
        t = timer.timeit(n)
        if t >= aim_s / 5 or n >= 10_000_000:
            return max(1, int(n * aim_s / max(t, 1e-9)))
        n *= 10


def ns_per_op(cases: dict, cfg: Config) -> dict[str, float]:
    """cases: name -> (statement, globals, operations per call). Minimum ns per operation."""
    timers = {name: (timeit.Timer(stmt, globals=g), per) for name, (stmt, g, per) in cases.items()}
    numbers = {name: calibrate(t, cfg.sample_s) for name, (t, _) in timers.items()}
    samples = {name: [] for name in cases}
    for _ in range(cfg.rounds):
        for name, (t, per) in timers.items():
            n = numbers[name]
            samples[name].append(t.timeit(n) / (n * per) * 1e9)
    return {name: min(v) for name, v in samples.items()}


def passes(cases: dict, rounds: int, before_round=None) -> dict[str, float]:
    """cases: name -> function doing one pass. Median seconds per pass, cases interleaved."""
    samples = {name: [] for name in cases}
    for r in range(rounds):
        if before_round is not None:
            before_round(r)
        for name, fn in cases.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in samples.items()}


# -- machine facts ---------------------------------------------------------------------------------

def machine_facts() -> dict:
    facts = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": f"{platform.system()} {platform.release()} {platform.machine()}",
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    facts["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return facts


def fmt_value(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit in ("ns", "ns/op", "ns/field"):
        return f"{v:,.1f} {unit}" if v < 100 else f"{v:,.0f} {unit}"
    if unit == "ms":
        return f"{v:,.2f} ms" if v < 100 else f"{v:,.0f} ms"
    if unit == "us/file":
        return f"{v:,.1f} us/file"
    if unit == "MB":
        return f"{v:,.1f} MB"
    return f"{v:,.3g} {unit}"


def render(rows: list[Row], markdown: bool) -> str:
    head = ["section", "case", "measured", "baseline (same run)", "ratio", "target", "result"]
    body = []
    for r in rows:
        base = f"{r.baseline}: {fmt_value(r.baseline_value, r.unit)}" if r.baseline else ""
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else ""
        result = r.result + (f" ({r.miss_by()})" if r.result == "MISS" else "")
        measured = fmt_value(r.value, r.unit) if r.value is not None else (r.note or "-")
        body.append([r.section, r.case, measured, base, ratio, r.target, result])
    if markdown:
        esc = [[c.replace("|", "\\|") for c in line] for line in body]
        out = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        out += ["| " + " | ".join(line) + " |" for line in esc]
        return "\n".join(out)
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*line) for line in body]
    return "\n".join(lines)


def log(*args):
    print(*args, file=sys.stderr, flush=True)
