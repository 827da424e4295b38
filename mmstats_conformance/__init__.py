"""The mmstats conformance corpus generator and the cross-language harness.

Kept import-light on purpose: `python -m mmstats_conformance.python_impl` runs
once per corpus case, so this package must not pull in the generator or the
harness just to be imported.
"""

__all__ = ["GENERATOR_VERSION"]

# Bump when the generator's output changes for reasons other than the schema.
GENERATOR_VERSION = "1"
