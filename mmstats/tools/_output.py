"""What every mmstats command prints, and how it ends.

One module for the whole command surface (``mmstats …``, slurpstats,
pollstats, cleanstats, mmash):

- ``show``: any value, label or file name as one line of terminal text.
  Control characters are escaped, so a hostile file or file name cannot move
  the cursor, clear the screen or set the window title; a byte of a file name
  that is not UTF-8 reads ``\\xNN``; floats read like canonical JSON (``NaN``,
  ``Infinity``, ``-Infinity``).
- ``problem_line``: the one wording of "this file could not be used".
- ``json_line``: JSON Lines output that is valid UTF-8 whatever the locale.
- exit statuses: 0 fine, 1 a file is invalid, 2 usage or I/O problem (a
  missing or unreadable file); 141 when stdout's reader went away, 130 on Ctrl-C.
"""
from __future__ import annotations

import json
import math
import os
import sys

from mmstats_format import FormatError

__all__ = ["OK", "INVALID", "TROUBLE", "show", "json_text", "json_line", "problem_line", "exit_status",
           "warn", "use_colour", "run_cli"]

OK, INVALID, TROUBLE = 0, 1, 2
BROKEN_PIPE, INTERRUPTED = 141, 130  # as a shell reports death by SIGPIPE / SIGINT

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\"}


def _char(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable():
        return ch
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def show(value) -> str:
    """``value`` (a field value, a label, a file name) as one safe line of terminal text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if isinstance(value, str):
        if value.isprintable() and "\\" not in value:
            return value
        return "".join(map(_char, value))
    return str(value)


def json_text(text: str) -> str:
    """A str that encodes as valid UTF-8: a file name that is not UTF-8 (held by Python with lone
    surrogates) is decoded as UTF-8 with each ill-formed subsequence replaced by U+FFFD (spec/v1.md,
    "The canonical object")."""
    return os.fsencode(text).decode("utf-8", "replace") if isinstance(text, str) else text


def json_line(obj, out=None) -> None:
    """Write ``obj`` as one line of JSON, as UTF-8 bytes whatever stdout's encoding is."""
    out = out or sys.stdout
    data = (json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    buffer = getattr(out, "buffer", None)
    if buffer is None:  # a text-only stream (tests' StringIO)
        out.write(data.decode("utf-8"))
        return
    out.flush()
    buffer.write(data)


def problem_line(path, exc: BaseException) -> str:
    """One stderr line saying which file could not be used and why.

    Format errors use the cross-language protocol ``FILE: offset N: CODE: message``;
    I/O errors have no offset and say ``missing`` or ``cannot read`` (the words the other languages use).
    """
    name = show(path)
    if isinstance(exc, FormatError):
        return f"{name}: offset {exc.offset}: {exc.code}: {show(exc.message)}"
    if isinstance(exc, FileNotFoundError):
        return f"{name}: missing: no such file (removed while being read?)"
    if isinstance(exc, OSError):
        return f"{name}: cannot read: {exc.strerror or exc}"
    return f"{name}: error: {show(str(exc))}"


def exit_status(invalid: bool, trouble: bool) -> int:
    """1 when any file was invalid, else 2 when any could not be read, else 0."""
    return INVALID if invalid else TROUBLE if trouble else OK


def warn(line: str) -> None:
    """One line on stderr, after whatever stdout holds so far (so the two stay in order)."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    print(line, file=sys.stderr, flush=True)


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


def _never_fail_to_encode(stream) -> None:
    # show() leaves printable non-ASCII text as it is; a terminal that cannot show it gets \\u escapes.
    try:
        stream.reconfigure(errors="backslashreplace")
    except (AttributeError, ValueError):
        pass


def run_cli(body, argv) -> int:
    """Run a command's body; a closed pipe (``cmd | head``) or Ctrl-C ends it quietly.

    After EPIPE, stdout is pointed at /dev/null so the interpreter's final
    flush cannot print a second traceback.
    """
    _never_fail_to_encode(sys.stdout)
    _never_fail_to_encode(sys.stderr)
    try:
        code = body(argv)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return BROKEN_PIPE
    except KeyboardInterrupt:
        return INTERRUPTED
