"""Where the MmStats default fields and the file names get their values.

Looked up when each file is created (0.8 computed them once per process), so
every thread's and every forked child's file carries its own sys.pid,
sys.tid and sys.created. SOURCES is a table so tests can pin the values.
"""
from __future__ import annotations

import os
import sys
import tempfile
import threading
import time

__all__ = ["SOURCES", "value", "directory_template", "filename_template", "keep_files", "command_name", "expand",
           "DEFAULT_FILENAME", "KEEP_ENV"]

DEFAULT_FILENAME = "{CMD}-{PID}-{TID}.mmstats"
KEEP_ENV = "MMSTATS_KEEP"  # set (not "0"): models keep their files when the process ends

SOURCES = {
    "pid": os.getpid,
    "tid": threading.get_native_id,  # the kernel's thread id, as 0.8's gettid
    "uid": getattr(os, "getuid", lambda: 0),
    "gid": getattr(os, "getgid", lambda: 0),
    "python_version": lambda: sys.version.replace("\n", ""),
    "created": time.time,
}


def value(name: str):
    """A callable for a static field: reads SOURCES[name] at each file's creation."""
    def current():
        return SOURCES[name]()
    current.__name__ = f"default_{name}"
    return current


def directory_template() -> str:
    return os.environ.get("MMSTATS_PATH") or tempfile.gettempdir()


def filename_template() -> str:
    return os.environ.get("MMSTATS_FILES") or DEFAULT_FILENAME


def keep_files() -> bool:
    """The default of a model's ``keep=``: MMSTATS_KEEP set to anything but "" or "0"."""
    return os.environ.get(KEEP_ENV, "") not in ("", "0")


def command_name() -> str:
    """{CMD}: the script's name (basename of sys.argv[0] without its extension).

    Never a path and never a name that starts with "-" (it would read as an
    option to ``rm *`` or ``mmstats read *``) or "." (``*`` would not match it):
    leading "-" and "." are dropped, and ``python -c``, ``python -`` and the
    interactive interpreter, whose argv[0] names no script, give "python".
    """
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 == "-c":
        return "python"
    name = os.path.splitext(os.path.basename(argv0))[0]
    if os.altsep:
        name = name.rpartition(os.altsep)[2]
    return name.lstrip("-.") or "python"


def expand(template: str, pid: int, tid: int) -> str:
    """Substitute {CMD}, {PID} and {TID}; other braces stay as they are."""
    return (template.replace("{CMD}", command_name())
            .replace("{PID}", str(pid)).replace("{TID}", str(tid)))
