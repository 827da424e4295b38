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


@pytest.mark.parametrize("command, tool", [("read", "slurpstats"), ("poll", "pollstats"), ("clean", "cleanstats"),
                                           ("serve", "mmash")])
def test_every_tool_is_also_an_mmstats_command_with_the_same_options(command, tool):
    import subprocess
    import sys
    from test_tools_support import REPO, tool_env
    r = subprocess.run([sys.executable, "-m", "mmstats.cli", command, "--help"], capture_output=True, text=True,
                       timeout=60, env=tool_env(), cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"usage: mmstats {command} ")
    # after the usage lines (wrapped to the name's length): the same description and options
    assert r.stdout.split("\n\n", 1)[1] == run_tool(tool, "--help").stdout.split("\n\n", 1)[1]


def test_no_tool_needs_construct():
    """construct is for building files; every reading command starts without it."""
    import subprocess
    import sys
    from test_tools_support import REPO, tool_env
    code = (
        "import importlib, sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'construct': raise ImportError('construct is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "for m in ['mmstats.cli', 'mmstats.cli.validate', 'mmstats.tools.slurpstats', 'mmstats.tools.pollstats',\n"
        "          'mmstats.tools.cleanstats', 'mmstats.tools.mmash.server', 'mmstats_conformance.python_impl']:\n"
        "    importlib.import_module(m)\n"
        "assert 'construct' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=tool_env(),
                       cwd=REPO)
    assert r.returncode == 0, r.stderr
