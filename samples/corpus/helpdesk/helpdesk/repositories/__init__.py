"""SQL, one module per table group."""
