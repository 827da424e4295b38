"""Build-time generators: what is derived from the construct schema and checked in.

    python -m mmstats_build.derive --check | --write        # mmstats_format/v1/table.py
    python -m mmstats_build.spec_tables --check | --write   # the tables of spec/v1.md
    mmstats_build.spec_examples                             # the spec's hex examples (corpus input)

Never imported by the runtime packages (mmstats, mmstats_format).
"""
