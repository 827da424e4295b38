"""Outcomes of one check, known failures applied, and how they are printed.

Outcomes stay distinct: passed; failed (wrong answer);
crashed (killed by a signal, or could not start); timeout; bug (the harness
or the corpus is at fault, not the implementation); skipped (the case needs
something the protocol cannot pass); known (listed in known-failures and still
failing); fixed (listed but now passing: the list is stale, which fails the run).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass

__all__ = ["Result", "FAILING", "apply_known", "summarize", "json_report", "dump_json"]

PASSED, FAILED, CRASHED, TIMEOUT, BUG, SKIPPED, KNOWN, FIXED = (
    "passed", "failed", "crashed", "timeout", "bug", "skipped", "known", "fixed")
FAILING = frozenset({FAILED, CRASHED, TIMEOUT, BUG, FIXED})
_TAG = {FAILED: "FAIL", CRASHED: "CRASH", TIMEOUT: "TIMEOUT", BUG: "BUG", SKIPPED: "SKIP", KNOWN: "KNOWN",
        FIXED: "FIXED"}


@dataclass
class Result:
    id: str
    outcome: str
    detail: str = ""
    level: str = "required"


def apply_known(results: list[Result], known: dict[str, str], all_ids=None) -> list[Result]:
    """Turn failures of listed cases into `known`, passes of listed cases into `fixed`.

    With ``all_ids`` (every id the run could have seen), a listed id that no
    longer exists is reported too, so the list cannot go stale by renames.
    """
    out = []
    for r in results:
        if r.id in known and r.outcome in FAILING:
            out.append(Result(r.id, KNOWN, f"{known[r.id]} [{r.outcome}: {r.detail}]", r.level))
        elif r.id in known and r.outcome == PASSED:
            out.append(Result(r.id, FIXED, f"listed as a known failure ({known[r.id]}) but passes: "
                                           f"remove it from the list", r.level))
        else:
            out.append(r)
    if all_ids is not None:
        out += [Result(id, FIXED, "listed as a known failure, but there is no such case: remove it")
                for id in sorted(set(known) - set(all_ids))]
    return out


def summarize(name: str, results: list[Result], write=print, verbose: bool = False) -> tuple[int, int]:
    """Print one line per case that did not pass, a breakdown, then exactly `NAME: N passed, N failed`."""
    for r in sorted(results, key=lambda r: r.id):
        if r.outcome in FAILING or (verbose and r.outcome in (KNOWN, SKIPPED)):
            write(f"{_TAG[r.outcome]:<7} {r.id}: {r.detail}")
    n = Counter(r.outcome for r in results)
    passed, failed = n[PASSED], sum(n[o] for o in FAILING)
    extra = [f"{n[o]} {label}" for o, label in ((CRASHED, "crashed"), (TIMEOUT, "timed out"), (BUG, "harness bugs"),
                                                (FIXED, "stale known failures"), (KNOWN, "known failures"),
                                                (SKIPPED, "skipped")) if n[o]]
    if extra:
        write(f"{name}: " + ", ".join(extra))
    write(f"{name}: {passed} passed, {failed} failed")
    return passed, failed


def json_report(name: str, command: str | None, results: list[Result]) -> dict:
    n = Counter(r.outcome for r in results)
    return {
        "check": name,
        "command": command,
        "passed": n[PASSED],
        "failed": sum(n[o] for o in FAILING),
        "outcomes": dict(sorted(n.items())),
        "results": [asdict(r) for r in sorted(results, key=lambda r: r.id)],
    }


def dump_json(path: str, reports) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(reports, ensure_ascii=False, indent=2) + "\n")
