"""mmstats: publish metrics into memory-mapped files (the writer; models follow)."""
