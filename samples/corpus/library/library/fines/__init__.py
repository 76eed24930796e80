"""Fines for late returns."""
