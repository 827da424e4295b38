"""`python -m mmstats_conformance` / `mmstats conformance`: generate the corpus, check implementations.

    generate [--check]
    check-reader 'CMD'      CMD FILE      -> canonical JSON; invalid: exit != 0, `offset N: CODE:` on stderr
    check-validator 'CMD'   CMD FILE      -> exit 0 valid; exit 1 + `offset N: CODE:` lines invalid
    check-writer 'CMD'      CMD SCENARIO OUT -> OUT, checked by the Python validator and reader
    matrix                  every registered implementation, every writer x every reader, and every
                            live writer x every reader while the writer runs
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, help="the conformance/ directory (default: the one beside this package)")
    p.add_argument("--run", action="append", default=[], metavar="GLOB", help="only case ids matching (repeatable)")
    p.add_argument("--skip", action="append", default=[], metavar="GLOB", help="leave out case ids matching")
    p.add_argument("--required-only", action="store_true", help="leave out cases of level 'recommended'")
    p.add_argument("--json", metavar="FILE", help="also write a JSON report to FILE")
    p.add_argument("--timeout", type=float, default=5.0, metavar="SEC", help="per case (default 5)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="cases run in parallel")
    p.add_argument("--no-codes", dest="codes", action="store_false",
                   help="invalid files: accept any non-zero exit, do not require the error code and offset")
    p.add_argument("-v", "--verbose", action="store_true", help="also list known failures and skipped cases")
    p.add_argument("--versions", default="", metavar="1,2",
                   help="only cases of these format versions (default: every version; matrix: as registered)")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="mmstats conformance", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write conformance/ from the case tables (deterministic)")
    g.add_argument("--check", action="store_true", help="exit 1 when the committed corpus differs from a fresh one")
    g.add_argument("--root", type=Path)
    for role in ("reader", "writer", "validator"):
        c = sub.add_parser(f"check-{role}", help=f"run the {role} CMD over the corpus")
        c.add_argument("cmd", metavar="CMD", help="command prefix, split with shlex; arguments are appended")
        c.add_argument("--impl", metavar="NAME", help="use known-failures/NAME.txt")
        c.add_argument("--known-failures", type=Path, metavar="FILE", help="a known-failures file")
        _common(c)
    m = sub.add_parser("matrix", help="every implementation in implementations.json; writers x readers; live")
    m.add_argument("--registry", type=Path, help="default: ROOT/implementations.json")
    m.add_argument("--only", action="append", default=[], metavar="NAME", help="only these implementations")
    _common(m)
    return ap


def _generate(args) -> int:
    from .corpus import default_root
    from .generate import build, check, write

    root = args.root or default_root()
    if args.check:
        return check(root)
    files = build(root)
    n = write(root, files)
    print(f"generate: {len(files)} files in {root} ({n} written or removed)")
    return 0


def _check(role: str, args) -> int:
    from . import checks
    from .corpus import KnownFailuresError, load, read_known_failures
    from .protocol import split_command
    from .report import apply_known, dump_json, json_report, summarize

    corpus = load(args.root)
    kinds = {"writer"} if role == "writer" else {"valid", "invalid"}
    cases = corpus.select(kinds, args.run, args.skip, args.required_only)
    versions = {int(v) for v in args.versions.split(",") if v}
    if versions:
        cases = [c for c in cases if c.get("format_version", 1) in versions]
    known_path = args.known_failures or (corpus.root / "known-failures" / f"{args.impl}.txt" if args.impl else None)
    try:
        known = read_known_failures(known_path) if known_path else {}
    except KnownFailuresError as e:
        print(f"check-{role}: {e}", file=sys.stderr)
        return 2
    check = {"reader": checks.check_reader, "writer": checks.check_writer, "validator": checks.check_validator}[role]
    opts = checks.Options(timeout=args.timeout, codes=args.codes)
    results = checks.run_cases(check, split_command(args.cmd), corpus, cases, opts, args.jobs)
    unfiltered = not (args.run or args.skip or args.required_only or versions)
    all_ids = [e["id"] for e in corpus.cases if e["kind"] in kinds] if unfiltered else None
    results = apply_known(results, {k: v for k, v in known.items()
                                    if unfiltered or k in {c["id"] for c in cases}}, all_ids)
    if args.json:
        dump_json(args.json, json_report(role, args.cmd, results))
    _, failed = summarize(role, results, print, args.verbose)
    return 1 if failed else 0


def _matrix(args) -> int:
    from .checks import Options
    from .corpus import load
    from .matrix import load_registry, matrix
    from .report import dump_json

    corpus = load(args.root)
    impls = load_registry(args.registry or corpus.root / "implementations.json")
    if args.only:
        missing = set(args.only) - {i.name for i in impls}
        if missing:
            print(f"matrix: no implementation named {sorted(missing)}", file=sys.stderr)
            return 2
        impls = [i for i in impls if i.name in args.only]
    status, report = matrix(corpus, impls, Options(timeout=args.timeout, codes=args.codes), args.jobs,
                            args.run, args.skip, args.required_only, print, args.verbose)
    if args.json:
        dump_json(args.json, report)
    return status


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "generate":
            return _generate(args)
        if args.command == "matrix":
            return _matrix(args)
        return _check(args.command.split("-", 1)[1], args)
    except FileNotFoundError as e:
        print(f"mmstats conformance: {e}", file=sys.stderr)
        return 2
