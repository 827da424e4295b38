"""cleanstats (also ``mmstats clean``): remove stats files left behind by processes that are gone.

    cleanstats [--dry-run] [-q] [PATH...]

PATH is a file, a directory (its *.mmstats files) or a glob; with none, every
*.mmstats file of the stats directory ($MMSTATS_PATH, else the temp
directory). A file is removed only when its writer is proven gone (the rule is
mmstats._liveness). Version 2 (spec/v2.md, "Liveness"): the file is closed, or
no process holds the lock its writer keeps for life -- pid reuse cannot fool
this; the cleaner takes that lock and unlinks while holding it. Version 1
(spec/v1.md, "Removing stale files"): its ``sys.pid`` process does not exist
(kill(pid, 0) fails with ESRCH). Everything else is kept: a file that is not a valid mmstats file (one still being created reads
as not_ready), a file without sys.pid, a live pid (even if it might have been
reused: version 1 cannot prove that without trusting clocks), anything that is
not a regular file.

Cleaners run as root over shared directories, so the path is never trusted
between two looks: every directory on it is opened without following a
symlink, each from the one before, and the file is examined and removed
through that one directory handle. A glob never follows a symlink to a
directory. One line per file says the decision and why, then a summary line.
Exit status 2 when a file could not be examined or removed.
"""
from __future__ import annotations

import errno
import os
import stat
import sys

from mmstats_format import DEFAULT_MAX_SIZE, FormatError, decode_bytes

from .._liveness import hold_for_removal, judge
from ._args import parser
from ._files import expand
from ._output import exit_status, problem_line, run_cli, show, warn

__all__ = ["main", "judge", "open_parent"]

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class _Keep(Exception):
    """The file is kept for the reason given."""


def open_parent(path: str) -> tuple[int, str]:
    """(descriptor of the directory holding ``path``, the file's name in it).

    Each directory component is opened relative to the one before with
    O_DIRECTORY|O_NOFOLLOW, so a component swapped for a symlink fails (ELOOP
    or ENOTDIR) instead of leading elsewhere. The caller closes the descriptor.
    """
    head, name = os.path.split(path)
    if not name:
        raise _Keep("not a regular file")
    parts = [p for p in head.split(os.sep) if p not in ("", ".")]
    fd = os.open(os.sep if path.startswith(os.sep) else os.curdir, _DIR_FLAGS)
    try:
        for part in parts:
            nxt = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = nxt
    except OSError as e:
        os.close(fd)
        if e.errno in (errno.ELOOP, errno.ENOTDIR):
            raise _Keep("a directory on its path is a symbolic link or not a directory (never followed)") from None
        raise
    return fd, name


def _read(dir_fd: int, name: str):
    """(identity, fields, descriptor) of the regular file ``name`` in ``dir_fd``; _Keep for anything else.
    The caller closes the descriptor (kept open for the version 2 lock probe)."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        raise _Keep("not a regular file")
    try:
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise _Keep("replaced by a symlink while checking") from None
        raise
    try:
        fst = os.fstat(fd)
        if (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            raise _Keep("replaced by another file while checking")
        data = os.read(fd, DEFAULT_MAX_SIZE + 1)
        if len(data) > DEFAULT_MAX_SIZE:
            raise _Keep(f"not a valid mmstats file: offset {DEFAULT_MAX_SIZE}: file_too_large")
        try:
            fields = decode_bytes(data, name)
        except FormatError as e:
            raise _Keep("being created (not_ready)" if e.code == "not_ready"
                        else f"not a valid mmstats file: offset {e.offset}: {e.code}") from None
    except BaseException:
        os.close(fd)
        raise
    return (st.st_dev, st.st_ino), fields, fd


def _remove(dir_fd: int, name: str, ident) -> None:
    """Unlink ``name`` from the directory already examined, only if it is still the file that was read."""
    now = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if (now.st_dev, now.st_ino) != ident:
        raise _Keep("replaced by another file while checking")
    os.unlink(name, dir_fd=dir_fd)


def _parser(prog: str = "cleanstats"):
    p = parser(prog, "Remove mmstats files whose writer process is gone.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    p.add_argument("-n", "--dry-run", action="store_true", help="only say what would be removed")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary and errors")
    return p


def _body(prog, argv) -> int:
    args = _parser(prog).parse_args(argv)
    files, problems = expand(args.paths)
    removed = kept = 0
    errors = len(problems)
    remove_word = "would remove" if args.dry_run else "removed"
    summary_word = "to remove" if args.dry_run else "removed"

    def say(action, path, why):
        if not args.quiet:
            print(f"{action:<12} {show(path)}: {why}", flush=True)

    for line in problems:
        warn(line)
    for path in files:
        verdict = None
        try:
            dir_fd, name = open_parent(path)
            try:
                ident, fields, fd = _read(dir_fd, name)
                try:
                    verdict = judge(fields, fd)
                    if not verdict.stale:
                        raise _Keep(verdict.reason)
                    if not args.dry_run:
                        busy = hold_for_removal(fields, fd)
                        if busy is not None:
                            raise _Keep(busy)
                        _remove(dir_fd, name, ident)  # under the writer's lock (version 2)
                finally:
                    os.close(fd)
            finally:
                os.close(dir_fd)
        except _Keep as why:
            kept += 1
            say("keep", path, why)
            continue
        except FileNotFoundError:
            kept += 1
            say("keep", path, "vanished while checking")
            continue
        except OSError as e:
            errors += 1
            if verdict is None:
                warn(problem_line(path, e))
            else:
                warn(f"{show(path)}: cannot remove: {e.strerror or e} ({verdict.reason})")
            continue
        removed += 1
        say(remove_word, path, verdict.reason)
    total = removed + kept + errors
    print(f"cleanstats: {total} file{'s' if total != 1 else ''}: {removed} {summary_word}, {kept} kept, "
          f"{errors} error{'s' if errors != 1 else ''}", flush=True)
    return exit_status(False, errors > 0)


def main(argv=None, prog: str = "cleanstats") -> int:
    return run_cli(lambda a: _body(prog, a), argv)


if __name__ == "__main__":
    sys.exit(main())
