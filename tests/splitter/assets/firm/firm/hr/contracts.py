"""Contracts: salary and hours per person."""

import sqlite3
from decimal import Decimal

from firm.hr import staff


def salary(conn: sqlite3.Connection, person_id: int) -> Decimal:
    row = conn.execute("SELECT salary FROM contracts WHERE person = ?", (person_id,)).fetchone()
    return Decimal(row[0]) if row else Decimal("0")


def sign(conn: sqlite3.Connection, person_id: int, amount: Decimal) -> None:
    staff.get(conn, person_id)
    conn.execute("INSERT INTO contracts (person, salary) VALUES (?, ?)", (person_id, str(amount)))


def hours(conn: sqlite3.Connection, person_id: int) -> int:
    row = conn.execute("SELECT hours FROM contracts WHERE person = ?", (person_id,)).fetchone()
    return int(row[0]) if row else 0
