"""The commands that read mmstats files: slurpstats, pollstats, cleanstats and mmash.

Each is one module with ``main(argv=None, prog=NAME) -> int``; the console
scripts declared in pyproject.toml point at them, and the ``mmstats`` command
(mmstats.cli) runs the same code as ``mmstats read|poll|clean|serve``. What
they print and how they exit is _output's; which files they read is _files's.
"""
