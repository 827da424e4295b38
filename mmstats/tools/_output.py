"""Terminal output shared by the tools: value text, colour, and quiet exits."""
from __future__ import annotations

import math
import os
import sys

__all__ = ["show", "use_colour", "run_cli"]

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def show(value) -> str:
    """A field value (or label) as one safe line of terminal text.

    Control characters in labels and strings are escaped, so a hostile file
    cannot move the cursor or hide lines; floats read like canonical JSON.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, str):
        if value.isprintable() and "\\" not in value:
            return value
        return "".join(_ESCAPES.get(ch) or (ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256
                                              else f"\\u{ord(ch):04x}") for ch in value)
    return str(value)


def use_colour(stream, choice: str = "auto") -> bool:
    """Colour only on a terminal, never with NO_COLOR set (https://no-color.org) or TERM=dumb."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_cli(body, argv) -> int:
    """Run a tool's body; a closed pipe (``tool | head``) or Ctrl-C ends it quietly.

    After EPIPE, stdout is pointed at /dev/null so the interpreter's final
    flush cannot print a second traceback; the exit status is 141 like a
    process killed by SIGPIPE.
    """
    try:
        return body(argv)
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return 141
    except KeyboardInterrupt:
        return 130
