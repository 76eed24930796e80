"""The one database helper: a thread-local connection."""

import sqlite3
import threading

PATH = "ledger.db"
_local = threading.local()


def db() -> sqlite3.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = sqlite3.connect(PATH)
    return conn
