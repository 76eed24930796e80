"""Storage of the orders domain: its own SQLite database, $DATA_DIR/orders.db."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from shop.config import DEFAULT_DATA_DIR

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL,
    cart_id INTEGER NOT NULL UNIQUE,
    state TEXT NOT NULL,
    subtotal TEXT NOT NULL,
    discount TEXT NOT NULL,
    shipping TEXT NOT NULL,
    tax TEXT NOT NULL,
    total TEXT NOT NULL,
    coupon TEXT,
    region TEXT NOT NULL,
    tracking TEXT,
    placed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id INTEGER NOT NULL REFERENCES orders (id),
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price TEXT NOT NULL,
    line_total TEXT NOT NULL,
    PRIMARY KEY (order_id, sku)
);
CREATE TABLE IF NOT EXISTS order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL
);
"""


def database_path() -> str:
    """Where this domain's database lives; DATA_DIR is read on every call."""
    return os.path.join(os.environ.get("DATA_DIR", DEFAULT_DATA_DIR), "orders.db")


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
