"""The four console scripts: declared entry points lead to each tool's main, and --help works."""
from importlib import import_module, metadata

import pytest

from test_tools_support import run_tool

TOOLS = ["slurpstats", "pollstats", "cleanstats", "mmash"]


def test_console_scripts_point_at_each_tools_main():
    try:
        scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    except Exception:  # pragma: no cover - importlib.metadata API drift
        pytest.skip("cannot list entry points")
    if "slurpstats" not in scripts:
        pytest.skip("the mmstats distribution is not installed (pip install -e .)")
    for tool in TOOLS:
        assert scripts[tool] == f"mmstats.tools.{tool}:main"
        assert callable(import_module(f"mmstats.tools.{tool}").main)


@pytest.mark.parametrize("tool", TOOLS)
def test_help_describes_the_usage(tool):
    r = run_tool(tool, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: {tool} ")
