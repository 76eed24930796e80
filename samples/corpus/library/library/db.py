"""The one database helper: a connection per thread, the schema created on first use."""

from __future__ import annotations

import os
import sqlite3
import threading

from library import config

SCHEMA = """
CREATE TABLE IF NOT EXISTS books (isbn TEXT PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL,
                                  copies INTEGER NOT NULL, lent INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS members (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,
                                    email TEXT NOT NULL UNIQUE, joined_on TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS loans (id INTEGER PRIMARY KEY AUTOINCREMENT, member_id INTEGER NOT NULL,
                                  isbn TEXT NOT NULL, borrowed_on TEXT NOT NULL, due_on TEXT NOT NULL,
                                  returned_on TEXT);
CREATE TABLE IF NOT EXISTS fines (id INTEGER PRIMARY KEY AUTOINCREMENT, loan_id INTEGER NOT NULL,
                                  member_id INTEGER NOT NULL, amount TEXT NOT NULL, paid INTEGER NOT NULL DEFAULT 0);
"""

_local = threading.local()


def db() -> sqlite3.Connection:
    """This thread's connection (opened, and the schema made, on first use)."""
    connection = getattr(_local, "connection", None)
    if connection is None:
        os.makedirs(config.DATA_DIR, exist_ok=True)
        connection = sqlite3.connect(config.DATABASE, timeout=30, isolation_level=None)
        connection.row_factory = sqlite3.Row
        connection.executescript(SCHEMA)
        _local.connection = connection
    return connection
