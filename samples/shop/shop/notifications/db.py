"""Storage of the notifications domain: its own SQLite database, $DATA_DIR/notifications.db."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from shop.config import DEFAULT_DATA_DIR

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_recipient ON notifications (recipient);
"""


def database_path() -> str:
    """Where this domain's database lives; DATA_DIR is read on every call."""
    return os.path.join(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR), "notifications.db")


@contextmanager
def transaction(*, write: bool = True) -> Iterator[sqlite3.Connection]:
    """One connection and one transaction, committed at the end of the block and rolled back on an error.

    A write transaction takes the write lock up front (so read-then-write never fails halfway); ``write=False``
    is for reads, which then never wait for writers.
    """
    path = database_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.executescript(SCHEMA)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        conn.close()
