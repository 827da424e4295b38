"""One case against one implementation: reader, validator and writer checks.

Each check returns a report.Result; exceptions inside a check become `bug`
results in run_cases, never a crashed harness.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import mmstats_format as mf
from mmstats_format.scan import scan

from .corpus import Corpus
from .protocol import Run, problems, run, signal_name
from .report import BUG, CRASHED, FAILED, PASSED, SKIPPED, TIMEOUT, Result

__all__ = ["Options", "compare", "abnormal", "short", "check_reader", "check_validator", "check_writer",
           "produce", "run_cases", "where"]


@dataclass
class Options:
    timeout: float = 5.0
    codes: bool = True  # invalid files: require the expected code and offset on stderr
    runner: Callable[..., Run] = field(default=run)  # (argv, timeout, cwd=) -> Run; tests may run in-process


def compare(want: dict, got) -> list[str]:
    """Path-level differences between canonical objects: mmstats_format.canonical.diff, plus shape checks."""
    if not isinstance(got, dict):
        return [f"top level: want a JSON object, got {type(got).__name__}"]
    out = mf.diff(want, got, limit=1000)
    if not isinstance(got.get("fields"), list):
        return out
    if len(got["fields"]) > len(want["fields"]):
        extra = got["fields"][len(want["fields"])]
        out.append(f"fields[{len(want['fields'])}]: unexpected extra field "
                   f"{extra.get('label') if isinstance(extra, dict) else extra!r}")
    elif len(got["fields"]) < len(want["fields"]):
        out.append(f"fields[{len(got['fields'])}]: missing field {want['fields'][len(got['fields'])]['label']!r}")
    return out


def short(lines: list[str], n: int = 3) -> str:
    more = f"; ... {len(lines) - n} more" if len(lines) > n else ""
    return "; ".join(lines[:n]) + more


def abnormal(r: Run, id: str, level: str) -> Result | None:
    """A Result for a run that did not finish normally, else None."""
    if r.start_error:
        return Result(id, CRASHED, r.start_error, level)
    if r.timed_out:
        return Result(id, TIMEOUT, "no answer within the time limit (process group killed)", level)
    if r.signalled:
        return Result(id, CRASHED, f"killed by {signal_name(r.returncode)}: {r.first_stderr_line()}", level)
    return None


def _invalid_expectation(case: dict, r: Run, codes: bool, id: str, level: str, who: str) -> Result:
    want_code, want_off = case["expect"]["code"], case["expect"]["offset"]
    if not codes:
        return Result(id, PASSED, "", level)
    found = problems(r.stderr)
    if not found:
        return Result(id, FAILED, f"want `offset {want_off}: {want_code}:` on stderr, got: {r.first_stderr_line()}",
                      level)
    got_code, got_off = found[0]
    if (got_code, got_off) != (want_code, want_off):
        return Result(id, FAILED, f"want {want_code} at offset {want_off}, got {got_code} at offset {got_off}", level)
    # v1 orders problems by offset; v2 by its walk, which may step back (spec/v2.md, "Finding problems")
    by_offset = case.get("format_version", 1) == 1
    if who == "validator" and by_offset and [o for _, o in found] != sorted(o for _, o in found):
        return Result(id, FAILED, f"problems not sorted by offset: {found}", level)
    every = [(p["code"], p["offset"]) for p in case["expect"].get("problems", ())]
    if who == "validator" and every and found != every:
        return Result(id, FAILED, f"want every problem in walk order {every}, got {found}", level)
    return Result(id, PASSED, "", level)


# A case's reader options, as the command-line flags the protocol passes before the file.
_OPTION_FLAGS = {"max_size": "--max-size"}


def option_args(case: dict) -> list[str]:
    """Flags for the case's ``options`` (conformance/README.md, "Options")."""
    out = []
    for name, value in sorted(case.get("options", {}).items()):
        out += [_OPTION_FLAGS[name], str(value)]
    return out


def check_reader(cmd: list[str], corpus: Corpus, case: dict, opts: Options) -> Result:
    id, level = case["id"], case.get("level", "required")
    want = json.loads(corpus.path(case["expect"]).read_text("utf-8")) if case["kind"] == "valid" else None
    r = opts.runner(cmd + option_args(case) + [str(corpus.path(case["path"]))], opts.timeout, cwd=corpus.repo)
    bad = abnormal(r, id, level)
    if bad:
        return bad
    if case["kind"] == "invalid":
        if r.returncode == 0:
            e = case["expect"]
            return Result(id, FAILED, f"accepted an invalid file (exit 0); want {e['code']} at offset {e['offset']}",
                          level)
        return _invalid_expectation(case, r, opts.codes, id, level, "reader")
    if r.returncode != 0:
        return Result(id, FAILED, f"exit {r.returncode} on a valid file: {r.first_stderr_line()}", level)
    try:
        got = json.loads(r.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return Result(id, FAILED, f"stdout is not one JSON object ({e}): {r.stdout[:80]!r}", level)
    diffs = compare(want, got)
    return Result(id, FAILED, short(diffs), level) if diffs else Result(id, PASSED, "", level)


def check_validator(cmd: list[str], corpus: Corpus, case: dict, opts: Options) -> Result:
    id, level = case["id"], case.get("level", "required")
    r = opts.runner(cmd + option_args(case) + [str(corpus.path(case["path"]))], opts.timeout, cwd=corpus.repo)
    bad = abnormal(r, id, level)
    if bad:
        return bad
    if case["kind"] == "valid":
        if r.returncode != 0:
            return Result(id, FAILED, f"exit {r.returncode} on a valid file, want 0: {r.first_stderr_line()}", level)
        return Result(id, PASSED, "", level)
    if r.returncode != 1:
        e = case["expect"]
        what = "accepted an invalid file" if r.returncode == 0 else "usage or I/O error"
        return Result(id, FAILED, f"exit {r.returncode} ({what}), want 1 with {e['code']} at offset {e['offset']}",
                      level)
    return _invalid_expectation(case, r, opts.codes, id, level, "validator")


def where(image: bytes, offset: int) -> str:
    """Which part of which record holds ``offset`` in a valid file."""
    if offset == 0:
        return "the version byte"
    layouts, _ = scan(image)
    for f in layouts:
        if f.offset <= offset < f.end:
            label_at = f.offset + 2
            type_size_at = label_at + len(f.label.encode("utf-8"))
            parts = [("label_size", f.offset), ("label", label_at), ("type_size", type_size_at),
                     ("type", type_size_at + 2), ("write_buffer", f.write_buffer_offset)]
            if f.buffered:
                parts += [(f"value[{i}]", f.value_offset + i * f.spec.size) for i in range(2)]
            else:
                parts.append(("value", f.value_offset))
            part = [name for name, at in parts if at <= offset][-1]
            return f"{part} of {f.label!r}"
    return "the zero fill"


def produce(cmd: list[str], corpus: Corpus, case: dict, out: Path, opts: Options) -> Result | None:
    """Run a writer on a scenario; a failing Result, or None when OUT was written (exit 0)."""
    id, level = case["id"], case.get("level", "required")
    r = opts.runner(cmd + [str(corpus.path(case["path"])), str(out)], opts.timeout, cwd=corpus.repo)
    bad = abnormal(r, id, level)
    if bad:
        return bad
    if r.returncode != 0:
        return Result(id, FAILED, f"writer exit {r.returncode}: {r.first_stderr_line()}", level)
    if not out.is_file():
        return Result(id, FAILED, "writer exited 0 but wrote no file", level)
    return None


def check_writer(cmd: list[str], corpus: Corpus, case: dict, opts: Options) -> Result:
    """Writer output: valid to the Python validator, decodes to expect, and (when stated) equals the image."""
    id, level = case["id"], case.get("level", "required")
    scenario = json.loads(corpus.path(case["path"]).read_text("utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix="mmstats-conformance-"))
    try:
        out = tmp / "out.mmstats"
        failed = produce(cmd, corpus, case, out, opts)
        if failed:
            return failed
        report = mf.validate(out)
        if not report.valid:
            e = report.errors[0]
            return Result(id, FAILED, f"output is invalid: offset {e.offset}: {e.code}: {e.message}", level)
        diffs = compare(scenario["expect"], mf.to_canonical(out, mf.read(out)))
        if diffs:
            return Result(id, FAILED, short(diffs), level)
        image = (case.get("expect") or {}).get("image")
        if image:
            want, got = corpus.path(image).read_bytes(), out.read_bytes()
            if want != got:
                if len(want) != len(got):
                    return Result(id, FAILED, f"file is {len(got)} bytes, want {len(want)} ({image})", level)
                at = next(i for i, (a, b) in enumerate(zip(want, got)) if a != b)
                return Result(id, FAILED, f"bytes differ from {image} at offset {at} ({where(want, at)}): "
                                          f"want {want[at]:02x}, got {got[at]:02x}", level)
        return Result(id, PASSED, "", level)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_cases(check, cmd, corpus: Corpus, cases: list[dict], opts: Options, jobs: int) -> list[Result]:
    """``check`` over ``cases`` on ``jobs`` threads (each case waits on its own subprocess)."""
    def one(case):
        try:
            return check(cmd, corpus, case, opts)
        except Exception as e:  # the harness or the corpus is at fault, not the implementation
            return Result(case["id"], BUG, f"{type(e).__name__}: {e}", case.get("level", "required"))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, cases))
