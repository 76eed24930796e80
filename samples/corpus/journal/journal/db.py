"""Connections (one per thread) and transactions."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator

from journal import settings

_state = threading.local()


def get_connection() -> sqlite3.Connection:
    if not hasattr(_state, "connection"):
        os.makedirs(settings.DATA_DIR, exist_ok=True)
        _state.connection = sqlite3.connect(settings.DATABASE, timeout=30, isolation_level=None)
        _state.connection.row_factory = sqlite3.Row
    return _state.connection  # type: ignore[no-any-return]


@contextlib.contextmanager
def transaction() -> Iterator[sqlite3.Connection]:
    connection = get_connection()
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def create_tables() -> None:
    get_connection().executescript("""
        CREATE TABLE IF NOT EXISTS authors (id INTEGER PRIMARY KEY AUTOINCREMENT, handle TEXT UNIQUE NOT NULL,
                                            name TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY AUTOINCREMENT, author_id INTEGER NOT NULL,
                                          title TEXT NOT NULL, body TEXT NOT NULL, published_on TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS comments (id INTEGER PRIMARY KEY AUTOINCREMENT, post_id INTEGER NOT NULL,
                                             who TEXT NOT NULL, text TEXT NOT NULL, written_on TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS post_tags (post_id INTEGER NOT NULL, tag TEXT NOT NULL,
                                              PRIMARY KEY (post_id, tag));
    """)
