"""mmash: a small web interface and JSON/Prometheus endpoint over a directory of mmstats files."""
from .server import main

__all__ = ["main"]
