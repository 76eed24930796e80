"""Opening a domain's own SQLite file under ``$DATA_DIR`` (a pure helper: no state kept here)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def transaction(name: str, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection to ``$DATA_DIR/<name>.db`` with ``schema`` applied, committed at the end of the block."""
    directory = os.environ.get("DATA_DIR", "data")
    os.makedirs(directory, exist_ok=True)
    conn = sqlite3.connect(os.path.join(directory, f"{name}.db"))
    conn.row_factory = sqlite3.Row
    try:
        conn.executescript(schema)
        with conn:
            yield conn
    finally:
        conn.close()
