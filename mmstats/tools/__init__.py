"""Command-line tools that read mmstats files: slurpstats, pollstats, cleanstats and mmash.

Each tool is one module with a ``main(argv=None) -> int``; the console scripts
declared in pyproject.toml point at them.
"""
