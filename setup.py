"""Only the optional C accelerator lives here; all metadata is in pyproject.toml.

optional=True: without a compiler the build goes on and mmstats uses its
pure-Python writer (mmstats/_pyslots.py) and
reader (mmstats_format).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("mmstats._speedups", ["mmstats/_speedups.c", "mmstats/_readpath.c",
                                                                "mmstats/_mapread.c", "mmstats/_exposition.c"], optional=True)])
