"""Build-time generators: what is derived from the construct schemas and checked in, each with --check.

    python -m mmstats_build.derive --check | --write        # mmstats_format/v1/table.py
    python -m mmstats_build.spec_tables --check | --write   # the tables of spec/v1.md
    mmstats_build.spec_examples                             # the spec's hex examples (corpus input)
    python -m mmstats_build.derive_v2 --check | --write     # mmstats_format/v2/derived.py
    python -m mmstats_build.spec_v2 --check | --write       # the tables and examples of spec/v2.md

Never imported by the runtime packages (mmstats, mmstats_format).
"""
