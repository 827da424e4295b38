"""The readers of other languages in the scale table: each one's bench program in readers/*/,
run on the same files as the Python readers.

Every program takes a file of paths (one per line) and a number of rounds, and prints
``raw NS decode NS fields N``: per file, the median over its rounds of a raw read (open,
read, close) and of its language's one-shot read (open, read, decode, close), its rounds
interleaved in its own process. A program that cannot be built gives a row saying why.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from _harness import log

REPO = Path(__file__).resolve().parents[1]
READERS = REPO / "readers"


def _run(cmd, cwd=None, timeout=900):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["exit status %d" % out.returncode]
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))}: {tail[0]}")
    return out.stdout


def _c(tmp: Path):
    _run(["make", "-s", "-C", str(READERS / "c"), "bench"])
    return [str(READERS / "c" / "build" / "mmstats-c-bench")]


def _go(tmp: Path):
    exe = tmp / "mmstats-go-bench"
    _run(["go", "build", "-o", str(exe), "./cmd/mmstats-go-bench"], cwd=READERS / "go")
    return [str(exe)]


def _rust(tmp: Path):
    _run(["cargo", "build", "--quiet", "--release", "--example", "bench_decode"], cwd=READERS / "rust")
    return [str(READERS / "rust" / "target" / "release" / "examples" / "bench_decode")]


def _java(tmp: Path):
    classes = READERS / "java" / "target" / "classes"
    if not (classes / "dev" / "mmstats" / "reader").is_dir():
        _run(["mvn", "-q", "-B", "-f", str(READERS / "java" / "pom.xml"), "compile"])
    return ["java", "-XX:+UseSerialGC", "-cp", str(classes), str(READERS / "java" / "bench" / "DecodeBench.java")]


def _ts(tmp: Path):
    ts = READERS / "ts"
    if not (ts / "dist" / "src" / "index.js").is_file():
        _run(["npm", "ci", "--silent"], cwd=ts)
        _run(["npm", "run", "-s", "build"], cwd=ts)
    return ["node", str(ts / "bench" / "decode.mjs")]


PROGRAMS = {"C reader": _c, "Go reader": _go, "Rust reader": _rust, "Java reader": _java, "TypeScript reader": _ts}


class OtherReaders:
    """Builds each program once; ``run(name, paths, rounds)`` -> (raw ns, decode ns, fields) per file."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.commands, self.broken = {}, {}

    def command(self, name):
        if name not in self.commands and name not in self.broken:
            log(f"  building the {name}'s bench program")
            try:
                self.commands[name] = PROGRAMS[name](self.tmp)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                self.broken[name] = f"not built: {e}"
                log(f"  {name}: {self.broken[name]}")
        return self.commands.get(name)

    def run(self, name, paths, rounds):
        """(raw ns per file, one-shot read ns per file, fields per pass), or a str saying why not."""
        cmd = self.command(name)
        if cmd is None:
            return self.broken[name]
        listing = self.tmp / f"paths-{len(paths)}.txt"
        if not listing.exists():
            listing.write_text("\n".join(paths) + "\n")
        try:
            words = _run([*cmd, str(listing), str(rounds)], timeout=1800).split()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            return f"failed: {e}"
        got = dict(zip(words[::2], words[1::2]))
        return float(got["raw"]), float(got["decode"]), int(got["fields"])


def available() -> bool:
    return os.path.isdir(READERS)
