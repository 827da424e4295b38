"""Build-time tools: generators of derived files (constants, spec tables, examples), each with --check."""
