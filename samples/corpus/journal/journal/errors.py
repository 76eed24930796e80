from __future__ import annotations


class JournalError(Exception):
    status = "400 Bad Request"


class NotFoundError(JournalError):
    status = "404 Not Found"


class ConflictError(JournalError):
    status = "409 Conflict"
