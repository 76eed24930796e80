"""Members of the library."""
