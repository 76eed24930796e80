"""Database access: a store object with a connection per thread."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence

from boxoffice import config


class Store:
    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()

    def conn(self) -> sqlite3.Connection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.row_factory = sqlite3.Row
            self.local.connection = connection
        return connection

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        return self.conn().execute(sql, tuple(args)).fetchall()

    def run(self, sql: str, args: Sequence[object] = ()) -> int:
        return int(self.conn().execute(sql, tuple(args)).lastrowid or 0)


store = Store(config.DB_PATH)
