"""The read path and every tool import without construct (it costs most of their start-up)."""
from __future__ import annotations

import subprocess
import sys

BLOCK_CONSTRUCT = r"""
import importlib, pkgutil, sys

class NoConstruct:
    def find_spec(self, name, path=None, target=None):
        if name == "construct" or name.startswith("construct."):
            raise ImportError(f"construct is not importable here ({name})")
        return None

sys.meta_path.insert(0, NoConstruct())
names = ["mmstats_format", "mmstats_format.read", "mmstats_format.reread", "mmstats_format.directory",
         "mmstats_format.validate", "mmstats_format.canonical", "mmstats_format.scan"]
for package in ("mmstats.tools", "mmstats.cli"):
    names.append(package)
    names += [m.name for m in pkgutil.walk_packages(importlib.import_module(package).__path__, package + ".")
              if not m.name.endswith(".__main__")]  # running a command is not importing it
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except ImportError as e:
        failed.append(f"{name}: {e}")
assert "mmstats.tools.mmash" in names and "mmstats.tools.cleanstats" in names and "mmstats.cli.validate" in names, names
assert not any(m == "construct" or m.startswith("construct.") for m in sys.modules)
for line in failed:
    print(line)
print(len(names), "imported")
"""


def test_every_tool_and_the_read_path_import_without_construct():
    out = subprocess.run([sys.executable, "-c", BLOCK_CONSTRUCT], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:-1] == [], "\n".join(lines[:-1])  # the modules that needed construct
    assert lines[-1].endswith(" imported") and int(lines[-1].split()[0]) >= 15, lines[-1]
