"""A tiny monolith for the packager's tests: web -> orders -> catalog, with shared helpers."""
