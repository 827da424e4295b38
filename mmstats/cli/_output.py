"""Output helpers shared by the commands: quiet on a closed pipe."""
from __future__ import annotations

import os
import sys


def quiet_broken_pipe(run):
    """Run ``run()``; when the reader of stdout went away (`| head`), exit quietly."""
    try:
        code = run()
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
