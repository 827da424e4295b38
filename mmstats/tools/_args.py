"""The argument conventions every command shares: usage errors exit 2 (argparse's own rule)."""
from __future__ import annotations

import argparse

__all__ = ["parser", "size_limit"]


def parser(prog: str, description: str, epilog: str | None = None) -> argparse.ArgumentParser:
    if epilog is None:
        epilog = "With no PATH: every *.mmstats file in $MMSTATS_PATH (default: the temp directory)."
    return argparse.ArgumentParser(prog=prog, description=description, epilog=epilog or None)


def size_limit(text: str) -> int:
    """--max-size: a byte count, never negative."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text} is negative: give a size in bytes")
    return n
