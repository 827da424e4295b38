"""Context-manager and finaliser behaviour shared by the readers that hold descriptors."""
from __future__ import annotations


class Closeable:
    """``with`` closes; garbage collection closes too, quietly (the interpreter may be exiting)."""

    def close(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
