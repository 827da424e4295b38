"""cleanstats: remove stats files left behind by processes that are gone.

    cleanstats [--dry-run] [-q] [PATH...]

PATH is a file, a directory (its *.mmstats files) or a glob; with none, every
*.mmstats file of MMSTATS_PATH (or the temp directory). A file is removed only
when it is proven stale (spec/v1.md, "Removing stale files"):

- its ``sys.pid`` process does not exist (kill(pid, 0) fails with ESRCH), or
- a process with that pid exists but started after the file's ``sys.created``
  (the pid was reused).

Everything else is kept: a file that is not a valid mmstats file (one still
being created reads as not_ready), a file without sys.pid, a live writer
(EPERM from kill counts as alive), anything that is not a regular file. The
user a live process runs as is never a reason to remove its file (a daemon may
drop privileges after creating it); a mismatch is only mentioned. One line per
file says the decision and why, then a summary line. Errors (e.g. no
permission to remove) are reported and the rest continue; the exit status is
then 1.
"""
from __future__ import annotations

import argparse
import math
import os
import stat
import sys
from dataclasses import dataclass

from mmstats_format import DEFAULT_MAX_SIZE, FormatError, decode_bytes
from mmstats_format.v1.types import lookup

from . import _liveness
from ._files import expand, problem_line
from ._output import run_cli, show

__all__ = ["main", "Verdict", "judge", "START_SLACK"]

# /proc/stat's boot time has whole-second resolution and the wall clock may be
# adjusted; a process counts as started after the file only beyond this margin.
START_SLACK = 5.0


@dataclass(frozen=True)
class Verdict:
    stale: bool
    reason: str


def judge(fields, file_uid: int, proc: str = "/proc") -> Verdict:
    """Whether the file whose ``fields`` were read, owned by ``file_uid``, is stale."""
    # spec: the first sys.pid field with an integer type
    pid_field = _liveness.default_field([f for f in fields if lookup(f.type).kind == "int"], "sys.pid")
    if pid_field is None:
        return Verdict(False, "no sys.pid field")
    pid = pid_field.value
    if not 0 < pid < 1 << 31:  # kill(0, 0) or kill(-1, 0) would ask about whole process groups
        return Verdict(False, f"sys.pid is {show(pid)}, not a process id")
    state = _liveness.probe(pid)
    if state == "gone":
        return Verdict(True, f"process {pid} is gone (ESRCH)")
    prefix = pid_field.label[:-len("sys.pid")]
    created_field = next((f for f in fields if f.label == prefix + "sys.created"), None)
    created = created_field.value if created_field is not None else None
    if isinstance(created, (int, float)) and not isinstance(created, bool) and math.isfinite(created):
        started = _liveness.process_start_time(pid, proc)
        if started is not None and started > created + START_SLACK:
            return Verdict(True, f"pid {pid} is a process started at {started:.0f}, after the file was created"
                                 f" at {created:.0f} (pid reused)")
    how = " (EPERM: another user's process)" if state == "alive-eperm" else ""
    uids = _liveness.process_uids(pid, proc)
    if uids is not None and file_uid not in uids:
        if file_uid != 0:
            return Verdict(True, f"pid {pid} runs as uid {min(uids)}, but the file belongs to uid {file_uid}"
                                 " (pid reused by another user)")
        # A root-owned file: a daemon may have dropped root after creating it, so not proof of reuse.
        how += f"; it runs as uid {min(uids)}, the file belongs to uid {file_uid}"
    return Verdict(False, f"process {pid} is alive{how}")


def _read(path):
    """(stat, fields or FormatError) of a regular file, opened without following a symlink."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return st, None
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(DEFAULT_MAX_SIZE + 1)
    finally:
        os.close(fd)
    if len(data) > DEFAULT_MAX_SIZE:
        return st, FormatError("file_too_large", DEFAULT_MAX_SIZE, "file is over the size limit", path)
    try:
        return st, decode_bytes(data, path)
    except FormatError as e:
        return st, e


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cleanstats", description="Remove mmstats files whose writer process is gone.",
        epilog="With no PATH: every *.mmstats file in $MMSTATS_PATH (default: the temp directory).")
    p.add_argument("paths", nargs="*", metavar="PATH", help="file, directory or glob pattern")
    p.add_argument("-n", "--dry-run", action="store_true", help="only say what would be removed")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the summary and errors")
    return p


def _body(argv) -> int:
    args = _parser().parse_args(argv)
    files, problems = expand(args.paths)
    removed = kept = 0
    errors = len(problems)
    remove_word = "would remove" if args.dry_run else "removed"
    summary_word = "to remove" if args.dry_run else "removed"

    def say(action, path, why):
        if not args.quiet:
            print(f"{action:<12} {show(path)}: {why}", flush=True)

    for line in problems:
        print(line, file=sys.stderr)
    for path in files:
        try:
            lst = os.lstat(path)
            if not stat.S_ISREG(lst.st_mode):
                kept += 1
                say("keep", path, "not a regular file")
                continue
            st, fields = _read(path)
        except OSError as e:
            if e.errno == getattr(os, "ELOOP", None) or isinstance(e, FileNotFoundError):
                kept += 1
                say("keep", path, "vanished or replaced by a symlink while checking")
                continue
            errors += 1
            print(problem_line(path, e), file=sys.stderr)
            continue
        if isinstance(fields, FormatError):
            kept += 1
            why = ("being created (not_ready)" if fields.code == "not_ready"
                   else f"not a valid mmstats file: offset {fields.offset}: {fields.code}")
            say("keep", path, why)
            continue
        if fields is None:
            kept += 1
            say("keep", path, "not a regular file")
            continue
        verdict = judge(fields, st.st_uid)
        if not verdict.stale:
            kept += 1
            say("keep", path, verdict.reason)
            continue
        if args.dry_run:
            removed += 1
            say(remove_word, path, verdict.reason)
            continue
        try:
            now = os.lstat(path)
            if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                kept += 1
                say("keep", path, "replaced by another file while checking")
                continue
            os.unlink(path)
        except FileNotFoundError:
            kept += 1
            say("keep", path, "already removed by someone else")
            continue
        except OSError as e:
            errors += 1
            print(f"{show(path)}: cannot remove: {e.strerror or e} ({verdict.reason})", file=sys.stderr)
            continue
        removed += 1
        say(remove_word, path, verdict.reason)
    total = removed + kept + errors
    print(f"cleanstats: {total} file{'s' if total != 1 else ''}: {removed} {summary_word}, {kept} kept, "
          f"{errors} error{'s' if errors != 1 else ''}", flush=True)
    return 1 if errors else 0


def main(argv=None) -> int:
    return run_cli(_body, argv)


if __name__ == "__main__":
    sys.exit(main())
