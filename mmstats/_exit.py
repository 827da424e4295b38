"""Run one clean-up when the process ends: at normal exit, and on SIGTERM.

The models use it to remove this process's stats files. SIGTERM gets a
handler only where the application has none of its own: the current handler
must be the default one (SIG_DFL), and Python can only install handlers from
the main thread. After the clean-up the handler restores SIG_DFL and sends
SIGTERM again, so the process still ends as killed by SIGTERM (exit status
-15 / 143) as it would have without mmstats. An application that installs its
own SIGTERM handler later replaces ours; if it then exits normally, the
atexit clean-up still runs. os._exit() and SIGKILL run nothing: cleanstats
removes what they leave.
"""
from __future__ import annotations

import atexit
import os
import signal
import threading

__all__ = ["on_exit"]

_state = {"cleanup": None, "atexit": False, "sigterm": False}


def on_exit(cleanup) -> None:
    """Call ``cleanup()`` once when this process ends (the last callable given wins)."""
    _state["cleanup"] = cleanup
    if not _state["atexit"]:
        atexit.register(_run)
        _state["atexit"] = True
    if not _state["sigterm"]:
        _install_sigterm()


def _run() -> None:
    cleanup = _state["cleanup"]
    if cleanup is not None:
        cleanup()


def _install_sigterm() -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may; a later model made there tries again
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            _state["sigterm"] = True  # the application decides what SIGTERM does; never ask again
            return
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError, AttributeError):  # no SIGTERM here, or not the main interpreter
        return
    _state["sigterm"] = True


def _on_sigterm(signum, frame) -> None:
    try:
        _run()
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
