"""Subscribers and their topics (standard library only)."""
