"""The ledger: every posted amount, in an SQLite table."""

import sqlite3
from decimal import Decimal

from firm.billing import tax


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY, account TEXT, amount TEXT)")
    return conn


def post(conn: sqlite3.Connection, account: str, amount: Decimal) -> None:
    conn.execute("INSERT INTO ledger (account, amount) VALUES (?, ?)", (account, str(amount)))


def balance(conn: sqlite3.Connection, account: str) -> Decimal:
    rows = conn.execute("SELECT amount FROM ledger WHERE account = ?", (account,)).fetchall()
    return sum((Decimal(r[0]) for r in rows), Decimal("0"))


def post_with_tax(conn: sqlite3.Connection, account: str, amount: Decimal, region: str) -> None:
    post(conn, account, amount)
    post(conn, "tax", tax.tax_on(amount, region))
