"""Which files a tool looks at: the default stats directory and PATH arguments.

A PATH argument is a file, a directory (its ``*.mmstats`` files) or a glob
pattern (expanded by the tool, so a quoted pattern picks up files that appear
later when it is expanded again).
"""
from __future__ import annotations

import glob
import os
import stat
import tempfile

from mmstats_format import FormatError

__all__ = ["DEFAULT_PATTERN", "stats_dir", "expand", "has_magic", "problem_line"]

DEFAULT_PATTERN = "*.mmstats"


def stats_dir() -> str:
    """The directory writers use unless told otherwise (common decision: MMSTATS_PATH, else the temp dir)."""
    return os.environ.get("MMSTATS_PATH") or tempfile.gettempdir()


def has_magic(arg: str) -> bool:
    return glob.has_magic(arg)


def _regular(path: str) -> bool:
    """A regular file (after symlinks): opening a FIFO or device would block or read forever."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _dir_files(directory: str) -> list[str]:
    return sorted(p for p in glob.glob(os.path.join(glob.escape(directory), DEFAULT_PATTERN)) if _regular(p))


def expand(args, default_dir: str | None = None) -> tuple[list[str], list[str]]:
    """(files, problems): the regular files ``args`` name, in argument order,
    and one stderr line per argument that named nothing usable. No arguments
    means every ``*.mmstats`` file of the stats directory. A file named twice
    is listed twice (like ``cat f f``).
    """
    if not args:
        return _dir_files(default_dir or stats_dir()), []
    files: list[str] = []
    problems: list[str] = []
    for arg in args:
        if os.path.isdir(arg):
            files.extend(_dir_files(arg))
        elif os.path.lexists(arg):
            if _regular(arg):
                files.append(arg)
            else:
                problems.append(f"{arg}: unreadable: not a regular file" if os.path.exists(arg)
                                else f"{arg}: missing: dangling symlink")
        elif has_magic(arg):
            found = sorted(p for p in glob.glob(arg, recursive=True) if _regular(p))
            if not found:
                problems.append(f"{arg}: missing: no file matches")
            files.extend(found)
        else:
            problems.append(f"{arg}: missing: no such file or directory")
    return files, problems


def problem_line(path: str, exc: BaseException) -> str:
    """One stderr line saying which file failed and why.

    Format errors use the project's protocol (``FILE: offset N: CODE: message``);
    I/O errors have no offset and say ``missing`` or ``unreadable``.
    """
    if isinstance(exc, FormatError):
        return str(exc.with_path(path))
    if isinstance(exc, FileNotFoundError):
        return f"{path}: missing: no such file (removed while being read?)"
    if isinstance(exc, OSError):
        return f"{path}: unreadable: {exc.strerror or exc}"
    return f"{path}: error: {exc}"
