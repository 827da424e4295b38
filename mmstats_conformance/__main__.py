"""python -m mmstats_conformance ..."""
import sys

from .cli import main

sys.exit(main())
