"""Monthly payroll over the contracts."""

import sqlite3
from decimal import Decimal

from firm.hr import contracts, staff


def monthly(conn: sqlite3.Connection, person_id: int) -> Decimal:
    return (contracts.salary(conn, person_id) / 12).quantize(Decimal("0.01"))


def run(conn: sqlite3.Connection, team_name: str) -> dict[str, Decimal]:
    out = {}
    for person in staff.team(conn, team_name):
        out[person.name] = monthly(conn, person.id)
        conn.execute("INSERT INTO payslips (person, amount) VALUES (?, ?)", (person.id, str(out[person.name])))
    return out
