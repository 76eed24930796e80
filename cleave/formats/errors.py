"""Errors in the files the stages exchange."""

from __future__ import annotations

from cleave.errors import CleaveError


class FormatError(CleaveError):
    """A graph, plan, topology or image layout that is malformed: names the file and line."""
