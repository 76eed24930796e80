"""The connection of the current thread, held in a context variable; tables are created by the repositories."""

from __future__ import annotations

import contextvars
import os
import sqlite3

from helpdesk import settings

_connection: contextvars.ContextVar[sqlite3.Connection | None] = contextvars.ContextVar("connection", default=None)


def connection() -> sqlite3.Connection:
    current = _connection.get()
    if current is None:
        os.makedirs(settings.DATA_DIR, exist_ok=True)
        current = sqlite3.connect(settings.DATABASE_PATH, timeout=30, isolation_level=None)
        current.row_factory = sqlite3.Row
        _connection.set(current)
    return current


def query(sql: str, *args: object) -> list[sqlite3.Row]:
    return connection().execute(sql, args).fetchall()


def execute(sql: str, *args: object) -> int:
    return int(connection().execute(sql, args).lastrowid or 0)
