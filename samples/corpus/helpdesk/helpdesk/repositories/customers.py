from __future__ import annotations

import sqlite3

from helpdesk.database import connection, execute, query

connection().execute("CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "name TEXT NOT NULL, company TEXT NOT NULL, tier TEXT NOT NULL)")


def insert(name: str, company: str, tier: str) -> int:
    return execute("INSERT INTO customers (name, company, tier) VALUES (?, ?, ?)", name, company, tier)


def by_id(customer_id: int) -> sqlite3.Row | None:
    rows = query("SELECT * FROM customers WHERE id = ?", customer_id)
    return rows[0] if rows else None
