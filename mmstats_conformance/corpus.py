"""The committed corpus as the harness sees it: manifest, case selection, known failures."""
from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Corpus", "default_root", "load", "read_known_failures", "KnownFailuresError"]


def default_root() -> Path:
    """conformance/ beside this package (a checkout), else ./conformance."""
    beside = Path(__file__).resolve().parent.parent / "conformance"
    return beside if (beside / "manifest.json").is_file() else Path.cwd() / "conformance"


@dataclass
class Corpus:
    root: Path
    manifest: dict

    @property
    def cases(self) -> list[dict]:
        return self.manifest["cases"]

    @property
    def repo(self) -> Path:
        """Where commands and builds run: the directory holding conformance/."""
        return self.root.parent

    def path(self, rel: str) -> Path:
        return self.root / rel

    def select(self, kinds, run=(), skip=(), required_only=False) -> list[dict]:
        """Cases of the given kinds whose id matches some --run glob (all when none) and no --skip glob."""
        return [e for e in self.cases if e["kind"] in kinds and self.matches(e["id"], run, skip)
                and not (required_only and e.get("level") != "required")]

    @staticmethod
    def matches(id: str, run=(), skip=()) -> bool:
        """True when ``id`` matches some --run glob (or there is none) and no --skip glob."""
        return (not run or any(fnmatch.fnmatchcase(id, g) for g in run)) and \
            not any(fnmatch.fnmatchcase(id, g) for g in skip)


def load(root: Path | None = None) -> Corpus:
    root = Path(root) if root is not None else default_root()
    with open(root / "manifest.json", encoding="utf-8") as f:
        return Corpus(root, json.load(f))


class KnownFailuresError(ValueError):
    pass


def read_known_failures(path: Path) -> dict[str, str]:
    """{case id: reason} from a known-failures file: `ID REASON...` per line, # comments.

    A missing file means no known failures. A line without a reason is an error:
    every skip says why.
    """
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        id, _, reason = line.partition(" ")
        if not reason.strip():
            raise KnownFailuresError(f"{path}:{n}: {id!r} has no reason; write `ID REASON`")
        out[id] = reason.strip()
    return out
