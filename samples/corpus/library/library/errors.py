"""The library's exceptions; the web layer maps them to HTTP statuses."""

from __future__ import annotations


class LibraryError(Exception):
    """Base of every error a request can cause."""


class NotFound(LibraryError):
    pass


class Conflict(LibraryError):
    pass


class Invalid(LibraryError):
    pass
