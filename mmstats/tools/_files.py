"""Which files a command looks at: the stats directory and PATH arguments.

A PATH argument is a file, a directory (its ``*.mmstats`` files) or a glob
pattern (expanded by the command, so a quoted pattern picks up files that
appear later when it is expanded again). Patterns are matched by ``walk``,
which never follows a symbolic link to a directory (``**`` included) and
stops after ``MAX_ENTRIES`` directory entries, so two symlinks to ``.`` cost
nothing and a huge tree cannot hold a command for long.
"""
from __future__ import annotations

import fnmatch
import glob
import os
import stat

from mmstats._defaults import directory_template as stats_dir

from ._output import TROUBLE, INVALID, exit_status, show, warn

__all__ = ["DEFAULT_PATTERN", "MAX_ENTRIES", "stats_dir", "no_stats_dir", "expand", "each_file", "walk", "has_magic"]

DEFAULT_PATTERN = "*.mmstats"
MAX_ENTRIES = 100_000  # directory entries one pattern may look at


def has_magic(arg: str) -> bool:
    return glob.has_magic(arg)


class _Budget:
    def __init__(self, limit: int):
        self.left = limit

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _entries(directory: str, budget: _Budget):
    """(name, is a real directory) of ``directory``'s entries, symlinks never counted as directories."""
    try:
        with os.scandir(directory) as it:
            for entry in it:
                if not budget.spend():
                    return
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                yield entry.name, is_dir
    except OSError:
        return


def _matches(name: str, part: str) -> bool:
    if name.startswith(".") and not part.startswith("."):
        return False  # as glob: * and ? never match a leading dot
    return fnmatch.fnmatchcase(name, part)


def _walk(directory: str, parts: list[str], budget: _Budget, out: list[str]) -> None:
    part, rest = parts[0], parts[1:]
    if part == "**":
        if rest:
            _walk(directory, rest, budget, out)       # ** matches no directory at all
        for name, is_dir in list(_entries(directory, budget)):
            path = os.path.join(directory, name)
            if is_dir and not name.startswith("."):
                _walk(path, parts, budget, out)       # ... or one more, never through a symlink
            elif not rest and not name.startswith("."):
                out.append(path)
        return
    if not has_magic(part):
        path = os.path.join(directory, part)
        if not rest:
            if os.path.lexists(path):
                out.append(path)
            return
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                _walk(path, rest, budget, out)
        except OSError:
            pass
        return
    for name, is_dir in list(_entries(directory, budget)):
        if _matches(name, part):
            path = os.path.join(directory, name)
            if not rest:
                out.append(path)
            elif is_dir:
                _walk(path, rest, budget, out)


def walk(pattern: str, root: str | None = None, limit: int = MAX_ENTRIES) -> tuple[list[str], bool]:
    """(sorted paths matching the glob ``pattern``, whether the walk hit ``limit``).

    ``root`` is the directory a relative pattern starts from (default: the working directory, and
    the paths returned are then relative too). Without ``root``, the literal directories the pattern
    starts with are taken as given (a user typed them); below them, and anywhere below ``root``, no
    symlink to a directory is followed.
    """
    parts = [p for p in pattern.split(os.sep) if p not in ("", ".")]
    if pattern.startswith(os.sep):
        base = os.sep
    else:
        base = root if root is not None else ""
    while root is None and parts and not has_magic(parts[0]) and len(parts) > 1:
        base = os.path.join(base, parts.pop(0))
    budget = _Budget(limit)
    out: list[str] = []
    if parts:
        _walk(base or os.curdir, parts, budget, out)
    if not base:  # relative to the working directory: no "./" in front
        out = [os.path.relpath(p) if p.startswith(os.curdir + os.sep) else p for p in out]
    return sorted(set(out)), budget.left < 0


def no_stats_dir(directory: str) -> str:
    return f"{show(directory)}: missing: the stats directory does not exist"


def _regular(path: str) -> bool:
    """A regular file (after symlinks): opening a FIFO or device would block or read forever."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _dir_files(directory: str) -> list[str]:
    return [p for p in walk(DEFAULT_PATTERN, root=directory)[0] if _regular(p)]


def expand(args, default_dir: str | None = None) -> tuple[list[str], list[str]]:
    """(files, problems): the regular files ``args`` name, in argument order,
    and one stderr line per argument that named nothing usable (an I/O
    problem: exit status 2). No arguments means every ``*.mmstats`` file of
    the stats directory. A file named twice is listed twice (like ``cat f f``).
    """
    if not args:
        directory = default_dir or stats_dir()
        if not os.path.isdir(directory):
            return [], [no_stats_dir(directory)]
        return _dir_files(directory), []
    files: list[str] = []
    problems: list[str] = []
    for arg in map(os.fspath, args):
        if os.path.isdir(arg):
            files.extend(_dir_files(arg))
        elif os.path.lexists(arg):
            if _regular(arg):
                files.append(arg)
            else:
                problems.append(f"{show(arg)}: cannot read: not a regular file" if os.path.exists(arg)
                                else f"{show(arg)}: missing: dangling symlink")
        elif has_magic(arg):
            found, cut = walk(arg)
            found = [p for p in found if _regular(p)]
            if cut:
                problems.append(f"{show(arg)}: cannot read: more than {MAX_ENTRIES} directory entries, stopped")
            elif not found:
                problems.append(f"{show(arg)}: missing: no file matches")
            files.extend(found)
        else:
            problems.append(f"{show(arg)}: missing: no such file or directory")
    return files, problems


def each_file(args, one) -> int:
    """Run ``one(index, path)`` (0, 1 invalid or 2 unreadable) over the files ``args`` name, after
    saying what named nothing; the command's exit status."""
    files, problems = expand(args)
    for line in problems:
        warn(line)
    codes = {TROUBLE} if problems else set()
    for n, path in enumerate(files):
        codes.add(one(n, path))
    return exit_status(INVALID in codes, TROUBLE in codes)
